//! ttyraw N: reads N bytes from the terminal in raw mode (no echo, no line editing, CR
//! left as CR, no signals) and prints each byte's code; then puts the terminal back as it
//! was and reads one line in canonical mode, to show the line discipline is back.
#![no_std]
#![no_main]

use ulib::sys;
use ulib::{print, println};

ulib::main!(run);

fn run() -> i32 {
    let count: usize = ulib::args().nth(1).and_then(|arg| arg.parse().ok()).unwrap_or(4);
    let saved = match sys::tcgetattr(0) {
        Ok(termios) => termios,
        Err(errno) => {
            println!("ttyraw: TCGETS: {errno}");
            return 1;
        }
    };
    let (rows, columns) = sys::window_size(0).unwrap_or((0, 0));
    println!("canonical {}, echo {}, window {rows}x{columns}", saved.lflag & sys::ICANON != 0, saved.lflag & sys::ECHO != 0);
    let mut raw = saved;
    raw.lflag &= !(sys::ICANON | sys::ECHO | sys::ISIG);
    raw.iflag &= !sys::ICRNL;
    raw.cc[sys::VMIN] = 1;
    raw.cc[sys::VTIME] = 0;
    if let Err(errno) = sys::tcsetattr(0, &raw) {
        println!("ttyraw: TCSETS: {errno}");
        return 1;
    }
    print!("raw:");
    let mut byte = [0u8; 1];
    for _ in 0..count {
        match sys::read(0, &mut byte) {
            Ok(1) => print!(" {:#04x}", byte[0]),
            _ => break,
        }
    }
    println!();
    let _ = sys::tcsetattr(0, &saved);
    let mut line = [0u8; 64];
    let read = sys::read(0, &mut line).unwrap_or(0);
    println!("canonical again: {:?}", core::str::from_utf8(&line[..read]).unwrap_or("?"));
    0
}
