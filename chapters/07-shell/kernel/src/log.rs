//! The kernel log: every line the kernel prints (its boot messages, the reports of programs
//! killed by faults, the calls it does not know) is also kept here, with the time it was
//! printed, for `dmesg` to read through syslog(2) (Linux's number 116) long after it scrolled
//! off the console.
//!
//! The log is a ring of text: lines in the form syslog(2) reads them from Linux,
//! `<6>[    1.234567] text\n` (the priority, then the seconds since boot), stored one after
//! the other in a fixed array. When a new line does not fit, the oldest lines go. The array
//! is static, not on the heap, because the first messages are printed before there is a heap.
//!
//! Positions are counted in bytes since boot (never wrapping), so "what was already read" and
//! "where CLEAR left off" are numbers that stay meaningful however often the ring goes round:
//! byte `p` lives at `p % LOG_BYTES`, and the ring holds `[written - len, written)`.
//!
//! The monitor's own conversation (its prompt, what its commands print) is not recorded: it
//! is the monitor talking to whoever types, not the kernel reporting. Everything printed
//! before the monitor's first prompt, and everything printed while a process runs, is.

// ANCHOR: ring
/// The log's size: SYSLOG_ACTION_SIZE_BUFFER's answer.
pub const LOG_BYTES: usize = 1 << 15;
/// The longest line kept whole: a longer one is cut into lines of this length (Linux's
/// LOG_LINE_MAX is about a kilobyte too).
pub const LINE_MAX: usize = 1024;
/// Bramble's messages carry no priority of their own: all are KERN_INFO (6), which syslog
/// writes as `<6>` (the kernel's facility is 0).
pub const KERN_INFO: u8 = 6;

pub struct Log {
    ring: [u8; LOG_BYTES],
    /// Bytes ever recorded, and how many of the last ones the ring still holds.
    written: u64,
    len: usize,
    /// Where SYSLOG_ACTION_READ_ALL starts (CLEAR moves it to the end).
    cleared: u64,
    /// Where SYSLOG_ACTION_READ takes up (it consumes what it reads).
    read: u64,
    /// The line being printed, which a newline will end, and when it began (microseconds).
    line: [u8; LINE_MAX],
    line_len: usize,
    line_began: Option<u64>,
}

impl Log {
    pub const fn new() -> Log {
        Log { ring: [0; LOG_BYTES], written: 0, len: 0, cleared: 0, read: 0, line: [0; LINE_MAX], line_len: 0, line_began: None }
    }

    /// Takes printed text, `now` microseconds after boot: each line becomes a record when
    /// its newline arrives, stamped with the time its first byte came.
    pub fn write(&mut self, text: &[u8], now: u64) {
        for &byte in text {
            let began = *self.line_began.get_or_insert(now);
            if byte == b'\n' {
                self.end_line(began);
            } else {
                self.line[self.line_len] = byte;
                self.line_len += 1;
                if self.line_len == LINE_MAX {
                    self.end_line(began);
                }
            }
        }
    }

    fn end_line(&mut self, began: u64) {
        let mut prefix = Prefix { bytes: [0; 32], len: 0 };
        use core::fmt::Write;
        let _ = write!(prefix, "<{KERN_INFO}>[{:5}.{:06}] ", began / 1_000_000, began % 1_000_000);
        let (line, line_len) = (self.line, self.line_len);
        self.append(&[&prefix.bytes[..prefix.len], &line[..line_len], b"\n"]);
        self.line_len = 0;
        self.line_began = None;
    }

    /// Adds one record (its pieces), dropping the oldest records until it fits.
    fn append(&mut self, pieces: &[&[u8]]) {
        let size: usize = pieces.iter().map(|piece| piece.len()).sum();
        while self.len + size > LOG_BYTES {
            self.drop_oldest();
        }
        for &byte in pieces.iter().flat_map(|piece| piece.iter()) {
            self.ring[(self.written % LOG_BYTES as u64) as usize] = byte;
            self.written += 1;
        }
        self.len += size;
    }

    fn start(&self) -> u64 {
        self.written - self.len as u64
    }

    fn at(&self, position: u64) -> u8 {
        self.ring[(position % LOG_BYTES as u64) as usize]
    }

    /// The position after the line that starts at `position`.
    fn line_end(&self, position: u64) -> u64 {
        let mut end = position;
        while end < self.written && self.at(end) != b'\n' {
            end += 1;
        }
        (end + 1).min(self.written)
    }

    fn drop_oldest(&mut self) {
        let end = self.line_end(self.start());
        self.len -= (end - self.start()) as usize;
    }

    fn copy(&self, from: u64, to: u64, out: &mut [u8]) -> usize {
        for (index, position) in (from..to).enumerate() {
            out[index] = self.at(position);
        }
        (to - from) as usize
    }
}
// ANCHOR_END: ring

// ANCHOR: actions
impl Log {
    /// SYSLOG_ACTION_READ_ALL: the newest whole records that fit in `out`, since the last
    /// CLEAR, without consuming them. How many bytes.
    pub fn read_all(&self, out: &mut [u8]) -> usize {
        let mut from = self.cleared.max(self.start());
        while self.written - from > out.len() as u64 {
            from = self.line_end(from);
        }
        self.copy(from, self.written, out)
    }

    /// SYSLOG_ACTION_READ: the oldest records not yet read, as many whole ones as fit (the
    /// start of one too long for `out`, if none fits), which are then read. How many bytes.
    pub fn read(&mut self, out: &mut [u8]) -> usize {
        let from = self.read.max(self.start());
        let mut to = from;
        while to < self.written && self.line_end(to) - from <= out.len() as u64 {
            to = self.line_end(to);
        }
        if to == from {
            to = (from + out.len() as u64).min(self.written);
        }
        self.read = to;
        self.copy(from, to, out)
    }

    /// SYSLOG_ACTION_SIZE_UNREAD: the bytes READ has not taken yet.
    pub fn unread(&self) -> usize {
        (self.written - self.read.max(self.start())) as usize
    }

    /// SYSLOG_ACTION_CLEAR: READ_ALL shows only what comes after this.
    pub fn clear(&mut self) {
        self.cleared = self.written;
    }
}
// ANCHOR_END: actions

/// A record's prefix, formatted without the heap.
struct Prefix {
    bytes: [u8; 32],
    len: usize,
}

impl core::fmt::Write for Prefix {
    fn write_str(&mut self, text: &str) -> core::fmt::Result {
        let end = self.len + text.len();
        self.bytes.get_mut(self.len..end).ok_or(core::fmt::Error)?.copy_from_slice(text.as_bytes());
        self.len = end;
        Ok(())
    }
}

#[cfg(not(test))]
pub use hardware::{monitor_started, record, syslog};

#[cfg(not(test))]
mod hardware {
    use super::{LOG_BYTES, Log};
    use crate::errno::Errno;
    use crate::process::{self, Wait};
    use crate::space::UserSlice;
    use crate::spinlock::SpinLock;
    use crate::{cpu, layout, signal, timer};
    use core::fmt;
    use core::sync::atomic::{AtomicBool, Ordering};

    static LOG: SpinLock<Log> = SpinLock::new(Log::new());
    /// Whether the monitor has begun its conversation (see the module's comment).
    static MONITOR_TALKS: AtomicBool = AtomicBool::new(false);

    /// From here on, what the monitor itself prints is not recorded.
    pub fn monitor_started() {
        MONITOR_TALKS.store(true, Ordering::Relaxed);
    }

    // ANCHOR: record
    /// Records what `print!` prints (console.rs calls this with the text it sends): unless
    /// it is the monitor's conversation, which runs on the boot stack.
    pub fn record(args: fmt::Arguments) {
        if MONITOR_TALKS.load(Ordering::Relaxed) && process::kernel_stack().start == layout::stack_bottom() {
            return;
        }
        let now = timer::counter() as u128 * 1_000_000 / timer::counter_hz().max(1) as u128;
        struct Recorder<'a>(&'a mut Log, u64);
        impl fmt::Write for Recorder<'_> {
            fn write_str(&mut self, text: &str) -> fmt::Result {
                self.0.write(text.as_bytes(), self.1);
                Ok(())
            }
        }
        let _ = fmt::Write::write_fmt(&mut Recorder(&mut LOG.lock(), now as u64), args);
    }
    // ANCHOR_END: record

    // ANCHOR: syslog
    /// syslog(2)'s actions (linux/syslog.h).
    const CLOSE: u64 = 0;
    const OPEN: u64 = 1;
    const READ: u64 = 2;
    const READ_ALL: u64 = 3;
    const READ_CLEAR: u64 = 4;
    const CLEAR: u64 = 5;
    const SIZE_UNREAD: u64 = 9;
    const SIZE_BUFFER: u64 = 10;

    /// syslog(action, buffer, len). OPEN and CLOSE do nothing, as on Linux. CONSOLE_OFF,
    /// CONSOLE_ON and CONSOLE_LEVEL (6-8) are EINVAL: Bramble has one console and always
    /// prints everything to it.
    pub fn syslog(action: u64, buffer: u64, len: u64) -> Result<u64, Errno> {
        let len = len as i32;
        match action {
            CLOSE | OPEN => Ok(0),
            SIZE_BUFFER => Ok(LOG_BYTES as u64),
            SIZE_UNREAD => Ok(LOG.lock().unread() as u64),
            CLEAR => {
                LOG.lock().clear();
                Ok(0)
            }
            READ | READ_ALL | READ_CLEAR => {
                if buffer == 0 || len < 0 {
                    return Err(Errno::EINVAL);
                }
                if len == 0 {
                    return Ok(0);
                }
                let mut bytes = alloc::vec![0u8; (len as usize).min(LOG_BYTES)];
                let count = match action {
                    READ => read_waiting(&mut bytes)?,
                    _ => {
                        let mut log = LOG.lock();
                        let count = log.read_all(&mut bytes);
                        if action == READ_CLEAR {
                            log.clear();
                        }
                        count
                    }
                };
                process::with_current(|process| process.space.as_mut().ok_or(Errno::EFAULT)?.copy_out(UserSlice::new(buffer, count), &bytes[..count]))?;
                Ok(count as u64)
            }
            _ => Err(Errno::EINVAL),
        }
    }

    /// READ waits for something unread, tick by tick (a log line is rare, and printing must
    /// not have to wake anyone); a signal interrupts the wait.
    fn read_waiting(bytes: &mut [u8]) -> Result<usize, Errno> {
        loop {
            let daif = cpu::mask_irqs();
            let count = LOG.lock().read(bytes);
            let interrupted = count == 0 && process::signal_pending();
            if count == 0 && !interrupted {
                process::sleep(Wait::Tick(timer::ticks() + 1));
            }
            cpu::restore_interrupts(daif);
            if count > 0 {
                return Ok(count);
            }
            if interrupted {
                return Err(Errno(signal::ERESTARTSYS));
            }
        }
    }
    // ANCHOR_END: syslog
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(log: &Log) -> String {
        let mut out = vec![0u8; LOG_BYTES];
        let count = log.read_all(&mut out);
        String::from_utf8(out[..count].to_vec()).unwrap()
    }

    #[test]
    fn lines_become_records_stamped_when_they_began() {
        let mut log = Box::new(Log::new());
        log.write(b"Bramble ", 1_500_000);
        log.write(b"booted\nsecond", 2_000_001);
        assert_eq!(all(&log), "<6>[    1.500000] Bramble booted\n");
        log.write(b" line\n", 3_000_000);
        assert_eq!(all(&log), "<6>[    1.500000] Bramble booted\n<6>[    2.000001] second line\n");
    }

    #[test]
    fn old_lines_make_room_for_new_ones_and_read_all_takes_the_newest_that_fit() {
        let mut log = Box::new(Log::new());
        // 41 bytes a record: "<6>[    0.000000] " is 18, the text 22, the newline 1.
        for index in 0..1000 {
            log.write(format!("message number {index:07}\n").as_bytes(), 0);
        }
        let text = all(&log);
        assert!(text.len() <= LOG_BYTES && text.len() > LOG_BYTES - 41);
        assert!(text.starts_with("<6>[") && text.ends_with("message number 0000999\n"));
        let mut small = [0u8; 100];
        let count = log.read_all(&mut small);
        assert_eq!(&small[..count], b"<6>[    0.000000] message number 0000998\n<6>[    0.000000] message number 0000999\n");
    }

    #[test]
    fn read_consumes_whole_records_and_clear_hides_what_came_before() {
        let mut log = Box::new(Log::new());
        log.write(b"one\ntwo\n", 0);
        assert_eq!(log.unread(), 44);
        let mut out = [0u8; 30];
        assert_eq!(log.read(&mut out), 22);
        assert_eq!(&out[..22], b"<6>[    0.000000] one\n");
        assert_eq!(log.unread(), 22);
        let mut tiny = [0u8; 5];
        assert_eq!(log.read(&mut tiny), 5);
        assert_eq!(&tiny, b"<6>[ ");
        assert_eq!(log.unread(), 17);
        log.clear();
        assert_eq!(all(&log), "");
        log.write(b"three\n", 7);
        assert_eq!(all(&log), "<6>[    0.000007] three\n");
    }

    #[test]
    fn a_line_longer_than_line_max_is_cut() {
        let mut log = Box::new(Log::new());
        log.write(&[b'x'; LINE_MAX + 3], 0);
        log.write(b"\n", 0);
        let text = all(&log);
        assert_eq!(text.lines().count(), 2);
        assert!(text.ends_with("] xxx\n"));
    }
}
