//! mount: lists what is mounted ("SOURCE on TARGET type TYPE (OPTIONS)", from /proc/mounts),
//! only file systems of TYPE with -t TYPE; mount -t TYPE SOURCE TARGET mounts one.
#![no_std]
#![no_main]

extern crate alloc;

use core::fmt::Write;
use ulib::io::Output;
use ulib::{complain, procfs, sys, tool};

ulib::main!(run);

fn run() -> i32 {
    let options = match tool::options("", "t", 1) {
        Ok(options) => options,
        Err(status) => return status,
    };
    let kind = options.value('t');
    match (kind, &options.operands[..]) {
        (_, []) => list(kind),
        (Some(kind), [source, target]) => match sys::mount(source.as_bytes(), target.as_bytes(), kind.as_bytes(), 0) {
            Ok(_) => 0,
            Err(errno) => {
                complain!("{target}: cannot mount {source}: {}", errno.message());
                32
            }
        },
        _ => tool::usage(format_args!("give -t TYPE SOURCE TARGET, or nothing to list the mounts"), 1),
    }
}

fn list(kind: Option<&str>) -> i32 {
    let text = match tool::read_input("/proc/mounts") {
        Ok(bytes) => alloc::string::String::from_utf8_lossy(&bytes).into_owned(),
        Err(errno) => {
            complain!("cannot read /proc/mounts: {}", errno.message());
            return 32;
        }
    };
    let mut out = Output::stdout();
    for mount in procfs::mounts(&text).iter().filter(|mount| kind.is_none_or(|kind| mount.kind == kind)) {
        let _ = writeln!(out, "{} on {} type {} ({})", mount.source, mount.target, mount.kind, mount.options);
    }
    0
}
