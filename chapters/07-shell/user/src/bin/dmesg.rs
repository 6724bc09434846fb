//! dmesg: the kernel's log, each line without its "<N>" priority.
#![no_std]
#![no_main]

extern crate alloc;

use ulib::io::Output;
use ulib::{complain, sys};

ulib::main!(run);

fn run() -> i32 {
    let mut probe = [0u8; 0];
    let size = sys::syslog(sys::SYSLOG_ACTION_SIZE_BUFFER, &mut probe).unwrap_or(1 << 17).max(4096);
    let mut log = alloc::vec![0u8; size];
    let length = match sys::syslog(sys::SYSLOG_ACTION_READ_ALL, &mut log) {
        Ok(length) => length,
        Err(errno) => {
            complain!("read kernel buffer failed: {}", errno.message());
            return 1;
        }
    };
    let mut out = Output::stdout();
    for line in log[..length].split_inclusive(|&byte| byte == b'\n') {
        // "<6>[    0.000000] Booting": the priority goes.
        let text = match line.iter().position(|&byte| byte == b'>') {
            Some(end) if line.starts_with(b"<") && end < 6 => &line[end + 1..],
            _ => line,
        };
        out.write(text);
    }
    0
}
