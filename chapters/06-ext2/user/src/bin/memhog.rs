//! memhog: maps memory a megabyte at a time, touching every page, until the kernel says
//! ENOMEM. The kernel must refuse, not fall over; everything comes back when memhog exits.
#![no_std]
#![no_main]

use ulib::sys;
use ulib::{Errno, println};

ulib::main!(run);

const CHUNK: usize = 1 << 20;
/// Stop here even if the kernel never refuses (a Linux machine with plenty of memory).
const LIMIT_MIB: usize = 4096;

fn run() -> i32 {
    let mut mapped = 0;
    while mapped < LIMIT_MIB {
        match sys::mmap_anonymous(CHUNK, sys::PROT_READ | sys::PROT_WRITE) {
            Ok(chunk) => {
                for page in (chunk..chunk + CHUNK).step_by(4096) {
                    // SAFETY: the page was just mapped, readable and writable, for us alone.
                    unsafe { core::ptr::write_volatile(page as *mut u8, 1) };
                }
                mapped += 1;
            }
            Err(errno) => {
                println!("memhog: mmap said {} after {mapped} MiB", errno.name());
                return if errno == Errno::ENOMEM { 0 } else { 1 };
            }
        }
    }
    println!("memhog: mapped {LIMIT_MIB} MiB without ENOMEM");
    1
}
