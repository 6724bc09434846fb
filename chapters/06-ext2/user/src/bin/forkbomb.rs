//! forkbomb: forks until the kernel says EAGAIN (its process table is full), then reaps
//! every child. Each child waits a moment, so that they are all alive at once.
#![no_std]
#![no_main]

use ulib::sys::{self, Fork, Timespec};
use ulib::println;

ulib::main!(run);

/// Give up here even if fork never fails (a Linux machine allows thousands).
const LIMIT: usize = 200;

fn run() -> i32 {
    let mut children = 0;
    let mut refusal = None;
    while children < LIMIT {
        match sys::fork() {
            Ok(Fork::Child) => {
                let _ = sys::nanosleep(&Timespec { seconds: 0, nanoseconds: 50_000_000 });
                sys::exit(0)
            }
            Ok(Fork::Parent { .. }) => children += 1,
            Err(errno) => {
                refusal = Some(errno);
                break;
            }
        }
    }
    let mut reaped = 0;
    while let Ok(Some(_)) = sys::wait4(-1, 0) {
        reaped += 1;
    }
    match refusal {
        Some(errno) => println!("forkbomb: fork said {} after {children} children; {reaped} reaped", errno.name()),
        None => println!("forkbomb: {children} children without a refusal; {reaped} reaped"),
    }
    if reaped == children { 0 } else { 1 }
}
