//! tee [-a] [FILE]...: copies standard input to standard output and to each file
//! (truncated, or appended to with -a).
#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec::Vec;
use ulib::{Errno, complain, io, sys, tool};

ulib::main!(run);

fn run() -> i32 {
    let options = match tool::options("a", "", 1) {
        Ok(options) => options,
        Err(status) => return status,
    };
    let mode = if options.has('a') { sys::O_APPEND } else { sys::O_TRUNC };
    let mut status = 0;
    let mut outputs: Vec<(usize, &str)> = Vec::from([(1, "standard output")]);
    for name in &options.operands {
        match sys::open(name.as_bytes(), sys::O_WRONLY | sys::O_CREAT | sys::O_CLOEXEC | mode, 0o666) {
            Ok(fd) => outputs.push((fd, name)),
            Err(errno) => {
                complain!("{name}: {}", errno.message());
                status = 1;
            }
        }
    }
    let mut buffer = [0u8; 4096];
    loop {
        let count = match sys::read(0, &mut buffer) {
            Ok(0) => return status,
            Ok(count) => count,
            Err(Errno::EINTR) => continue,
            Err(errno) => {
                complain!("read error: {}", errno.message());
                return 1;
            }
        };
        // An output that fails is reported once and dropped; the others go on.
        outputs.retain(|&(fd, name)| match io::write_all(fd, &buffer[..count]) {
            Ok(()) => true,
            Err(errno) => {
                complain!("{name}: {}", errno.message());
                status = 1;
                false
            }
        });
    }
}
