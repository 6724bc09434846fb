//! forktree N: a tree of processes N levels deep. Every process below the last level forks
//! two children and waits for both; each exits with the size of its subtree, which its
//! parent checks. The root prints the total.
#![no_std]
#![no_main]

use ulib::sys::{self, Fork};
use ulib::{eprintln, println};

ulib::main!(run);

/// Deeper trees have more than 255 processes, more than an exit status can count.
const MAX_DEPTH: u32 = 6;

fn run() -> i32 {
    let depth = ulib::args().nth(1).and_then(|arg| arg.parse().ok()).unwrap_or(3);
    if depth > MAX_DEPTH {
        eprintln!("forktree: the depth must be 0 to {MAX_DEPTH}");
        return 2;
    }
    let total = subtree(depth);
    println!("forktree {depth}: {total} processes, every exit status checked");
    if total == (1 << (depth + 1)) - 1 { 0 } else { 1 }
}

/// Runs this process's part of a tree `levels` deep; returns how many processes it holds.
fn subtree(levels: u32) -> u32 {
    if levels == 0 {
        return 1;
    }
    let expected = (1 << levels) - 1;
    let mut children = 0;
    for _ in 0..2 {
        match sys::fork() {
            Ok(Fork::Child) => sys::exit(subtree(levels - 1) as i32),
            Ok(Fork::Parent { .. }) => children += 1,
            Err(errno) => eprintln!("forktree: fork: {errno}"),
        }
    }
    let mut total = 1;
    for _ in 0..children {
        match sys::wait4(-1, 0) {
            Ok(Some(child)) if child.exit_code() == Some(expected) => total += expected,
            Ok(Some(child)) => eprintln!("forktree: a child ended with status {:#x}, not exit {expected}", child.status),
            Ok(None) | Err(_) => eprintln!("forktree: wait4 failed"),
        }
    }
    total
}
