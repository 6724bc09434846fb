//! grep [-i] [-v] [-n] [-c] [-q] [-F] PATTERN [FILE]...: the lines that match PATTERN (a
//! basic regular expression, see ulib's `regex`, or with -F a fixed string). -i ignores case,
//! -v selects the lines that do not match, -n numbers them, -c counts them, -q only answers.
//! Exit status 0 if a line was selected, 1 if none, 2 on an error.
#![no_std]
#![no_main]

extern crate alloc;

use ulib::io::{Lines, Output};
use ulib::regex::Regex;
use ulib::{complain, tool};

ulib::main!(run);

/// How a line is tested.
enum Matcher {
    Regex(Regex),
    Fixed { text: alloc::vec::Vec<u8>, ignore_case: bool },
}

impl Matcher {
    fn is_match(&self, line: &[u8]) -> bool {
        match self {
            Matcher::Regex(regex) => regex.is_match(line),
            Matcher::Fixed { text, ignore_case } => {
                text.is_empty() || line.windows(text.len()).any(|window| if *ignore_case { window.eq_ignore_ascii_case(text) } else { window == &text[..] })
            }
        }
    }
}

fn run() -> i32 {
    let options = match tool::options("ivncqF", "e", 2) {
        Ok(options) => options,
        Err(status) => return status,
    };
    let mut operands = options.operands.iter().copied();
    let Some(pattern) = options.value('e').or_else(|| operands.next()) else {
        return tool::usage(format_args!("no pattern given"), 2);
    };
    let ignore_case = options.has('i');
    let matcher = if options.has('F') {
        Matcher::Fixed { text: alloc::vec::Vec::from(pattern.as_bytes()), ignore_case }
    } else {
        match Regex::new(pattern.as_bytes(), ignore_case) {
            Ok(regex) => Matcher::Regex(regex),
            Err(error) => {
                complain!("{error}");
                return 2;
            }
        }
    };
    let files: alloc::vec::Vec<&str> = operands.collect();
    let files = if files.is_empty() { alloc::vec!["-"] } else { files };
    let named = files.len() > 1;
    let mut out = Output::stdout();
    let mut found = false;
    let mut failed = false;
    for name in files {
        let fd = match tool::open_input(name) {
            Ok(fd) => fd,
            Err(errno) => {
                complain!("{name}: {}", errno.message());
                failed = true;
                continue;
            }
        };
        let shown = if name == "-" { "(standard input)" } else { name };
        let mut lines = Lines::new(fd);
        let mut number = 0u64;
        let mut selected = 0u64;
        loop {
            let line = match lines.next_line() {
                Ok(Some(line)) => line,
                Ok(None) => break,
                Err(errno) => {
                    complain!("{name}: {}", errno.message());
                    failed = true;
                    break;
                }
            };
            number += 1;
            let text = line.strip_suffix(b"\n").unwrap_or(line);
            if matcher.is_match(text) == options.has('v') {
                continue;
            }
            selected += 1;
            found = true;
            if options.has('q') {
                return 0;
            }
            if options.has('c') {
                continue;
            }
            if named {
                out.write(shown.as_bytes());
                out.write(b":");
            }
            if options.has('n') {
                out.write(alloc::format!("{number}:").as_bytes());
            }
            out.write(text);
            out.write(b"\n");
        }
        if options.has('c') {
            let prefix = if named { alloc::format!("{shown}:") } else { alloc::string::String::new() };
            out.write(alloc::format!("{prefix}{selected}\n").as_bytes());
        }
        tool::close_input(fd);
    }
    if failed {
        2
    } else if found {
        0
    } else {
        1
    }
}
