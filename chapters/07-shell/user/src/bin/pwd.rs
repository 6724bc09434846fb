//! pwd: prints the current directory.
#![no_std]
#![no_main]

use ulib::{complain, println, sys};

ulib::main!(run);

fn run() -> i32 {
    let mut buffer = [0u8; 4096];
    match sys::getcwd(&mut buffer) {
        Ok(length) => {
            println!("{}", core::str::from_utf8(&buffer[..length]).unwrap_or("?"));
            0
        }
        Err(errno) => {
            complain!("error retrieving current directory: {}", errno.message());
            1
        }
    }
}
