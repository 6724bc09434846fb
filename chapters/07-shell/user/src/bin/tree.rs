//! tree [PATH [NAME...]]: every file and directory under PATH (default .), sorted, one per
//! line: its type and permissions, and for a file its size and a hash of its bytes. The tests
//! run it after every program, on Bramble and on Linux, to compare the trees the programs left.
//! What is in /dev is left out: on Bramble it is devfs, in the test's folder on Linux an empty
//! folder; so is what is in each NAME at the top of PATH (the card's large test files, which
//! no program changes and which would take long to hash after every one). /proc at the top is
//! left out whole: procfs on Bramble (whose kernel makes the mount point on the card), and
//! absent from the folder on Linux.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use ulib::dirent;
use ulib::sys;
use ulib::{Errno, println};

ulib::main!(run);

fn run() -> i32 {
    let top = ulib::args().nth(1).unwrap_or(".");
    let skipped: Vec<&str> = ulib::args().skip(2).collect();
    match walk(top, "", &skipped) {
        Ok(()) => 0,
        Err(errno) => {
            println!("tree: {errno}");
            1
        }
    }
}

/// The names in a directory, sorted, without . and ..
fn names(path: &str) -> Result<Vec<String>, Errno> {
    let fd = sys::open(path.as_bytes(), sys::O_RDONLY | sys::O_DIRECTORY, 0)?;
    let mut names = Vec::new();
    let mut buffer = [0u8; 1024];
    loop {
        let count = sys::getdents64(fd, &mut buffer)?;
        if count == 0 {
            break;
        }
        names.extend(dirent::entries(&buffer[..count]).filter(|entry| entry.name != b"." && entry.name != b"..").map(|entry| String::from_utf8_lossy(entry.name).into_owned()));
    }
    sys::close(fd)?;
    names.sort();
    Ok(names)
}

/// A hash of a file's bytes: FNV-1a's step taken a 64-bit word at a time, the last word
/// padded with zeros (the size printed beside it tells apart files that differ only in trailing
/// zeros). Word by word is eight times fewer steps than byte by byte, which matters: the tests
/// hash every program on the disk after every case, in an emulator.
fn hash(path: &str) -> Result<u64, Errno> {
    let fd = sys::open(path.as_bytes(), sys::O_RDONLY, 0)?;
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut buffer = [0u8; 16384];
    loop {
        let count = fill(fd, &mut buffer)?;
        for word in buffer[..count].chunks(8) {
            let mut bytes = [0u8; 8];
            bytes[..word.len()].copy_from_slice(word);
            hash = (hash ^ u64::from_le_bytes(bytes)).wrapping_mul(0x100_0000_01b3);
        }
        if count < buffer.len() {
            break;
        }
    }
    sys::close(fd)?;
    Ok(hash)
}

/// Reads until `buffer` is full or the file ends, so that only a file's last word can be short.
fn fill(fd: usize, buffer: &mut [u8]) -> Result<usize, Errno> {
    let mut filled = 0;
    while filled < buffer.len() {
        let count = sys::read(fd, &mut buffer[filled..])?;
        if count == 0 {
            break;
        }
        filled += count;
    }
    Ok(filled)
}

fn walk(top: &str, relative: &str, skipped: &[&str]) -> Result<(), Errno> {
    let here = if relative.is_empty() { String::from(top) } else { format!("{top}/{relative}") };
    for name in names(&here)? {
        if relative.is_empty() && name == "proc" {
            continue;
        }
        let path = format!("{here}/{name}");
        let shown = if relative.is_empty() { name.clone() } else { format!("{relative}/{name}") };
        let stat = sys::stat(path.as_bytes())?;
        let permissions = stat.mode & 0o7777;
        if stat.mode & ulib::stat::S_IFMT == ulib::stat::S_IFDIR {
            println!("d {permissions:04o} {shown}/");
            if shown != "dev" && !skipped.contains(&shown.as_str()) {
                walk(top, &shown, skipped)?;
            }
        } else {
            println!("f {permissions:04o} {shown} {} {:016x}", stat.size, hash(&path)?);
        }
    }
    Ok(())
}
