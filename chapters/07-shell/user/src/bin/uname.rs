//! uname [-snrvma]: the system's name (-s, the default), the machine's network name (-n),
//! the kernel's release (-r) and version (-v), the hardware (-m); -a all of them.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec::Vec;
use ulib::{complain, println, sys, tool};

ulib::main!(run);

fn run() -> i32 {
    let options = match tool::options("snrvma", "", 1) {
        Ok(options) => options,
        Err(status) => return status,
    };
    if let Some(extra) = options.operands.first() {
        return tool::usage(format_args!("extra operand '{extra}'"), 1);
    }
    let name = match sys::uname() {
        Ok(name) => name,
        Err(errno) => {
            complain!("cannot get system name: {}", errno.message());
            return 1;
        }
    };
    let fields = [('s', &name.sysname), ('n', &name.nodename), ('r', &name.release), ('v', &name.version), ('m', &name.machine)];
    let wanted = |letter| options.has('a') || options.has(letter) || (letter == 's' && options.options.is_empty());
    let shown: Vec<&str> = fields.iter().filter(|(letter, _)| wanted(*letter)).map(|(_, field)| text(field.as_slice())).collect();
    println!("{}", shown.join(" "));
    0
}

/// A NUL-padded field as text.
fn text(field: &[u8]) -> &str {
    let length = field.iter().position(|&byte| byte == 0).unwrap_or(field.len());
    core::str::from_utf8(&field[..length]).unwrap_or("?")
}
