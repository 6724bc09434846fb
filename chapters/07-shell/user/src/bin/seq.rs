//! seq [-s SEPARATOR] [-w] [FIRST [INCREMENT]] LAST: the integers from FIRST (1) to LAST,
//! INCREMENT (1) apart, one a line (or separated by SEPARATOR); -w pads them with zeros to
//! one width. Integers only: GNU's seq also counts in fractions, this one says it cannot.
#![no_std]
#![no_main]

extern crate alloc;

use core::fmt::Write;
use ulib::io::Output;
use ulib::{complain, tool};

ulib::main!(run);

fn run() -> i32 {
    // Negative numbers look like options: read them as operands (as GNU's seq does).
    let args = tool::arguments();
    let mut separator = "\n";
    let mut equal_width = false;
    let mut numbers = alloc::vec::Vec::new();
    let mut words = args.iter();
    while let Some(&word) = words.next() {
        match word {
            "-w" => equal_width = true,
            "-s" => match words.next() {
                Some(&value) => separator = value,
                None => return tool::usage(format_args!("option requires an argument -- 's'"), 1),
            },
            _ => match word.parse::<i64>() {
                Ok(number) => numbers.push(number),
                Err(_) if word.starts_with('-') && word.len() > 1 && !word[1..].starts_with(|c: char| c.is_ascii_digit()) => {
                    return tool::usage(format_args!("invalid option -- '{}'", &word[1..2]), 1);
                }
                Err(_) => {
                    complain!("invalid integer argument: '{word}' (this seq counts in integers only)");
                    return 1;
                }
            },
        }
    }
    let (first, step, last) = match numbers[..] {
        [] => return tool::usage(format_args!("missing operand"), 1),
        [last] => (1, 1, last),
        [first, last] => (first, 1, last),
        [first, step, last] => (first, step, last),
        [_, _, _, extra, ..] => return tool::usage(format_args!("extra operand '{extra}'"), 1),
    };
    if step == 0 {
        return tool::usage(format_args!("invalid Zero increment value: '0'"), 1);
    }
    let width = if equal_width { alloc::format!("{first}").len().max(alloc::format!("{last}").len()) } else { 0 };
    let mut out = Output::stdout();
    let mut value = first;
    let mut any = false;
    while (step > 0 && value <= last) || (step < 0 && value >= last) {
        if any {
            out.write(separator.as_bytes());
        }
        any = true;
        let _ = write!(out, "{value:0width$}");
        let Some(next) = value.checked_add(step) else { break };
        value = next;
    }
    if any {
        out.write(b"\n");
    }
    0
}
