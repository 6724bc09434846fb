// Virtual SErrors, which EL2 raises for EL1 with HCR_EL2.AMO and VSE (chapter 02's serror
// exercise provokes one this way):
// 1. At EL1 with PSTATE.A set, the pending virtual SError is not taken.
// 2. Clearing A takes it at once, to EL1's SError entry for the current EL with SP_EL1
//    (0x380), with ESR_EL1 = EC 0x2f and IL, and ELR_EL1 at the instruction after the MSR.
// 3. Taking it clears HCR_EL2.VSE, as EL2 reads back after an HVC.
// Each prints its result; the run exits 0 only when the last step is reached.
.include "macros.inc"

.section .text.boot
.global _start
_start:
    mov     x0, #0x80000
    mov     sp, x0
    mov     x0, #0x70000
    msr     sp_el1, x0
    adr     x0, el2_vectors
    msr     vbar_el2, x0
    adr     x0, el1_vectors
    msr     vbar_el1, x0
    LDI     x0, 0x80000120                  // RW, VSE (bit 8), AMO (bit 5)
    msr     hcr_el2, x0
    ERET_TO at_el1, 0x3c5                   // EL1h, DAIF all masked
at_el1:
    nop
    nop
    SAY     "serror: not taken at EL1 while A is set"
    msr     daifclr, #4
unmasked:
    nop
    SAY     "serror: not taken after A was cleared"
    EXIT    1
serror_taken:
    SHOWSYS "serror: taken at EL1, ESR_EL1=", esr_el1
    mrs     x0, elr_el1
    adr     x1, unmasked
    sub     x0, x0, x1
    SHOW    "serror: ELR_EL1 - unmasked=", x0
    hvc     #0
    SAY     "serror: the HVC was not taken"
    EXIT    1
hvc_taken:
    SHOWSYS "serror: HCR_EL2 after it=", hcr_el2
    EXIT    0

    // EL1's table: only the SError entry for the current EL with SP_EL1 (0x380).
    .balign 2048
el1_vectors:
    .skip   0x380
    b       serror_taken
    // EL2's table: only the synchronous entry from a lower EL in AArch64 (0x400), for the HVC.
    .balign 2048
el2_vectors:
    .skip   0x400
    b       hvc_taken
