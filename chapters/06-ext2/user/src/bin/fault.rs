//! fault KIND: does something a program must not, so that the kernel kills it with the
//! signal Linux would send. KIND is one of null, code, undef, sp, stack, kernel, readonly.
#![no_std]
#![no_main]

use core::arch::asm;
use ulib::println;

ulib::main!(run);

fn run() -> i32 {
    let kind = ulib::args().nth(1).unwrap_or("");
    match kind {
        "null" => {
            println!("fault: reading address 0");
            // SAFETY: none: the point is the fault (SIGSEGV).
            let value = unsafe { core::ptr::read_volatile(core::hint::black_box(0usize) as *const u64) };
            println!("read {value}");
        }
        "code" => {
            println!("fault: writing to this program's code");
            let code = run as *const () as *mut u32;
            // SAFETY: none: code pages are read-only (SIGSEGV).
            unsafe { core::ptr::write_volatile(core::hint::black_box(code), 0) };
        }
        "undef" => {
            println!("fault: executing an undefined instruction");
            // SAFETY: none: UDF is permanently undefined (SIGILL).
            unsafe { asm!("udf #0") };
        }
        "sp" => {
            println!("fault: a load through a misaligned stack pointer");
            // SAFETY: none: SP not a multiple of 16 as a base register (SIGBUS), restored if
            // the machine does not check.
            unsafe { asm!("mov {t}, sp", "sub sp, sp, #8", "ldr {v}, [sp]", "mov sp, {t}", t = out(reg) _, v = out(reg) _) };
        }
        "stack" => {
            println!("fault: recursing until the stack runs out");
            println!("depth {}", recurse(core::hint::black_box(0)));
        }
        "kernel" => {
            println!("fault: jumping to a kernel address");
            // SAFETY: none: the higher half is the kernel's (SIGSEGV).
            let target: extern "C" fn() = unsafe { core::mem::transmute(core::hint::black_box(0xffff_0000_0008_0000usize)) };
            target();
        }
        "readonly" => {
            println!("fault: writing to a page made read-only with mprotect");
            let Ok(page) = ulib::sys::mmap_anonymous(4096, ulib::sys::PROT_READ | ulib::sys::PROT_WRITE) else {
                return 1;
            };
            // SAFETY: the page was just mapped, writable.
            unsafe { core::ptr::write_volatile(page as *mut u8, 1) };
            if ulib::sys::mprotect(page, 4096, ulib::sys::PROT_READ).is_err() {
                return 1;
            }
            // SAFETY: none: the page is read-only now (SIGSEGV).
            unsafe { core::ptr::write_volatile(page as *mut u8, 2) };
        }
        _ => {
            println!("usage: fault null|code|undef|sp|stack|kernel|readonly");
            return 2;
        }
    }
    println!("fault: {kind}: no fault happened");
    1
}

/// Uses 4 KiB of stack per level, until the stack runs out (the depth never gets near the end).
fn recurse(depth: u64) -> u64 {
    if depth == u64::MAX {
        return 0;
    }
    let mut page = [0u8; 4096];
    page[core::hint::black_box(depth as usize % 4096)] = 1;
    core::hint::black_box(&mut page);
    recurse(depth + 1) + page[0] as u64
}
