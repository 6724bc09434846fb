//! A test kernel that panics three calls deep (`outer` calls `middle` calls `inner`, which
//! panics), printing the backtrace with chapter 03's own backtrace.rs. The test runs it with
//! `npm start -- --kernel` and checks that each call is named with its source line. Output
//! goes through semihosting, so no UART needs setting up; the exit status is a panic's, 101.

#![no_std]
#![no_main]

// The test is of the chapter's module, so it is compiled from the chapter's own file. (This
// kernel takes no exceptions, so the module's way in from a trap frame goes unused.)
#[path = "../../../../../chapters/03-paging/kernel/src/backtrace.rs"]
#[allow(dead_code)]
mod backtrace;

use core::arch::{asm, global_asm};
use core::fmt::{self, Write};
use core::hint::black_box;
use core::panic::PanicInfo;

// Core 0 gets a stack and calls `test_main`; the other cores stay parked by the firmware.
global_asm!(
    ".section .text.boot, \"ax\"",
    ".global _start",
    "_start:",
    "    adrp x0, __stack_top",
    "    add x0, x0, :lo12:__stack_top",
    "    mov sp, x0",
    "    mov x29, xzr", // no caller: the backtrace ends here
    "    bl test_main",
    "1:  b 1b",
);

unsafe extern "C" {
    static __stack_bottom: u8;
    static __stack_top: u8;
}

#[unsafe(no_mangle)]
extern "C" fn test_main() -> ! {
    outer(black_box(3)); // call: test_main -> outer
    unreachable!("outer returned")
}

#[inline(never)]
fn outer(depth: u32) {
    middle(black_box(depth - 1)); // call: outer -> middle
}

#[inline(never)]
fn middle(depth: u32) {
    inner(black_box(depth - 1)); // call: middle -> inner
}

#[inline(never)]
fn inner(depth: u32) {
    panic!("deliberately, at depth {depth}"); // call: inner -> panic
}

#[panic_handler]
fn panic(info: &PanicInfo) -> ! {
    // Only the symbols' addresses are taken; nothing is read through them.
    let stack = (&raw const __stack_bottom as usize)..(&raw const __stack_top as usize);
    let _ = write!(Semihosting, "panic: {}\n{}", info.message(), backtrace::Backtrace::here(stack));
    exit(101)
}

/// Text out through semihosting's SYS_WRITEC, a byte at a time: slow, and simple.
struct Semihosting;

impl Write for Semihosting {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        const SYS_WRITEC: u64 = 0x03;
        for byte in text.bytes() {
            // SAFETY: `hlt #0xf000` asks the semihosting host to print the byte `byte` points
            // to; it reads nothing else.
            unsafe { asm!("hlt #0xf000", in("x0") SYS_WRITEC, in("x1") &byte as *const u8, options(nostack)) };
        }
        Ok(())
    }
}

/// Stops the machine through semihosting with `status`.
fn exit(status: u64) -> ! {
    const SYS_EXIT: u64 = 0x18;
    const ADP_STOPPED_APPLICATION_EXIT: u64 = 0x20026;
    let block = [ADP_STOPPED_APPLICATION_EXIT, status];
    loop {
        // SAFETY: `hlt #0xf000` asks the semihosting host to read `block` (alive across the
        // call) and end the run.
        unsafe { asm!("hlt #0xf000", in("x0") SYS_EXIT, in("x1") block.as_ptr(), options(nostack)) };
    }
}
