//! wc [-l] [-w] [-c] [FILE]...: counts lines, words and bytes (all three when none is asked
//! for), with a total line for more than one file. Columns are as wide as GNU's wc makes them:
//! one count of one input is not padded; otherwise the width fits the total size of the
//! regular files, and is at least 7 when an input is not a regular file (a pipe, a terminal).
#![no_std]
#![no_main]

extern crate alloc;

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;
use ulib::io::Output;
use ulib::{complain, sys, tool};

ulib::main!(run);

#[derive(Default, Clone, Copy)]
struct Counts {
    lines: u64,
    words: u64,
    bytes: u64,
}

fn run() -> i32 {
    let options = match tool::options("lwc", "", 1) {
        Ok(options) => options,
        Err(status) => return status,
    };
    let all = !(options.has('l') || options.has('w') || options.has('c'));
    let shown = [all || options.has('l'), all || options.has('w'), all || options.has('c')];
    let files = if options.operands.is_empty() { alloc::vec!["-"] } else { options.operands.clone() };
    let mut status = 0;
    let mut results: Vec<(Counts, Option<&str>)> = Vec::new();
    let mut regular_total = 0u64;
    let mut minimum_width = 1;
    for &name in &files {
        let fd = match tool::open_input(name) {
            Ok(fd) => fd,
            Err(errno) => {
                complain!("{name}: {}", errno.message());
                status = 1;
                continue;
            }
        };
        match sys::fstat(fd) {
            Ok(stat) if stat.is_regular() => regular_total += stat.size as u64,
            _ => minimum_width = 7,
        }
        match count(fd) {
            Ok(counts) => results.push((counts, (!options.operands.is_empty()).then_some(name))),
            Err(errno) => {
                complain!("{name}: {}", errno.message());
                status = 1;
            }
        }
        tool::close_input(fd);
    }
    let width = if shown.iter().filter(|&&shown| shown).count() == 1 && files.len() == 1 {
        1
    } else {
        let mut digits = 1;
        while regular_total >= 10 {
            regular_total /= 10;
            digits += 1;
        }
        digits.max(minimum_width)
    };
    let mut out = Output::stdout();
    let mut total = Counts::default();
    for (counts, name) in &results {
        total.lines += counts.lines;
        total.words += counts.words;
        total.bytes += counts.bytes;
        out.write(line(counts, *name, shown, width).as_bytes());
    }
    if files.len() > 1 {
        out.write(line(&total, Some("total"), shown, width).as_bytes());
    }
    status
}

fn line(counts: &Counts, name: Option<&str>, shown: [bool; 3], width: usize) -> String {
    let mut text = String::new();
    for (value, _) in [counts.lines, counts.words, counts.bytes].iter().zip(shown).filter(|(_, shown)| *shown) {
        if !text.is_empty() {
            text.push(' ');
        }
        let _ = write!(text, "{value:>width$}");
    }
    if let Some(name) = name {
        let _ = write!(text, " {name}");
    }
    text.push('\n');
    text
}

/// A word is a run of bytes other than white space.
fn count(fd: usize) -> Result<Counts, ulib::Errno> {
    let mut counts = Counts::default();
    let mut in_word = false;
    let mut buffer = [0u8; 4096];
    loop {
        let length = match sys::read(fd, &mut buffer) {
            Ok(0) => return Ok(counts),
            Ok(length) => length,
            Err(ulib::Errno::EINTR) => continue,
            Err(errno) => return Err(errno),
        };
        for &byte in &buffer[..length] {
            counts.bytes += 1;
            if byte == b'\n' {
                counts.lines += 1;
            }
            let space = matches!(byte, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c);
            if !space && !in_word {
                counts.words += 1;
            }
            in_word = !space;
        }
    }
}
