//! stat FILE...: what the file system records about each file, in the layout of GNU's stat
//! (its "Birth" is always "-": Linux's `stat` call does not report it).
#![no_std]
#![no_main]

extern crate alloc;

use core::fmt::Write;
use ulib::io::Output;
use ulib::stat::{self, Stat};
use ulib::time::DateTime;
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
    let mut out = Output::stdout();
    let mut status = 0;
    for name in &options.operands {
        match sys::lstat(name.as_bytes()) {
            Ok(info) => show(&mut out, name, &info),
            Err(errno) => {
                out.flush();
                complain!("cannot statx '{name}': {}", errno.message());
                status = 1;
            }
        }
    }
    status
}

fn show(out: &mut Output, name: &str, info: &Stat) {
    let _ = write!(out, "  File: {name}");
    if info.is_symlink() {
        let mut target = [0u8; 4096];
        if let Ok(length) = sys::readlinkat(sys::AT_FDCWD, name.as_bytes(), &mut target) {
            let _ = write!(out, " -> {}", alloc::string::String::from_utf8_lossy(&target[..length]));
        }
    }
    let kind = stat::type_name(info.mode, info.size);
    let _ = writeln!(out, "\n  Size: {:<10}\tBlocks: {:<10} IO Block: {:<6} {kind}", info.size, info.blocks, info.blksize);
    let (major, minor) = stat::major_minor(info.dev);
    let _ = write!(out, "Device: {major},{minor}\tInode: {:<11} Links: {}", info.ino, info.nlink);
    if info.mode & stat::S_IFMT == stat::S_IFCHR || info.mode & stat::S_IFMT == stat::S_IFBLK {
        let (major, minor) = stat::major_minor(info.rdev);
        let _ = write!(out, "     Device type: {major},{minor}");
    }
    let mode = stat::mode_string(info.mode);
    let _ = writeln!(
        out,
        "\nAccess: ({:04o}/{})  Uid: ({:>5}/{:>8})   Gid: ({:>5}/{:>8})",
        info.mode & 0o7777,
        core::str::from_utf8(&mode).unwrap_or("?"),
        info.uid,
        tool::id_name("/etc/passwd", info.uid),
        info.gid,
        tool::id_name("/etc/group", info.gid)
    );
    for (label, seconds, nanoseconds) in [("Access", info.atime, info.atime_nsec), ("Modify", info.mtime, info.mtime_nsec), ("Change", info.ctime, info.ctime_nsec)] {
        let time = DateTime::from_unix(seconds);
        let _ = writeln!(
            out,
            "{label}: {}-{:02}-{:02} {:02}:{:02}:{:02}.{:09} +0000",
            time.year, time.month, time.day, time.hour, time.minute, time.second, nanoseconds
        );
    }
    out.write(b" Birth: -\n");
}
