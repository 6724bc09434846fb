// Waking the secondary cores the way the firmware's spin table expects: write the
// entry address to 0xd8 + 8 * core, then SEV. Each core drops from EL2 to EL1 and
// prints its MPIDR_EL1 and CurrentEL at both levels. A turn counter (store-release,
// load-acquire, WFE/SEV) makes the order of the output the test's, not the scheduler's.
// Then interrupts between cores: core 0 sends core 1 an IPI through its mailbox, and
// a GPU interrupt (system timer compare 1) is routed to core 2 through 0x4000000C.
.include "macros.inc"

.equ SPIN_TABLE, 0xd8
.equ LOCAL, 0x40000000
.equ MAILBOX0_SET, 0x80                 // + 16 * core
.equ INTC, 0x3f00b200
.equ SYSTEM_TIMER, 0x3f003000
.equ STACKS, 0x70000                    // core n's EL2 stack top: STACKS - n * 0x4000; EL1's 0x2000 below

.section .text.boot
.global _start
_start:
    msr     nzcv, xzr
    mov     x0, #STACKS
    mov     sp, x0
    SAY     "smp: start"
    adr     x0, secondary
    mov     x1, #SPIN_TABLE
    str     x0, [x1, #8]                // cores 1, 2, 3
    str     x0, [x1, #16]
    str     x0, [x1, #24]
    dsb     sy
    sev
    b       common

// Cores 1-3 arrive here from the firmware's spin loop, at EL2, with x0 = 0.
secondary:
    mrs     x1, mpidr_el1
    and     x1, x1, #3
    mov     x2, #STACKS
    sub     x2, x2, x1, lsl #14
    mov     sp, x2

// Every core: drop to EL1h and take its turn.
common:
    mov     x0, #(1 << 31)
    msr     hcr_el2, x0
    mrs     x20, CurrentEL              // EL2's view, printed at EL1 on our turn
    mov     x0, sp
    sub     x0, x0, #0x2000
    msr     sp_el1, x0
    adr     x0, el1_vectors
    msr     vbar_el1, x0
    ERET_TO at_el1, 0x3c5
at_el1:
    mrs     x21, mpidr_el1
    and     x22, x21, #3                // this core's number
    adr     x23, turn
1:  ldar    x0, [x23]
    cmp     x0, x22
    b.eq    2f
    wfe
    b       1b
2:  SHOW    "core ", x22
    SHOW    "  MPIDR_EL1=", x21
    SHOW    "  CurrentEL before the drop=", x20
    SHOWSYS "  CurrentEL now=", CurrentEL
    add     x0, x22, #1
    stlr    x0, [x23]
    dsb     sy
    sev
    cbnz    x22, wait_for_irqs
    mov     x0, #4                      // core 0: wait for the other three
    bl      wait_turn

    SAY     "core 0 sends an IPI to core 1 (core 1's mailbox 0)"
    LDI     x1, LOCAL
    mov     w0, #0x42
    str     w0, [x1, #MAILBOX0_SET + 16 * 1]
    mov     x0, #5
    bl      wait_turn

    SAY     "system timer compare 1 in 10 ms, GPU interrupts routed to core 2"
    LDI     x1, LOCAL
    mov     w0, #2
    str     w0, [x1, #0x0c]             // GPU IRQ -> core 2
    LDI     x1, INTC
    mov     w0, #(1 << 1)
    str     w0, [x1, #0x10]             // enable IRQs 1 bit 1: system timer compare 1
    LDI     x1, SYSTEM_TIMER
    ldr     w0, [x1, #4]                // CLO, microseconds
    mov     w2, #10000
    add     w0, w0, w2
    str     w0, [x1, #0x10]             // C1
    mov     x0, #6
    bl      wait_turn
    SAY     "smp: done"
    EXIT    0

// Waits until turn = x0.
wait_turn:
    adr     x1, turn
1:  ldar    x2, [x1]
    cmp     x2, x0
    b.eq    2f
    wfe
    b       1b
2:  ret

// Cores 1-3 after their turn: take IRQs forever (each handler reports and passes the turn on).
wait_for_irqs:
    LDI     x1, LOCAL
    add     x1, x1, x22, lsl #2
    mov     w0, #1
    str     w0, [x1, #0x50]             // this core's mailbox 0 raises IRQ
    msr     daifclr, #2
1:  wfi
    b       1b

// IRQ handler of cores 1-3: report the source, silence it, pass the turn on.
irq_handler:
    and     x2, x0, #0x180
    cmp     x2, #0x080
    b.ne    sync_only
    stp     x19, x30, [sp, #-16]!
    mrs     x19, mpidr_el1
    and     x19, x19, #3
    SHOW    "IRQ on core ", x19
    LDI     x1, LOCAL + 0x60
    ldr     w20, [x1, x19, lsl #2]      // (the frame holds the interrupted x20)
    SHOW    "  source=", x20
    tbz     w20, #4, 1f
    LDI     x1, LOCAL + 0xc0            // mailbox 0 of this core: read and clear
    add     x1, x1, x19, lsl #4
    ldr     w0, [x1]
    SHOW    "  mailbox 0=", x0
    str     w0, [x1]
1:  tbz     w20, #8, 2f
    LDI     x1, INTC
    ldr     w0, [x1, #4]
    SHOW    "  GPU pending 1=", x0
    mov     w0, #(1 << 1)
    str     w0, [x1, #0x1c]             // disable system timer compare 1
    LDI     x1, SYSTEM_TIMER
    str     w0, [x1]                    // CS: clear the match
2:  adr     x1, turn
    ldr     x0, [x1]
    add     x0, x0, #1
    stlr    x0, [x1]
    dsb     sy
    sev
    ldp     x19, x30, [sp], #16
    ret

    VECTORS el1_vectors, irq_handler

.data
.balign 8
turn: .quad 0
