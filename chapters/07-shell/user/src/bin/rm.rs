//! rm [-r] [-f] FILE...: removes each file; with -r (or -R), directories and everything in
//! them; with -f, a missing file is no error (and no operand is no error).
#![no_std]
#![no_main]

extern crate alloc;

use ulib::{Errno, complain, path, sys, tool};

ulib::main!(run);

fn run() -> i32 {
    let options = match tool::options("rRf", "", 1) {
        Ok(options) => options,
        Err(status) => return status,
    };
    let force = options.has('f');
    let recursive = options.has('r') || options.has('R');
    if options.operands.is_empty() && !force {
        return tool::usage(format_args!("missing operand"), 1);
    }
    let mut status = 0;
    for name in &options.operands {
        if !remove(name, recursive, force) {
            status = 1;
        }
    }
    status
}

/// Removes one path; false (after saying why) if it or anything in it could not be.
fn remove(name: &str, recursive: bool, force: bool) -> bool {
    let stat = match sys::lstat(name.as_bytes()) {
        Ok(stat) => stat,
        Err(Errno::ENOENT) if force => return true,
        Err(errno) => return failed(name, errno),
    };
    if !stat.is_dir() {
        return sys::unlinkat(sys::AT_FDCWD, name.as_bytes(), 0).map_or_else(|errno| failed(name, errno), |_| true);
    }
    if !recursive {
        return failed(name, Errno::EISDIR);
    }
    let children = match tool::directory(name, false) {
        Ok(children) => children,
        Err(errno) => return failed(name, errno),
    };
    let mut all = true;
    for child in children {
        all &= remove(&path::join(name, &child), recursive, force);
    }
    all && sys::unlinkat(sys::AT_FDCWD, name.as_bytes(), sys::AT_REMOVEDIR).map_or_else(|errno| failed(name, errno), |_| true)
}

fn failed(name: &str, errno: Errno) -> bool {
    complain!("cannot remove '{name}': {}", errno.message());
    false
}
