//! true: does nothing, successfully (its arguments are ignored).
#![no_std]
#![no_main]

ulib::main!(run);

fn run() -> i32 {
    0
}
