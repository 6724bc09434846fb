//! Bramble's benchmark guest: the same fixed amount of integer work every run, so the time
//! it takes measures the machine running it (our emulator, or QEMU), not the program.
//!
//! The work mixes what kernel code does most: loads and stores to memory, register
//! arithmetic, shifts and branches. It stirs a table of words with a xorshift random
//! sequence, prints a checksum of the table (which must be the same in every machine),
//! and stops the machine through semihosting with status 0.

#![no_std]
#![no_main]

use core::arch::{asm, global_asm};
use core::hint::black_box;
use core::panic::PanicInfo;

/// Words in the table the workload stirs: 4 KiB, on the stack.
const WORDS: usize = 1024;
/// Passes over the table: about 150 million instructions in all (the compiler unrolls the
/// inner loop to about 9.5 instructions a word).
const ROUNDS: u32 = 15_000;
/// The xorshift sequence's starting value (any non-zero value works).
const SEED: u64 = 0x2545_f491_4f6c_dd1d;

// Core 0 gets a stack and calls `bench_main`; cores 1-3 never come here on a Pi, but a
// core that does sleeps. The machine stays at EL2, where it starts: this program needs no
// operating-system level.
global_asm!(
    ".section .text.boot, \"ax\"",
    ".global _start",
    "_start:",
    "    mrs x1, mpidr_el1",
    "    and x1, x1, #0xff",
    "    cbnz x1, 1f",
    "    adrp x0, __stack_top",
    "    add x0, x0, :lo12:__stack_top",
    "    mov sp, x0",
    "    bl bench_main",
    "1:  wfe",
    "    b 1b",
);

#[unsafe(no_mangle)]
extern "C" fn bench_main() -> ! {
    uart::init();
    // black_box: the compiler must not work the answer out at compile time.
    let checksum = stir(black_box(SEED), black_box(ROUNDS));
    uart::print("bench: checksum ");
    uart::print_hex(checksum);
    uart::print("\r\n");
    semihosting_exit(0)
}

/// The workload: each step draws the next xorshift64 number, reads a word chosen by it,
/// and folds it into the current word. Returns a checksum of the whole table.
fn stir(seed: u64, rounds: u32) -> u64 {
    let mut table = [0u32; WORDS];
    let mut x = seed;
    for _ in 0..rounds {
        for i in 0..WORDS {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let other = table[(x as usize) % WORDS];
            table[i] = (table[i].wrapping_add(other) ^ x as u32).rotate_left(5);
        }
    }
    table.iter().fold(0u64, |sum, &word| sum.rotate_left(7) ^ word as u64)
}

/// The PL011 serial port, set up just enough to send (the chapters explain it properly).
mod uart {
    const DR: usize = 0x3f20_1000;
    const FR: usize = 0x3f20_1018;
    const LCRH: usize = 0x3f20_102c;
    const CR: usize = 0x3f20_1030;
    /// FR: the transmit FIFO is full.
    const TXFF: u32 = 1 << 5;

    fn write(address: usize, value: u32) {
        // SAFETY: `address` is one of the PL011's registers above, not memory Rust uses.
        unsafe { (address as *mut u32).write_volatile(value) }
    }

    fn read(address: usize) -> u32 {
        // SAFETY: as in `write`.
        unsafe { (address as *const u32).read_volatile() }
    }

    /// 8 data bits with FIFOs (LCRH), then UART, transmitter and receiver on (CR).
    pub fn init() {
        write(CR, 0);
        write(LCRH, 0b11 << 5 | 1 << 4);
        write(CR, 1 << 0 | 1 << 8 | 1 << 9);
    }

    pub fn print(text: &str) {
        for byte in text.bytes() {
            while read(FR) & TXFF != 0 {}
            write(DR, byte as u32);
        }
    }

    /// `value` in hexadecimal, 0x and sixteen digits.
    pub fn print_hex(value: u64) {
        print("0x");
        for shift in (0..16).rev() {
            let digit = (value >> (shift * 4)) as usize & 0xf;
            print(&"0123456789abcdef"[digit..digit + 1]);
        }
    }
}

/// Stops the machine through semihosting (QEMU's -semihosting, or our emulator) with `status`.
fn semihosting_exit(status: u64) -> ! {
    /// SYS_EXIT, and its reason "the application finished".
    const SYS_EXIT: u64 = 0x18;
    const ADP_STOPPED_APPLICATION_EXIT: u64 = 0x20026;
    let block = [ADP_STOPPED_APPLICATION_EXIT, status];
    loop {
        // SAFETY: `hlt #0xf000` asks the semihosting host to read `block` (alive across the
        // call) and end the run. Without a host it would be an undefined instruction; the
        // benchmark only ever runs with one.
        unsafe { asm!("hlt #0xf000", in("x0") SYS_EXIT, in("x1") block.as_ptr(), options(nostack)) };
    }
}

#[panic_handler]
fn panic(_: &PanicInfo) -> ! {
    uart::print("bench: panic\r\n");
    semihosting_exit(101)
}
