//! cost WHAT N: does one thing N times, for `npm run bench`, which counts the instructions
//! our emulator retires for different N: the difference, divided, is the cost of one.
//! WHAT is getpid (a null system call), fork (fork, exit and wait4), or exec (fork, then
//! execve of hello in the child, and wait4).
#![no_std]
#![no_main]

use ulib::sys::{self, Fork};
use ulib::{eprintln, println};

ulib::main!(run);

fn run() -> i32 {
    let mut args = ulib::args().skip(1);
    let what = args.next().unwrap_or("");
    let times: u32 = args.next().and_then(|arg| arg.parse().ok()).unwrap_or(0);
    for _ in 0..times {
        match what {
            "getpid" => {
                sys::getpid();
            }
            "fork" | "exec" => match sys::fork() {
                Ok(Fork::Child) if what == "exec" => {
                    let argv = [b"hello\0".as_ptr(), core::ptr::null()];
                    let errno = sys::execve(b"hello\0", &argv, &[core::ptr::null()]);
                    eprintln!("cost: execve: {errno}");
                    sys::exit(1)
                }
                Ok(Fork::Child) => sys::exit(0),
                Ok(Fork::Parent { .. }) => {
                    let _ = sys::wait4(-1, 0);
                }
                Err(errno) => {
                    eprintln!("cost: fork: {errno}");
                    return 1;
                }
            },
            _ => {
                eprintln!("usage: cost getpid|fork|exec N");
                return 2;
            }
        }
    }
    println!("cost: {what} {times} times");
    0
}
