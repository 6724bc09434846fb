//! pingpong N: two processes that do nothing but give the processor to each other with
//! sched_yield, N times each: every yield is a context switch.
#![no_std]
#![no_main]

use ulib::sys::{self, Fork};
use ulib::println;

ulib::main!(run);

fn run() -> i32 {
    let rounds: u32 = ulib::args().nth(1).and_then(|arg| arg.parse().ok()).unwrap_or(1000);
    match sys::fork() {
        Ok(Fork::Child) => {
            for _ in 0..rounds {
                sys::sched_yield();
            }
            sys::exit(0)
        }
        Ok(Fork::Parent { .. }) => {
            for _ in 0..rounds {
                sys::sched_yield();
            }
            let child = sys::wait4(-1, 0);
            let ok = matches!(child, Ok(Some(ref child)) if child.exit_code() == Some(0));
            println!("pingpong: {rounds} yields each, the child exited {}", if ok { "0" } else { "badly" });
            if ok { 0 } else { 1 }
        }
        Err(errno) => {
            println!("pingpong: fork: {errno}");
            1
        }
    }
}
