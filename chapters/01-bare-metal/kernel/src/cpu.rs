//! The few things chapter 01 asks of the processor itself.

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
