//! clean PATH...: removes each path and everything under it (`rm -r`), for the tests to put
//! the tree back as it was.
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
    let mut status = 0;
    for path in ulib::args().skip(1) {
        if let Err(errno) = remove(path) {
            println!("clean: {path}: {errno}");
            status = 1;
        }
    }
    status
}

fn remove(path: &str) -> Result<(), Errno> {
    if sys::stat(path)?.mode & sys::S_IFMT != sys::S_IFDIR {
        sys::unlink(path)?;
        return Ok(());
    }
    let fd = sys::open(path, sys::O_RDONLY | sys::O_DIRECTORY, 0)?;
    let mut names: Vec<String> = Vec::new();
    let mut buffer = [0u8; 1024];
    loop {
        let count = sys::getdents64(fd, &mut buffer)?;
        if count == 0 {
            break;
        }
        names.extend(dirent::entries(&buffer[..count]).filter(|entry| entry.name != "." && entry.name != "..").map(|entry| String::from(entry.name)));
    }
    sys::close(fd)?;
    for name in names {
        remove(&format!("{path}/{name}"))?;
    }
    sys::rmdir(path)?;
    Ok(())
}
