// Waking the secondary cores the way the firmware's spin table expects: write the
// entry address to 0xd8 + 8 * core, then SEV. Each core drops from EL2 to EL1 and
// prints its MPIDR_EL1 and CurrentEL at both levels. A turn counter (store-release,
// load-acquire, WFE/SEV) makes the order of the output the test's, not the scheduler's.
.include "macros.inc"

.equ SPIN_TABLE, 0xd8
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
    adr     x0, at_el1
    msr     elr_el2, x0
    mov     x0, #0x3c5
    msr     spsr_el2, x0
    eret
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
    cbnz    x22, park
3:  ldar    x0, [x23]                   // core 0: wait for the other three
    cmp     x0, #4
    b.eq    4f
    wfe
    b       3b
4:  SAY     "smp: done"
    EXIT    0

park:
    wfe
    b       park

.data
.balign 8
turn: .quad 0
