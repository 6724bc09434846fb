//! Resource usage: the processor time each process used, in user mode (EL0) and in the
//! kernel (EL1) on its behalf, and the most memory it held; what getrusage(2) (165) and
//! times(2) (153) report, and what /proc/PID/stat shows `ps`.
//!
//! The time is sampled, as Linux samples it without VIRT_CPU_ACCOUNTING: each timer tick is
//! charged whole to the process it interrupted, to its user time if it interrupted EL0, to
//! its system time if the kernel (`process::account`). A tick that finds the processor idle
//! (waiting in WFI for something to run) is charged to no one, but counted for
//! /proc/uptime's idle time. A parent adds up its children's usage when it collects them
//! with wait4: RUSAGE_CHILDREN is the total of the children waited for, and of theirs.

// ANCHOR: usage
/// One process's usage, in timer ticks (which are USER_HZ's: 100 a second) and pages.
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
pub struct Usage {
    pub user_ticks: u64,
    pub system_ticks: u64,
    /// The most pages the process had mapped at once (its resident set's high-water mark,
    /// sampled at each tick and when it ends).
    pub max_pages: u64,
    /// The total of the children collected by wait4 (their own children's included), and
    /// the largest high-water mark among them.
    pub children_user_ticks: u64,
    pub children_system_ticks: u64,
    pub children_max_pages: u64,
}

impl Usage {
    /// A child collected by wait4: its usage joins its parent's children's.
    pub fn add_child(&mut self, child: &Usage) {
        self.children_user_ticks += child.user_ticks + child.children_user_ticks;
        self.children_system_ticks += child.system_ticks + child.children_system_ticks;
        self.children_max_pages = self.children_max_pages.max(child.max_pages).max(child.children_max_pages);
    }
}
// ANCHOR_END: usage

/// Ticks per second, which is also USER_HZ, the unit of times(2) and of /proc's times.
pub const TICKS_PER_SECOND: u64 = 100;
const MICROS_PER_TICK: u64 = 1_000_000 / TICKS_PER_SECOND;
const PAGE_KIB: u64 = 4;

/// getrusage's `who`.
pub const RUSAGE_SELF: i64 = 0;
pub const RUSAGE_CHILDREN: i64 = -1;
/// The calling thread: a process has one, so it is RUSAGE_SELF.
pub const RUSAGE_THREAD: i64 = 1;

// ANCHOR: rusage_bytes
/// Linux's `struct rusage` on AArch64 (144 bytes): ru_utime and ru_stime as `struct timeval`
/// (seconds, microseconds), then fourteen longs of which Bramble counts the first, ru_maxrss
/// (KiB); the others (page faults, context switches...) it does not count, and they are 0.
pub fn rusage_bytes(user_ticks: u64, system_ticks: u64, max_pages: u64) -> [u8; 144] {
    let words = [
        user_ticks / TICKS_PER_SECOND,
        user_ticks % TICKS_PER_SECOND * MICROS_PER_TICK,
        system_ticks / TICKS_PER_SECOND,
        system_ticks % TICKS_PER_SECOND * MICROS_PER_TICK,
        max_pages * PAGE_KIB,
    ];
    let mut bytes = [0u8; 144];
    for (index, word) in words.iter().enumerate() {
        bytes[index * 8..index * 8 + 8].copy_from_slice(&word.to_le_bytes());
    }
    bytes
}

/// What getrusage reports for `who`: (user ticks, system ticks, high-water mark in pages);
/// None for a `who` that is none of the three (EINVAL).
pub fn for_who(usage: &Usage, who: i64) -> Option<(u64, u64, u64)> {
    match who {
        RUSAGE_SELF | RUSAGE_THREAD => Some((usage.user_ticks, usage.system_ticks, usage.max_pages)),
        RUSAGE_CHILDREN => Some((usage.children_user_ticks, usage.children_system_ticks, usage.children_max_pages)),
        _ => None,
    }
}

/// `struct tms` (four clock_t, longs): tms_utime, tms_stime, tms_cutime, tms_cstime.
pub fn tms_bytes(usage: &Usage) -> [u8; 32] {
    let words = [usage.user_ticks, usage.system_ticks, usage.children_user_ticks, usage.children_system_ticks];
    let mut bytes = [0u8; 32];
    for (index, word) in words.iter().enumerate() {
        bytes[index * 8..index * 8 + 8].copy_from_slice(&word.to_le_bytes());
    }
    bytes
}
// ANCHOR_END: rusage_bytes

#[cfg(not(test))]
pub use hardware::{getrusage, times};

#[cfg(not(test))]
mod hardware {
    use super::{for_who, rusage_bytes, tms_bytes};
    use crate::errno::Errno;
    use crate::space::UserSlice;
    use crate::{process, timer};

    // ANCHOR: calls
    /// getrusage(who, usage).
    pub fn getrusage(who: i64, buffer: u64) -> Result<u64, Errno> {
        process::with_current(|process| {
            let (user, system, pages) = for_who(&process.usage, who).ok_or(Errno::EINVAL)?;
            let bytes = rusage_bytes(user, system, pages);
            process.space.as_mut().ok_or(Errno::EFAULT)?.copy_out(UserSlice::new(buffer, bytes.len()), &bytes)?;
            Ok(0)
        })
    }

    /// times(buffer): the four times (buffer may be NULL), and the ticks since boot, the
    /// clock the caller subtracts two answers of to time something.
    pub fn times(buffer: u64) -> Result<u64, Errno> {
        if buffer != 0 {
            process::with_current(|process| {
                let bytes = tms_bytes(&process.usage);
                process.space.as_mut().ok_or(Errno::EFAULT)?.copy_out(UserSlice::new(buffer, bytes.len()), &bytes)
            })?;
        }
        Ok(timer::ticks())
    }
    // ANCHOR_END: calls
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_parent_gathers_its_childrens_usage_and_theirs() {
        let mut child = Usage { user_ticks: 250, system_ticks: 3, max_pages: 40, ..Usage::default() };
        child.add_child(&Usage { user_ticks: 10, system_ticks: 1, max_pages: 90, ..Usage::default() });
        let mut parent = Usage::default();
        parent.add_child(&child);
        assert_eq!((parent.children_user_ticks, parent.children_system_ticks, parent.children_max_pages), (260, 4, 90));
        assert_eq!(for_who(&parent, RUSAGE_CHILDREN), Some((260, 4, 90)));
        assert_eq!(for_who(&child, RUSAGE_SELF), Some((250, 3, 40)));
        assert_eq!(for_who(&child, 7), None);
    }

    #[test]
    fn rusage_is_laid_out_as_linux_lays_it_out() {
        let bytes = rusage_bytes(250, 3, 40);
        let word = |index: usize| u64::from_le_bytes(bytes[index * 8..index * 8 + 8].try_into().unwrap());
        assert_eq!((word(0), word(1), word(2), word(3), word(4)), (2, 500_000, 0, 30_000, 160));
        assert!(bytes[40..].iter().all(|&byte| byte == 0));
        let tms = tms_bytes(&Usage { user_ticks: 1, system_ticks: 2, children_user_ticks: 3, children_system_ticks: 4, ..Usage::default() });
        assert_eq!(tms[24], 4);
    }
}
