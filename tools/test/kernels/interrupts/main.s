// Generic timers and interrupt routing on core 0: CNTP and CNTV with their CTL bits
// (ENABLE, IMASK, ISTATUS) and TVAL's meaning (signed: negative once the timer has
// expired), the local controller's timer control (0x40000040) and IRQ source
// (0x40000060) registers, IRQs taken at EL1 in the order the timers expire, the core
// mailboxes (set, read, clear, IRQ), a GPU interrupt (the PL011 receiving a byte)
// routed to core 0 through 0x4000000C, the local timer, a timer routed as FIQ, and reads of
// an unmodelled device.
// Virtual time in our emulator and QEMU's clock differ: nothing here prints a counter
// value, only flags and the order of events.
.include "macros.inc"

.equ LOCAL, 0x40000000
.equ GPU_ROUTE, LOCAL + 0x0c
.equ TIMER_CONTROL0, LOCAL + 0x40
.equ MAILBOX_CONTROL0, LOCAL + 0x50
.equ IRQ_SOURCE0, LOCAL + 0x60
.equ MAILBOX0_SET0, LOCAL + 0x80
.equ MAILBOX0_CLEAR0, LOCAL + 0xc0
.equ INTC, 0x3f00b200
.equ UART, 0x3f201000
.equ SPI0, 0x3f204000                   // a device neither machine models

.section .text.boot
.global _start
_start:
    msr     nzcv, xzr
    mov     x0, #0x80000
    mov     sp, x0
    SAY     "interrupts: start"
    mov     x0, #0x70000
    msr     sp_el1, x0
    mov     x0, #(1 << 31)              // EL1 is AArch64; IRQs go to EL1 (IMO clear)
    msr     hcr_el2, x0
    mov     x0, #3                      // EL1 may use the physical counter and timer
    msr     cnthctl_el2, x0
    msr     cntvoff_el2, xzr
    adr     x0, el1_vectors
    msr     vbar_el1, x0

    SAY     "EL2: CNTVCT_EL0 = CNTPCT_EL0 - CNTVOFF_EL2"
    mov     x0, #(1 << 40)
    msr     cntvoff_el2, x0
    isb
    mrs     x1, cntpct_el0
    mrs     x2, cntvct_el0
    add     x2, x2, x0
    sub     x2, x2, x1                  // 0 <= (CNTVCT + CNTVOFF) - CNTPCT < 2^20: read just after
    lsr     x2, x2, #20
    cmp     x2, #0
    cset    x2, eq
    SHOW    "  within 2^20 ticks: ", x2
    msr     cntvoff_el2, xzr
    SAY     "EL2: CNTHP timer expired, on the local controller's CNTHP line (bit 2)"
    mrs     x0, cntpct_el0
    msr     cnthp_cval_el2, x0
    mov     x0, #1
    msr     cnthp_ctl_el2, x0
    isb
    SHOWSYS "  CNTHP_CTL=", cnthp_ctl_el2
    LDI     x1, TIMER_CONTROL0
    mov     w0, #4
    str     w0, [x1]
    LDI     x1, IRQ_SOURCE0
    ldr     w0, [x1]
    SHOW    "  IRQ source=", x0
    msr     cnthp_ctl_el2, xzr
    isb
    ldr     w0, [x1]
    SHOW    "  IRQ source after disabling it=", x0
    LDI     x1, TIMER_CONTROL0
    str     wzr, [x1]

    ERET_TO el1_main, 0x3c5

el1_main:
    SAY     "CNTP: disabled"
    msr     cntp_ctl_el0, xzr
    SHOWSYS "  CNTP_CTL=", cntp_ctl_el0
    SAY     "CNTP: enabled, due in 1 s"
    LDI     x0, 62500000
    msr     cntp_tval_el0, x0
    mov     x0, #1
    msr     cntp_ctl_el0, x0
    SHOWSYS "  CNTP_CTL=", cntp_ctl_el0
    mrs     x0, cntp_tval_el0
    lsr     w0, w0, #31
    SHOW    "  TVAL negative: ", x0
    SAY     "CNTP: CVAL in the past"
    mrs     x0, cntpct_el0
    sub     x0, x0, #1
    msr     cntp_cval_el0, x0
    isb
    SHOWSYS "  CNTP_CTL=", cntp_ctl_el0
    mrs     x0, cntp_tval_el0
    lsr     w0, w0, #31
    SHOW    "  TVAL negative: ", x0
    LDI     x1, IRQ_SOURCE0
    ldr     w0, [x1]
    SHOW    "  IRQ source (CNTPNS not enabled locally)=", x0
    LDI     x1, TIMER_CONTROL0
    mov     w0, #2                      // CNTPNS -> IRQ
    str     w0, [x1]
    LDI     x1, IRQ_SOURCE0
    ldr     w0, [x1]
    SHOW    "  IRQ source (enabled)=", x0
    SAY     "CNTP: IMASK"
    mov     x0, #3
    msr     cntp_ctl_el0, x0
    isb
    SHOWSYS "  CNTP_CTL=", cntp_ctl_el0
    LDI     x1, IRQ_SOURCE0
    ldr     w0, [x1]
    SHOW    "  IRQ source=", x0
    SAY     "CNTP: IMASK clear, then DAIF.I clear: the IRQ is taken"
    mov     x0, #1
    msr     cntp_ctl_el0, x0
    isb
    msr     daifclr, #2
    isb
    msr     daifset, #2
    bl      show_irq_count

    // QEMU's timers run on the host's clock, and printing takes host time: between
    // arming the timers and the last IRQ nothing prints, and the deadlines are far apart.
    SAY     "CNTV due in 10 ms, CNTP in 300 ms; wait for both with WFI"
    LDI     x1, TIMER_CONTROL0
    mov     w0, #(2 | 8)                // CNTPNS and CNTV -> IRQ
    str     w0, [x1]
    adr     x0, quiet_irqs
    mov     x1, #1
    str     x1, [x0]
    LDI     x0, 18750000
    msr     cntp_tval_el0, x0
    LDI     x0, 625000
    msr     cntv_tval_el0, x0
    mov     x0, #1
    msr     cntp_ctl_el0, x0
    msr     cntv_ctl_el0, x0
    isb
    mrs     x20, cntp_ctl_el0
    mrs     x21, cntv_ctl_el0
    mov     x19, #3                     // one IRQ so far
1:  wfi
    msr     daifclr, #2
    isb
    msr     daifset, #2
    adr     x0, irq_count
    ldr     x0, [x0]
    cmp     x0, x19
    b.lo    1b
    adr     x0, quiet_irqs
    str     xzr, [x0]
    SHOW    "  right after arming: CNTP_CTL=", x20
    SHOW    "  right after arming: CNTV_CTL=", x21
    adr     x22, irq_log
    ldp     x0, x1, [x22]
    SHOW    "  first IRQ: source=", x0
    SHOW    "  first IRQ: CTL of the timer that fired=", x1
    ldp     x0, x1, [x22, #16]
    SHOW    "  second IRQ: source=", x0
    SHOW    "  second IRQ: CTL of the timer that fired=", x1
    bl      show_irq_count

    SAY     "core mailbox 0: set bits accumulate, clear by writing ones"
    LDI     x1, MAILBOX0_SET0
    mov     w0, #0x1
    str     w0, [x1]
    mov     w0, #0x40
    str     w0, [x1]
    LDI     x2, MAILBOX0_CLEAR0
    ldr     w0, [x2]
    SHOW    "  mailbox=", x0
    mov     w0, #0x1
    str     w0, [x2]
    ldr     w0, [x2]
    SHOW    "  after clearing 0x1: mailbox=", x0
    LDI     x1, IRQ_SOURCE0
    ldr     w0, [x1]
    SHOW    "  IRQ source (mailbox IRQ not enabled)=", x0
    LDI     x1, MAILBOX_CONTROL0
    mov     w0, #1
    str     w0, [x1]
    LDI     x1, IRQ_SOURCE0
    ldr     w0, [x1]
    SHOW    "  IRQ source (enabled)=", x0
    msr     daifclr, #2
    isb
    msr     daifset, #2
    bl      show_irq_count

    SAY     "UART receive interrupt routed to core 0 (GPU IRQ 57)"
    LDI     x1, UART
    mov     w0, #0x60                   // LCRH: 8 bits, FIFOs off: RX on every byte
    str     w0, [x1, #0x2c]
    mov     w0, #(1 << 4)               // IMSC: RXIM
    str     w0, [x1, #0x38]
    LDI     x0, 0x301                   // CR: UARTEN, TXE, RXE
    str     w0, [x1, #0x30]
    LDI     x1, INTC
    mov     w0, #(1 << 25)              // enable IRQs 2 bit 25 = GPU IRQ 57
    str     w0, [x1, #0x14]
    LDI     x1, GPU_ROUTE
    str     wzr, [x1]                   // GPU IRQ and FIQ to core 0
    mov     x19, #5
2:  wfi
    msr     daifclr, #2
    isb
    msr     daifset, #2
    adr     x0, irq_count
    ldr     x0, [x0]
    cmp     x0, x19
    b.lo    2b
    bl      show_irq_count

    SAY     "local timer: 10 ms reload, IRQ to core 0"
    LDI     x1, LOCAL
    str     wzr, [x1, #0x24]            // route: core 0 IRQ
    LDI     x0, (1 << 29) | (1 << 28) | 384000
    str     w0, [x1, #0x34]
    mov     x19, #6
3:  wfi
    msr     daifclr, #2
    isb
    msr     daifset, #2
    adr     x0, irq_count
    ldr     x0, [x0]
    cmp     x0, x19
    b.lo    3b
    bl      show_irq_count

    SAY     "CNTV as FIQ: expired, FIQ source"
    LDI     x1, TIMER_CONTROL0
    mov     w0, #0x80                   // CNTV -> FIQ
    str     w0, [x1]
    mrs     x0, cntvct_el0
    sub     x0, x0, #1
    msr     cntv_cval_el0, x0
    mov     x0, #1
    msr     cntv_ctl_el0, x0
    isb
    LDI     x1, IRQ_SOURCE0
    ldr     w0, [x1]
    SHOW    "  IRQ source=", x0
    ldr     w0, [x1, #0x10]
    SHOW    "  FIQ source=", x0
    msr     cntv_ctl_el0, xzr
    ldr     w0, [x1, #0x10]
    SHOW    "  FIQ source after disabling CNTV=", x0

    SAY     "reads of a device neither machine models (SPI0) give 0"
    LDI     x1, SPI0
    ldr     w0, [x1]
    SHOW    "  ", x0
    ldr     w0, [x1]
    SHOW    "  ", x0
    ldr     w0, [x1, #4]
    SHOW    "  ", x0
    SAY     "interrupts: done"
    EXIT    0

show_irq_count:
    adr     x0, irq_count
    ldr     x0, [x0]
    SHOW    "  IRQs so far: ", x0
    ret

// ---- IRQ handler: says what is pending and silences it.
el1_handler:
    and     x2, x0, #0x180
    cmp     x2, #0x080
    b.ne    sync_only
    stp     x19, x30, [sp, #-16]!
    LDI     x1, IRQ_SOURCE0
    ldr     w19, [x1]
    adr     x0, quiet_irqs
    ldr     x0, [x0]
    cbz     x0, 5f
    // Quiet: log (source, CTL of the timer that fired) in irq_log[irq_count - 1].
    adr     x0, irq_count
    ldr     x0, [x0]
    sub     x0, x0, #1                  // the first IRQ (CNTP above) needs no log
    adr     x1, irq_log
    add     x1, x1, x0, lsl #4
    mrs     x2, cntp_ctl_el0
    tst     w19, #(1 << 3)
    b.eq    6f
    mrs     x2, cntv_ctl_el0
6:  stp     x19, x2, [x1]
    b       7f
5:  SHOW    "IRQ: source=", x19
    mrs     x0, cntp_ctl_el0
    SHOW    "  CNTP_CTL=", x0
    mrs     x0, cntv_ctl_el0
    SHOW    "  CNTV_CTL=", x0
7:  tbz     w19, #1, 1f
    msr     cntp_ctl_el0, xzr           // CNTP fired: disable it
1:  tbz     w19, #3, 2f
    msr     cntv_ctl_el0, xzr           // CNTV fired: disable it
2:  tbz     w19, #4, 3f
    LDI     x1, MAILBOX0_CLEAR0
    ldr     w0, [x1]
    SHOW    "  mailbox 0=", x0
    str     w0, [x1]
    ldr     w0, [x1]
    SHOW    "  mailbox 0 after clearing=", x0
3:  tbz     w19, #8, 4f
    LDI     x1, INTC
    ldr     w0, [x1]
    SHOW    "  GPU: basic pending=", x0
    ldr     w0, [x1, #8]
    SHOW    "  GPU: pending 2=", x0
    LDI     x1, UART
    ldr     w0, [x1, #0x40]
    SHOW    "  UART MIS=", x0
    ldr     w0, [x1]
    and     w0, w0, #0xff
    SHOW    "  UART DR=", x0
    ldr     w0, [x1, #0x40]
    SHOW    "  UART MIS after reading DR=", x0
    LDI     x1, IRQ_SOURCE0
    ldr     w0, [x1]
    SHOW    "  IRQ source now=", x0
4:  tbz     w19, #11, 8f
    LDI     x1, LOCAL
    ldr     w0, [x1, #0x34]
    lsr     w0, w0, #31
    SHOW    "  local timer: interrupt flag=", x0
    str     wzr, [x1, #0x34]            // stop it
    mov     w0, #(1 << 31)
    str     w0, [x1, #0x38]             // clear the flag
    ldr     w0, [x1, #0x34]
    lsr     w0, w0, #31
    SHOW    "  local timer: interrupt flag after clearing=", x0
    LDI     x1, IRQ_SOURCE0
    ldr     w0, [x1]
    SHOW    "  IRQ source now=", x0
8:  adr     x0, irq_count
    ldr     x1, [x0]
    add     x1, x1, #1
    str     x1, [x0]
    ldp     x19, x30, [sp], #16
    ret

    VECTORS el1_vectors, el1_handler

.data
.balign 8
irq_count: .quad 0
// Nonzero: the IRQ handler logs timer IRQs in irq_log instead of printing.
quiet_irqs: .quad 0
irq_log: .quad 0, 0, 0, 0
