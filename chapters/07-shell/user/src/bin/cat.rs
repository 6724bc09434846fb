//! cat [-n] [FILE]...: copies each file (`-` or none: standard input) to standard output;
//! -n numbers the lines.
#![no_std]
#![no_main]

use ulib::io::{Lines, Output};
use ulib::{complain, sys, tool};

ulib::main!(run);

fn run() -> i32 {
    let options = match tool::options("n", "", 1) {
        Ok(options) => options,
        Err(status) => return status,
    };
    let files = if options.operands.is_empty() { alloc::vec!["-"] } else { options.operands.clone() };
    let mut status = 0;
    let mut out = Output::stdout();
    let mut number = 0;
    for name in files {
        let fd = match tool::open_input(name) {
            Ok(fd) => fd,
            Err(errno) => {
                complain!("{name}: {}", errno.message());
                status = 1;
                continue;
            }
        };
        let copied = if options.has('n') { numbered(fd, &mut out, &mut number) } else { copy(fd, &mut out) };
        if let Err(errno) = copied {
            complain!("{name}: {}", errno.message());
            status = 1;
        }
        tool::close_input(fd);
    }
    status
}

extern crate alloc;

/// Copies the input as it comes, a read at a time (so `cat` in a pipeline passes each
/// piece on at once).
fn copy(fd: usize, out: &mut Output) -> Result<(), ulib::Errno> {
    let mut buffer = [0u8; 4096];
    loop {
        match sys::read(fd, &mut buffer) {
            Ok(0) => return Ok(()),
            Ok(count) => {
                out.write(&buffer[..count]);
                out.flush();
            }
            Err(ulib::Errno::EINTR) => {}
            Err(errno) => return Err(errno),
        }
    }
}

/// Each line after its number, right-aligned in six places and a tab, as GNU's cat -n.
fn numbered(fd: usize, out: &mut Output, number: &mut u64) -> Result<(), ulib::Errno> {
    let mut lines = Lines::new(fd);
    while let Some(line) = lines.next_line()? {
        *number += 1;
        use core::fmt::Write;
        let _ = write!(out, "{:>6}\t", number);
        out.write(line);
    }
    Ok(())
}
