//! touch FILE...: sets each file's access and modification times to now, making it (empty)
//! if it does not exist; -c makes none.
#![no_std]
#![no_main]

use ulib::sys;
use ulib::{Errno, complain, tool};

ulib::main!(run);

fn run() -> i32 {
    let options = match tool::options("c", "", 1) {
        Ok(options) => options,
        Err(status) => return status,
    };
    if options.operands.is_empty() {
        return tool::usage(format_args!("missing file operand"), 1);
    }
    let mut status = 0;
    for name in &options.operands {
        let touched = match sys::utimensat(sys::AT_FDCWD, name.as_bytes(), None, 0) {
            Err(Errno::ENOENT) if !options.has('c') => sys::open(name.as_bytes(), sys::O_WRONLY | sys::O_CREAT | sys::O_NOCTTY, 0o666).and_then(sys::close),
            Err(Errno::ENOENT) => Ok(0),
            other => other,
        };
        if let Err(errno) = touched {
            complain!("cannot touch '{name}': {}", errno.message());
            status = 1;
        }
    }
    status
}
