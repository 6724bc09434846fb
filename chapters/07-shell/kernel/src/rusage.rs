//! Resource usage: the processor time each process used, in user mode (EL0) and in the
//! kernel (EL1) on its behalf, and the most memory it held; what getrusage(2) (165) and
//! times(2) (153) report, and what /proc/PID/stat shows `ps`.
//!
//! The time is measured, not sampled: the generic counter (62.5 MHz on the Pi 3) is read
//! when a process enters the kernel from EL0 and when it leaves (`process::account`), and
//! when the scheduler switches; what passed since the last reading is added to the user or
//! the system time of the process that had the processor. (Counting whole timer ticks, as a
//! kernel without a fine clock does, would get system time wrong here: Bramble's system calls
//! run with interrupts masked, so every tick that falls in one is taken just after it, at
//! EL0, and would be charged as user time.) Time the processor spends idle, in the
//! scheduler's WFI, is no one's; it is counted for /proc/uptime. A parent adds up its
//! children's usage when it collects them with wait4: RUSAGE_CHILDREN is the total of the
//! children waited for, and of theirs.

// ANCHOR: usage
/// One process's usage: times in cycles of the generic counter, memory in pages.
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
pub struct Usage {
    pub user: u64,
    pub system: u64,
    /// The most pages the process had mapped at once (its resident set's high-water mark,
    /// sampled each time it leaves the kernel).
    pub max_pages: u64,
    /// The total of the children collected by wait4 (their own children's included), and
    /// the largest high-water mark among them.
    pub children_user: u64,
    pub children_system: u64,
    pub children_max_pages: u64,
}

impl Usage {
    /// A child collected by wait4: its usage joins its parent's children's.
    pub fn add_child(&mut self, child: &Usage) {
        self.children_user += child.user + child.children_user;
        self.children_system += child.system + child.children_system;
        self.children_max_pages = self.children_max_pages.max(child.max_pages).max(child.children_max_pages);
    }
}
// ANCHOR_END: usage

/// USER_HZ: the unit of times(2) and of /proc's times, a hundredth of a second.
pub const USER_HZ: u64 = 100;
const PAGE_KIB: u64 = 4;

/// Counter cycles (at `hz` a second) in USER_HZ ticks, rounded down.
pub fn ticks(cycles: u64, hz: u64) -> u64 {
    (cycles as u128 * USER_HZ as u128 / hz.max(1) as u128) as u64
}

/// Counter cycles as a `struct timeval`: (seconds, microseconds).
fn timeval(cycles: u64, hz: u64) -> (u64, u64) {
    let micros = (cycles as u128 * 1_000_000 / hz.max(1) as u128) as u64;
    (micros / 1_000_000, micros % 1_000_000)
}

/// getrusage's `who`.
pub const RUSAGE_SELF: i64 = 0;
pub const RUSAGE_CHILDREN: i64 = -1;
/// The calling thread: a process has one, so it is RUSAGE_SELF.
pub const RUSAGE_THREAD: i64 = 1;

// ANCHOR: rusage_bytes
/// Linux's `struct rusage` on AArch64 (144 bytes) for `who`: ru_utime and ru_stime as
/// `struct timeval`, then fourteen longs of which Bramble counts the first, ru_maxrss (KiB);
/// the others (page faults, context switches...) it does not count, and they are 0. None for
/// a `who` that is none of the three (EINVAL).
pub fn rusage_bytes(usage: &Usage, who: i64, hz: u64) -> Option<[u8; 144]> {
    let (user, system, pages) = match who {
        RUSAGE_SELF | RUSAGE_THREAD => (usage.user, usage.system, usage.max_pages),
        RUSAGE_CHILDREN => (usage.children_user, usage.children_system, usage.children_max_pages),
        _ => return None,
    };
    let ((user_seconds, user_micros), (system_seconds, system_micros)) = (timeval(user, hz), timeval(system, hz));
    let words = [user_seconds, user_micros, system_seconds, system_micros, pages * PAGE_KIB];
    let mut bytes = [0u8; 144];
    for (index, word) in words.iter().enumerate() {
        bytes[index * 8..index * 8 + 8].copy_from_slice(&word.to_le_bytes());
    }
    Some(bytes)
}

/// The four times of `struct tms` (and of /proc/PID/stat) in USER_HZ ticks: the process's
/// user and system time, and its children's.
pub fn clock_ticks(usage: &Usage, hz: u64) -> [u64; 4] {
    [usage.user, usage.system, usage.children_user, usage.children_system].map(|cycles| ticks(cycles, hz))
}

/// `struct tms`: four clock_t (longs).
pub fn tms_bytes(usage: &Usage, hz: u64) -> [u8; 32] {
    let mut bytes = [0u8; 32];
    for (index, word) in clock_ticks(usage, hz).iter().enumerate() {
        bytes[index * 8..index * 8 + 8].copy_from_slice(&word.to_le_bytes());
    }
    bytes
}
// ANCHOR_END: rusage_bytes

#[cfg(not(test))]
pub use hardware::{getrusage, times};

#[cfg(not(test))]
mod hardware {
    use super::{USER_HZ, rusage_bytes, tms_bytes};
    use crate::errno::Errno;
    use crate::space::UserSlice;
    use crate::{process, timer};

    // ANCHOR: calls
    /// getrusage(who, usage).
    pub fn getrusage(who: i64, buffer: u64) -> Result<u64, Errno> {
        process::with_current(|process| {
            let bytes = rusage_bytes(&process.usage, who, timer::counter_hz()).ok_or(Errno::EINVAL)?;
            process.space.as_mut().ok_or(Errno::EFAULT)?.copy_out(UserSlice::new(buffer, bytes.len()), &bytes)?;
            Ok(0)
        })
    }

    /// times(buffer): the four times (buffer may be NULL), and the ticks since boot, the
    /// clock the caller subtracts two answers of to time something.
    pub fn times(buffer: u64) -> Result<u64, Errno> {
        if buffer != 0 {
            process::with_current(|process| {
                let bytes = tms_bytes(&process.usage, timer::counter_hz());
                process.space.as_mut().ok_or(Errno::EFAULT)?.copy_out(UserSlice::new(buffer, bytes.len()), &bytes)
            })?;
        }
        // The timer ticks at USER_HZ.
        const _: () = assert!(timer::HZ == USER_HZ);
        Ok(timer::ticks())
    }
    // ANCHOR_END: calls
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_parent_gathers_its_childrens_usage_and_theirs() {
        let mut child = Usage { user: 250, system: 3, max_pages: 40, ..Usage::default() };
        child.add_child(&Usage { user: 10, system: 1, max_pages: 90, ..Usage::default() });
        let mut parent = Usage::default();
        parent.add_child(&child);
        assert_eq!((parent.children_user, parent.children_system, parent.children_max_pages), (260, 4, 90));
    }

    #[test]
    fn rusage_and_tms_are_laid_out_as_linux_lays_them_out() {
        // A counter at 1 MHz: 2.5 s of user time, 30 ms of system time, 40 pages.
        let usage = Usage { user: 2_500_000, system: 30_000, max_pages: 40, children_system: 70_000, ..Usage::default() };
        let bytes = rusage_bytes(&usage, RUSAGE_SELF, 1_000_000).unwrap();
        let word = |index: usize| u64::from_le_bytes(bytes[index * 8..index * 8 + 8].try_into().unwrap());
        assert_eq!((word(0), word(1), word(2), word(3), word(4)), (2, 500_000, 0, 30_000, 160));
        assert!(bytes[40..].iter().all(|&byte| byte == 0));
        assert_eq!(rusage_bytes(&usage, 7, 1_000_000), None);
        assert_eq!(clock_ticks(&usage, 1_000_000), [250, 3, 0, 7]);
        assert_eq!(tms_bytes(&usage, 1_000_000)[24], 7);
    }
}
