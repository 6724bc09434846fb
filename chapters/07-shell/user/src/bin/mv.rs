//! mv SOURCE DEST, or mv SOURCE... DIRECTORY: renames (moves) files; a destination that is
//! a directory receives the sources under their own names.
#![no_std]
#![no_main]

extern crate alloc;

use ulib::{complain, path, sys, tool};

ulib::main!(run);

fn run() -> i32 {
    let options = match tool::options("f", "", 1) {
        Ok(options) => options,
        Err(status) => return status,
    };
    let (sources, destination) = match options.operands.split_last() {
        None => return tool::usage(format_args!("missing file operand"), 1),
        Some((last, [])) => return tool::usage(format_args!("missing destination file operand after '{last}'"), 1),
        Some((last, sources)) => (sources, *last),
    };
    let into_folder = sys::stat(destination.as_bytes()).is_ok_and(|stat| stat.is_dir());
    if sources.len() > 1 && !into_folder {
        complain!("target '{destination}' is not a directory");
        return 1;
    }
    let mut status = 0;
    for source in sources {
        let from = match sys::lstat(source.as_bytes()) {
            Ok(from) => from,
            Err(errno) => {
                complain!("cannot stat '{source}': {}", errno.message());
                status = 1;
                continue;
            }
        };
        let target = if into_folder { path::join(destination, path::base_name(source)) } else { alloc::string::String::from(destination) };
        // Linux renames a file onto itself without a word; GNU's mv (and ours) says so.
        if sys::lstat(target.as_bytes()).is_ok_and(|to| (to.dev, to.ino) == (from.dev, from.ino)) {
            complain!("'{source}' and '{target}' are the same file");
            status = 1;
            continue;
        }
        if let Err(errno) = sys::renameat2(sys::AT_FDCWD, source.as_bytes(), sys::AT_FDCWD, target.as_bytes(), 0) {
            complain!("cannot move '{source}' to '{target}': {}", errno.message());
            status = 1;
        }
    }
    status
}
