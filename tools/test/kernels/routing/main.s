// Interrupt masking and TVAL arithmetic, three checks that once failed in our emulator:
// 1. An IRQ routed to EL2 (HCR_EL2.IMO) is taken from EL1 even with PSTATE.I set: masking
//    applies only to interrupts aimed at the current EL (Arm ARM D1.13.4).
// 2. A FIQ (HCR_EL2.FMO, CNTV routed as FIQ by the local controller) is taken at EL2 once
//    PSTATE.F is clear.
// 3. Writing CNTP_TVAL_EL0 = 1000 sets CVAL = count + 1000 exactly: between the counts read
//    just before and just after the write, plus 1000.
// Each prints its result; the run exits 0 whatever the results, so the transcripts compare.
.include "macros.inc"

.equ LOCAL, 0x40000000

.section .text.boot
.global _start
_start:
    mov     x0, #0x80000
    mov     sp, x0
    adr     x0, vectors
    msr     vbar_el2, x0

    // 1. IRQ to EL2 from EL1 with DAIF masked: core 0's mailbox 0 raises it.
    mov     x0, #(1 << 31)
    orr     x0, x0, #(1 << 4)               // RW, IMO
    msr     hcr_el2, x0
    movz    x1, #0x4000, lsl #16
    mov     w0, #1
    str     w0, [x1, #0x50]                 // mailbox 0 interrupts core 0 (IRQ)
    str     w0, [x1, #0x80]                 // set mailbox 0
    ERET_TO at_el1, 0x3c5                // EL1h, DAIF all masked
at_el1:
    nop
    nop
    SAY     "routing: IRQ to EL2 not taken from EL1 with I set"
    EXIT    1
irq_taken:
    SAY     "routing: IRQ to EL2 taken from EL1 with I set"
    movz    x1, #0x4000, lsl #16
    mov     w0, #1
    str     w0, [x1, #0xc0]                 // clear mailbox 0
    str     wzr, [x1, #0x50]

    // 2. CNTV as a FIQ to EL2, unmasked at EL2.
    mov     x0, #(1 << 31)
    orr     x0, x0, #(1 << 3)               // RW, FMO
    msr     hcr_el2, x0
    mov     w0, #0x80
    str     w0, [x1, #0x40]                 // core 0: CNTV -> FIQ
    mrs     x0, cntvct_el0
    sub     x0, x0, #1
    msr     cntv_cval_el0, x0               // already expired
    mov     x0, #1
    msr     cntv_ctl_el0, x0
    isb
    msr     daifclr, #1
    nop
    nop
    SAY     "routing: FIQ not taken"
    EXIT    1
fiq_taken:
    SAY     "routing: FIQ taken at EL2"
    msr     cntv_ctl_el0, xzr
    str     wzr, [x1, #0x40]

    // 3. TVAL write arithmetic.
    mov     x3, #1000
    mrs     x0, cntpct_el0
    isb
    msr     cntp_tval_el0, x3
    isb
    mrs     x1, cntpct_el0
    mrs     x2, cntp_cval_el0
    add     x0, x0, x3
    add     x1, x1, x3
    cmp     x2, x0
    b.lo    1f
    cmp     x2, x1
    b.hi    1f
    SAY     "routing: TVAL write sets CVAL = count + TVAL"
    EXIT    0
1:  SAY     "routing: TVAL write set CVAL elsewhere"
    EXIT    0

    // Current EL with SPx: the FIQ entry (0x300); lower EL, AArch64: the IRQ entry (0x480).
    .balign 2048
vectors:
    .skip   0x300
    b       fiq_taken
    .skip   0x480 - 0x304
    b       irq_taken
