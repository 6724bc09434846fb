//! cow: after fork, parent and child write the same pages, each its own pattern, and each
//! must see only its own: fork copies the address space (copy-on-write in Bramble).
#![no_std]
#![no_main]

use ulib::sys::{self, Fork};
use ulib::println;

ulib::main!(run);

const PAGES: usize = 8;
/// Pages of the data segment, shared with the child until one of them writes.
static mut DATA: [u8; PAGES * 4096] = [b'd'; PAGES * 4096];

fn fill(pages: *mut u8, mark: u8) {
    // SAFETY: `pages` is DATA or the mapping below, PAGES pages long, used by this process only.
    unsafe { core::ptr::write_bytes(pages, mark, PAGES * 4096) };
}

fn holds(pages: *const u8, mark: u8) -> bool {
    // SAFETY: as in `fill`.
    unsafe { core::slice::from_raw_parts(pages, PAGES * 4096) }.iter().all(|&byte| byte == mark)
}

fn run() -> i32 {
    let data = &raw mut DATA as *mut u8;
    let Ok(mapped) = sys::mmap_anonymous(PAGES * 4096, sys::PROT_READ | sys::PROT_WRITE) else {
        println!("cow: mmap failed");
        return 1;
    };
    let mapped = mapped as *mut u8;
    fill(mapped, b'm');
    match sys::fork() {
        Ok(Fork::Child) => {
            let before = holds(data, b'd') && holds(mapped, b'm');
            fill(data, b'c');
            fill(mapped, b'C');
            sys::sched_yield();
            sys::exit(if before && holds(data, b'c') && holds(mapped, b'C') { 0 } else { 1 })
        }
        Ok(Fork::Parent { .. }) => {
            fill(data, b'p');
            sys::sched_yield();
            fill(mapped, b'P');
            let child = sys::wait4(-1, 0);
            let child_ok = matches!(child, Ok(Some(ref child)) if child.exit_code() == Some(0));
            let parent_ok = holds(data, b'p') && holds(mapped, b'P');
            println!("cow: the child saw its own pages: {}", if child_ok { "yes" } else { "no" });
            println!("cow: the parent saw its own pages: {}", if parent_ok { "yes" } else { "no" });
            if child_ok && parent_ok { 0 } else { 1 }
        }
        Err(errno) => {
            println!("cow: fork: {errno}");
            1
        }
    }
}
