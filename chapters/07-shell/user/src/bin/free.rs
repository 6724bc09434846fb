//! free [-k | -m]: memory in use and free, from /proc/meminfo, in KiB (or MiB with -m), as
//! procps' free prints it: "used" is what is not available, "buff/cache" the kernel's buffers,
//! page cache and reclaimable slab.
#![no_std]
#![no_main]

extern crate alloc;

use core::fmt::Write;
use ulib::io::Output;
use ulib::procfs::meminfo;
use ulib::{complain, tool};

ulib::main!(run);

fn run() -> i32 {
    let options = match tool::options("km", "", 1) {
        Ok(options) => options,
        Err(status) => return status,
    };
    let text = match tool::read_input("/proc/meminfo") {
        Ok(bytes) => alloc::string::String::from_utf8_lossy(&bytes).into_owned(),
        Err(errno) => {
            complain!("cannot read /proc/meminfo: {}", errno.message());
            return 1;
        }
    };
    let value = |name| meminfo(&text, name).unwrap_or(0);
    let total = value("MemTotal");
    let free = value("MemFree");
    let cache = value("Buffers") + value("Cached") + value("SReclaimable");
    // A kernel without MemAvailable: what is free plus what the caches could give back.
    let available = meminfo(&text, "MemAvailable").unwrap_or(free + cache).min(total);
    let scale = |kib: u64| if options.has('m') { kib / 1024 } else { kib };
    let mut out = Output::stdout();
    let _ = writeln!(out, "{:8}{:>12}{:>12}{:>12}{:>12}{:>12}{:>12}", "", "total", "used", "free", "shared", "buff/cache", "available");
    let _ = writeln!(
        out,
        "{:8}{:>12}{:>12}{:>12}{:>12}{:>12}{:>12}",
        "Mem:",
        scale(total),
        scale(total - available),
        scale(free),
        scale(value("Shmem")),
        scale(cache),
        scale(available)
    );
    let (swap_total, swap_free) = (value("SwapTotal"), value("SwapFree"));
    let _ = writeln!(out, "{:8}{:>12}{:>12}{:>12}", "Swap:", scale(swap_total), scale(swap_total.saturating_sub(swap_free)), scale(swap_free));
    0
}
