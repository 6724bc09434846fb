// Identification registers and the state the firmware leaves: what a kernel can read
// about the CPU before it changes anything.
.include "macros.inc"

.section .text.boot
.global _start
_start:
    mov     x0, #0x80000
    mov     sp, x0
    SAY     "id-registers: start"
    SAY     "at EL2, as the firmware left it"
    SHOWSYS "CurrentEL=", CurrentEL
    mrs     x0, daif
    SHOW    "DAIF=", x0
    SHOWSYS "SPSel=", SPSel
    SHOWSYS "HCR_EL2=", hcr_el2
    SHOWSYS "CNTHCTL_EL2=", cnthctl_el2
    SHOWSYS "CNTVOFF_EL2=", cntvoff_el2
    SHOWSYS "CNTFRQ_EL0=", cntfrq_el0
    SHOWSYS "SCTLR_EL1=", sctlr_el1
    SHOWSYS "TCR_EL1=", tcr_el1
    SHOWSYS "CPACR_EL1=", cpacr_el1
    SHOWSYS "CNTKCTL_EL1=", cntkctl_el1
    SHOWSYS "MDSCR_EL1=", mdscr_el1
    SAY     "identification"
    SHOWSYS "MIDR_EL1=", midr_el1
    SHOWSYS "MPIDR_EL1=", mpidr_el1
    SHOWSYS "REVIDR_EL1=", revidr_el1
    SHOWSYS "ID_AA64PFR0_EL1=", id_aa64pfr0_el1
    SHOWSYS "ID_AA64PFR1_EL1=", id_aa64pfr1_el1
    SHOWSYS "ID_AA64DFR0_EL1=", id_aa64dfr0_el1
    SHOWSYS "ID_AA64ISAR0_EL1=", id_aa64isar0_el1
    SHOWSYS "ID_AA64ISAR1_EL1=", id_aa64isar1_el1
    SHOWSYS "ID_AA64MMFR0_EL1=", id_aa64mmfr0_el1
    SHOWSYS "ID_AA64MMFR1_EL1=", id_aa64mmfr1_el1
    SHOWSYS "CTR_EL0=", ctr_el0
    SHOWSYS "DCZID_EL0=", dczid_el0
    SAY     "id-registers: done"
    EXIT    0
