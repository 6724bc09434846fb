// What EL1 and EL2 let lower levels do: EL0's access to the counter and timers
// (CNTKCTL_EL1), to CTR_EL0, DC ZVA and cache maintenance (SCTLR_EL1.UCT, DZE, UCI);
// EL1's access to the physical counter and timer (CNTHCTL_EL2); IRQs taken from EL0
// (vector 0x480) and IRQs routed to EL2 by HCR_EL2.IMO.
.include "macros.inc"

.equ LOCAL, 0x40000000
.equ MAILBOX_CONTROL0, LOCAL + 0x50
.equ IRQ_SOURCE0, LOCAL + 0x60
.equ MAILBOX0_SET0, LOCAL + 0x80
.equ MAILBOX0_CLEAR0, LOCAL + 0xc0
.equ SCTLR_UCT, 1 << 15
.equ SCTLR_DZE, 1 << 14
.equ SCTLR_UCI, 1 << 26

.section .text.boot
.global _start
_start:
    msr     nzcv, xzr
    mov     x0, #0x80000
    mov     sp, x0
    SAY     "traps: start"
    mov     x0, #0x70000
    msr     sp_el1, x0
    mov     x0, #0x60000
    msr     sp_el0, x0
    mov     x0, #(1 << 31)
    msr     hcr_el2, x0
    msr     cnthctl_el2, xzr            // EL1 may not use the physical counter or timer
    msr     cntvoff_el2, xzr
    adr     x0, el1_vectors
    msr     vbar_el1, x0
    adr     x0, el2_vectors
    msr     vbar_el2, x0
    ERET_TO el1_main, 0x3c5

el1_main:
    SAY     "EL1 with CNTHCTL_EL2 = 0: CNTPCT and CNTP_CTL trap to EL2, CNTVCT does not"
    mrs     x0, cntpct_el0
    mrs     x0, cntp_ctl_el0
    msr     cntp_ctl_el0, xzr
    mrs     x0, cntvct_el0
    SAY     "  CNTVCT read"
    hvc     #1                          // EL2 sets CNTHCTL_EL2.EL1PCTEN and EL1PCEN
    mrs     x0, cntpct_el0
    mrs     x0, cntp_ctl_el0
    SHOW    "  now allowed: CNTP_CTL=", x0

    SAY     "EL0 with CNTKCTL_EL1 = 0 and SCTLR_EL1.UCT, DZE, UCI clear"
    msr     cntkctl_el1, xzr
    mrs     x0, sctlr_el1
    LDI     x1, SCTLR_UCT | SCTLR_DZE | SCTLR_UCI
    bic     x0, x0, x1
    msr     sctlr_el1, x0
    LDI     x0, MAILBOX_CONTROL0
    mov     w1, #1                      // mailbox 0 interrupts core 0
    str     w1, [x0]
    adr     x0, el0_code
    msr     elr_el1, x0
    msr     spsr_el1, xzr               // EL0t, interrupts unmasked
    eret

el0_code:
    mrs     x0, cntpct_el0
    mrs     x0, cntvct_el0
    mrs     x0, cntfrq_el0
    mrs     x0, cntp_ctl_el0
    msr     cntv_tval_el0, x0
    mrs     x0, ctr_el0
    adr     x1, buffer
    dc      zva, x1
    dc      cvau, x1
    dc      civac, x1
    ic      ivau, x1
    dc      isw, x1                     // set/way operations are UNDEFINED at EL0
    msr     spsel, #0                   // UNDEFINED at EL0
    svc     #1                          // EL1 opens everything above to EL0
    mrs     x0, cntfrq_el0
    svc     #2                          // prints x0
    mrs     x0, cntp_ctl_el0
    svc     #2
    mrs     x0, ctr_el0
    svc     #2
    adr     x1, buffer
    mvn     x0, xzr
    str     x0, [x1, #8]
    dc      zva, x1
    ldr     x0, [x1, #8]
    svc     #2                          // 0: zeroed
    dc      cvau, x1
    ic      ivau, x1
    svc     #3                          // EL1 sets mailbox 0: the IRQ is taken at EL0 on return (vector 0x480)
    nop
    svc     #4                          // on to EL1's last part

el1_last:
    SAY     "HCR_EL2.TWI and TWE: WFI and WFE at EL1 trap to EL2 (EC 0x01) when they would wait"
    hvc     #3                          // EL2 sets TWI and TWE; its handler clears them on the trap
    wfi
    hvc     #3
    sevl
    wfe                                 // the event register is set: no wait, no trap
    SAY     "  WFE with the event register set did not trap"
    ARCH    "ARCH WFE at EL1, event register clear, HCR_EL2.TWE = 1: ESR=", "wfe"

    SAY     "IRQ routed to EL2 (HCR_EL2.IMO), taken from EL1"
    hvc     #2                          // EL2 sets IMO
    // Unmask first: an IRQ for EL2 ignores EL1's PSTATE.I anyway (the routing kernel checks
    // that), and QEMU recognises an interrupt raised by a store only at the end of its
    // translation block, where we take it at once; with I clear throughout, both report the
    // same SPSR. The ISB ends QEMU's block right after the store.
    msr     daifclr, #2
    LDI     x0, MAILBOX0_SET0
    mov     w1, #0x8
    str     w1, [x0]
    isb
    nop
    msr     daifset, #2
    SAY     "  EL1 goes on"
    SAY     "traps: done"
    EXIT    0

// ---- EL1's handler: report synchronous exceptions, serve EL0's SVCs, take IRQs.
el1_handler:
    stp     x19, x30, [sp, #-16]!
    mov     x19, x1
    and     x2, x0, #0x180
    cmp     x2, #0x080
    b.ne    1f
    bl      irq
    b       9f
1:  bl      sync_only
    mrs     x0, esr_el1
    lsr     x1, x0, #26
    cmp     x1, #0x15
    b.ne    9f
    and     x0, x0, #0xffff
    cmp     x0, #1
    b.ne    2f
    LDI     x0, 0x303                   // CNTKCTL_EL1: EL0PCTEN, EL0VCTEN, EL0VTEN, EL0PTEN
    msr     cntkctl_el1, x0
    mrs     x0, sctlr_el1
    LDI     x1, SCTLR_UCT | SCTLR_DZE | SCTLR_UCI
    orr     x0, x0, x1
    msr     sctlr_el1, x0
    b       9f
2:  cmp     x0, #2
    b.ne    3f
    ldr     x0, [x19]
    SHOW    "  EL0's x0=", x0
    b       9f
3:  cmp     x0, #3
    b.ne    4f
    LDI     x0, MAILBOX0_SET0
    mov     w1, #0x4
    str     w1, [x0]
    b       9f
4:  cmp     x0, #4
    b.ne    9f
    adr     x0, el1_last
    msr     elr_el1, x0
    mov     x0, #0x3c5
    msr     spsr_el1, x0
9:  ldp     x19, x30, [sp], #16
    ret

// IRQ: report where it came from and clear the mailbox. Preserves x19.
irq:
    stp     x20, x30, [sp, #-16]!
    mov     x20, x0
    SHOW    "IRQ: vector=", x20
    mrs     x0, CurrentEL
    lsr     x0, x0, #2
    SHOW    "  EL=", x0
    cmp     x0, #2
    b.eq    1f
    SHOWSYS "  SPSR=", spsr_el1
    b       2f
1:  SHOWSYS "  SPSR=", spsr_el2
2:  LDI     x1, IRQ_SOURCE0
    ldr     w0, [x1]
    SHOW    "  source=", x0
    LDI     x1, MAILBOX0_CLEAR0
    ldr     w0, [x1]
    SHOW    "  mailbox 0=", x0
    str     w0, [x1]
    ldp     x20, x30, [sp], #16
    ret

// ---- EL2's handler: report; HVC #1 opens the physical counter and timer to EL1, HVC #2 routes IRQs to EL2.
el2_handler:
    stp     x19, x30, [sp, #-16]!
    and     x2, x0, #0x180
    cmp     x2, #0x080
    b.ne    1f
    bl      irq
    b       9f
1:  bl      sync_only
    mrs     x0, esr_el2
    lsr     x1, x0, #26
    cmp     x1, #0x01                   // a trapped WFI/WFE: stop trapping them
    b.ne    3f
    mrs     x0, hcr_el2
    bic     x0, x0, #(3 << 13)
    msr     hcr_el2, x0
    b       9f
3:  cmp     x1, #0x16
    b.ne    9f
    and     x0, x0, #0xffff
    cmp     x0, #1
    b.ne    2f
    mov     x0, #3
    msr     cnthctl_el2, x0
    b       9f
2:  cmp     x0, #3
    b.ne    4f
    mrs     x0, hcr_el2
    orr     x0, x0, #(3 << 13)          // TWI, TWE
    msr     hcr_el2, x0
    b       9f
4:  mrs     x0, hcr_el2
    orr     x0, x0, #(1 << 4)           // IMO
    msr     hcr_el2, x0
9:  ldp     x19, x30, [sp], #16
    ret

    VECTORS el1_vectors, el1_handler
    VECTORS el2_vectors, el2_handler

.data
.balign 64
buffer: .fill 64, 1, 0xff
