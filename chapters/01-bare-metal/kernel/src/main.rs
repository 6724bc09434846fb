//! Bramble, chapter 01: the smallest kernel that shows the machine is ours.
//!
//! `boot.s` takes core 0 from the firmware's hand-off down to EL1 and calls
//! [`kernel_main`], which sets up the serial port, says where it booted and where it
//! runs, and stops the machine.

// ANCHOR: crate_root
// No operating system sits under a kernel: no `std`, and no runtime to call `main`.
// Host unit tests (`cargo test`) build the pure modules as an ordinary program instead.
#![cfg_attr(not(test), no_std)]
#![cfg_attr(not(test), no_main)]

// Modules with pure logic, unit-tested on the development machine; in host builds
// console and gpio leave out their hardware parts.
mod baud;
mod console;
mod gpio;

// Hardware: only in the kernel itself.
#[cfg(not(test))]
mod backtrace;
#[cfg(not(test))]
mod cpu;
#[cfg(not(test))]
mod exit;
#[cfg(not(test))]
mod layout;
#[cfg(not(test))]
mod mmio;
#[cfg(not(test))]
mod panic;
#[cfg(not(test))]
mod pl011;
#[cfg(not(test))]
mod semihosting;

#[cfg(not(test))]
core::arch::global_asm!(include_str!("boot.s"));
// ANCHOR_END: crate_root

/// Where `boot.s` hands over to Rust, on core 0 at EL1 with a stack and a zeroed `.bss`.
/// `boot_el` is the exception level the firmware started the core at.
// ANCHOR: kernel_main
#[cfg(not(test))]
#[unsafe(no_mangle)]
pub extern "C" fn kernel_main(boot_el: u64) -> ! {
    pl011::init();
    println!(
        "Bramble 01-bare-metal: booted at EL{boot_el}, running at EL{} on core {}",
        cpu::current_el(),
        cpu::core_id()
    );
    println!(
        "kernel at {:#x}..{:#x}, boot stack at {:#x}..{:#x}",
        layout::kernel_start(),
        layout::kernel_end(),
        layout::stack_bottom(),
        layout::stack_top()
    );
    exit::exit(0)
}
// ANCHOR_END: kernel_main
