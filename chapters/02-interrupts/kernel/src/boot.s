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
    // down.
    adrp    x0, __stack_top
    add     x0, x0, :lo12:__stack_top
    msr     sp_el1, x0

    eret
// ANCHOR_END: drop_to_el1

// ANCHOR: el1_entry
el1_entry:
    // Zero .bss: Rust expects statics that start as zero to read as zero, and the file
    // kernel8.img holds no bytes for them. link.ld aligns both ends to 16 bytes.
    adrp    x0, __bss_start
    add     x0, x0, :lo12:__bss_start
    adrp    x1, __bss_end
    add     x1, x1, :lo12:__bss_end
1:  cmp     x0, x1
    b.hs    2f
    stp     xzr, xzr, [x0], #16
    b       1b
2:
    // Catch every exception before any Rust runs: the vector table is in vectors.s.
    adrp    x0, exception_vectors
    add     x0, x0, :lo12:exception_vectors
    msr     vbar_el1, x0
    isb

    // kernel_main(boot_el) never returns; if it did, the core would park.
    mov     x0, x19
    bl      kernel_main
// ANCHOR_END: el1_entry

// A parked core sleeps forever: WFI waits until an interrupt is pending, and the loop goes
// back to sleep after any that comes. No interrupt is routed to cores 1-3; core 0 comes
// here only from a hand-off it cannot continue from, as the firmware left it: every
// interrupt masked.
park_core:
    wfi
    b       park_core
