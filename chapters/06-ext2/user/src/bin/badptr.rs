//! badptr: hands every system call that takes a pointer bad ones: NULL, an unmapped
//! address, a kernel address, and a range that starts mapped and runs into unmapped
//! memory. Each call must fail with EFAULT, and the program must live on. NULL is left out
//! where Linux gives it a meaning (no argv, no envp, no status wanted). `badptr all` adds
//! nanosleep, which qemu-aarch64 7.2 answers with EINVAL where Linux answers EFAULT.
#![no_std]
#![no_main]

use ulib::sys::{self, Fork, Timespec, nr, syscall};
use ulib::{Errno, println};

ulib::main!(run);

/// Far above anything this program maps.
const UNMAPPED: usize = 0x7000_0000;
const KERNEL: usize = 0xffff_0000_0008_0000;

fn run() -> i32 {
    // Two pages, the second unmapped again: 2 bytes before the hole start a straddling range.
    let Ok(pages) = sys::mmap_anonymous(8192, sys::PROT_READ | sys::PROT_WRITE) else {
        println!("badptr: mmap failed");
        return 1;
    };
    // SAFETY: the first page is mapped and writable.
    unsafe { core::ptr::write_bytes(pages as *mut u8, b'x', 4096) };
    let _ = sys::munmap(pages + 4096, 4096);
    let straddle = pages + 4096 - 2;
    let all = ulib::args().nth(1) == Some("all");
    let bad = [("NULL", 0), ("unmapped", UNMAPPED), ("kernel", KERNEL), ("straddling", straddle)];

    let hello = b"hello\0";
    let argv = [hello.as_ptr(), core::ptr::null()];
    let mut failures = 0;
    for (what, pointer) in bad {
        let calls: [(&str, usize, [usize; 6]); 9] = [
            ("write", nr::WRITE, [1, pointer, 16, 0, 0, 0]),
            ("read", nr::READ, [0, pointer, 16, 0, 0, 0]),
            ("execve path", nr::EXECVE, [pointer, argv.as_ptr() as usize, 0, 0, 0, 0]),
            ("execve argv", nr::EXECVE, [hello.as_ptr() as usize, pointer, 0, 0, 0, 0]),
            ("execve envp", nr::EXECVE, [hello.as_ptr() as usize, argv.as_ptr() as usize, pointer, 0, 0, 0]),
            ("nanosleep", nr::NANOSLEEP, [pointer, 0, 0, 0, 0, 0]),
            ("clock_gettime", nr::CLOCK_GETTIME, [sys::CLOCK_MONOTONIC, pointer, 0, 0, 0, 0]),
            ("uname", nr::UNAME, [pointer, 0, 0, 0, 0, 0]),
            ("wait4 status", nr::WAIT4, [usize::MAX, pointer, 0, 0, 0, 0]),
        ];
        for (name, number, args) in calls {
            if (pointer == 0 && matches!(name, "execve argv" | "execve envp" | "wait4 status")) || (number == nr::NANOSLEEP && !all) {
                continue;
            }
            if number == nr::WAIT4 {
                // wait4 looks at the pointer only once a child has ended: give it one.
                match sys::fork() {
                    Ok(Fork::Child) => sys::exit(0),
                    Ok(Fork::Parent { .. }) => {}
                    Err(errno) => println!("badptr: fork: {errno}"),
                }
            }
            // SAFETY: the pointers are bad on purpose; a correct kernel refuses them.
            let result = Errno::check(unsafe { syscall(number, args) });
            let ok = result == Err(Errno::EFAULT);
            match result {
                Err(errno) => println!("{name}({what}) = -{}{}", errno.name(), if ok { "" } else { "  WRONG" }),
                Ok(value) => println!("{name}({what}) = {value}  WRONG"),
            }
            failures += usize::from(!ok);
        }
    }
    // The children reaped by the failed wait4 calls are gone: nothing is left to wait for.
    let left = sys::wait4(-1, 0);
    println!("wait4 afterwards: {}", match left {
        Err(errno) => errno.name(),
        Ok(_) => "a child was left over",
    });
    let mut time = Timespec::default();
    // SAFETY: a good pointer, to show the calls still work.
    let good = Errno::check(unsafe { syscall(nr::CLOCK_GETTIME, [sys::CLOCK_MONOTONIC, &raw mut time as usize, 0, 0, 0, 0]) });
    println!("clock_gettime(good pointer) = {}", if good.is_ok() { "0" } else { "an error" });
    println!("badptr: {failures} calls did not return EFAULT");
    if failures == 0 { 0 } else { 1 }
}
