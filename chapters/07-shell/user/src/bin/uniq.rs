//! uniq [-c] [-d] [-u] [INPUT [OUTPUT]]: one line of each run of equal adjacent lines; -c
//! with the run's length, -d only runs of more than one, -u only lines that stand alone.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec::Vec;
use ulib::io::{Lines, Output};
use ulib::{complain, sys, tool};

ulib::main!(run);

fn run() -> i32 {
    let options = match tool::options("cdu", "", 1) {
        Ok(options) => options,
        Err(status) => return status,
    };
    let input = options.operands.first().copied().unwrap_or("-");
    let fd = match tool::open_input(input) {
        Ok(fd) => fd,
        Err(errno) => {
            complain!("{input}: {}", errno.message());
            return 1;
        }
    };
    let output = match options.operands.get(1) {
        None => 1,
        Some(name) => match sys::open(name.as_bytes(), sys::O_WRONLY | sys::O_CREAT | sys::O_TRUNC | sys::O_CLOEXEC, 0o666) {
            Ok(fd) => fd,
            Err(errno) => {
                complain!("{name}: {}", errno.message());
                return 1;
            }
        },
    };
    let mut out = Output::new(output);
    let mut lines = Lines::new(fd);
    let mut current: Option<Vec<u8>> = None;
    let mut count = 0u64;
    loop {
        let next = match lines.next_line() {
            Ok(line) => line.map(|line| Vec::from(line.strip_suffix(b"\n").unwrap_or(line))),
            Err(errno) => {
                complain!("{input}: {}", errno.message());
                return 1;
            }
        };
        if next.is_some() && next == current {
            count += 1;
            continue;
        }
        if let Some(line) = current.take() {
            let shown = if options.has('d') { count > 1 } else if options.has('u') { count == 1 } else { true };
            if shown {
                if options.has('c') {
                    out.write(alloc::format!("{count:>7} ").as_bytes());
                }
                out.write(&line);
                out.write(b"\n");
            }
        }
        let Some(line) = next else { return 0 };
        current = Some(line);
        count = 1;
    }
}
