//! What the kernel asks of the processor itself: where it runs, waiting, and the IRQ mask.

use core::arch::asm;

// ANCHOR: current_el
/// The exception level this code runs at (0-3), from CurrentEL bits 3:2.
pub fn current_el() -> u64 {
    let current_el: u64;
    // SAFETY: reading CurrentEL is allowed at EL1 and has no side effects.
    unsafe {
        asm!("mrs {}, CurrentEL", out(reg) current_el, options(nomem, nostack, preserves_flags))
    };
    (current_el >> 2) & 0b11
}
// ANCHOR_END: current_el

/// This core's number (0-3): MPIDR_EL1's affinity level 0 on the Pi 3.
pub fn core_id() -> u64 {
    let mpidr: u64;
    // SAFETY: reading MPIDR_EL1 is allowed at EL1 and has no side effects.
    unsafe { asm!("mrs {}, mpidr_el1", out(reg) mpidr, options(nomem, nostack, preserves_flags)) };
    mpidr & 0xff
}

/// Waits at least `cycles` processor cycles (each NOP takes one or more).
pub fn delay_cycles(cycles: u32) {
    for _ in 0..cycles {
        // SAFETY: NOP does nothing; being `asm!`, the compiler cannot remove the loop.
        unsafe { asm!("nop", options(nomem, nostack, preserves_flags)) };
    }
}

/// Stops this core for good: it sleeps until an event, then sleeps again.
pub fn park() -> ! {
    loop {
        // SAFETY: WFE only waits; any event or interrupt wakes it and the loop repeats.
        unsafe { asm!("wfe", options(nomem, nostack, preserves_flags)) };
    }
}

// ANCHOR: daif
/// Masks IRQs on this core and returns the interrupt mask bits (DAIF) as they were before,
/// for `restore_interrupts`.
pub fn mask_irqs() -> u64 {
    let daif: u64;
    // SAFETY: reading DAIF and setting its I bit only change whether IRQs are taken. No
    // `nomem`: the compiler must not move memory accesses out of the masked region.
    unsafe {
        asm!("mrs {}, daif", "msr daifset, #2", out(reg) daif, options(nostack, preserves_flags))
    };
    daif
}

/// Puts back the interrupt mask bits `mask_irqs` returned: IRQs are taken again only if
/// they were before.
pub fn restore_interrupts(daif: u64) {
    // SAFETY: as in `mask_irqs`; `daif` came from DAIF itself, so only mask bits change.
    unsafe { asm!("msr daif, {}", in(reg) daif, options(nostack, preserves_flags)) };
}

/// Lets this core take IRQs and SErrors (clears DAIF.I and DAIF.A). An SError is the
/// memory system reporting a failed access after the fact (a write the bus refused, say);
/// masked, it would stay pending forever and nobody would hear of it. Unmasked, it reaches
/// the SError entry of the vector table, whose report stops the kernel.
pub fn enable_irqs() {
    // SAFETY: handlers for every interrupt a device can raise are registered before this is
    // called, and every SError entry reports; no `nomem`, as in `mask_irqs`. The immediate's
    // bits are D, A, I, F: 0b0110 is A and I.
    unsafe { asm!("msr daifclr, #0b0110", options(nostack, preserves_flags)) };
}
// ANCHOR_END: daif

/// Sleeps until an interrupt is pending. It wakes even with IRQs masked, which is what lets
/// a caller check a condition and sleep without an interrupt slipping in between: mask,
/// check, WFI, unmask (the interrupt is taken at the unmask).
pub fn wait_for_interrupt() {
    // SAFETY: WFI only waits; memory is not clobbered, but keeping it ordered costs nothing.
    unsafe { asm!("wfi", options(nostack, preserves_flags)) };
}
