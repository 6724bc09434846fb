//! clear: clears the terminal (VT100/xterm: cursor home, erase the screen and its scrollback).
#![no_std]
#![no_main]

ulib::main!(run);

fn run() -> i32 {
    ulib::print!("\x1b[H\x1b[2J\x1b[3J");
    0
}
