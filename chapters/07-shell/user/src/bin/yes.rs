//! yes [STRING]...: writes "y" (or the strings, blank-separated) and a newline, until the
//! output is closed (then SIGPIPE or EPIPE ends it).
#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec::Vec;
use ulib::{io, tool};

ulib::main!(run);

fn run() -> i32 {
    let args = tool::arguments();
    let mut line = if args.is_empty() { alloc::string::String::from("y") } else { args.join(" ") };
    line.push('\n');
    // Many lines per write: a pipe's reader then gets whole pages at a time.
    let mut block: Vec<u8> = Vec::new();
    while block.len() < 4096 {
        block.extend_from_slice(line.as_bytes());
    }
    loop {
        if io::write_all(1, &block).is_err() {
            return 1;
        }
    }
}
