//! orphan: forks a child and exits at once, leaving the child an orphan; the child sleeps a
//! little, says who its parent is now, and exits. Nobody waits for it but the kernel.
#![no_std]
#![no_main]

use ulib::sys::{self, Fork, Timespec};
use ulib::println;

ulib::main!(run);

fn run() -> i32 {
    match sys::fork() {
        Ok(Fork::Child) => {
            let _ = sys::nanosleep(&Timespec { seconds: 0, nanoseconds: 20_000_000 });
            println!("orphan: the child's parent is now pid {}", sys::getppid());
            sys::exit(0)
        }
        Ok(Fork::Parent { child }) => {
            println!("orphan: parent {} leaves child {child} behind", sys::getpid());
            0
        }
        Err(errno) => {
            println!("orphan: fork: {errno}");
            1
        }
    }
}
