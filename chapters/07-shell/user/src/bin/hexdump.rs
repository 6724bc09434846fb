//! hexdump -C [FILE]...: the bytes of the files (standard input if none), sixteen a line: the
//! offset, the bytes in hexadecimal in two groups of eight, and the printable ones between
//! bars. A run of lines equal to the one before is shown as one "*". The last line is the
//! length. (-C, the "canonical" format, is the only one; it must be given.)
#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec::Vec;
use core::fmt::Write;
use ulib::io::Output;
use ulib::{complain, tool};

ulib::main!(run);

fn run() -> i32 {
    let options = match tool::options("C", "", 1) {
        Ok(options) => options,
        Err(status) => return status,
    };
    if !options.has('C') {
        complain!("only the canonical format (-C) is supported");
        return 1;
    }
    let files = if options.operands.is_empty() { alloc::vec!["-"] } else { options.operands.clone() };
    let mut bytes: Vec<u8> = Vec::new();
    let mut status = 0;
    for name in files {
        match tool::read_input(name) {
            Ok(more) => bytes.extend_from_slice(&more),
            Err(errno) => {
                complain!("{name}: {}", errno.message());
                status = 1;
            }
        }
    }
    let mut out = Output::stdout();
    let mut previous: Option<&[u8]> = None;
    let mut starred = false;
    for (index, line) in bytes.chunks(16).enumerate() {
        if line.len() == 16 && previous == Some(line) {
            if !starred {
                out.write(b"*\n");
                starred = true;
            }
            continue;
        }
        starred = false;
        previous = Some(line);
        let _ = write!(out, "{:08x} ", index * 16);
        for column in 0..16 {
            if column % 8 == 0 {
                out.write(b" ");
            }
            match line.get(column) {
                Some(byte) => {
                    let _ = write!(out, "{byte:02x} ");
                }
                None => out.write(b"   "),
            }
        }
        out.write(b" |");
        for &byte in line {
            out.write(&[if (0x20..0x7f).contains(&byte) { byte } else { b'.' }]);
        }
        out.write(b"|\n");
    }
    if !bytes.is_empty() {
        let _ = writeln!(out, "{:08x}", bytes.len());
    }
    status
}
