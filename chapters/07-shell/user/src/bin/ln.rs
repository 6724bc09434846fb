//! ln [-s] [-f] TARGET LINK, or ln [-s] TARGET... DIRECTORY: makes hard links (or, with -s,
//! symbolic links) to the targets; -f replaces an existing link.
#![no_std]
#![no_main]

extern crate alloc;

use ulib::{complain, path, sys, tool};

ulib::main!(run);

fn run() -> i32 {
    let options = match tool::options("sf", "", 1) {
        Ok(options) => options,
        Err(status) => return status,
    };
    let operands = &options.operands;
    let (targets, place) = match operands.len() {
        0 => return tool::usage(format_args!("missing file operand"), 1),
        // One operand: a link of the same name in the current directory.
        1 => (&operands[..], "."),
        _ => (&operands[..operands.len() - 1], operands[operands.len() - 1]),
    };
    let into_folder = sys::stat(place.as_bytes()).is_ok_and(|stat| stat.is_dir());
    if targets.len() > 1 && !into_folder {
        complain!("target '{place}' is not a directory");
        return 1;
    }
    let symbolic = options.has('s');
    let mut status = 0;
    for target in targets {
        let link = if into_folder { path::join(place, path::base_name(target)) } else { alloc::string::String::from(place) };
        if let (false, Err(errno)) = (symbolic, sys::lstat(target.as_bytes())) {
            complain!("failed to access '{target}': {}", errno.message());
            status = 1;
            continue;
        }
        if options.has('f') {
            let _ = sys::unlinkat(sys::AT_FDCWD, link.as_bytes(), 0);
        }
        let made = if symbolic {
            sys::symlinkat(target.as_bytes(), sys::AT_FDCWD, link.as_bytes())
        } else {
            sys::linkat(sys::AT_FDCWD, target.as_bytes(), sys::AT_FDCWD, link.as_bytes(), 0)
        };
        if let Err(errno) = made {
            let kind = if symbolic { "symbolic" } else { "hard" };
            complain!("failed to create {kind} link '{link}': {}", errno.message());
            status = 1;
        }
    }
    status
}
