//! df [-k] [FILE]...: the size, use and free space of the file systems holding each FILE
//! (all mounted file systems that have blocks, without any), in KiB, as GNU's df prints them.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::string::String;
use alloc::vec::Vec;
use ulib::io::Output;
use ulib::procfs::{self, Mount};
use ulib::{complain, path, sys, tool};

ulib::main!(run);

fn run() -> i32 {
    let options = match tool::options("k", "", 1) {
        Ok(options) => options,
        Err(status) => return status,
    };
    let mounts = match tool::read_input("/proc/mounts") {
        Ok(bytes) => procfs::mounts(&String::from_utf8_lossy(&bytes)),
        Err(errno) => {
            complain!("cannot read /proc/mounts: {}", errno.message());
            return 1;
        }
    };
    let mut status = 0;
    let mut chosen: Vec<&Mount> = Vec::new();
    if options.operands.is_empty() {
        // A file system mounted twice (the same device) is shown once.
        let mut devices = Vec::new();
        for mount in &mounts {
            let device = sys::stat(mount.target.as_bytes()).map(|stat| stat.dev).ok();
            if device.is_none() || !devices.contains(&device) {
                devices.push(device);
                chosen.push(mount);
            }
        }
    }
    for name in &options.operands {
        if let Err(errno) = sys::stat(name.as_bytes()) {
            complain!("{name}: {}", errno.message());
            status = 1;
            continue;
        }
        match holder(&mounts, &absolute(name)) {
            Some(mount) => chosen.push(mount),
            None => {
                complain!("{name}: cannot find its file system in /proc/mounts");
                status = 1;
            }
        }
    }
    let mut rows: Vec<[String; 6]> = Vec::from([["Filesystem", "1K-blocks", "Used", "Available", "Use%", "Mounted on"].map(String::from)]);
    for mount in chosen {
        let Ok(info) = sys::statfs(mount.target.as_bytes()) else { continue };
        // File systems without blocks (proc, sysfs...) are left out of the full list.
        if info.blocks == 0 && options.operands.is_empty() {
            continue;
        }
        let unit = if info.fragment_size > 0 { info.fragment_size } else { info.block_size };
        let kib = |blocks: u64| blocks * unit / 1024;
        let used = kib(info.blocks - info.blocks_free);
        let available = kib(info.blocks_available);
        // Rounded up, as GNU's df rounds: 1% means "some".
        let percent = if used + available == 0 { String::from("-") } else { alloc::format!("{}%", (used * 100).div_ceil(used + available)) };
        rows.push([mount.source.clone(), alloc::format!("{}", kib(info.blocks)), alloc::format!("{used}"), alloc::format!("{available}"), percent, mount.target.clone()]);
    }
    // Nothing to show (every file named was missing): not even the header.
    if rows.len() > 1 {
        print_table(&rows);
    }
    status
}

/// The columns: each as wide as its widest cell (the first at least 14, the numbers 5);
/// names left-aligned, numbers right-aligned; the last column unpadded.
fn print_table(rows: &[[String; 6]]) {
    const MINIMUM: [usize; 6] = [14, 5, 5, 5, 4, 0];
    let widths: Vec<usize> = (0..6).map(|column| rows.iter().map(|row| row[column].len()).max().unwrap_or(0).max(MINIMUM[column])).collect();
    let mut out = Output::stdout();
    for row in rows {
        let mut line = String::new();
        for (column, cell) in row.iter().enumerate() {
            let width = widths[column];
            match column {
                0 => line.push_str(&alloc::format!("{cell:<width$} ")),
                5 => line.push_str(cell),
                _ => line.push_str(&alloc::format!("{cell:>width$} ")),
            }
        }
        out.write(line.as_bytes());
        out.write(b"\n");
    }
}

/// `name` as an absolute path (the current directory before a relative one; "." and ".."
/// folded away).
fn absolute(name: &str) -> String {
    let mut buffer = [0u8; 4096];
    let cwd = sys::getcwd(&mut buffer).map(|length| String::from_utf8_lossy(&buffer[..length]).into_owned()).unwrap_or_default();
    let joined = if name.starts_with('/') { String::from(name) } else { path::join(&cwd, name) };
    let mut parts: Vec<&str> = Vec::new();
    for part in joined.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            _ => parts.push(part),
        }
    }
    alloc::format!("/{}", parts.join("/"))
}

/// The mount that holds `path`: the last mounted (it hides earlier ones) of those whose
/// target is the longest folder above it.
fn holder<'a>(mounts: &'a [Mount], path: &str) -> Option<&'a Mount> {
    let inside = |target: &str| target == "/" || path == target || path.starts_with(&alloc::format!("{target}/"));
    let longest = mounts.iter().filter(|mount| inside(&mount.target)).map(|mount| mount.target.len()).max()?;
    mounts.iter().rev().find(|mount| mount.target.len() == longest && inside(&mount.target))
}
