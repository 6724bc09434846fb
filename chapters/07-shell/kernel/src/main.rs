//! Bramble, chapter 07: the shell.
//!
//! `boot.s` takes core 0 from the firmware's hand-off down to EL1, turns the MMU on with
//! boot page tables and jumps to the higher half, where the kernel is linked, and calls
//! [`kernel_main`]. It sets up memory as in chapter 03 and interrupts as in chapter 02,
//! builds the file tree (the SD card's ext2 at the root, tmpfs on /tmp, devfs on /dev; the
//! initramfs built into the image in tmpfs when the card cannot be mounted), makes the
//! monitor the first task of the process table, and starts the first process, `/sbin/init`
//! (init.rs): a static Linux AArch64 program that runs at EL0 in an address space of its
//! own, with the console as its descriptors 0, 1 and 2, and calls the kernel with Linux's
//! system calls. When there is no init, or it ends, the monitor runs:
//! the kernel's rescue console, whose `run` starts a program from a file.

// ANCHOR: crate_root
// No operating system sits under a kernel: no `std`, and no runtime to call `main`.
// Host unit tests (`cargo test`) build the pure modules as an ordinary program instead.
#![cfg_attr(not(test), no_std)]
#![cfg_attr(not(test), no_main)]
// The host tests build the pure modules without the hardware code that uses some of their
// items (syscall numbers, the ELF auxiliary-vector types): unused there, not dead.
#![cfg_attr(test, allow(dead_code))]

// `Box`, `Vec`, `BTreeMap`: the heap is this chapter's (vm.rs, heap.rs).
extern crate alloc;

// Modules with pure logic, unit-tested on the development machine; in host builds
// console, gpio, irq and monitor leave out their hardware parts.
mod address;
mod asid;
mod baud;
mod block;
mod console;
mod elf;
mod errno;
mod ext2;
mod frames;
mod fs;
mod gpio;
mod heap;
mod initial_stack;
mod irq;
mod line;
mod log;
mod mmu;
mod monitor;
mod pagetable;
mod region;
mod ring;
mod rusage;
mod signal;
mod syndrome;
mod syscall;
mod trap;
mod tty;

// Hardware: only in the kernel itself.
#[cfg(not(test))]
mod commands;
#[cfg(not(test))]
mod backtrace;
#[cfg(not(test))]
mod cpu;
#[cfg(not(test))]
mod disk;
#[cfg(not(test))]
mod disk_commands;
#[cfg(not(test))]
mod diskcalls;
#[cfg(not(test))]
mod exceptions;
#[cfg(not(test))]
mod exec;
#[cfg(not(test))]
mod filecalls;
#[cfg(not(test))]
mod fscalls;
#[cfg(not(test))]
mod init;
#[cfg(not(test))]
mod exit;
#[cfg(not(test))]
mod intc;
#[cfg(not(test))]
mod layout;
#[cfg(not(test))]
mod mailbox;
#[cfg(not(test))]
mod mmio;
#[cfg(not(test))]
mod panic;
#[cfg(not(test))]
mod pl011;
#[cfg(not(test))]
mod process;
#[cfg(not(test))]
mod sd;
#[cfg(not(test))]
mod semihosting;
#[cfg(not(test))]
mod space;
#[cfg(not(test))]
mod spinlock;
#[cfg(not(test))]
mod timer;
#[cfg(not(test))]
mod vm;

// boot.s, assembled with the MMU's numbers from mmu.rs.
#[cfg(not(test))]
core::arch::global_asm!(
    include_str!("boot.s"),
    MAIR = const mmu::MAIR,
    TCR = const mmu::TCR,
    IPS_SHIFT = const mmu::IPS_SHIFT,
    TABLE = const mmu::BOOT_TABLE,
    RAM_BLOCK = const mmu::BOOT_RAM_BLOCK,
    DEVICE_BLOCK = const mmu::BOOT_DEVICE_BLOCK,
);
// ANCHOR_END: crate_root

/// Where `boot.s` hands over to Rust, on core 0 at EL1 in the higher half, with the boot
/// page tables, a stack, a zeroed `.bss`, the exception vectors installed and IRQs masked.
/// `boot_el` is the exception level the firmware started the core at.
// ANCHOR: kernel_main
#[cfg(not(test))]
#[unsafe(no_mangle)]
pub extern "C" fn kernel_main(boot_el: u64) -> ! {
    pl011::init();
    println!(
        "Bramble 07-shell: booted at EL{boot_el}, running at EL{} on core {}",
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

    // ANCHOR: memory_setup
    let Some((ram_base, ram_size)) = mailbox::arm_memory() else {
        panic!("the firmware did not say how much RAM there is");
    };
    println!(
        "RAM for the ARM: {ram_base:#x}..{:#x} ({} MiB), as the firmware reports it",
        ram_base + ram_size,
        ram_size >> 20
    );
    if let Err(error) = vm::init(ram_base, ram_size) {
        panic!("cannot build the kernel's page tables: {error}");
    }
    let (free, total) = vm::frame_counts();
    println!(
        "MMU on: kernel in TTBR1 (text RX, rodata R, data RW, a guard page under the stack), TTBR0 empty"
    );
    println!("frames: {free} of {total} free");
    // ANCHOR_END: memory_setup

    // ANCHOR: files_setup
    match fs::init() {
        Ok(fs::Root::Card) => println!("files: ext2 from the SD card at /, tmpfs at /tmp, devfs at /dev, procfs at /proc"),
        Ok(fs::Root::Rescue(why, unpacked)) => {
            println!("root: {why}");
            println!(
                "files: tmpfs at / with the initramfs ({} files, {} directories, {} bytes), devfs at /dev, procfs at /proc",
                unpacked.files, unpacked.directories, unpacked.bytes
            )
        }
        Err(error) => {
            // A broken archive is the build's mistake, not the kernel's: one line that says
            // what is wrong and where, then the machine stops.
            println!("initramfs: {error}");
            exit::exit(1)
        }
    }
    // ANCHOR_END: files_setup

    // The code running now becomes the monitor task, slot 0 of the process table.
    process::init();

    // ANCHOR: enable_interrupts
    // Every interrupt off, then on one at a time as its handler is registered.
    intc::reset();
    timer::init();
    irq::register(irq::UART, serial_input);
    pl011::enable_receive_interrupt();
    cpu::enable_irqs();
    // ANCHOR_END: enable_interrupts
    println!(
        "interrupts on: timer tick at {} Hz (counter at {} Hz), serial input on IRQ {}",
        timer::HZ,
        timer::counter_hz(),
        irq::UART
    );
    println!(
        "processes: up to {} at once, a time slice of {} tick(s)",
        process::MAX_PROCESSES - 1,
        process::TIME_SLICE_TICKS
    );
    // ANCHOR: first_process
    // The first process, /sbin/init, whose shell is the console's from now on; the monitor,
    // the rescue console, when there is no init or it ends (init.rs).
    init::run();
    println!("type help for the monitor's commands");
    // The kernel's log keeps what came before; the monitor's conversation is not kept.
    log::monitor_started();
    monitor::run(&commands::COMMANDS)
    // ANCHOR_END: first_process
}
// ANCHOR_END: kernel_main

/// The UART's interrupt: take the bytes that arrived, and wake whoever waits for them
/// (the monitor, or a program reading the terminal).
#[cfg(not(test))]
fn serial_input() {
    pl011::handle_interrupt();
    tty::cook_arrived();
    process::wake(process::Wait::Console);
}
