//! tail [-n N | -n +N] [FILE]...: the last N lines (10) of each file, or from line N on
//! with +N; a "==> FILE <==" header before each when there are several.
#![no_std]
#![no_main]

extern crate alloc;

use ulib::io::Output;
use ulib::{complain, tool};

ulib::main!(run);

fn run() -> i32 {
    let options = match tool::options("", "n", 1) {
        Ok(options) => options,
        Err(status) => return status,
    };
    let text = options.value('n').unwrap_or("10");
    let from_start = text.starts_with('+');
    let Ok(number) = text.trim_start_matches(['+', '-']).parse::<usize>() else {
        complain!("invalid number of lines: '{text}'");
        return 1;
    };
    let files = if options.operands.is_empty() { alloc::vec!["-"] } else { options.operands.clone() };
    let mut out = Output::stdout();
    let mut status = 0;
    let mut first = true;
    for &name in &files {
        let bytes = match tool::read_input(name) {
            Ok(bytes) => bytes,
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
        // Where each line starts; the last line may lack its newline.
        let starts: alloc::vec::Vec<usize> = core::iter::once(0)
            .chain(bytes.iter().enumerate().filter(|&(_, &byte)| byte == b'\n').map(|(at, _)| at + 1))
            .filter(|&at| at < bytes.len())
            .collect();
        let first_line = if from_start { number.saturating_sub(1) } else { starts.len().saturating_sub(number) };
        if let Some(&at) = starts.get(first_line) {
            out.write(&bytes[at..]);
        }
    }
    status
}
