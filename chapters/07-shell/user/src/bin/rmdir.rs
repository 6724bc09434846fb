//! rmdir DIRECTORY...: removes each directory, which must be empty.
#![no_std]
#![no_main]

use ulib::{complain, sys, tool};

ulib::main!(run);

fn run() -> i32 {
    let options = match tool::options("", "", 1) {
        Ok(options) => options,
        Err(status) => return status,
    };
    if options.operands.is_empty() {
        return tool::usage(format_args!("missing operand"), 1);
    }
    let mut status = 0;
    for name in &options.operands {
        if let Err(errno) = sys::unlinkat(sys::AT_FDCWD, name.as_bytes(), sys::AT_REMOVEDIR) {
            complain!("failed to remove '{name}': {}", errno.message());
            status = 1;
        }
    }
    status
}
