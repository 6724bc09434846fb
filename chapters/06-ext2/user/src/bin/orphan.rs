//! orphan: forks a child and exits at once, leaving the child an orphan; the child waits until
//! its parent has gone, says who its parent is now, and exits. Nobody waits for it but the kernel.
#![no_std]
#![no_main]

use ulib::sys::{self, Fork, Timespec};
use ulib::println;

ulib::main!(run);

fn run() -> i32 {
    let parent = sys::getpid();
    match sys::fork() {
        Ok(Fork::Child) => {
            // Polled, not a fixed sleep: however the scheduler (or a loaded host, in QEMU)
            // orders the two, the child speaks only once its parent has exited. Then it
            // sleeps a little more, so whoever waited for the parent speaks first.
            while sys::getppid() == parent {
                let _ = sys::nanosleep(&Timespec { seconds: 0, nanoseconds: 1_000_000 });
            }
            let _ = sys::nanosleep(&Timespec { seconds: 0, nanoseconds: 20_000_000 });
            println!("orphan: the child's parent is now pid {}", sys::getppid());
            sys::exit(0)
        }
        Ok(Fork::Parent { child }) => {
            println!("orphan: parent {parent} leaves child {child} behind");
            0
        }
        Err(errno) => {
            println!("orphan: fork: {errno}");
            1
        }
    }
}
