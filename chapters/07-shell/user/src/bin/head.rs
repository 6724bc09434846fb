//! head [-n N] [FILE]...: the first N lines (10) of each file, with a "==> FILE <==" header
//! before each when there are several.
#![no_std]
#![no_main]

extern crate alloc;

use ulib::io::{Lines, Output};
use ulib::{complain, tool};

ulib::main!(run);

fn run() -> i32 {
    let options = match tool::options("", "n", 1) {
        Ok(options) => options,
        Err(status) => return status,
    };
    let Some(wanted) = options.value('n').map_or(Some(10), |text| text.parse::<u64>().ok()) else {
        complain!("invalid number of lines: '{}'", options.value('n').unwrap_or(""));
        return 1;
    };
    let files = if options.operands.is_empty() { alloc::vec!["-"] } else { options.operands.clone() };
    let mut out = Output::stdout();
    let mut status = 0;
    let mut first = true;
    for &name in &files {
        let fd = match tool::open_input(name) {
            Ok(fd) => fd,
            Err(errno) => {
                complain!("cannot open '{name}' for reading: {}", errno.message());
                status = 1;
                continue;
            }
        };
        if files.len() > 1 {
            let shown = if name == "-" { "standard input" } else { name };
            out.write(alloc::format!("{}==> {shown} <==\n", if first { "" } else { "\n" }).as_bytes());
        }
        first = false;
        let mut lines = Lines::new(fd);
        for _ in 0..wanted {
            match lines.next_line() {
                Ok(Some(line)) => out.write(line),
                Ok(None) => break,
                Err(errno) => {
                    complain!("error reading '{name}': {}", errno.message());
                    status = 1;
                    break;
                }
            }
        }
        tool::close_input(fd);
    }
    status
}
