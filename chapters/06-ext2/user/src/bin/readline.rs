//! readline: reads one line from standard input (the console) and prints it back, with its
//! length. The console does not echo (there is no terminal line discipline yet).
#![no_std]
#![no_main]

use ulib::{println, sys};

ulib::main!(run);

fn run() -> i32 {
    let mut line = [0u8; 128];
    let mut len = 0;
    while len < line.len() {
        let mut byte = [0u8; 1];
        match sys::read(0, &mut byte) {
            Ok(0) => break,
            Ok(_) if byte[0] == b'\r' || byte[0] == b'\n' => break,
            Ok(_) => {
                line[len] = byte[0];
                len += 1;
            }
            Err(errno) => {
                println!("readline: read: {errno}");
                return 1;
            }
        }
    }
    println!("read {len} bytes: {}", core::str::from_utf8(&line[..len]).unwrap_or("(not UTF-8)"));
    0
}
