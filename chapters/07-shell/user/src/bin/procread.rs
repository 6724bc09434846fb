//! procread: reads its own /proc files as a program reading them carelessly would (a byte at
//! a time, then from offset 0 again and from offset 5 on the same open file) and says whether
//! all the ways agree, and whether the text agrees with what the system calls say: its pid
//! and parent's pid (stat), its arguments (cmdline), its code at 0x400000, readable and
//! executable (maps). Each fact is printed only as "agrees" or "does not", so the output is
//! the same on Linux (under qemu-aarch64, which makes these three files itself) and on
//! Bramble, whose procfs must make it so. (Not status or meminfo: Linux makes those again
//! when read from offset 0 a second time, and their counts have changed by then.)
#![no_std]
#![no_main]

extern crate alloc;

use alloc::string::String;
use alloc::vec::Vec;
use ulib::{println, sys, Errno};

ulib::main!(run);

fn run() -> i32 {
    let (pid, parent) = (sys::getpid(), sys::getppid());
    let checks: [(&str, &dyn Fn(&str) -> bool); 3] = [
        // "PID (NAME) STATE PPID ...": the name may hold spaces, so the parent follows the last ')'.
        ("stat", &|text| text.starts_with(&alloc::format!("{pid} (")) && text.rsplit(')').next().and_then(|rest| rest.split_whitespace().nth(1)) == Some(&alloc::format!("{parent}"))),
        // qemu-aarch64 shows the program's path where argv[0] was: the rest are compared.
        ("cmdline", &|text| text.split_terminator('\0').skip(1).eq(ulib::args().skip(1))),
        // qemu-aarch64 writes the first address without Linux's leading zeros.
        ("maps", &|text| text.lines().any(|line| (line.starts_with("00400000-") || line.starts_with("400000-")) && line.contains(" r-xp "))),
    ];
    let mut status = 0;
    for (name, check) in checks {
        let path = alloc::format!("/proc/self/{name}");
        match read_three_ways(&path) {
            Ok(text) => {
                let text = String::from_utf8_lossy(&text);
                let agrees = check(&text);
                println!("{path}: the same a byte at a time, from an offset and whole; {}", if agrees { "it agrees with the system calls" } else { "it does NOT agree with the system calls" });
                status |= i32::from(!agrees);
            }
            Err(why) => {
                println!("{path}: {why}");
                status = 1;
            }
        }
    }
    status
}

/// The file read a byte at a time to its end, then (same open file) read again from offset 0
/// with lseek and from offset 5 with pread: the text, if all agree.
fn read_three_ways(path: &str) -> Result<Vec<u8>, String> {
    let failed = |errno: Errno| alloc::format!("{}", errno.message());
    let fd = sys::open(path.as_bytes(), sys::O_RDONLY, 0).map_err(failed)?;
    let mut bytes = Vec::new();
    let mut byte = [0u8; 1];
    while sys::read(fd, &mut byte).map_err(failed)? == 1 {
        bytes.push(byte[0]);
    }
    sys::lseek(fd, 0, 0).map_err(failed)?;
    let mut whole = alloc::vec![0u8; bytes.len() + 64];
    let mut count = 0;
    loop {
        let got = sys::read(fd, &mut whole[count..]).map_err(failed)?;
        if got == 0 {
            break;
        }
        count += got;
    }
    let mut piece = [0u8; 7];
    let got = sys::pread(fd, &mut piece, 5).map_err(failed)?;
    let _ = sys::close(fd);
    if whole[..count] != bytes[..] {
        return Err(alloc::format!("read whole ({count} bytes) it differs from a byte at a time ({} bytes)", bytes.len()));
    }
    if bytes.get(5..5 + got) != Some(&piece[..got]) {
        return Err(String::from("read from offset 5 it differs"));
    }
    Ok(bytes)
}
