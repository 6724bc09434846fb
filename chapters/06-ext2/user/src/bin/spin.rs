//! spin A B: two CPU-bound processes, the parent printing marker A and the child marker B
//! between long stretches of computing. Neither ever gives up the processor: when their
//! markers interleave, the timer's preemption did it.
#![no_std]
#![no_main]

use ulib::sys::{self, Fork};
use ulib::{print, println};

ulib::main!(run);

const MARKS: usize = 12;
/// Computing between two marks, by the monotonic clock: under half a time slice, so that
/// a process preempted once a slice prints marks in runs of two or three.
const WORK_NS: i64 = 4_000_000;

fn run() -> i32 {
    let mut args = ulib::args().skip(1);
    let parent_mark = args.next().unwrap_or("A");
    let child_mark = args.next().unwrap_or("B");
    match sys::fork() {
        Ok(Fork::Child) => {
            spin(child_mark);
            sys::exit(0)
        }
        Ok(Fork::Parent { .. }) => {
            spin(parent_mark);
            let child = sys::wait4(-1, 0);
            println!();
            let ok = matches!(child, Ok(Some(ref child)) if child.exit_code() == Some(0));
            println!("spin: both printed {MARKS} marks");
            if ok { 0 } else { 1 }
        }
        Err(errno) => {
            println!("spin: fork: {errno}");
            1
        }
    }
}

fn now_ns() -> i64 {
    let time = sys::clock_gettime(sys::CLOCK_MONOTONIC).unwrap_or_default();
    time.seconds * 1_000_000_000 + time.nanoseconds
}

fn spin(mark: &str) {
    let mut x: u64 = 1;
    for _ in 0..MARKS {
        let start = now_ns();
        while now_ns() - start < WORK_NS {
            for i in 0..1000 {
                x = core::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(i));
            }
        }
        print!("{mark}");
    }
}
