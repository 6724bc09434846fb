//! cp [-r] SOURCE DEST, or cp [-r] SOURCE... DIRECTORY: copies files (their bytes and
//! permissions); with -r (or -R), directories and what is in them, symbolic links as links.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::string::String;
use ulib::stat::Stat;
use ulib::{Errno, complain, io, path, sys, tool};

ulib::main!(run);

fn run() -> i32 {
    let options = match tool::options("rR", "", 1) {
        Ok(options) => options,
        Err(status) => return status,
    };
    let recursive = options.has('r') || options.has('R');
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
        let stat = match sys::stat(source.as_bytes()) {
            Ok(stat) => stat,
            Err(errno) => {
                complain!("cannot stat '{source}': {}", errno.message());
                status = 1;
                continue;
            }
        };
        if stat.is_dir() && !recursive {
            complain!("-r not specified; omitting directory '{source}'");
            status = 1;
            continue;
        }
        let target = if into_folder { path::join(destination, path::base_name(source)) } else { String::from(destination) };
        if !copy(source, &target, &stat) {
            status = 1;
        }
    }
    status
}

/// Copies `source` (whose `stat` is given) to `target`; false after saying what failed.
fn copy(source: &str, target: &str, stat: &Stat) -> bool {
    if stat.is_symlink() {
        let mut buffer = [0u8; 4096];
        let linked = sys::readlinkat(sys::AT_FDCWD, source.as_bytes(), &mut buffer).and_then(|length| sys::symlinkat(&buffer[..length], sys::AT_FDCWD, target.as_bytes()));
        return linked.map_or_else(|errno| failed(format_args!("cannot create symbolic link '{target}'"), errno), |_| true);
    }
    if !stat.is_dir() {
        return copy_file(source, target, stat.mode & 0o7777);
    }
    match sys::mkdirat(sys::AT_FDCWD, target.as_bytes(), stat.mode & 0o7777) {
        Ok(_) => {}
        Err(Errno::EEXIST) if sys::stat(target.as_bytes()).is_ok_and(|stat| stat.is_dir()) => {}
        Err(errno) => return failed(format_args!("cannot create directory '{target}'"), errno),
    }
    let names = match tool::directory(source, false) {
        Ok(names) => names,
        Err(errno) => return failed(format_args!("cannot access '{source}'"), errno),
    };
    let mut all = true;
    for name in names {
        let from = path::join(source, &name);
        match sys::lstat(from.as_bytes()) {
            Ok(stat) => all &= copy(&from, &path::join(target, &name), &stat),
            Err(errno) => all = failed(format_args!("cannot stat '{from}'"), errno),
        }
    }
    all
}

fn copy_file(source: &str, target: &str, mode: u32) -> bool {
    // Copying a file onto itself would truncate it first: nothing would be left to copy.
    if let (Ok(from), Ok(to)) = (sys::stat(source.as_bytes()), sys::stat(target.as_bytes())) {
        if (from.dev, from.ino) == (to.dev, to.ino) {
            complain!("'{source}' and '{target}' are the same file");
            return false;
        }
    }
    let input = match sys::open(source.as_bytes(), sys::O_RDONLY | sys::O_CLOEXEC, 0) {
        Ok(fd) => fd,
        Err(errno) => return failed(format_args!("cannot open '{source}' for reading"), errno),
    };
    let output = match sys::open(target.as_bytes(), sys::O_WRONLY | sys::O_CREAT | sys::O_TRUNC | sys::O_CLOEXEC, mode) {
        Ok(fd) => fd,
        Err(errno) => {
            let _ = sys::close(input);
            return failed(format_args!("cannot create regular file '{target}'"), errno);
        }
    };
    let mut buffer = [0u8; 4096];
    let copied = loop {
        match sys::read(input, &mut buffer) {
            Ok(0) => break Ok(()),
            Ok(count) => {
                if let Err(errno) = io::write_all(output, &buffer[..count]) {
                    break Err(errno);
                }
            }
            Err(Errno::EINTR) => {}
            Err(errno) => break Err(errno),
        }
    };
    let _ = sys::close(input);
    let _ = sys::close(output);
    copied.map_or_else(|errno| failed(format_args!("error copying '{source}' to '{target}'"), errno), |_| true)
}

fn failed(what: core::fmt::Arguments, errno: Errno) -> bool {
    complain!("{what}: {}", errno.message());
    false
}
