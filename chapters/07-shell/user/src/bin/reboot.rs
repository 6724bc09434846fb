//! reboot: writes every file back to the card (sync), then restarts the machine (reboot(2)).
//! A Pi under an emulator has no way to start again: both machines end the run.
#![no_std]
#![no_main]

use ulib::{eprintln, sys};

ulib::main!(run);

fn run() -> i32 {
    sys::sync();
    let errno = sys::reboot(sys::REBOOT_RESTART).err();
    eprintln!("reboot: {}", errno.map_or("reboot returned", |errno| errno.name()));
    1
}
