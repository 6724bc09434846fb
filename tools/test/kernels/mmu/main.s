// The MMU and the faults it raises, at EL1 and EL0: 4 KiB pages, 2 MiB and 1 GiB blocks,
// both TTBRs with several region sizes (so walks start at levels 0, 1 and 2), TLBI after
// a table change, AT S1E1R and PAR_EL1, MAIR attributes; ESR and FAR for translation
// faults at each level, access-flag and permission faults (read-only, EL1-only, PXN,
// EL0-writable), instruction aborts, alignment faults (LDXR, Device memory) and WnR.
.include "macros.inc"

// Descriptor bits (Arm ARM D8.3, stage 1, 4 KiB granule).
.equ VALID, 1
.equ TABLE, 3                           // also a level-3 page
.equ ATTR_DEVICE, 0 << 2                // MAIR_EL1 attribute 0: Device-nGnRnE
.equ ATTR_NORMAL, 1 << 2                // attribute 1: Normal, write-back
.equ ATTR_NC, 2 << 2                    // attribute 2: Normal, non-cacheable
.equ SH_INNER, 3 << 8
.equ AF, 1 << 10
.equ AP_EL0_RW, 1 << 6
.equ AP_RO, 2 << 6
.equ AP_EL0_RO, 3 << 6
.equ PXN, 1 << 53
.equ UXN, 1 << 54
.equ PAGE, TABLE | ATTR_NORMAL | SH_INNER | AF
.equ BLOCK, VALID | ATTR_NORMAL | SH_INNER | AF

// Translation tables (physical = virtual for these addresses).
.equ L1, 0x100000                       // TTBR0, T0SZ = 25: 39-bit addresses, walk starts at level 1
.equ L2, 0x101000                       // VA 0 - 1 GiB
.equ L3, 0x102000                       // VA 0 - 2 MiB, 4 KiB pages
.equ L0, 0x103000                       // TTBR0, T0SZ = 16: level 0 above L1
.equ L0_HIGH, 0x104000                  // TTBR1, T1SZ = 16
.equ L1_HIGH, 0x105000
.equ L1_HIGH32, 0x106000                // TTBR1, T1SZ = 32: walk starts at level 1 with 4 entries

// Test pages in the first 2 MiB.
.equ P_INVALID, 0x1f0000
.equ P_NO_AF, 0x1f1000
.equ P_RO, 0x1f2000
.equ P_EL1_ONLY, 0x1f3000
.equ P_EL0_RW, 0x1f4000
.equ P_PXN, 0x1f5000
.equ P_DEVICE, 0x1f6000
.equ P_NORMAL, 0x1f7000
.equ P_ALIAS, 0x1f8000                  // maps P_NORMAL, then P_OTHER
.equ P_EL0_STACK, 0x1f9000
.equ P_OTHER, 0x1fa000
.equ P_NC, 0x1fb000

.equ TCR_T0SZ_25, 25
.equ TCR_T1SZ_16, 16 << 16
.equ TCR_TG1_4K, 2 << 30
.equ TCR_BASE, TCR_TG1_4K | (3 << 12) | (1 << 10) | (1 << 8) | (3 << 28) | (1 << 26) | (1 << 24)

.section .text.boot
.global _start
_start:
    msr     nzcv, xzr
    mov     x0, #0x80000
    mov     sp, x0
    SAY     "mmu: start"
    mov     x0, #0x70000
    msr     sp_el1, x0
    mov     x0, #(1 << 31)
    msr     hcr_el2, x0
    adr     x0, el1_vectors
    msr     vbar_el1, x0
    ERET_TO el1_main, 0x3c5

el1_main:
    SAY     "AT S1E1R with the MMU off"
    LDI     x1, 0x1f7123
    bl      translate
    // Tagged: QEMU 7.2 checks neither of these alignments.
    LDI     x1, 0x1f7001
    ARCH    "ARCH unaligned LDR, MMU off (Device-nGnRnE): ESR=", "ldr x0, [x1]"
    mov     x0, #0x6ff8
    msr     sp_el0, x0
    ARCH    "ARCH LDR from SP_EL0 = 0x6ff8 at EL1t, SCTLR_EL1.SA = 1: ESR=", "msr spsel, #0 ; ldr x0, [sp] ; msr spsel, #1"

    bl      build_tables
    LDI     x0, 0x44ff00                // attribute 0 Device-nGnRnE, 1 Normal WB, 2 Normal NC
    msr     mair_el1, x0
    LDI     x0, TCR_BASE | TCR_T0SZ_25 | TCR_T1SZ_16
    msr     tcr_el1, x0
    LDI     x0, L1
    msr     ttbr0_el1, x0
    LDI     x0, L0_HIGH
    msr     ttbr1_el1, x0
    isb
    mrs     x0, sctlr_el1
    orr     x0, x0, #1                  // M
    orr     x0, x0, #(1 << 2)           // C
    orr     x0, x0, #(1 << 12)          // I
    msr     sctlr_el1, x0
    isb
    SAY     "MMU on"

    SAY     "4 KiB page, 2 MiB block, 1 GiB block"
    LDI     x1, P_NORMAL
    LDI     x0, 0x1122334455667788
    str     x0, [x1]
    ldr     x0, [x1]
    SHOW    "  page: ", x0
    LDI     x1, 0x200010
    LDI     x0, 0xabcdef
    str     x0, [x1]
    ldr     x0, [x1]
    SHOW    "  2 MiB block: ", x0
    LDI     x1, 0x80080000              // 1 GiB block at 2 GiB -> physical 0
    ldr     w0, [x1]
    SHOW    "  1 GiB block, first word of the image: ", x0
    ldr     w0, _start
    SHOW    "  the same through the identity map: ", x0

    SAY     "TTBR1 (T1SZ = 16, walk from level 0): 0xffffffffc0080000 -> 0x80000"
    LDI     x1, 0xffffffffc0080000
    ldr     w0, [x1]
    SHOW    "  ", x0
    SAY     "TTBR1 with T1SZ = 32 (walk from level 1, 4 entries)"
    LDI     x0, L1_HIGH32
    msr     ttbr1_el1, x0
    LDI     x0, TCR_BASE | TCR_T0SZ_25 | (32 << 16)
    msr     tcr_el1, x0
    isb
    LDI     x1, 0xffffffffc0080000
    ldr     w0, [x1]
    SHOW    "  ", x0
    SAY     "TTBR0 with T0SZ = 16 (walk from level 0)"
    LDI     x0, L0_HIGH
    msr     ttbr1_el1, x0
    LDI     x0, L0
    LDI     x1, TCR_BASE | 16 | TCR_T1SZ_16
    bl      switch_ttbr0
    LDI     x1, P_NORMAL
    ldr     x0, [x1]
    SHOW    "  ", x0
    SAY     "translation fault, level 0 (VA 0x8000000000)"
    LDI     x1, 0x8000000000
    ldr     x0, [x1]
    SAY     "address outside TTBR0's 39 bits with T0SZ = 25 (translation fault, level 0)"
    LDI     x0, L1
    LDI     x1, TCR_BASE | TCR_T0SZ_25 | TCR_T1SZ_16
    bl      switch_ttbr0
    LDI     x1, 0x8000000000
    ldr     x0, [x1]

    SAY     "translation fault, level 1 (VA 0x40000000)"
    LDI     x1, 0x40000000
    ldr     x0, [x1]
    SAY     "translation fault, level 2 (VA 0x400000), a store (WnR)"
    LDI     x1, 0x400000
    str     x0, [x1]
    SAY     "translation fault, level 3"
    LDI     x1, P_INVALID + 8
    ldr     x0, [x1]
    SAY     "access-flag fault, level 3"
    LDI     x1, P_NO_AF
    ldr     x0, [x1]
    SAY     "access-flag fault, level 2 (2 MiB block without AF)"
    LDI     x1, 0x600000
    ldr     x0, [x1]
    SAY     "store to a read-only page (permission fault, level 3, WnR)"
    LDI     x1, P_RO
    ldr     x0, [x1]                    // reading is fine
    str     x0, [x1]
    SAY     "plain unaligned load from Normal memory: no fault"
    LDI     x1, P_NORMAL + 1
    ldr     x0, [x1]
    SHOW    "  ", x0
    SAY     "LDXR unaligned (alignment fault)"
    LDI     x1, P_NORMAL + 4
    ldxr    x0, [x1]
    // Tagged: QEMU 7.2 does not check alignment for Device memory.
    LDI     x1, P_DEVICE + 2
    ARCH    "ARCH unaligned LDR from Device memory, MMU on: ESR=", "ldr w0, [x1]"
    SAY     "aligned load from Device memory: no fault"
    LDI     x1, P_DEVICE + 4
    ldr     w0, [x1]
    SAY     "execute from a PXN page (instruction abort, permission, level 3)"
    LDI     x1, P_PXN
    bl      call_expecting_abort
    SAY     "execute from a page EL0 can write (instruction abort, permission)"
    LDI     x1, P_EL0_RW
    bl      call_expecting_abort
    SAY     "execute from an invalid page (instruction abort, translation, level 3)"
    LDI     x1, P_INVALID
    bl      call_expecting_abort
    SAY     "execute from an executable page works"
    LDI     x1, P_NORMAL
    LDI     x0, 0xd65f03c0              // ret
    str     w0, [x1]
    dc      cvau, x1
    dsb     ish
    ic      ivau, x1
    dsb     ish
    isb
    blr     x1
    SAY     "  returned"

    SAY     "AT S1E1R and PAR_EL1"
    LDI     x1, P_NORMAL + 0x123
    bl      translate
    LDI     x1, P_DEVICE
    bl      translate
    LDI     x1, P_NC
    bl      translate
    LDI     x1, 0x80080000
    bl      translate
    LDI     x1, 0xffffffffc0080000
    bl      translate
    LDI     x1, P_INVALID
    bl      translate
    LDI     x1, P_NO_AF
    bl      translate
    LDI     x1, 0x40000000
    bl      translate
    SAY     "AT S1E1W on a read-only page"
    LDI     x1, P_RO
    at      s1e1w, x1
    isb
    mrs     x0, par_el1
    SHOW    "  PAR_EL1.F and FST: ", x0

    SAY     "TLBI after a table change"
    LDI     x1, P_NORMAL
    LDI     x0, 0x1111
    str     x0, [x1]
    LDI     x1, P_OTHER
    LDI     x0, 0x2222
    str     x0, [x1]
    LDI     x1, P_ALIAS
    ldr     x0, [x1]
    SHOW    "  before: ", x0
    LDI     x2, L3 + (P_ALIAS >> 12) * 8
    LDI     x0, P_OTHER | PAGE
    str     x0, [x2]
    dsb     ishst
    tlbi    vmalle1
    dsb     ish
    isb
    ldr     x0, [x1]
    SHOW    "  after: ", x0

    // TLBI by VA: Xt holds VA[55:12]. The page named loses its translation, and so does every
    // page a changed block maps, whichever of its pages is named.
    SAY     "TLBI VAE1 after a page's table change"
    LDI     x2, L3 + (P_ALIAS >> 12) * 8
    LDI     x0, P_NORMAL | PAGE
    str     x0, [x2]
    dsb     ishst
    LDI     x3, P_ALIAS >> 12
    tlbi    vae1, x3
    dsb     ish
    isb
    LDI     x1, P_ALIAS
    ldr     x0, [x1]
    SHOW    "  after: ", x0
    SAY     "TLBI VAALE1IS naming one page of a 2 MiB block that changed, then another of its pages"
    LDI     x1, 0x80401000              // physical 0x401000, through the 1 GiB block
    LDI     x0, 0x3333
    str     x0, [x1]
    LDI     x1, 0x201000                // physical 0x201000, through the 2 MiB block
    ldr     x0, [x1]
    SHOW    "  before: ", x0
    LDI     x2, L2 + 8
    LDI     x0, 0x400000 | BLOCK        // VA 0x200000 - 4 MiB -> physical 0x400000
    str     x0, [x2]
    dsb     ishst
    LDI     x3, 0x200000 >> 12
    tlbi    vaale1is, x3
    dsb     ish
    isb
    LDI     x1, 0x201000
    ldr     x0, [x1]
    SHOW    "  after: ", x0
    LDI     x2, L2 + 8
    LDI     x0, 0x200000 | BLOCK        // back to the identity block
    str     x0, [x2]
    dsb     ishst
    tlbi    vmalle1is
    dsb     ish
    isb

    SAY     "EL0: EL1-only page, read-only page, its own pages"
    adr     x0, el0_code
    msr     elr_el1, x0
    LDI     x0, P_EL0_STACK + 0x1000
    msr     sp_el0, x0
    mov     x0, #0x3c0
    msr     spsr_el1, x0
    eret

// Sets TTBR0_EL1 = x0 and TCR_EL1 = x1 with the MMU off for a moment: the code runs
// through TTBR0, and no instruction may be fetched with one changed and not the other.
switch_ttbr0:
    mrs     x2, sctlr_el1
    bic     x3, x2, #1
    msr     sctlr_el1, x3
    isb
    msr     ttbr0_el1, x0
    msr     tcr_el1, x1
    tlbi    vmalle1
    dsb     ish
    isb
    msr     sctlr_el1, x2
    isb
    ret

// Calls x1, which is expected to take an instruction abort: the handler resumes after the call.
call_expecting_abort:
    adr     x0, resume_at
    str     x30, [x0]
    br      x1

// Prints PAR_EL1 after AT S1E1R x1.
translate:
    at      s1e1r, x1
    isb
    mrs     x0, par_el1
    SHOW    "  PAR_EL1=", x0
    ret

build_tables:
    LDI     x0, L1                      // clear seven tables
    mov     x1, #(7 * 512)
1:  str     xzr, [x0], #8
    subs    x1, x1, #1
    b.ne    1b
    // L1: entry 0 -> L2; entry 1 invalid; entry 2: 1 GiB block -> physical 0.
    LDI     x0, L1
    LDI     x1, L2 | TABLE
    str     x1, [x0]
    LDI     x1, 0 | BLOCK
    str     x1, [x0, #16]
    // L2: entry 0 -> L3; entry 1: 2 MiB block identity; entry 2 invalid; entry 3: block without AF.
    LDI     x0, L2
    LDI     x1, L3 | TABLE
    str     x1, [x0]
    LDI     x1, 0x200000 | BLOCK
    str     x1, [x0, #8]
    LDI     x1, 0x600000 | (BLOCK & ~AF)
    str     x1, [x0, #24]
    // L3: identity pages for the first 2 MiB, then the test pages.
    LDI     x0, L3
    LDI     x1, PAGE
    mov     x2, #512
2:  str     x1, [x0], #8
    add     x1, x1, #0x1000
    subs    x2, x2, #1
    b.ne    2b
    LDI     x0, L3
    str     xzr, [x0, #(P_INVALID >> 12) * 8]
    LDI     x1, P_NO_AF | (PAGE & ~AF)
    str     x1, [x0, #(P_NO_AF >> 12) * 8]
    LDI     x1, P_RO | PAGE | AP_RO
    str     x1, [x0, #(P_RO >> 12) * 8]
    LDI     x1, P_EL0_RW | PAGE | AP_EL0_RW
    str     x1, [x0, #(P_EL0_RW >> 12) * 8]
    LDI     x1, P_PXN | PAGE | PXN
    str     x1, [x0, #(P_PXN >> 12) * 8]
    LDI     x1, P_DEVICE | TABLE | ATTR_DEVICE | AF
    str     x1, [x0, #(P_DEVICE >> 12) * 8]
    LDI     x1, P_NORMAL | PAGE
    str     x1, [x0, #(P_ALIAS >> 12) * 8]
    LDI     x1, P_EL0_STACK | PAGE | AP_EL0_RW | UXN
    str     x1, [x0, #(P_EL0_STACK >> 12) * 8]
    LDI     x1, P_NC | TABLE | ATTR_NC | AF
    str     x1, [x0, #(P_NC >> 12) * 8]
    adr     x1, el0_code                // EL0's code: read-only at both ELs, executable at EL0
    lsr     x2, x1, #12
    LDI     x3, PAGE | AP_EL0_RO
    orr     x1, x1, x3
    str     x1, [x0, x2, lsl #3]
    // L0 (T0SZ = 16): entry 0 -> L1, entry 1 invalid.
    LDI     x0, L0
    LDI     x1, L1 | TABLE
    str     x1, [x0]
    // TTBR1, T1SZ = 16: L0_HIGH[511] -> L1_HIGH; L1_HIGH[511]: 1 GiB block -> physical 0.
    LDI     x0, L0_HIGH
    LDI     x1, L1_HIGH | TABLE
    str     x1, [x0, #511 * 8]
    LDI     x0, L1_HIGH
    LDI     x1, 0 | BLOCK
    str     x1, [x0, #511 * 8]
    // TTBR1, T1SZ = 32: 4 entries, VA bits 31:30; entry 3 -> physical 0.
    LDI     x0, L1_HIGH32
    str     x1, [x0, #3 * 8]
    dsb     ish
    ret

// ---- EL1's exception handler: report; SVC #0 from EL0 ends the run.
el1_sync:
    stp     x19, x30, [sp, #-16]!
    mov     x19, x1                     // the frame
    bl      sync_only
    mrs     x0, esr_el1
    lsr     x1, x0, #26
    cmp     x1, #0x20                   // an instruction abort from EL0 returns to EL0's x30
    b.ne    2f
    ldr     x1, [x19, #30 * 8]
    msr     elr_el1, x1
2:
    LDI     x1, 0x56000000              // SVC #0
    cmp     x0, x1
    b.ne    1f
    SAY     "mmu: done"
    EXIT    0
1:  ldp     x19, x30, [sp], #16
    ret

    VECTORS el1_vectors, el1_sync

// ---- EL0's page.
    .balign 4096
el0_code:
    LDI     x1, P_EL1_ONLY
    ldr     x0, [x1]                    // permission fault at EL0 (EC 0x24)
    LDI     x1, P_RO
    str     x0, [x1]                    // not writable at EL0 either
    LDI     x1, P_EL0_RW
    str     x1, [x1]                    // EL0's own page: fine
    ldr     x0, [x1]
    str     x0, [sp, #-16]!             // its stack: fine
    mov     x1, sp
    adr     x0, 1f
    mov     x30, x0
    br      x1                          // but the stack is UXN: instruction abort from EL0 (EC 0x20)
1:
    LDI     x1, P_EL0_RW
    LDI     x0, 0xd4000001              // svc #0
    str     w0, [x1]
    blr     x1                          // EL0 may execute the page it can write
    .balign 4096
