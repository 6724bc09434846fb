// Exception entry and return at EL0, EL1 and EL2: syndromes (ESR), return addresses
// (ELR), saved state (SPSR), vector offsets, stack-pointer banking, ERET restoring
// NZCV and DAIF, an illegal exception return, and the traps EL0 meets (EL1 registers,
// DAIF with and without SCTLR_EL1.UMA, WFI with and without SCTLR_EL1.nTWI).
.include "macros.inc"

.equ SCTLR_UMA, 1 << 9
.equ SCTLR_NTWI, 1 << 16
.equ LOCAL_MAILBOX_IRQ_CORE0, 0x40000050
.equ LOCAL_MAILBOX0_SET_CORE0, 0x40000080
.equ LOCAL_MAILBOX0_CLEAR_CORE0, 0x400000c0

.section .text.boot
.global _start
_start:
    mov     x0, #0x80000
    mov     sp, x0                      // EL2's stack: below the image
    msr     nzcv, xzr                   // NZCV is UNKNOWN at reset (QEMU starts with Z set)
    SAY     "exceptions: start"
    SHOWSYS "CurrentEL=", CurrentEL
    adr     x0, el2_vectors
    msr     vbar_el2, x0
    adr     x0, el1_vectors
    msr     vbar_el1, x0

    SAY     "BRK #7 at EL2 (vector 0x200, ELR = the BRK)"
brk_el2:
    brk     #7
    adr     x0, brk_el2
    SHOW    "  address of the BRK=", x0

    // Drop to EL1h with Z and C set and only I clear in DAIF, which ERET must restore.
    mov     x0, #0x70000
    msr     sp_el1, x0
    mov     x0, #0x60000
    msr     sp_el0, x0
    mov     x0, #(1 << 31)              // HCR_EL2.RW: EL1 is AArch64
    msr     hcr_el2, x0
    mov     x0, #3
    msr     cnthctl_el2, x0
    ERET_TO el1_main, 0x60000345

el1_main:
    mrs     x0, nzcv
    mrs     x1, daif
    msr     daifset, #0xf
    SAY     "ERET from EL2 to EL1h with SPSR_EL2=0x60000345"
    SHOWSYS "  CurrentEL=", CurrentEL
    SHOWSYS "  SPSel=", SPSel
    SHOW    "  NZCV=", x0
    SHOW    "  DAIF=", x1

    SAY     "stack pointers: SP_EL1, then SP_EL0 through SPSel=0"
    mov     x0, sp
    SHOW    "  sp=", x0
    msr     spsel, #0
    mov     x0, sp
    msr     spsel, #1
    SHOW    "  sp=", x0

    SAY     "HVC #0x123 from EL1 (to EL2, vector 0x400, ELR = next)"
hvc_el1:
    hvc     #0x123
    adr     x0, hvc_el1
    SHOW    "  address of the HVC=", x0

    SAY     "BRK #5 at EL1h (vector 0x200)"
    brk     #5

    SAY     "BRK #1 at EL1t (vector 0x000)"
    msr     spsel, #0
    brk     #1
    msr     spsel, #1

    SAY     "UDF #0 at EL1 (EC 0)"
    udf     #0

    SAY     "illegal exception return: ERET from EL2 to AArch64 EL1 with HCR_EL2.RW = 0"
    hvc     #2
    SHOWSYS "  back at EL1: CurrentEL=", CurrentEL

    // One tagged line: QEMU's raspi3b CPU implements EL3, where HCR_EL2.HCD is RES0.
    adr     x0, quiet
    mov     x1, #1
    str     x1, [x0]
    svc     #0x20                       // EL1's handler asks EL2 to set HCD, through HVC #1
    hvc     #0x124
    adr     x0, quiet
    str     xzr, [x0]
    mrs     x0, id_aa64pfr0_el1
    SHOW    "EL3 HVC with HCD: ID_AA64PFR0_EL1=", x0
    adr     x0, hcr_after_hcd
    ldr     x0, [x0]
    SHOW    "EL3 HVC with HCD: HCR_EL2=", x0
    adr     x0, last_el
    ldr     x0, [x0]
    SHOW    "EL3 HVC with HCD: taken to EL=", x0
    adr     x0, last_esr
    ldr     x0, [x0]
    SHOW    "EL3 HVC with HCD: ESR=", x0

    SAY     "illegal exception return: ERET to EL2 from EL1 (EC 0x0E, PSTATE.IL)"
    adr     x0, after_illegal
    msr     elr_el1, x0
    LDI     x0, 0x900003c9              // EL2h: higher than the current EL
    msr     spsr_el1, x0
    eret
after_illegal:
    nop
    SHOWSYS "  after it: CurrentEL=", CurrentEL
    mrs     x0, nzcv
    SHOW    "  NZCV=", x0

    SAY     "illegal exception return: SPSR.M = 0b0001 (EL0 with SP_ELx does not exist)"
    adr     x0, 1f
    msr     elr_el1, x0
    mov     x0, #0x3c1
    msr     spsr_el1, x0
    eret
1:  nop
    SHOWSYS "  after it: CurrentEL=", CurrentEL

    SAY     "ERET to EL1t: SP is SP_EL0 afterwards"
    adr     x0, 2f
    msr     elr_el1, x0
    mov     x0, #0x3c4
    msr     spsr_el1, x0
    eret
2:  mov     x0, sp
    msr     spsel, #1
    SHOW    "  sp=", x0

    SAY     "ERET to EL0 with SPSR_EL1=0x900003c0"
    adr     x0, el0_main
    msr     elr_el1, x0
    LDI     x0, 0x900003c0
    msr     spsr_el1, x0
    eret

// ---- EL0: every exception goes to EL1 through vector 0x400; SVC asks EL1 for services.
el0_main:
    svc     #0x10                       // its SPSR shows what ERET restored
    mov     x0, sp
    svc     #2                          // prints x0: SP_EL0
    mrs     x0, sctlr_el1               // UNDEFINED at EL0 (EC 0)
    msr     sctlr_el1, x0               // likewise
    msr     tpidr_el1, x0               // likewise
    mrs     x0, daif                    // SCTLR_EL1.UMA = 0: trapped (EC 0x18)
    msr     daifclr, #2                 // likewise, with Op0 = 0 in the syndrome
    msr     daifset, #1
    svc     #1                          // EL1 sets UMA
    msr     daifclr, #4                 // now allowed
    mrs     x0, daif
    svc     #2                          // prints DAIF as EL0 read it
    msr     daifset, #4
    mrs     x0, nzcv                    // NZCV is always accessible
    svc     #2
    svc     #3                          // EL1 clears nTWI: WFI at EL0 traps (EC 0x01)
    wfi
    svc     #4                          // EL1 sets nTWI and makes a (masked) mailbox IRQ pending
    wfi                                 // returns at once: an interrupt is pending, masked or not
    svc     #5                          // EL1 clears the mailbox
    hlt     #0xf000                     // semihosting is not available at EL0: UNDEFINED
    eret                                // UNDEFINED at EL0
    svc     #9                          // the end

// ---- EL1's synchronous handler: report, then serve EL0's SVCs.
el1_sync:
    stp     x19, x30, [sp, #-16]!
    mov     x19, x1                     // the frame
    bl      sync_only
    mrs     x0, esr_el1
    lsr     x1, x0, #26
    cmp     x1, #0x15
    b.ne    9f
    and     x0, x0, #0xffff
    cmp     x0, #1
    b.eq    1f
    cmp     x0, #2
    b.eq    2f
    cmp     x0, #3
    b.eq    3f
    cmp     x0, #4
    b.eq    4f
    cmp     x0, #5
    b.eq    5f
    cmp     x0, #9
    b.eq    8f
    cmp     x0, #0x20
    b.eq    6f
    b       9f
1:  mrs     x0, sctlr_el1
    orr     x0, x0, #SCTLR_UMA
    msr     sctlr_el1, x0
    b       9f
2:  ldr     x0, [x19]
    SHOW    "  EL0's x0=", x0
    mov     x0, sp
    SHOW    "  EL1's sp in the handler=", x0
    b       9f
3:  mrs     x0, sctlr_el1
    bic     x0, x0, #SCTLR_NTWI
    msr     sctlr_el1, x0
    b       9f
4:  mrs     x0, sctlr_el1
    orr     x0, x0, #SCTLR_NTWI
    msr     sctlr_el1, x0
    LDI     x0, LOCAL_MAILBOX_IRQ_CORE0
    mov     w1, #1                      // mailbox 0 raises IRQ on core 0
    str     w1, [x0]
    LDI     x0, LOCAL_MAILBOX0_SET_CORE0
    mov     w1, #0x80
    str     w1, [x0]
    b       9f
5:  LDI     x0, LOCAL_MAILBOX0_CLEAR_CORE0
    mov     w1, #0x80
    str     w1, [x0]
    SAY     "  WFI at EL0 returned"
    b       9f
6:  hvc     #1                          // EL2 sets HCR_EL2.HCD
    b       9f
8:  SAY     "exceptions: done"
    EXIT    0
9:  ldp     x19, x30, [sp], #16
    ret

// ---- EL2's synchronous handler: report; HVC #1 sets HCR_EL2.HCD.
el2_sync:
    stp     x19, x30, [sp, #-16]!
    bl      sync_only
    mrs     x0, esr_el2
    LDI     x1, 0x5a000001              // HVC #1
    cmp     x0, x1
    b.ne    1f
    mrs     x0, hcr_el2
    orr     x0, x0, #(1 << 29)
    msr     hcr_el2, x0
    mrs     x0, hcr_el2                 // what the write kept
    adr     x1, hcr_after_hcd
    str     x0, [x1]
    b       9f
1:  LDI     x1, 0x5a000002              // HVC #2: clear RW for the ERET; the illegal-state
    cmp     x0, x1                      // exception that follows comes back here (EC 0x0E)
    b.ne    2f
    mrs     x0, hcr_el2
    bic     x0, x0, #(1 << 31)
    msr     hcr_el2, x0
    b       9f
2:  lsr     x0, x0, #26
    cmp     x0, #0x0e                   // the illegal return left us at EL2: set RW again and
    b.ne    9f                          // return to EL1 at the instruction ELR_EL2 names
    mrs     x0, hcr_el2
    orr     x0, x0, #(1 << 31)
    msr     hcr_el2, x0
    mov     x0, #0x3c5
    msr     spsr_el2, x0
    mrs     x0, elr_el2
    sub     x0, x0, #4                  // report_exception stepped past it
    msr     elr_el2, x0
9:  ldp     x19, x30, [sp], #16
    ret

.data
.balign 8
hcr_after_hcd: .quad 0

.text
    VECTORS el1_vectors, el1_sync
    VECTORS el2_vectors, el2_sync
