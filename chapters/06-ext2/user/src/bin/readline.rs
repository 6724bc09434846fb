//! readline: reads lines from standard input until end of file (^D at the start of a line)
//! and prints each back with its length. The terminal's line discipline does the editing
//! and the echo: a read returns only once Enter ends a line, with the line as edited.
#![no_std]
#![no_main]

use ulib::{println, sys};

ulib::main!(run);

fn run() -> i32 {
    let mut line = [0u8; 128];
    loop {
        match sys::read(0, &mut line) {
            Ok(0) => {
                println!("end of file");
                return 0;
            }
            Ok(len) => println!("read {len} bytes: {:?}", core::str::from_utf8(&line[..len]).unwrap_or("(not UTF-8)")),
            Err(errno) => {
                println!("readline: read: {errno}");
                return 1;
            }
        }
    }
}
