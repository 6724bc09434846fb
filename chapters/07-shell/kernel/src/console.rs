//! The serial console: `print!` and `println!` for the kernel, and reading what is typed.

use core::fmt;

// ANCHOR: serial_writer
/// Sends text to a serial line one byte at a time through `send`, turning every "\n"
/// into "\r\n": a terminal moves down a line on LF but back to column 0 only on CR.
pub struct SerialWriter<F: FnMut(u8)>(pub F);

impl<F: FnMut(u8)> fmt::Write for SerialWriter<F> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        for byte in text.bytes() {
            if byte == b'\n' {
                (self.0)(b'\r');
            }
            (self.0)(byte);
        }
        Ok(())
    }
}
// ANCHOR_END: serial_writer

// ANCHOR: console_lock
/// Whoever holds this is sending a message. Interrupt handlers print too (the breakpoint
/// handler, say); the lock keeps their messages from landing in the middle of another's.
#[cfg(not(test))]
static SENDING: crate::spinlock::SpinLock<()> = crate::spinlock::SpinLock::new(());

/// Prints to the PL011 UART; what `print!` and `println!` expand to.
#[cfg(not(test))]
pub fn print(args: fmt::Arguments) {
    let _sending = SENDING.lock();
    print_unlocked(args);
    // The kernel's log keeps a copy (log.rs).
    crate::log::record(args);
}
// ANCHOR_END: console_lock

/// Prints without taking the lock: for the last words of a machine about to stop (a panic,
/// a fatal exception), which may have interrupted a message and must not wait for it.
#[cfg(not(test))]
pub fn print_unlocked(args: fmt::Arguments) {
    use fmt::Write;
    // Sending to the UART cannot fail; an error here could only come from a `Display`
    // implementation, and there is nowhere better to report it than this same console.
    let _ = SerialWriter(crate::pl011::write_byte).write_fmt(args);
}

/// Sends bytes exactly as given (the line discipline has already turned "\n" into
/// "\r\n" where the terminal's settings ask for it), under the console's lock so that they
/// do not land inside a kernel message.
#[cfg(not(test))]
pub fn write_raw(bytes: &[u8]) {
    let _sending = SENDING.lock();
    for &byte in bytes {
        crate::pl011::write_byte(byte);
    }
}

// ANCHOR: read_byte
/// Waits for the next byte from the serial port, letting other tasks run meanwhile.
#[cfg(not(test))]
pub fn read_byte() -> u8 {
    use crate::{cpu, pl011, process};
    loop {
        // Check and sleep with IRQs masked: a byte arriving between the check and the
        // sleep wakes this task when its interrupt is taken.
        let daif = cpu::mask_irqs();
        // Input a terminal session left unread comes first: it was typed before the rest.
        let byte = crate::tty::take_returned().or_else(pl011::take_received);
        if byte.is_none() {
            process::sleep(process::Wait::Console);
        }
        cpu::restore_interrupts(daif);
        if let Some(byte) = byte {
            return byte;
        }
    }
}
// ANCHOR_END: read_byte

// ANCHOR: print_macros
/// Prints to the serial console, like `std`'s `print!`.
#[cfg(not(test))]
#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => {
        $crate::console::print(format_args!($($arg)*))
    };
}

/// Prints a line to the serial console, like `std`'s `println!`.
#[cfg(not(test))]
#[macro_export]
macro_rules! println {
    () => {
        $crate::print!("\n")
    };
    ($($arg:tt)*) => {
        $crate::print!("{}\n", format_args!($($arg)*))
    };
}
// ANCHOR_END: print_macros

#[cfg(test)]
mod tests {
    use super::*;
    use core::fmt::Write;

    fn sent(write: impl FnOnce(&mut SerialWriter<&mut dyn FnMut(u8)>)) -> Vec<u8> {
        let mut bytes = Vec::new();
        let mut push = |byte| bytes.push(byte);
        write(&mut SerialWriter(&mut push));
        bytes
    }

    #[test]
    fn newline_becomes_carriage_return_and_line_feed() {
        let bytes = sent(|w| w.write_str("one\ntwo\n").unwrap());
        assert_eq!(bytes, b"one\r\ntwo\r\n");
    }

    #[test]
    fn other_bytes_pass_unchanged() {
        let bytes = sent(|w| write!(w, "EL{} \r\t{:#x}", 1, 0x80000).unwrap());
        assert_eq!(bytes, b"EL1 \r\t0x80000");
    }
}
