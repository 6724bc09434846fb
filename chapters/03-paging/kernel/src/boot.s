// The kernel's first instructions: from the firmware's hand-off to Rust.
//
// The firmware (and QEMU's raspi3b, which imitates it) copies kernel8.img to 0x80000 and
// starts core 0 there, at EL2 (the hypervisor's exception level) with every interrupt
// masked and x0 holding the address of the device tree. Cores 1-3 do not come here: the
// firmware keeps them in a small loop at 0x300, each waiting (WFE) for an address to
// appear in its slot at 0xd8 + 8 * core number. Core 0 writes park_core's address there
// (release_cores), and they sleep in park_core from then on.

.section .text.boot, "ax"

// ANCHOR: entry
.global _start
_start:
    // Which core is this? On the Pi 3, MPIDR_EL1.Aff0 (bits 7:0) is the core number.
    mrs     x1, mpidr_el1
    and     x1, x1, #0xff
    cbnz    x1, park_core

    // Which exception level are we at? CurrentEL keeps it in bits 3:2. x19 carries it to
    // Rust: ERET and everything up to the call leave x19 alone.
    mrs     x19, CurrentEL
    lsr     x19, x19, #2
    cmp     x19, #2
    b.eq    release_cores
    // EL3 (or anything else) is not a hand-off this kernel knows how to continue from.
    b       park_core
// ANCHOR_END: entry

// ANCHOR: release_cores
// Cores 1-3 wait in the firmware's loop, which sleeps in WFE. QEMU does not sleep there: its
// WFE only yields, so each waiting core keeps a thread of the host busy for as long as the
// machine runs. Core 0 sends them to park_core, which sleeps in WFI (QEMU halts a core
// there): it writes that address into each core's slot, waits until the writes are done,
// and wakes the cores with an event. Then it goes on to drop_to_el1, just below.
release_cores:
    adr     x0, park_core
    mov     x1, #0xe0
    str     x0, [x1]            // core 1's slot
    str     x0, [x1, #8]        // core 2's
    str     x0, [x1, #16]       // core 3's
    dsb     sy
    sev
// ANCHOR_END: release_cores

// ANCHOR: drop_to_el1
// The kernel runs at EL1, the operating system's level. From EL2 the way down is ERET:
// "return" to EL1 as if EL1 had called us. Every register that decides what EL1 sees is
// written explicitly, because the firmware promises nothing about them.
drop_to_el1:
    // CNTHCTL_EL2: let EL1 read the physical counter (EL1PCTEN, bit 0) and use the physical
    // timer (EL1PCEN, bit 1) instead of trapping to EL2.
    mov     x0, #0b11
    msr     cnthctl_el2, x0
    // The virtual counter reads the same as the physical one.
    msr     cntvoff_el2, xzr

    // HCR_EL2: only RW (bit 31), so EL1 runs AArch64 code. Every other bit 0: no traps to
    // EL2, no second stage of address translation, interrupts stay with EL1.
    mov     x0, #(1 << 31)
    msr     hcr_el2, x0

    // SCTLR_EL1: MMU off, caches off, alignment checks off, little-endian. Only the bits the
    // architecture defines as "reserved, write 1" are set: 29, 28, 23, 22, 20 and 11.
    movz    x0, #0x0800
    movk    x0, #0x30d0, lsl #16
    msr     sctlr_el1, x0

    // SPSR_EL2: the state ERET returns to. M[3:0] = 0b0101 is EL1 using its own stack
    // pointer (EL1h); bits 9:6 mask debug, SError, IRQ and FIQ. Together: 0x3c5.
    mov     x0, #0x3c5
    msr     spsr_el2, x0
    // ELR_EL2: where ERET returns to.
    adr     x0, el1_entry
    msr     elr_el2, x0

    // SP_EL1: the stack EL1 starts with, the top of the region link.ld reserves. It grows
    // down. This is its physical address, for as long as the MMU is off.
    adrp    x0, __stack_top
    add     x0, x0, :lo12:__stack_top
    msr     sp_el1, x0

    eret
// ANCHOR_END: drop_to_el1

// ANCHOR: el1_entry
el1_entry:
    // Zero .bss: Rust expects statics that start as zero to read as zero, and the file
    // kernel8.img holds no bytes for them. link.ld aligns both ends to 16 bytes. The MMU is
    // still off: ADRP and ADD compute addresses relative to the PC, so they give the
    // physical addresses the code runs at, not the higher-half ones it is linked at.
    adrp    x0, __bss_start
    add     x0, x0, :lo12:__bss_start
    adrp    x1, __bss_end
    add     x1, x1, :lo12:__bss_end
1:  cmp     x0, x1
    b.hs    2f
    stp     xzr, xzr, [x0], #16
    b       1b
2:
    // Catch every exception from here on (at the physical address until the MMU is on).
    adrp    x0, exception_vectors
    add     x0, x0, :lo12:exception_vectors
    msr     vbar_el1, x0
    isb
// ANCHOR_END: el1_entry

// ANCHOR: boot_tables
// The boot page tables: just enough to turn the MMU on and move to the higher half. The
// same tables serve both halves of the address space: a higher-half address 0xffff_0000_xxxx
// and the physical address 0xxxxx (what the PC holds while the MMU comes on) both select
// entry 0 of the level-0 table, so both lead to the same 2 GiB, mapped one to one:
//   0x0000_0000-0x3eff_ffff  RAM: normal memory, cacheable, in 2 MiB blocks (level 2)
//   0x3f00_0000-0x3fff_ffff  BCM2837 peripherals: device memory, never executed
//   0x4000_0000-0x7fff_ffff  BCM2836 local peripherals: one 1 GiB block (level 1)
// Rust replaces them with the kernel's real tables (vm.rs) as soon as it runs. The
// descriptors' bits come from mmu.rs (the numbers in braces), which computes them with
// pagetable.rs's own functions.
    adrp    x0, boot_l0
    adrp    x1, boot_l1
    adrp    x2, boot_l2
    // A table descriptor: the next table's physical address, with bits 1:0 = 0b11.
    orr     x3, x1, #{TABLE}
    str     x3, [x0]                // boot_l0[0] -> boot_l1
    orr     x3, x2, #{TABLE}
    str     x3, [x1]                // boot_l1[0] -> boot_l2 (the first GiB, in 2 MiB blocks)
    // Block descriptors (bits 1:0 = 0b01). Device: AttrIndx 0, access flag, never executed.
    // RAM: AttrIndx 1, inner shareable, access flag, executable by the kernel only.
    ldr     x4, ={DEVICE_BLOCK}
    ldr     x5, ={RAM_BLOCK}
    mov     x3, #0x40000000
    orr     x3, x3, x4
    str     x3, [x1, #8]            // boot_l1[1]: the local peripherals, device memory
    mov     x6, #0                  // boot_l2[i] maps i * 2 MiB
3:  lsl     x3, x6, #21
    cmp     x6, #(0x3f000000 >> 21) // the peripherals start at block 504
    csel    x7, x5, x4, lo
    orr     x3, x3, x7
    str     x3, [x2, x6, lsl #3]
    add     x6, x6, #1
    cmp     x6, #512
    b.lo    3b
// ANCHOR_END: boot_tables

// ANCHOR: boot_tables_uncached
    // The stores above went straight to memory: with the MMU off every data access is to
    // Device memory, which is never cached. But the walker will read these tables as Normal
    // cacheable memory (TCR_EL1 below), and the architecture does not promise that the data
    // cache holds no line for these addresses (what it holds after reset is up to the
    // implementation; the Cortex-A53 empties its caches at reset). A stale line would be
    // walked instead of our tables. DC IVAC discards each line of the three tables without
    // writing it back, so the walker reads what is in memory.
    adrp    x0, boot_l0
    add     x1, x0, #(3 * 4096)
    mrs     x2, ctr_el0             // CTR_EL0.DminLine, bits 19:16: log2(words per line)
    ubfx    x2, x2, #16, #4
    mov     x3, #4
    lsl     x3, x3, x2              // the smallest data cache line, in bytes
4:  dc      ivac, x0
    add     x0, x0, x3
    cmp     x0, x1
    b.lo    4b
// ANCHOR_END: boot_tables_uncached

// ANCHOR: mmu_on
    // MAIR_EL1: the memory types descriptors choose by AttrIndx (mmu.rs): 0 Device-nGnRnE,
    // 1 Normal write-back cacheable.
    ldr     x0, ={MAIR}
    msr     mair_el1, x0
    // TCR_EL1 (mmu.rs decodes it field by field): both halves 48-bit, 4 KiB pages, table
    // walks cacheable and inner shareable. IPS, the physical address size, is copied from
    // what the processor reports (ID_AA64MMFR0_EL1.PARange, bits 2:0).
    ldr     x0, ={TCR}
    mrs     x1, id_aa64mmfr0_el1
    bfi     x0, x1, #{IPS_SHIFT}, #3
    msr     tcr_el1, x0
    adrp    x0, boot_l0
    msr     ttbr0_el1, x0
    msr     ttbr1_el1, x0
    // The table writes and the cache invalidation must be complete before the TLB
    // invalidation (DSB); the TLBI drops any translation cached for EL1 (there should be
    // none, but nothing promised that); the second DSB waits until the TLBI is complete,
    // which nothing else does (a TLBI is only known to be done after a DSB); the ISB makes
    // the instructions after it see all of this, the new MAIR, TCR and TTBRs included.
    dsb     ish
    tlbi    vmalle1
    dsb     ish
    isb
    // SCTLR_EL1: as in drop_to_el1, plus M (bit 0, the MMU), C (bit 2, data cache) and
    // I (bit 12, instruction cache). The next instruction is fetched through the tables:
    // the identity half of the boot map is what makes it the same instruction.
    movz    x0, #0x1805
    movk    x0, #0x30d0, lsl #16
    msr     sctlr_el1, x0
    isb

    // Jump to the higher half: an absolute address, from the literal pool below.
    ldr     x0, =higher_half
    br      x0
higher_half:
    // From here on the PC is a higher-half address. Switch the stack and the vector table
    // to theirs; Rust will stop using the identity half and unmap it.
    ldr     x0, =__stack_top
    mov     sp, x0
    ldr     x0, =exception_vectors
    msr     vbar_el1, x0
    isb

    // kernel_main(boot_el) never returns; if it did, the core would park.
    mov     x0, x19
    bl      kernel_main
// ANCHOR_END: mmu_on

// ANCHOR: replace_ttbr1
// replace_ttbr1(tables: x0, empty: x1), called by vm.rs: points TTBR1_EL1 at new tables
// that map some addresses differently from the boot tables (4 KiB pages where the boot
// tables had 2 MiB blocks). Two translations of one address with different sizes must never
// be in the TLB together: the architecture allows a TLB conflict abort then, or worse. So
// the change goes by "break before make": first nothing (an empty table, and every cached
// translation invalidated), then the new tables. In between, no address in the upper half
// translates at all, so this code runs at its physical address, through the identity map
// TTBR0 still holds, and uses no stack (SP is an upper-half address). IRQs are masked.
.global replace_ttbr1
replace_ttbr1:
    // Break: TTBR1 walks find only invalid descriptors, and no old translation survives.
    msr     ttbr1_el1, x1
    isb
    tlbi    vmalle1is
    dsb     ish
    isb
    // Make: the new tables. Nothing cached can conflict with what the walker finds there.
    msr     ttbr1_el1, x0
    isb
    ret
// ANCHOR_END: replace_ttbr1

// A parked core sleeps forever: WFI waits until an interrupt is pending, and the loop goes
// back to sleep after any that comes. No interrupt is routed to cores 1-3; core 0 comes
// here only from a hand-off it cannot continue from, as the firmware left it: every
// interrupt masked.
park_core:
    wfi
    b       park_core

// The literal pool of the `ldr xN, =symbol` above: 64-bit higher-half addresses.
.ltorg

// Three tables of 512 eight-byte descriptors, each 4 KiB and 4 KiB aligned, zeroed with .bss.
.section .bss.boot_tables, "aw", %nobits
.balign 4096
boot_l0:
    .space 4096
boot_l1:
    .space 4096
boot_l2:
    .space 4096
