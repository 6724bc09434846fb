//! nosys: makes a system call that does not exist, twice: each must fail with ENOSYS (and
//! Bramble's console reports the number once).
#![no_std]
#![no_main]

use ulib::sys::syscall;
use ulib::{Errno, println};

ulib::main!(run);

/// Far past the last number Linux's generic table assigns.
const NO_SUCH_CALL: usize = 999;

fn run() -> i32 {
    for _ in 0..2 {
        // SAFETY: an unknown call takes nothing; the kernel must only refuse it.
        let result = Errno::check(unsafe { syscall(NO_SUCH_CALL, [0; 6]) });
        println!("system call {NO_SUCH_CALL}: {}", match result {
            Err(errno) => errno.name(),
            Ok(_) => "accepted",
        });
    }
    0
}
