//! Bramble, chapter 02: exceptions and interrupts.
//!
//! `boot.s` takes core 0 from the firmware's hand-off down to EL1 and calls
//! [`kernel_main`], which sets up the serial port, installs handlers for the timer and the
//! serial port's interrupts, unmasks IRQs and runs the monitor: a command line on the
//! serial console.

// ANCHOR: crate_root
// No operating system sits under a kernel: no `std`, and no runtime to call `main`.
// Host unit tests (`cargo test`) build the pure modules as an ordinary program instead.
#![cfg_attr(not(test), no_std)]
#![cfg_attr(not(test), no_main)]

// Modules with pure logic, unit-tested on the development machine; in host builds
// console, gpio, irq and monitor leave out their hardware parts.
mod baud;
mod console;
mod gpio;
mod irq;
mod line;
mod monitor;
mod ring;
mod syndrome;
mod trap;

// Hardware: only in the kernel itself.
#[cfg(not(test))]
mod commands;
#[cfg(not(test))]
mod backtrace;
#[cfg(not(test))]
mod cpu;
#[cfg(not(test))]
mod exceptions;
#[cfg(not(test))]
mod exit;
#[cfg(not(test))]
mod intc;
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
mod spinlock;
#[cfg(not(test))]
mod timer;

#[cfg(not(test))]
core::arch::global_asm!(include_str!("boot.s"));
// ANCHOR_END: crate_root

/// Where `boot.s` hands over to Rust, on core 0 at EL1 with a stack, a zeroed `.bss`, the
/// exception vectors installed and IRQs still masked.
/// `boot_el` is the exception level the firmware started the core at.
// ANCHOR: kernel_main
#[cfg(not(test))]
#[unsafe(no_mangle)]
pub extern "C" fn kernel_main(boot_el: u64) -> ! {
    pl011::init();
    println!(
        "Bramble 02-interrupts: booted at EL{boot_el}, running at EL{} on core {}",
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

    // ANCHOR: enable_interrupts
    // Every interrupt off, then on one at a time as its handler is registered.
    intc::reset();
    timer::init();
    irq::register(irq::UART, pl011::handle_interrupt);
    pl011::enable_receive_interrupt();
    cpu::enable_irqs();
    // ANCHOR_END: enable_interrupts
    println!(
        "interrupts on: timer tick at {} Hz (counter at {} Hz), serial input on IRQ {}",
        timer::HZ,
        timer::counter_hz(),
        irq::UART
    );
    println!("type help for the monitor's commands");
    monitor::run(&commands::COMMANDS)
}
// ANCHOR_END: kernel_main
