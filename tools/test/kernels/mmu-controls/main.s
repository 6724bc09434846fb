// MMU controls beyond the descriptors' own bits: hierarchical permissions in table
// descriptors (APTable, PXNTable), SCTLR_EL1.A, TCR_EL1.TBI0 and EPD1, unprivileged
// loads and stores (LDTR/STTR), AT S1E0R/S1E0W, and the exclusive monitor.
.include "macros.inc"

.equ TABLE, 3
.equ ATTR_NORMAL, 1 << 2
.equ SH_INNER, 3 << 8
.equ AF, 1 << 10
.equ AP_EL0_RW, 1 << 6
.equ AP_EL0_RO, 3 << 6
.equ PAGE, TABLE | ATTR_NORMAL | SH_INNER | AF
.equ APTABLE_RO, 1 << 62
.equ PXNTABLE, 1 << 59

.equ L1, 0x100000                       // TTBR0, T0SZ = 25: walk from level 1
.equ L2, 0x101000
.equ L3, 0x102000                       // VA 0 - 2 MiB: identity, EL1 only
.equ L3_RO, 0x103000                    // VA 4 - 6 MiB: under APTable = read-only
.equ L3_PXN, 0x104000                   // VA 6 - 8 MiB: under PXNTable
.equ P_EL0_RW, 0x1f4000
.equ P_EL0_RO, 0x1f5000
.equ P_EL1, 0x1f6000

.equ TCR_T0SZ_25, 25
.equ TCR_BASE, (2 << 30) | (16 << 16) | (3 << 12) | (1 << 10) | (1 << 8) | (3 << 28) | (1 << 26) | (1 << 24)
.equ TCR_EPD1, 1 << 23
.equ TCR_TBI0, 1 << 37

.section .text.boot
.global _start
_start:
    msr     nzcv, xzr
    mov     x0, #0x80000
    mov     sp, x0
    SAY     "mmu-controls: start"
    mov     x0, #0x70000
    msr     sp_el1, x0
    mov     x0, #(1 << 31)
    msr     hcr_el2, x0
    adr     x0, el1_vectors
    msr     vbar_el1, x0
    ERET_TO el1_main, 0x3c5

el1_main:
    bl      build_tables
    LDI     x0, 0xff00                  // attribute 1: Normal write-back (the pages use it)
    msr     mair_el1, x0
    LDI     x0, TCR_BASE | TCR_T0SZ_25 | TCR_EPD1
    msr     tcr_el1, x0
    LDI     x0, L1
    msr     ttbr0_el1, x0
    isb
    mrs     x0, sctlr_el1
    orr     x0, x0, #1
    msr     sctlr_el1, x0
    isb
    SAY     "MMU on"

    SAY     "TCR_EL1.EPD1 = 1: any TTBR1 address is a translation fault (level 0)"
    LDI     x1, 0xffffffffc0000000
    ldr     x0, [x1]

    SAY     "APTable = read-only: loads work, stores fault (permission, level 3)"
    LDI     x1, 0x400000
    ldr     x0, [x1]
    str     x0, [x1]
    SAY     "PXNTable: EL1 cannot execute below it (instruction abort)"
    LDI     x1, 0x600000
    adr     x0, resume_at
    adr     x2, 1f
    str     x2, [x0]
    br      x1
1:
    SAY     "SCTLR_EL1.A = 1: an unaligned load from Normal memory faults"
    mrs     x2, sctlr_el1
    orr     x0, x2, #2
    msr     sctlr_el1, x0
    isb
    LDI     x1, P_EL1 + 4
    ldr     x0, [x1]
    msr     sctlr_el1, x2
    isb
    ldr     x0, [x1]
    SAY     "  with A = 0 it does not"

    SAY     "TBI0: with TCR_EL1.TBI0 = 0 a tagged address faults; with 1 the tag is ignored"
    LDI     x1, P_EL1
    LDI     x0, 0x1234
    str     x0, [x1]
    LDI     x1, 0x5a000000001f6000
    ldr     x0, [x1]
    LDI     x0, TCR_BASE | TCR_T0SZ_25 | TCR_EPD1 | TCR_TBI0
    msr     tcr_el1, x0
    isb
    ldr     x0, [x1]
    SHOW    "  ", x0
    LDI     x0, TCR_BASE | TCR_T0SZ_25 | TCR_EPD1
    msr     tcr_el1, x0
    isb

    SAY     "LDTR/STTR: EL1 with EL0's permissions"
    LDI     x1, P_EL0_RW
    sttr    x1, [x1]
    ldtr    x0, [x1]
    SHOW    "  EL0 page: ", x0
    LDI     x1, P_EL0_RO
    ldtr    x0, [x1]
    SAY     "  EL0 read-only page: LDTR works"
    sttr    x0, [x1]
    LDI     x1, P_EL1
    ldtr    x0, [x1]
    ldr     x0, [x1]
    SAY     "  EL1-only page: LDR works"

    SAY     "AT S1E0R/S1E0W"
    LDI     x1, P_EL0_RW
    at      s1e0w, x1
    isb
    SHOWSYS "  EL0 page, write: PAR_EL1=", par_el1
    LDI     x1, P_EL0_RO
    at      s1e0w, x1
    isb
    SHOWSYS "  EL0 read-only page, write: PAR_EL1=", par_el1
    LDI     x1, P_EL1
    at      s1e0r, x1
    isb
    SHOWSYS "  EL1 page, read: PAR_EL1=", par_el1
    at      s1e1w, x1
    isb
    SHOWSYS "  EL1 page, write at EL1: PAR_EL1=", par_el1

    SAY     "LDP whose second register lies in an unmapped block: FAR is that register's address"
    LDI     x1, 0x1ffff8
    ldp     x2, x3, [x1]
    SAY     "STP likewise (WnR)"
    stp     x2, x3, [x1]

    SAY     "exclusive monitor"
    LDI     x1, P_EL1 + 64
    mov     x0, #5
    stxr    w2, x0, [x1]
    SHOW    "  STXR without LDXR: status=", x2
    ldxr    x3, [x1]
    stxr    w2, x0, [x1]
    SHOW    "  LDXR then STXR: status=", x2
    ldxr    x3, [x1]
    clrex
    stxr    w2, x0, [x1]
    SHOW    "  LDXR, CLREX, STXR: status=", x2
    ldaxr   x3, [x1]
    stlxr   w2, x0, [x1]
    SHOW    "  LDAXR then STLXR: status=", x2
    ldxp    x3, x4, [x1]
    stxp    w2, x3, x4, [x1]
    SHOW    "  LDXP then STXP: status=", x2
    SAY     "mmu-controls: done"
    EXIT    0

build_tables:
    mov     x9, x30
    LDI     x0, L1
    mov     x1, #(5 * 512)
1:  str     xzr, [x0], #8
    subs    x1, x1, #1
    b.ne    1b
    LDI     x0, L1
    LDI     x1, L2 | TABLE
    str     x1, [x0]
    LDI     x0, L2
    LDI     x1, L3 | TABLE
    str     x1, [x0]
    LDI     x1, L3_RO | TABLE | APTABLE_RO
    str     x1, [x0, #16]
    LDI     x1, L3_PXN | TABLE | PXNTABLE
    str     x1, [x0, #24]
    // Identity pages: EL1 read-write under L3, and under L3_RO and L3_PXN for their 2 MiB.
    LDI     x0, L3
    LDI     x1, PAGE
    bl      fill_pages
    LDI     x0, L3_RO
    LDI     x1, 0x400000 | PAGE
    bl      fill_pages
    LDI     x0, L3_PXN
    LDI     x1, 0x600000 | PAGE
    bl      fill_pages
    LDI     x0, L3
    LDI     x1, P_EL0_RW | PAGE | AP_EL0_RW
    str     x1, [x0, #(P_EL0_RW >> 12) * 8]
    LDI     x1, P_EL0_RO | PAGE | AP_EL0_RO
    str     x1, [x0, #(P_EL0_RO >> 12) * 8]
    LDI     x0, 0x600000                // a RET for the PXNTable test (the MMU is still off)
    LDI     x1, 0xd65f03c0
    str     w1, [x0]
    dsb     ish
    ret     x9

// Fills the 512 entries at x0 with pages from descriptor x1 up. Clobbers x0-x2.
fill_pages:
    mov     x2, #512
1:  str     x1, [x0], #8
    add     x1, x1, #0x1000
    subs    x2, x2, #1
    b.ne    1b
    ret

    VECTORS el1_vectors, sync_only
