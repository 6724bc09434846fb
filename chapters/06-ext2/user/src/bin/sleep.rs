//! sleep MS: sleeps for MS milliseconds with nanosleep, and checks on the monotonic clock
//! that at least that long passed.
#![no_std]
#![no_main]

use ulib::sys::{self, Timespec};
use ulib::println;

ulib::main!(run);

fn millis(time: Timespec) -> i64 {
    time.seconds * 1000 + time.nanoseconds / 1_000_000
}

fn run() -> i32 {
    let ms: i64 = ulib::args().nth(1).and_then(|arg| arg.parse().ok()).unwrap_or(100);
    let (Ok(before), Ok(_)) = (sys::clock_gettime(sys::CLOCK_MONOTONIC), sys::clock_gettime(sys::CLOCK_REALTIME)) else {
        println!("sleep: clock_gettime failed");
        return 1;
    };
    let duration = Timespec { seconds: ms / 1000, nanoseconds: ms % 1000 * 1_000_000 };
    if let Err(errno) = sys::nanosleep(&duration) {
        println!("sleep: nanosleep: {errno}");
        return 1;
    }
    let Ok(after) = sys::clock_gettime(sys::CLOCK_MONOTONIC) else {
        return 1;
    };
    let slept = millis(after) - millis(before);
    println!("sleep {ms}: the monotonic clock moved at least {ms} ms: {}", if slept >= ms { "yes" } else { "no" });
    if slept >= ms { 0 } else { 1 }
}
