//! Standard output and error: `print!`/`println!`/`eprintln!`, a buffered writer for
//! programs that write much, a line reader, and the GNU form of an error message.

use crate::errno::Errno;
use crate::sys;
use alloc::vec::Vec;
use core::fmt;

/// A file descriptor as a `fmt::Write`: every piece is written with one `write` call.
pub struct Fd(pub usize);

impl fmt::Write for Fd {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        write_all(self.0, text.as_bytes()).map_err(|_| fmt::Error)
    }
}

/// Writes all of `bytes`, however many `write` calls that takes.
pub fn write_all(fd: usize, mut bytes: &[u8]) -> Result<(), Errno> {
    while !bytes.is_empty() {
        match sys::write(fd, bytes) {
            Ok(0) => return Err(Errno::EIO),
            Ok(written) => bytes = &bytes[written..],
            Err(Errno::EINTR) => {}
            Err(errno) => return Err(errno),
        }
    }
    Ok(())
}

/// Formats the whole message first, so that one message is one `write` (up to 256 bytes):
/// output of processes running at once then interleaves by messages, not by pieces.
pub fn print_to(fd: usize, args: fmt::Arguments) {
    use fmt::Write;
    let mut buffer = Buffer { bytes: [0; 256], len: 0 };
    if buffer.write_fmt(args).is_ok() {
        let _ = write_all(fd, &buffer.bytes[..buffer.len]);
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

// ANCHOR: output
/// Buffered output to a file descriptor: bytes are collected and written 4 KiB at a time,
/// and what is left when the writer is dropped (or `flush`ed). `cat` or `yes` would otherwise
/// make a system call per line. The first error is kept, for the program to report.
pub struct Output {
    fd: usize,
    buffer: Vec<u8>,
    pub error: Option<Errno>,
}

const OUTPUT_BUFFER: usize = 4096;

impl Output {
    pub fn new(fd: usize) -> Output {
        Output { fd, buffer: Vec::with_capacity(OUTPUT_BUFFER), error: None }
    }

    pub fn stdout() -> Output {
        Output::new(1)
    }

    pub fn write(&mut self, bytes: &[u8]) {
        if self.buffer.len() + bytes.len() > OUTPUT_BUFFER {
            self.flush();
        }
        if bytes.len() >= OUTPUT_BUFFER {
            self.send(bytes);
        } else {
            self.buffer.extend_from_slice(bytes);
        }
    }

    pub fn flush(&mut self) {
        let pending = core::mem::take(&mut self.buffer);
        self.send(&pending);
        self.buffer = pending;
        self.buffer.clear();
    }

    fn send(&mut self, bytes: &[u8]) {
        if self.error.is_none() {
            self.error = write_all(self.fd, bytes).err();
        }
    }
}
// ANCHOR_END: output

impl fmt::Write for Output {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        self.write(text.as_bytes());
        Ok(())
    }
}

impl Drop for Output {
    fn drop(&mut self) {
        self.flush();
    }
}

/// Reads a file descriptor line by line, with a buffer of its own.
pub struct Lines {
    fd: usize,
    buffer: Vec<u8>,
    start: usize,
    ended: bool,
}

impl Lines {
    pub fn new(fd: usize) -> Lines {
        Lines { fd, buffer: Vec::new(), start: 0, ended: false }
    }

    /// The next line, with its newline if it has one; None at the end of the input.
    pub fn next_line(&mut self) -> Result<Option<&[u8]>, Errno> {
        loop {
            if let Some(at) = self.buffer[self.start..].iter().position(|&byte| byte == b'\n') {
                let line = self.start..self.start + at + 1;
                self.start = line.end;
                return Ok(Some(&self.buffer[line]));
            }
            if self.ended {
                let line = self.start..self.buffer.len();
                self.start = line.end;
                return Ok((!line.is_empty()).then(|| &self.buffer[line]));
            }
            // Keep only what is not yet handed out, then read more after it.
            self.buffer.drain(..self.start);
            self.start = 0;
            let have = self.buffer.len();
            self.buffer.resize(have + 4096, 0);
            match sys::read(self.fd, &mut self.buffer[have..]) {
                Ok(count) => {
                    self.buffer.truncate(have + count);
                    self.ended = count == 0;
                }
                Err(Errno::EINTR) => self.buffer.truncate(have),
                Err(errno) => {
                    self.buffer.truncate(have);
                    return Err(errno);
                }
            }
        }
    }
}

/// All of a file descriptor's remaining bytes.
pub fn read_all(fd: usize) -> Result<Vec<u8>, Errno> {
    let mut bytes = Vec::new();
    loop {
        let have = bytes.len();
        bytes.resize(have + 4096, 0);
        match sys::read(fd, &mut bytes[have..]) {
            Ok(0) => {
                bytes.truncate(have);
                return Ok(bytes);
            }
            Ok(count) => bytes.truncate(have + count),
            Err(Errno::EINTR) => bytes.truncate(have),
            Err(errno) => return Err(errno),
        }
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

/// An error message in the GNU form, "program: message", on standard error.
#[macro_export]
macro_rules! complain {
    ($($arg:tt)*) => { $crate::eprintln!("{}: {}", $crate::program(), format_args!($($arg)*)) };
}
