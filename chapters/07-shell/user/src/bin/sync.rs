//! sync: writes every file system's cached changes to its disk.
#![no_std]
#![no_main]

ulib::main!(run);

fn run() -> i32 {
    ulib::sys::sync();
    0
}
