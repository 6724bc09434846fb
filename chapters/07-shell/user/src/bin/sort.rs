//! sort [-r] [-n] [-u] [FILE]...: the lines of all the files, sorted by their bytes (as
//! GNU's sort in the C locale); -n by the number each starts with, -r in reverse, -u one
//! of each run of equal lines.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec::Vec;
use core::cmp::Ordering;
use ulib::io::Output;
use ulib::{complain, tool};

ulib::main!(run);

fn run() -> i32 {
    let options = match tool::options("rnu", "", 2) {
        Ok(options) => options,
        Err(status) => return status,
    };
    let files = if options.operands.is_empty() { alloc::vec!["-"] } else { options.operands.clone() };
    let mut text = Vec::new();
    for name in files {
        match tool::read_input(name) {
            Ok(bytes) => {
                text.extend_from_slice(&bytes);
                // A file's last line ends there, newline or not.
                if !text.is_empty() && !text.ends_with(b"\n") {
                    text.push(b'\n');
                }
            }
            Err(errno) => {
                complain!("cannot read: {name}: {}", errno.message());
                return 2;
            }
        }
    }
    let mut lines: Vec<&[u8]> = text.split_inclusive(|&byte| byte == b'\n').map(|line| &line[..line.len() - 1]).collect();
    let numeric = options.has('n');
    // -n compares numbers, then (as GNU's last resort) the whole lines; -u keeps one line of
    // each group the key calls equal.
    let key = |a: &[u8], b: &[u8]| if numeric { number(a).cmp(&number(b)) } else { a.cmp(b) };
    let order = |a: &&[u8], b: &&[u8]| {
        let ordering = key(a, b).then_with(|| if options.has('u') { Ordering::Equal } else { a.cmp(b) });
        if options.has('r') { ordering.reverse() } else { ordering }
    };
    lines.sort_by(order);
    if options.has('u') {
        lines.dedup_by(|a, b| key(a, b) == Ordering::Equal);
    }
    let mut out = Output::stdout();
    for line in lines {
        out.write(line);
        out.write(b"\n");
    }
    0
}

/// The number a line starts with (blanks skipped; a sign, digits, a fraction), scaled to
/// millionths so that it compares as an integer; 0 when there is none.
fn number(line: &[u8]) -> i128 {
    let text = core::str::from_utf8(line).unwrap_or("").trim_start_matches([' ', '\t']);
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let whole: &str = &digits[..digits.find(|c: char| !c.is_ascii_digit()).unwrap_or(digits.len())];
    let fraction = digits[whole.len()..].strip_prefix('.').map_or("", |rest| &rest[..rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len())]);
    let mut value: i128 = 0;
    for digit in whole.bytes().take(30) {
        value = value * 10 + i128::from(digit - b'0');
    }
    for place in 0..6 {
        value = value * 10 + fraction.as_bytes().get(place).map_or(0, |digit| i128::from(digit - b'0'));
    }
    if negative { -value } else { value }
}
