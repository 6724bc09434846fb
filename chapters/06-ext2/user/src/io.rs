//! Printing to standard output (fd 1) and standard error (fd 2).

use crate::sys;
use core::fmt;

/// A file descriptor as a `fmt::Write`: every piece is written with one `write` call.
pub struct Fd(pub usize);

impl fmt::Write for Fd {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        let mut rest = text.as_bytes();
        while !rest.is_empty() {
            match sys::write(self.0, rest) {
                Ok(0) | Err(_) => return Err(fmt::Error),
                Ok(written) => rest = &rest[written..],
            }
        }
        Ok(())
    }
}

/// Formats the whole message first, so that one message is one `write` (up to 256 bytes):
/// output of processes running at once then interleaves by messages, not by pieces.
pub fn print_to(fd: usize, args: fmt::Arguments) {
    use fmt::Write;
    let mut buffer = Buffer { bytes: [0; 256], len: 0 };
    if buffer.write_fmt(args).is_ok() {
        let _ = Fd(fd).write_str(core::str::from_utf8(&buffer.bytes[..buffer.len]).unwrap_or(""));
    } else {
        let _ = Fd(fd).write_fmt(args);
    }
}

/// A fixed buffer that refuses what does not fit.
struct Buffer {
    bytes: [u8; 256],
    len: usize,
}

impl fmt::Write for Buffer {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        let end = self.len + text.len();
        if end > self.bytes.len() {
            return Err(fmt::Error);
        }
        self.bytes[self.len..end].copy_from_slice(text.as_bytes());
        self.len = end;
        Ok(())
    }
}

#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => { $crate::io::print_to(1, format_args!($($arg)*)) };
}

#[macro_export]
macro_rules! println {
    () => { $crate::print!("\n") };
    ($($arg:tt)*) => { $crate::print!("{}\n", format_args!($($arg)*)) };
}

#[macro_export]
macro_rules! eprintln {
    ($($arg:tt)*) => { $crate::io::print_to(2, format_args!("{}\n", format_args!($($arg)*))) };
}
