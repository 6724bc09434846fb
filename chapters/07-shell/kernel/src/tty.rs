//! The terminal's line discipline: what stands between the serial port and a program
//! reading the console. In canonical mode (the default) it collects a line, echoing what
//! is typed and handling erase (DEL or ^H), kill (^U) and end of file (^D), and a read gets
//! one line at most, only once Enter ends it. In raw mode (ICANON off, set with TCSETS) a
//! read gets bytes as they come, as many as VMIN asks for. Input is cooked when a reader
//! asks for it, not when it arrives: bytes typed ahead stay in the UART's buffer until a
//! reader needs them, so a line meant for the monitor after a program ends is never taken
//! by that program. Output gets ONLCR (newline sent as CR LF) when OPOST is on.
//!
//! With ISIG on, ^C, ^\ and ^Z are not input: they drop the line being typed and send
//! SIGINT, SIGQUIT or SIGTSTP to the terminal's foreground process group. That needs the
//! terminal to be a session's controlling terminal (TIOCSCTTY, which init asks for); such
//! a terminal cooks input as it arrives, in the UART's interrupt, so that ^C reaches a
//! program that is not reading. A program of a background group that reads it is sent
//! SIGTTIN instead of input, and one that changes its settings or foreground group (or
//! writes, with TOSTOP set) SIGTTOU.
//!
//! `LineDiscipline` and `Termios` are pure and tested on the host; the console's driver
//! at the end of the file (`read`, `write`) runs them on the PL011.

use crate::signal;
use alloc::collections::VecDeque;
use alloc::vec::Vec;

// ANCHOR: termios
/// `struct termios` as Linux's TCGETS and TCSETS pass it (asm-generic/termbits.h): four
/// flag words, the line discipline's number, and 19 control characters: 36 bytes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Termios {
    pub iflag: u32,
    pub oflag: u32,
    pub cflag: u32,
    pub lflag: u32,
    pub line: u8,
    pub cc: [u8; 19],
}

pub const TERMIOS_SIZE: usize = 36;

// The flags this discipline follows, with Linux's values.
pub const ICRNL: u32 = 0o400;
pub const IXON: u32 = 0o2000;
pub const OPOST: u32 = 0o1;
pub const ONLCR: u32 = 0o4;
pub const ISIG: u32 = 0o1;
pub const ICANON: u32 = 0o2;
pub const ECHO: u32 = 0o10;
pub const ECHOE: u32 = 0o20;
pub const ECHOK: u32 = 0o40;
pub const IEXTEN: u32 = 0o100000;
/// Only the foreground group may write (a background writer gets SIGTTOU).
pub const TOSTOP: u32 = 0o400;
// The control characters' places in `cc`.
pub const VINTR: usize = 0;
pub const VQUIT: usize = 1;
pub const VERASE: usize = 2;
pub const VKILL: usize = 3;
pub const VEOF: usize = 4;
pub const VTIME: usize = 5;
pub const VMIN: usize = 6;
pub const VSUSP: usize = 10;

/// Backspace, which erases as DEL does: many terminals send it for the erase key.
const BACKSPACE: u8 = 0x08;

impl Termios {
    /// What a Linux console starts with: canonical mode with echo and signals, CR read as
    /// NL, NL written as CR NL; 38400 baud, 8 bits (the cflag a serial console reports).
    pub const fn default() -> Termios {
        let mut cc = [0u8; 19];
        cc[VINTR] = 0x03;
        cc[VQUIT] = 0x1c;
        cc[VSUSP] = 0x1a;
        cc[VERASE] = 0x7f;
        cc[VKILL] = 0x15;
        cc[VEOF] = 0x04;
        cc[VMIN] = 1;
        Termios { iflag: ICRNL | IXON, oflag: OPOST | ONLCR, cflag: 0o277, lflag: ISIG | ICANON | ECHO | ECHOE | ECHOK | IEXTEN, line: 0, cc }
    }

    pub fn to_bytes(&self) -> [u8; TERMIOS_SIZE] {
        let mut bytes = [0u8; TERMIOS_SIZE];
        for (index, word) in [self.iflag, self.oflag, self.cflag, self.lflag].into_iter().enumerate() {
            bytes[index * 4..index * 4 + 4].copy_from_slice(&word.to_le_bytes());
        }
        bytes[16] = self.line;
        bytes[17..].copy_from_slice(&self.cc);
        bytes
    }

    pub fn from_bytes(bytes: &[u8; TERMIOS_SIZE]) -> Termios {
        let word = |index: usize| u32::from_le_bytes(bytes[index * 4..index * 4 + 4].try_into().expect("four bytes"));
        let mut cc = [0u8; 19];
        cc.copy_from_slice(&bytes[17..]);
        Termios { iflag: word(0), oflag: word(1), cflag: word(2), lflag: word(3), line: bytes[16], cc }
    }

    pub fn canonical(&self) -> bool {
        self.lflag & ICANON != 0
    }
}
// ANCHOR_END: termios

// ANCHOR: discipline
/// The longest line canonical mode collects (Linux's N_TTY_BUF_SIZE is 4096, the NL included).
pub const MAX_LINE: usize = 4095;

pub struct LineDiscipline {
    pub termios: Termios,
    /// The line being typed (canonical mode).
    editing: Vec<u8>,
    /// Lines finished with Enter or ^D, waiting for readers; an empty one is an end of file.
    lines: VecDeque<Vec<u8>>,
    /// Bytes waiting for readers in raw mode.
    raw: VecDeque<u8>,
}

impl LineDiscipline {
    pub const fn new() -> LineDiscipline {
        LineDiscipline { termios: Termios::default(), editing: Vec::new(), lines: VecDeque::new(), raw: VecDeque::new() }
    }

    /// One byte from the line: edits, finishes a line, or queues it, and hands what must
    /// be echoed to `echo`. Returns the signal a key asks for (^C, ^\, ^Z with ISIG).
    pub fn receive(&mut self, byte: u8, echo: &mut impl FnMut(&[u8])) -> Option<u32> {
        let t = self.termios;
        let byte = if t.iflag & ICRNL != 0 && byte == b'\r' { b'\n' } else { byte };
        let echoing = t.lflag & ECHO != 0;
        // ANCHOR: signal_keys
        if t.lflag & ISIG != 0 {
            let signal = [(VINTR, signal::SIGINT, b"^C\n"), (VQUIT, signal::SIGQUIT, b"^\\\n"), (VSUSP, signal::SIGTSTP, b"^Z\n")]
                .into_iter()
                .find(|&(index, ..)| t.cc[index] != 0 && byte == t.cc[index]);
            if let Some((_, signal, shown)) = signal {
                // The line typed so far is dropped, and what was typed ahead too, as
                // Linux flushes on a signal key.
                self.flush();
                if echoing {
                    echo(shown);
                }
                return Some(signal);
            }
        }
        // ANCHOR_END: signal_keys
        if !t.canonical() {
            self.raw.push_back(byte);
            if echoing {
                echo(&[byte]);
            }
            return None;
        }
        if byte == t.cc[VERASE] || byte == BACKSPACE {
            if self.editing.pop().is_some() && echoing {
                echo(b"\x08 \x08");
            }
        } else if byte == t.cc[VKILL] {
            for _ in self.editing.drain(..) {
                if echoing {
                    echo(b"\x08 \x08");
                }
            }
        } else if byte == t.cc[VEOF] {
            // ^D ends the line as it stands, without a newline: at the start of a line
            // that is an empty read, which a program takes as the end of its input.
            self.lines.push_back(core::mem::take(&mut self.editing));
        } else if byte == b'\n' {
            self.editing.push(b'\n');
            self.lines.push_back(core::mem::take(&mut self.editing));
            if echoing {
                echo(b"\n");
            }
        } else if self.editing.len() < MAX_LINE {
            self.editing.push(byte);
            if echoing {
                echo(&[byte]);
            }
        }
        None
    }

    /// What a read of `buffer.len()` bytes gets now: Some(count) if it can be answered
    /// (count 0 is end of file, or a raw read with VMIN 0 and nothing there), None if the
    /// reader must wait for more input.
    pub fn take(&mut self, buffer: &mut [u8]) -> Option<usize> {
        if self.termios.canonical() {
            let line = self.lines.front_mut()?;
            let count = buffer.len().min(line.len());
            buffer[..count].copy_from_slice(&line[..count]);
            line.drain(..count);
            // A line read in pieces stays until its last piece (an empty line, EOF, goes at once).
            if line.is_empty() {
                self.lines.pop_front();
            }
            return Some(count);
        }
        // VMIN 0 waits for nothing: with no byte there, the caller decides (VTIME).
        let wanted = (self.termios.cc[VMIN] as usize).min(buffer.len()).max(1);
        if self.raw.len() < wanted {
            return None;
        }
        let count = buffer.len().min(self.raw.len());
        for (slot, byte) in buffer.iter_mut().zip(self.raw.drain(..count)) {
            *slot = byte;
        }
        Some(count)
    }

    /// TCSETS: new settings. Input waiting for readers moves to the new mode's queue.
    pub fn set(&mut self, termios: Termios) {
        let was_canonical = self.termios.canonical();
        self.termios = termios;
        if was_canonical && !termios.canonical() {
            for line in self.lines.drain(..) {
                self.raw.extend(line);
            }
            self.raw.extend(self.editing.drain(..));
        } else if !was_canonical && termios.canonical() {
            self.editing.extend(self.raw.drain(..));
        }
    }

    /// Drops every byte typed and not read yet (TCSETSF).
    pub fn flush(&mut self) {
        self.editing.clear();
        self.lines.clear();
        self.raw.clear();
    }

    /// Takes every byte typed and not read yet, in the order typed (as cooked: CR read as NL).
    pub fn take_unread(&mut self) -> Vec<u8> {
        let mut bytes: Vec<u8> = self.lines.drain(..).flatten().collect();
        bytes.extend(self.raw.drain(..));
        bytes.append(&mut self.editing);
        bytes
    }

    /// One byte of a program's output, as the terminal must get it.
    pub fn output(&self, byte: u8, send: &mut impl FnMut(u8)) {
        if byte == b'\n' && self.termios.oflag & (OPOST | ONLCR) == OPOST | ONLCR {
            send(b'\r');
        }
        send(byte);
    }
}
// ANCHOR_END: discipline

#[cfg(not(test))]
pub use hardware::{check_change, check_write, cook_arrived, flush_input, foreground, make_controlling, read, release, set_foreground, set_termios, take_returned, termios, write};

#[cfg(not(test))]
mod hardware {
    use super::*;
    use crate::errno::Errno;
    use crate::process::{self, Wait};
    use crate::spinlock::SpinLock;
    use crate::{console, cpu, pl011, timer};

    /// The console's one terminal. Its settings outlive the programs that change them,
    /// as a terminal's do: a program that sets raw mode must set it back.
    static TTY: SpinLock<LineDiscipline> = SpinLock::new(LineDiscipline::new());

    // ANCHOR: job_control
    /// Whose terminal it is: the session it is the controlling terminal of (0: none, as
    /// under the monitor), and that session's foreground process group.
    struct Control {
        session: u32,
        foreground: u32,
    }

    static CONTROL: SpinLock<Control> = SpinLock::new(Control { session: 0, foreground: 0 });

    /// TIOCSCTTY: the terminal becomes the controlling terminal of session `sid` (whose
    /// leader asks), with `pgid` in the foreground. EPERM if another session has it.
    pub fn make_controlling(sid: u32, pgid: u32) -> Result<(), Errno> {
        let mut control = CONTROL.lock();
        if control.session != 0 && control.session != sid {
            return Err(Errno::EPERM);
        }
        *control = Control { session: sid, foreground: pgid };
        Ok(())
    }

    /// What a session typed ahead and never read, handed back to the monitor.
    static RETURNED: SpinLock<VecDeque<u8>> = SpinLock::new(VecDeque::new());

    /// The session leader has exited: the terminal is nobody's until the next TIOCSCTTY.
    /// The input cooked for the session and not read goes back to the monitor, whose
    /// lines may have been typed ahead while the session ran. Returns the foreground group
    /// the terminal had, if it was this session's, for the hangup (process.rs).
    pub fn release(sid: u32) -> Option<u32> {
        let mut control = CONTROL.lock();
        if control.session != sid {
            return None;
        }
        let foreground = control.foreground;
        *control = Control { session: 0, foreground: 0 };
        RETURNED.lock().extend(TTY.lock().take_unread());
        Some(foreground)
    }

    /// The next byte handed back by a session that ended (see `release`).
    pub fn take_returned() -> Option<u8> {
        RETURNED.lock().pop_front()
    }

    /// TIOCGPGRP: the foreground group, for a process of the terminal's session (ENOTTY
    /// for others: it is not their terminal).
    pub fn foreground(sid: u32) -> Result<u32, Errno> {
        let control = CONTROL.lock();
        if control.session == 0 || control.session != sid {
            return Err(Errno::ENOTTY);
        }
        Ok(control.foreground)
    }

    /// TIOCSPGRP: puts group `pgid` of the terminal's session in the foreground.
    pub fn set_foreground(sid: u32, pgid: u32) -> Result<(), Errno> {
        let mut control = CONTROL.lock();
        if control.session == 0 || control.session != sid {
            return Err(Errno::ENOTTY);
        }
        if !process::group_exists(pgid, sid) {
            return Err(Errno::EPERM);
        }
        control.foreground = pgid;
        Ok(())
    }

    /// Sends the signal a key asked for to the foreground group, if the terminal has one.
    fn signal_foreground(signal: u32) {
        let group = CONTROL.lock().foreground;
        if group != 0 {
            let _ = process::send(process::Target::Group(group), signal, crate::signal::Info { code: crate::signal::SI_KERNEL, ..Default::default() });
        }
    }

    /// The UART's interrupt, on a controlling terminal: input is cooked as it arrives, so
    /// that ^C reaches the foreground group while no one reads. (Under the monitor, bytes
    /// wait in the UART's ring for a reader.) Only processes run when the terminal has a
    /// session, and they enter the kernel with IRQs masked, so the console's lock is free.
    pub fn cook_arrived() {
        if CONTROL.lock().session == 0 {
            return;
        }
        let mut echoed = Vec::new();
        let mut signals = Vec::new();
        {
            let mut tty = TTY.lock();
            while let Some(byte) = pl011::take_received() {
                if let Some(signal) = tty.receive(byte, &mut |bytes: &[u8]| echoed.extend_from_slice(bytes)) {
                    signals.push(signal);
                }
            }
        }
        write(&echoed);
        for signal in signals {
            signal_foreground(signal);
        }
    }

    /// What a process of a background group of the terminal's session may not do without
    /// the foreground's leave: a read is refused with SIGTTIN to its group (which stops it
    /// by default), and the call waits for it (ERESTARTSYS: it starts again once continued).
    /// A change of the terminal's settings or foreground group, and a write when TOSTOP is
    /// set, are refused likewise with SIGTTOU. As on Linux, a SIGTTOU the process blocks or
    /// ignores lets it through, a SIGTTIN it blocks or ignores is EIO (it would never be let
    /// in), and an orphaned group gets EIO rather than a stop nobody could undo.
    fn background(signal: u32) -> Result<(), Errno> {
        let (pgid, sid, refuses) = process::with_current(|process| {
            let signals = &process.signals;
            let refuses = signals.action(signal).handler == crate::signal::SIG_IGN || signals.blocked & crate::signal::bit(signal) != 0;
            (process.pgid, process.sid, refuses)
        });
        let control = CONTROL.lock();
        if control.session == 0 || control.session != sid || control.foreground == pgid {
            return Ok(());
        }
        drop(control);
        if refuses && signal == crate::signal::SIGTTOU {
            return Ok(());
        }
        if refuses || process::own_group_orphaned() {
            return Err(Errno::EIO);
        }
        let _ = process::send(process::Target::Group(pgid), signal, crate::signal::Info { code: crate::signal::SI_KERNEL, ..Default::default() });
        Err(Errno(crate::signal::ERESTARTSYS))
    }

    /// Before TCSETS and TIOCSPGRP: the caller may change the terminal (see `background`).
    pub fn check_change() -> Result<(), Errno> {
        background(crate::signal::SIGTTOU)
    }

    /// Before a write: with TOSTOP set, only the foreground group may write.
    pub fn check_write() -> Result<(), Errno> {
        if TTY.lock().termios.lflag & TOSTOP == 0 {
            return Ok(());
        }
        background(crate::signal::SIGTTOU)
    }
    // ANCHOR_END: job_control

    // ANCHOR: tty_read
    /// A read from the console: cooks bytes from the UART until the discipline can answer,
    /// sleeping while there are none (or, `non_blocking`, failing with EAGAIN). With VMIN 0
    /// it answers at once (VTIME 0), or after VTIME tenths of a second without a byte. With
    /// VMIN and VTIME both set, Linux times the gap between bytes too; this waits for VMIN.
    pub fn read(buffer: &mut [u8], non_blocking: bool) -> Result<usize, Errno> {
        background(crate::signal::SIGTTIN)?;
        let deadline = {
            let tty = TTY.lock();
            let tenths = tty.termios.cc[VTIME] as u64;
            (!tty.termios.canonical() && tty.termios.cc[VMIN] == 0).then(|| timer::ticks() + tenths * timer::HZ / 10)
        };
        loop {
            let daif = cpu::mask_irqs();
            let mut echoed = Vec::new();
            let mut signals = Vec::new();
            let answer = {
                let mut tty = TTY.lock();
                loop {
                    if let Some(count) = tty.take(buffer) {
                        break Some(count);
                    }
                    let Some(byte) = pl011::take_received() else { break None };
                    // A signal key ends the cooking: what was typed after it is for whoever
                    // runs once the signal has done its work.
                    if let Some(signal) = tty.receive(byte, &mut |bytes: &[u8]| echoed.extend_from_slice(bytes)) {
                        signals.push(signal);
                        break None;
                    }
                }
            };
            write(&echoed);
            for &signal in &signals {
                signal_foreground(signal);
            }
            let answer = match (answer, deadline) {
                (Some(count), _) => Some(Ok(count)),
                (None, Some(deadline)) if timer::ticks() >= deadline => Some(Ok(0)),
                (None, _) if non_blocking => Some(Err(Errno::EAGAIN)),
                // A signal ends the wait: the read is interrupted (or restarted, see signal.rs).
                (None, _) if process::signal_pending() => Some(Err(Errno(crate::signal::ERESTARTSYS))),
                // A signal key that was not for this reader (or for no one, under the
                // monitor): cook on at once, for the bytes still waiting in the UART.
                (None, _) if !signals.is_empty() => None,
                (None, Some(_)) => {
                    // Waiting with a time limit: look again at every tick.
                    process::sleep(Wait::Tick(timer::ticks() + 1));
                    None
                }
                (None, None) => {
                    process::sleep(Wait::Console);
                    None
                }
            };
            cpu::restore_interrupts(daif);
            if let Some(answer) = answer {
                return answer;
            }
        }
    }
    // ANCHOR_END: tty_read

    /// A write to the console, through the discipline's output processing.
    pub fn write(bytes: &[u8]) {
        let tty = TTY.lock();
        let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 8);
        for &byte in bytes {
            tty.output(byte, &mut |b| out.push(b));
        }
        drop(tty);
        console::write_raw(&out);
    }

    pub fn termios() -> Termios {
        TTY.lock().termios
    }

    pub fn set_termios(termios: Termios) {
        TTY.lock().set(termios);
    }

    /// TCSETSF: throws away what was typed and not read, in the discipline and in the UART's ring.
    pub fn flush_input() {
        TTY.lock().flush();
        while pl011::take_received().is_some() {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `input` and returns (what was echoed, what reads of 100 bytes get until one must wait).
    fn run(discipline: &mut LineDiscipline, input: &[u8]) -> (Vec<u8>, Vec<Vec<u8>>) {
        let mut echoed = Vec::new();
        for &byte in input {
            discipline.receive(byte, &mut |bytes: &[u8]| echoed.extend_from_slice(bytes));
        }
        let mut reads = Vec::new();
        let mut buffer = [0u8; 100];
        while let Some(count) = discipline.take(&mut buffer) {
            reads.push(buffer[..count].to_vec());
            if count == 0 && !discipline.termios.canonical() {
                break;
            }
        }
        (echoed, reads)
    }

    #[test]
    fn canonical_mode_gives_whole_lines_with_cr_read_as_nl() {
        let mut d = LineDiscipline::new();
        let (echoed, reads) = run(&mut d, b"ab\rcd");
        assert_eq!(echoed, b"ab\ncd");
        assert_eq!(reads, [b"ab\n".to_vec()]);
        let (_, reads) = run(&mut d, b"\r");
        assert_eq!(reads, [b"cd\n".to_vec()]);
    }

    #[test]
    fn erase_and_kill_edit_the_line() {
        let mut d = LineDiscipline::new();
        let (echoed, reads) = run(&mut d, b"abx\x7fc\x08d\r");
        assert_eq!(reads, [b"abd\n".to_vec()]);
        assert_eq!(echoed, b"abx\x08 \x08c\x08 \x08d\n");
        let (echoed, reads) = run(&mut d, b"wrong\x15ok\r");
        assert_eq!(reads, [b"ok\n".to_vec()]);
        assert!(echoed.starts_with(b"wrong\x08 \x08"));
    }

    #[test]
    fn control_d_ends_a_line_and_alone_is_end_of_file() {
        let mut d = LineDiscipline::new();
        let (echoed, reads) = run(&mut d, b"ab\x04\x04");
        assert_eq!(echoed, b"ab");
        assert_eq!(reads, [b"ab".to_vec(), Vec::new()]);
    }

    #[test]
    fn a_line_longer_than_the_read_comes_in_pieces() {
        let mut d = LineDiscipline::new();
        for &byte in b"abcdef\r" {
            d.receive(byte, &mut |_: &[u8]| {});
        }
        let mut small = [0u8; 4];
        assert_eq!(d.take(&mut small), Some(4));
        assert_eq!(d.take(&mut small), Some(3));
        assert_eq!(&small[..3], b"ef\n");
        assert_eq!(d.take(&mut small), None);
    }

    #[test]
    fn raw_mode_passes_bytes_as_they_come_without_echo_when_asked() {
        let mut d = LineDiscipline::new();
        let mut raw = Termios::default();
        raw.lflag &= !(ICANON | ECHO | ISIG);
        raw.iflag &= !ICRNL;
        d.set(raw);
        let (echoed, reads) = run(&mut d, b"a\x7f\r\x03");
        assert!(echoed.is_empty());
        assert_eq!(reads, [b"a\x7f\r\x03".to_vec()]);
        // VMIN 3: a read waits until three bytes are there.
        raw.cc[VMIN] = 3;
        d.set(raw);
        let (_, reads) = run(&mut d, b"xy");
        assert!(reads.is_empty());
        let (_, reads) = run(&mut d, b"z");
        assert_eq!(reads, [b"xyz".to_vec()]);
        // What was typed and not read can be taken, in order.
        run(&mut d, b"ab");
        assert_eq!(d.take_unread(), b"ab");
        // TCSETSF's flush: what waited is gone.
        run(&mut d, b"ab");
        d.flush();
        assert_eq!(d.take(&mut [0u8; 4]), None);
    }

    #[test]
    fn output_turns_nl_into_cr_nl_only_with_opost_and_onlcr() {
        let mut d = LineDiscipline::new();
        let mut sent = Vec::new();
        d.output(b'\n', &mut |b| sent.push(b));
        assert_eq!(sent, b"\r\n");
        let mut raw = Termios::default();
        raw.oflag &= !OPOST;
        d.set(raw);
        sent.clear();
        d.output(b'\n', &mut |b| sent.push(b));
        assert_eq!(sent, b"\n");
    }

    #[test]
    fn signal_keys_drop_the_line_and_ask_for_their_signal_only_with_isig() {
        let mut d = LineDiscipline::new();
        let mut echoed = Vec::new();
        for &byte in b"partial" {
            assert_eq!(d.receive(byte, &mut |bytes: &[u8]| echoed.extend_from_slice(bytes)), None);
        }
        assert_eq!(d.receive(0x03, &mut |bytes: &[u8]| echoed.extend_from_slice(bytes)), Some(signal::SIGINT));
        assert_eq!(d.receive(0x1a, &mut |_: &[u8]| {}), Some(signal::SIGTSTP));
        assert_eq!(d.receive(0x1c, &mut |_: &[u8]| {}), Some(signal::SIGQUIT));
        assert_eq!(echoed, b"partial^C\n");
        assert_eq!(d.take(&mut [0u8; 16]), None, "the line was dropped");
        let mut quiet = Termios::default();
        quiet.lflag &= !(ISIG | ICANON);
        d.set(quiet);
        assert_eq!(d.receive(0x03, &mut |_: &[u8]| {}), None);
        assert_eq!(d.take(&mut [0u8; 16]), Some(1), "without ISIG, ^C is a byte like any other");
    }

    #[test]
    fn termios_round_trips_through_linux_layout() {
        let t = Termios::default();
        let bytes = t.to_bytes();
        assert_eq!(&bytes[12..16], &t.lflag.to_le_bytes());
        assert_eq!(bytes[17 + VEOF], 0x04);
        assert_eq!(Termios::from_bytes(&bytes), t);
    }
}
