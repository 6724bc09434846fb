//! persist FILE TEXT: writes TEXT and a newline to FILE, fsyncs it, syncs, reads back the
//! target of any symbolic link given with -l LINK, then powers the machine off with
//! reboot(2): what it wrote must be on the card at the next boot.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec::Vec;
use ulib::sys;
use ulib::{Errno, println};

ulib::main!(run);

fn run() -> i32 {
    let args: Vec<&str> = ulib::args().skip(1).collect();
    match persist(&args) {
        Ok(()) => 0,
        Err(errno) => {
            println!("persist: {errno}");
            1
        }
    }
}

fn persist(args: &[&str]) -> Result<(), Errno> {
    match args {
        ["-l", link] => {
            let mut target = [0u8; 256];
            let target = sys::readlink(link, &mut target)?;
            println!("{link} -> {}", core::str::from_utf8(target).unwrap_or("?"));
            Ok(())
        }
        [file, text @ ..] => {
            let fd = sys::open(file, sys::O_CREAT | sys::O_WRONLY | sys::O_TRUNC, 0o644)?;
            for (index, word) in text.iter().enumerate() {
                if index > 0 {
                    sys::write(fd, b" ")?;
                }
                sys::write(fd, word.as_bytes())?;
            }
            sys::write(fd, b"\n")?;
            sys::fsync(fd)?;
            sys::close(fd)?;
            println!("persist: {file} written, fsync and sync done; powering off");
            sys::sync()?;
            sys::reboot(sys::REBOOT_POWER_OFF)?;
            println!("persist: reboot returned");
            Ok(())
        }
        [] => Err(Errno::EINVAL),
    }
}
