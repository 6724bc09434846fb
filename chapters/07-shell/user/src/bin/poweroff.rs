//! poweroff: writes every file back to the card (sync), then turns the machine off (reboot(2)).
#![no_std]
#![no_main]

use ulib::{eprintln, sys};

ulib::main!(run);

fn run() -> i32 {
    sys::sync();
    let errno = sys::reboot(sys::REBOOT_POWER_OFF).err();
    eprintln!("poweroff: {}", errno.map_or("reboot returned", |errno| errno.name()));
    1
}
