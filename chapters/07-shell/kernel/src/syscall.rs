//! System calls, with Linux's AArch64 ABI: `svc #0`, the number in x8 (the "generic"
//! numbers of asm-generic/unistd.h), arguments in x0-x5, the result in x0, `-errno` on
//! failure. `decode` (pure) turns the registers into a `Call`; `dispatch` runs it for the
//! current process. Every pointer argument stays a number until it becomes a `UserSlice`,
//! which only the checked copies of space.rs can read or write through.

// ANCHOR: numbers
/// The calls Bramble answers, by number.
pub mod number {
    pub const GETCWD: u64 = 17;
    pub const DUP: u64 = 23;
    pub const DUP3: u64 = 24;
    pub const FCNTL: u64 = 25;
    pub const IOCTL: u64 = 29;
    pub const MKDIRAT: u64 = 34;
    pub const UNLINKAT: u64 = 35;
    pub const SYMLINKAT: u64 = 36;
    pub const LINKAT: u64 = 37;
    pub const UMOUNT2: u64 = 39;
    pub const MOUNT: u64 = 40;
    pub const STATFS: u64 = 43;
    pub const FSTATFS: u64 = 44;
    pub const FTRUNCATE: u64 = 46;
    pub const FACCESSAT: u64 = 48;
    pub const CHDIR: u64 = 49;
    pub const FCHDIR: u64 = 50;
    pub const OPENAT: u64 = 56;
    pub const CLOSE: u64 = 57;
    pub const PIPE2: u64 = 59;
    pub const GETDENTS64: u64 = 61;
    pub const LSEEK: u64 = 62;
    pub const READ: u64 = 63;
    pub const WRITE: u64 = 64;
    pub const READV: u64 = 65;
    pub const WRITEV: u64 = 66;
    pub const PREAD64: u64 = 67;
    pub const PWRITE64: u64 = 68;
    pub const READLINKAT: u64 = 78;
    pub const NEWFSTATAT: u64 = 79;
    pub const FSTAT: u64 = 80;
    pub const SYNC: u64 = 81;
    pub const FSYNC: u64 = 82;
    pub const FDATASYNC: u64 = 83;
    pub const UTIMENSAT: u64 = 88;
    pub const EXIT: u64 = 93;
    pub const EXIT_GROUP: u64 = 94;
    pub const SET_TID_ADDRESS: u64 = 96;
    pub const NANOSLEEP: u64 = 101;
    pub const CLOCK_GETTIME: u64 = 113;
    pub const SYSLOG: u64 = 116;
    pub const SCHED_YIELD: u64 = 124;
    pub const KILL: u64 = 129;
    pub const TGKILL: u64 = 131;
    pub const RT_SIGACTION: u64 = 134;
    pub const RT_SIGPROCMASK: u64 = 135;
    pub const RT_SIGPENDING: u64 = 136;
    pub const RT_SIGRETURN: u64 = 139;
    pub const REBOOT: u64 = 142;
    pub const TIMES: u64 = 153;
    pub const SETPGID: u64 = 154;
    pub const GETPGID: u64 = 155;
    pub const GETSID: u64 = 156;
    pub const SETSID: u64 = 157;
    pub const UNAME: u64 = 160;
    pub const GETRUSAGE: u64 = 165;
    pub const UMASK: u64 = 166;
    pub const GETPID: u64 = 172;
    pub const GETPPID: u64 = 173;
    pub const GETUID: u64 = 174;
    pub const GETEUID: u64 = 175;
    pub const GETGID: u64 = 176;
    pub const GETEGID: u64 = 177;
    pub const BRK: u64 = 214;
    pub const MUNMAP: u64 = 215;
    pub const CLONE: u64 = 220;
    pub const EXECVE: u64 = 221;
    pub const MMAP: u64 = 222;
    pub const MPROTECT: u64 = 226;
    pub const WAIT4: u64 = 260;
    pub const RENAMEAT2: u64 = 276;
}
// ANCHOR_END: numbers

// ANCHOR: call
/// A system call with its arguments, named.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Call {
    Getcwd { buffer: u64, size: u64 },
    Dup { fd: u64 },
    Dup3 { old: u64, new: u64, flags: u64 },
    Fcntl { fd: u64, command: u64, argument: u64 },
    Ioctl { fd: u64, request: u64, argument: u64 },
    Mkdirat { dirfd: i64, path: u64, mode: u64 },
    Unlinkat { dirfd: i64, path: u64, flags: u64 },
    Symlinkat { target: u64, new_dirfd: i64, link_path: u64 },
    Linkat { old_dirfd: i64, old_path: u64, new_dirfd: i64, new_path: u64, flags: u64 },
    Umount2 { target: u64, flags: u64 },
    Mount { source: u64, target: u64, kind: u64, flags: u64, data: u64 },
    Statfs { path: u64, buffer: u64 },
    Fstatfs { fd: u64, buffer: u64 },
    Utimensat { dirfd: i64, path: u64, times: u64, flags: u64 },
    Ftruncate { fd: u64, length: u64 },
    Readlinkat { dirfd: i64, path: u64, buffer: u64, size: u64 },
    Sync,
    /// fsync and fdatasync (which are one here: both write everything back).
    Fsync { fd: u64 },
    Reboot { magic: u64, magic2: u64, command: u64 },
    Faccessat { dirfd: i64, path: u64, mode: u64 },
    Chdir { path: u64 },
    Fchdir { fd: u64 },
    Openat { dirfd: i64, path: u64, flags: u64, mode: u64 },
    Close { fd: u64 },
    Pipe2 { fds: u64, flags: u64 },
    Getdents64 { fd: u64, buffer: u64, len: u64 },
    Lseek { fd: u64, offset: u64, whence: u64 },
    Read { fd: u64, buffer: u64, len: u64 },
    Write { fd: u64, buffer: u64, len: u64 },
    /// readv and writev: `iov` is an array of `count` (base, length) pairs.
    Readv { fd: u64, iov: u64, count: u64 },
    Writev { fd: u64, iov: u64, count: u64 },
    Pread64 { fd: u64, buffer: u64, len: u64, offset: u64 },
    Pwrite64 { fd: u64, buffer: u64, len: u64, offset: u64 },
    Newfstatat { dirfd: i64, path: u64, buffer: u64, flags: u64 },
    Fstat { fd: u64, buffer: u64 },
    Umask { mask: u64 },
    Renameat2 { old_dirfd: i64, old_path: u64, new_dirfd: i64, new_path: u64, flags: u64 },
    /// exit and exit_group: a process has one thread, so they are the same.
    Exit { code: u64 },
    SetTidAddress,
    Nanosleep { request: u64 },
    ClockGettime { clock: u64, time: u64 },
    SchedYield,
    Kill { pid: i64, signal: u64 },
    Tgkill { tgid: i64, tid: i64, signal: u64 },
    RtSigaction { signal: u64, new: u64, old: u64, size: u64 },
    RtSigprocmask { how: u64, set: u64, old: u64, size: u64 },
    RtSigpending { set: u64, size: u64 },
    RtSigreturn,
    Setpgid { pid: u64, pgid: u64 },
    Getpgid { pid: u64 },
    Getsid { pid: u64 },
    Setsid,
    Uname { buffer: u64 },
    Syslog { action: u64, buffer: u64, len: u64 },
    Times { buffer: u64 },
    Getrusage { who: i64, buffer: u64 },
    GetPid,
    GetPpid,
    /// getuid, geteuid, getgid, getegid: everyone is root (0) until there are users.
    GetId,
    Brk { end: u64 },
    Munmap { address: u64, len: u64 },
    /// clone, with fork's meaning only: `flags` must be SIGCHLD alone.
    Clone { flags: u64, stack: u64 },
    Execve { path: u64, argv: u64, envp: u64 },
    Mmap { address: u64, len: u64, protection: u64, flags: u64 },
    Mprotect { address: u64, len: u64, protection: u64 },
    Wait4 { pid: i64, status: u64, options: u64 },
    Unknown(u64),
}

/// The call that registers x8 (`number`) and x0-x5 (`args`) ask for.
pub fn decode(number: u64, args: [u64; 6]) -> Call {
    let [a0, a1, a2, a3, a4, _] = args;
    // A directory descriptor is an int: AT_FDCWD (-100) arrives sign-extended or not.
    let dirfd = |a: u64| a as i32 as i64;
    match number {
        number::GETCWD => Call::Getcwd { buffer: a0, size: a1 },
        number::DUP => Call::Dup { fd: a0 },
        number::DUP3 => Call::Dup3 { old: a0, new: a1, flags: a2 },
        number::FCNTL => Call::Fcntl { fd: a0, command: a1, argument: a2 },
        number::IOCTL => Call::Ioctl { fd: a0, request: a1 & 0xffff_ffff, argument: a2 },
        number::MKDIRAT => Call::Mkdirat { dirfd: dirfd(a0), path: a1, mode: a2 },
        number::UNLINKAT => Call::Unlinkat { dirfd: dirfd(a0), path: a1, flags: a2 },
        number::SYMLINKAT => Call::Symlinkat { target: a0, new_dirfd: dirfd(a1), link_path: a2 },
        number::LINKAT => Call::Linkat { old_dirfd: dirfd(a0), old_path: a1, new_dirfd: dirfd(a2), new_path: a3, flags: a4 },
        number::UMOUNT2 => Call::Umount2 { target: a0, flags: a1 },
        number::MOUNT => Call::Mount { source: a0, target: a1, kind: a2, flags: a3, data: a4 },
        number::STATFS => Call::Statfs { path: a0, buffer: a1 },
        number::FSTATFS => Call::Fstatfs { fd: a0, buffer: a1 },
        number::UTIMENSAT => Call::Utimensat { dirfd: dirfd(a0), path: a1, times: a2, flags: a3 },
        number::FTRUNCATE => Call::Ftruncate { fd: a0, length: a1 },
        number::READLINKAT => Call::Readlinkat { dirfd: dirfd(a0), path: a1, buffer: a2, size: a3 },
        number::SYNC => Call::Sync,
        number::FSYNC | number::FDATASYNC => Call::Fsync { fd: a0 },
        number::REBOOT => Call::Reboot { magic: a0 & 0xffff_ffff, magic2: a1 & 0xffff_ffff, command: a2 & 0xffff_ffff },
        number::FACCESSAT => Call::Faccessat { dirfd: dirfd(a0), path: a1, mode: a2 },
        number::CHDIR => Call::Chdir { path: a0 },
        number::FCHDIR => Call::Fchdir { fd: a0 },
        number::OPENAT => Call::Openat { dirfd: dirfd(a0), path: a1, flags: a2, mode: a3 },
        number::CLOSE => Call::Close { fd: a0 },
        number::PIPE2 => Call::Pipe2 { fds: a0, flags: a1 },
        number::GETDENTS64 => Call::Getdents64 { fd: a0, buffer: a1, len: a2 },
        number::LSEEK => Call::Lseek { fd: a0, offset: a1, whence: a2 },
        number::READ => Call::Read { fd: a0, buffer: a1, len: a2 },
        number::WRITE => Call::Write { fd: a0, buffer: a1, len: a2 },
        number::READV => Call::Readv { fd: a0, iov: a1, count: a2 },
        number::WRITEV => Call::Writev { fd: a0, iov: a1, count: a2 },
        number::PREAD64 => Call::Pread64 { fd: a0, buffer: a1, len: a2, offset: a3 },
        number::PWRITE64 => Call::Pwrite64 { fd: a0, buffer: a1, len: a2, offset: a3 },
        number::NEWFSTATAT => Call::Newfstatat { dirfd: dirfd(a0), path: a1, buffer: a2, flags: a3 },
        number::FSTAT => Call::Fstat { fd: a0, buffer: a1 },
        number::UMASK => Call::Umask { mask: a0 },
        number::RENAMEAT2 => Call::Renameat2 { old_dirfd: dirfd(a0), old_path: a1, new_dirfd: dirfd(a2), new_path: a3, flags: a4 },
        number::EXIT | number::EXIT_GROUP => Call::Exit { code: a0 },
        number::SET_TID_ADDRESS => Call::SetTidAddress,
        number::NANOSLEEP => Call::Nanosleep { request: a0 },
        number::CLOCK_GETTIME => Call::ClockGettime { clock: a0, time: a1 },
        number::SCHED_YIELD => Call::SchedYield,
        // pid_t arguments are ints: -1 arrives sign-extended or not.
        number::KILL => Call::Kill { pid: a0 as i32 as i64, signal: a1 & 0xffff_ffff },
        number::TGKILL => Call::Tgkill { tgid: a0 as i32 as i64, tid: a1 as i32 as i64, signal: a2 & 0xffff_ffff },
        number::RT_SIGACTION => Call::RtSigaction { signal: a0 & 0xffff_ffff, new: a1, old: a2, size: a3 },
        number::RT_SIGPROCMASK => Call::RtSigprocmask { how: a0 & 0xffff_ffff, set: a1, old: a2, size: a3 },
        number::RT_SIGPENDING => Call::RtSigpending { set: a0, size: a1 },
        number::RT_SIGRETURN => Call::RtSigreturn,
        number::SETPGID => Call::Setpgid { pid: a0 & 0xffff_ffff, pgid: a1 & 0xffff_ffff },
        number::GETPGID => Call::Getpgid { pid: a0 & 0xffff_ffff },
        number::GETSID => Call::Getsid { pid: a0 & 0xffff_ffff },
        number::SETSID => Call::Setsid,
        number::UNAME => Call::Uname { buffer: a0 },
        number::SYSLOG => Call::Syslog { action: a0 & 0xffff_ffff, buffer: a1, len: a2 & 0xffff_ffff },
        number::TIMES => Call::Times { buffer: a0 },
        number::GETRUSAGE => Call::Getrusage { who: a0 as i32 as i64, buffer: a1 },
        number::GETPID => Call::GetPid,
        number::GETPPID => Call::GetPpid,
        number::GETUID | number::GETEUID | number::GETGID | number::GETEGID => Call::GetId,
        number::BRK => Call::Brk { end: a0 },
        number::MUNMAP => Call::Munmap { address: a0, len: a1 },
        number::CLONE => Call::Clone { flags: a0, stack: a1 },
        number::EXECVE => Call::Execve { path: a0, argv: a1, envp: a2 },
        number::MMAP => Call::Mmap { address: a0, len: a1, protection: a2, flags: a3 },
        number::MPROTECT => Call::Mprotect { address: a0, len: a1, protection: a2 },
        number::WAIT4 => Call::Wait4 { pid: a0 as i32 as i64, status: a1, options: a2 },
        other => Call::Unknown(other),
    }
}
// ANCHOR_END: call

/// Linux's SIGCHLD: the one clone flag value (the signal sent to the parent at exit) that
/// makes clone a fork.
pub const SIGCHLD: u64 = 17;
/// mmap's flags.
pub const MAP_PRIVATE: u64 = 0x02;
pub const MAP_FIXED: u64 = 0x10;
pub const MAP_ANONYMOUS: u64 = 0x20;
/// wait4's options: do not wait; report stopped children; report continued ones.
pub const WNOHANG: u64 = 1;
pub const WUNTRACED: u64 = 2;
pub const WCONTINUED: u64 = 8;
/// clock_gettime's clocks.
pub const CLOCK_REALTIME: u64 = 0;
pub const CLOCK_MONOTONIC: u64 = 1;

/// A `struct timespec` from its 16 bytes: (seconds, nanoseconds); None if invalid, as
/// nanosleep says EINVAL for a negative time or nanoseconds of a second or more.
pub fn timespec(bytes: &[u8; 16]) -> Option<(u64, u64)> {
    let seconds = i64::from_le_bytes(bytes[..8].try_into().expect("eight bytes"));
    let nanoseconds = i64::from_le_bytes(bytes[8..].try_into().expect("eight bytes"));
    (seconds >= 0 && (0..1_000_000_000).contains(&nanoseconds)).then_some((seconds as u64, nanoseconds as u64))
}

/// A duration in cycles of a counter running at `hz`, rounded up: a sleep never ends early.
pub fn counter_cycles(seconds: u64, nanoseconds: u64, hz: u64) -> u64 {
    let fraction = (nanoseconds as u128 * hz as u128).div_ceil(1_000_000_000) as u64;
    seconds.saturating_mul(hz).saturating_add(fraction)
}

#[cfg(not(test))]
pub use hardware::dispatch;

#[cfg(not(test))]
mod hardware {
    use super::*;
    use crate::errno::Errno;
    use crate::exec::{self, ARGUMENT_BYTES};
    use crate::diskcalls;
    use crate::filecalls as files;
    use crate::fscalls;
    use crate::fs::path::PATH_MAX;
    use crate::process::{self, Wait};
    use crate::signal;
    use crate::region::{Kind, Protection, Region};
    use crate::space::{MMAP_BASE, STACK_LIMIT, STACK_TOP, Space, UserSlice};
    use crate::trap::TrapFrame;
    use crate::{cpu, println, timer};
    use alloc::vec::Vec;

    const PAGE: u64 = 4096;

    /// What a call returns in x0: a value, or an error (as -errno).
    type Result = core::result::Result<u64, Errno>;

    // The handlers with buffers on the stack are `#[inline(never)]`: inlined into `dispatch`,
    // they would make every call, getpid too, set up their kilobytes of stack frame.

    // ANCHOR: dispatch
    /// Runs the system call the current process made; its result goes to x0.
    pub fn dispatch(frame: &mut TrapFrame) {
        let args = [frame.x[0], frame.x[1], frame.x[2], frame.x[3], frame.x[4], frame.x[5]];
        let call = decode(frame.x[8], args);
        let result = match call {
            Call::Getcwd { buffer, size } => files::getcwd(buffer, size),
            Call::Dup { fd } => files::dup(fd),
            Call::Dup3 { old, new, flags } => files::dup3(old, new, flags),
            Call::Fcntl { fd, command, argument } => files::fcntl(fd, command, argument),
            Call::Ioctl { fd, request, argument } => files::ioctl(fd, request, argument),
            Call::Mkdirat { dirfd, path, mode } => files::mkdirat(dirfd, path, mode),
            Call::Unlinkat { dirfd, path, flags } => files::unlinkat(dirfd, path, flags),
            Call::Symlinkat { target, new_dirfd, link_path } => files::symlinkat(target, new_dirfd, link_path),
            Call::Linkat { old_dirfd, old_path, new_dirfd, new_path, flags } => files::linkat(old_dirfd, old_path, new_dirfd, new_path, flags),
            Call::Umount2 { target, flags } => fscalls::umount2(target, flags),
            Call::Mount { source, target, kind, flags, data } => fscalls::mount(source, target, kind, flags, data),
            Call::Statfs { path, buffer } => fscalls::statfs(path, buffer),
            Call::Fstatfs { fd, buffer } => fscalls::fstatfs(fd, buffer),
            Call::Utimensat { dirfd, path, times, flags } => files::utimensat(dirfd, path, times, flags),
            Call::Ftruncate { fd, length } => files::ftruncate(fd, length),
            Call::Readlinkat { dirfd, path, buffer, size } => files::readlinkat(dirfd, path, buffer, size),
            Call::Sync => diskcalls::sync(),
            Call::Fsync { fd } => diskcalls::fsync(fd),
            Call::Reboot { magic, magic2, command } => diskcalls::reboot(magic, magic2, command),
            Call::Faccessat { dirfd, path, mode } => files::faccessat(dirfd, path, mode),
            Call::Chdir { path } => files::chdir(path),
            Call::Fchdir { fd } => files::fchdir(fd),
            Call::Openat { dirfd, path, flags, mode } => files::openat(dirfd, path, flags, mode),
            Call::Close { fd } => files::close(fd),
            Call::Pipe2 { fds, flags } => files::pipe2(fds, flags),
            Call::Getdents64 { fd, buffer, len } => files::getdents64(fd, buffer, len),
            Call::Lseek { fd, offset, whence } => files::lseek(fd, offset, whence),
            Call::Read { fd, buffer, len } => files::read(fd, buffer, len),
            Call::Write { fd, buffer, len } => files::write(fd, buffer, len),
            Call::Readv { fd, iov, count } => files::vectored(fd, iov, count, false),
            Call::Writev { fd, iov, count } => files::vectored(fd, iov, count, true),
            Call::Pread64 { fd, buffer, len, offset } => files::pread_pwrite(fd, buffer, len, offset, false),
            Call::Pwrite64 { fd, buffer, len, offset } => files::pread_pwrite(fd, buffer, len, offset, true),
            Call::Newfstatat { dirfd, path, buffer, flags } => files::newfstatat(dirfd, path, buffer, flags),
            Call::Fstat { fd, buffer } => files::fstat(fd, buffer),
            Call::Umask { mask } => files::umask(mask),
            Call::Renameat2 { old_dirfd, old_path, new_dirfd, new_path, flags } => files::renameat2(old_dirfd, old_path, new_dirfd, new_path, flags),
            Call::Exit { code } => process::exit(process::exit_status(code)),
            Call::SetTidAddress | Call::GetPid => Ok(process::ids().0 as u64),
            Call::GetPpid => Ok(process::ids().1 as u64),
            Call::GetId => Ok(0),
            Call::SchedYield => {
                process::schedule();
                Ok(0)
            }
            Call::Nanosleep { request } => nanosleep(request),
            Call::Kill { pid, signal } => signal::kill(pid, signal),
            Call::Tgkill { tgid, tid, signal } => signal::tgkill(tgid, tid, signal),
            Call::RtSigaction { signal, new, old, size } => signal::sigaction(signal, new, old, size),
            Call::RtSigprocmask { how, set, old, size } => signal::sigprocmask(how, set, old, size),
            Call::RtSigpending { set, size } => signal::sigpending(set, size),
            // pid_t is an int: a negative one names no process.
            Call::Setpgid { pid, pgid } if pid as i32 >= 0 && pgid as i32 >= 0 => process::setpgid(pid as u32, pgid as u32).map(|_| 0),
            Call::Setpgid { .. } => Err(Errno::EINVAL),
            Call::Getpgid { pid } => process::group_and_session(pid as u32).map(|(pgid, _)| pgid as u64),
            Call::Getsid { pid } => process::group_and_session(pid as u32).map(|(_, sid)| sid as u64),
            Call::Setsid => process::setsid().map(u64::from),
            Call::RtSigreturn => {
                // The interrupted code's registers are back: no restart to consider, but
                // signals it unblocked may be delivered now.
                let result = signal::sigreturn(frame);
                frame.x[0] = result.unwrap_or_else(|Errno(errno)| (-errno) as u64);
                signal::deliver(frame, None);
                return;
            }
            Call::ClockGettime { clock, time } => clock_gettime(clock, time),
            Call::Uname { buffer } => uname(buffer),
            Call::Syslog { action, buffer, len } => crate::log::syslog(action, buffer, len),
            Call::Times { buffer } => crate::rusage::times(buffer),
            Call::Getrusage { who, buffer } => crate::rusage::getrusage(who, buffer),
            Call::Brk { end } => Ok(brk(end)),
            Call::Mmap { address, len, protection, flags } => mmap(address, len, protection, flags),
            Call::Munmap { address, len } => munmap(address, len),
            Call::Mprotect { address, len, protection } => mprotect(address, len, protection),
            Call::Clone { flags, stack } if flags == SIGCHLD && stack == 0 => process::fork().map(u64::from),
            Call::Clone { .. } => Err(Errno::EINVAL),
            Call::Execve { path, argv, envp } => execve(frame, path, argv, envp),
            Call::Wait4 { pid, status, options } => wait4(pid, status, options),
            Call::Unknown(number) => {
                report_unknown(number);
                Err(Errno::ENOSYS)
            }
        };
        // Writing to a pipe nobody reads is SIGPIPE too, which ends the writer by default.
        if result == Err(Errno::EPIPE) && matches!(call, Call::Write { .. } | Call::Writev { .. } | Call::Pwrite64 { .. }) {
            process::send_self(signal::SIGPIPE);
        }
        frame.x[0] = match result {
            Ok(value) => value,
            Err(Errno(errno)) => (-errno) as u64,
        };
        // On the way back to the program: the signals that arrived meanwhile.
        signal::deliver(frame, Some(args[0]));
    }
    // ANCHOR_END: dispatch

    /// Runs `work` on the current process's address space.
    fn with_space<R>(work: impl FnOnce(&mut Space) -> R) -> R {
        process::with_current(|process| work(process.space.as_mut().expect("a user process has a space")))
    }

    /// Numbers reported already: each unknown call is reported once (numbers from 1023 on
    /// share one report).
    static REPORTED: crate::spinlock::SpinLock<[u64; 16]> = crate::spinlock::SpinLock::new([0; 16]);

    fn report_unknown(number: u64) {
        let key = number.min(1023);
        let (word, bit) = ((key / 64) as usize, key % 64);
        {
            let mut reported = REPORTED.lock();
            if reported[word] & 1 << bit != 0 {
                return;
            }
            reported[word] |= 1 << bit;
        }
        let (pid, _) = process::ids();
        println!("pid {pid}: system call {number} is not implemented: ENOSYS");
    }

    /// nanosleep: sleeps tick by tick until the counter has passed the deadline. The counter,
    /// not the tick count, decides: ticks that were due while interrupts were masked arrive
    /// late and in a burst, and counting them would end the sleep early.
    #[inline(never)]
    fn nanosleep(request: u64) -> Result {
        let mut bytes = [0u8; 16];
        with_space(|space| space.copy_in(UserSlice::new(request, 16), &mut bytes))?;
        let (seconds, nanoseconds) = timespec(&bytes).ok_or(Errno::EINVAL)?;
        let deadline = timer::counter().saturating_add(counter_cycles(seconds, nanoseconds, timer::counter_hz()));
        loop {
            let daif = cpu::mask_irqs();
            let done = timer::counter() >= deadline;
            let interrupted = !done && process::signal_pending();
            if !done && !interrupted {
                process::sleep(Wait::Tick(timer::ticks() + 1));
            }
            cpu::restore_interrupts(daif);
            if done {
                return Ok(0);
            }
            // A handler makes it EINTR, even with SA_RESTART; a stop and continue restarts it.
            if interrupted {
                return Err(Errno(signal::ERESTARTNOHAND));
            }
        }
    }

    /// Both clocks count from boot: there is no battery-backed clock to say the date.
    #[inline(never)]
    fn clock_gettime(clock: u64, time: u64) -> Result {
        if clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC {
            return Err(Errno::EINVAL);
        }
        let (counter, hz) = (timer::counter(), timer::counter_hz());
        let seconds = counter / hz;
        let nanoseconds = (counter % hz) * 1_000_000_000 / hz;
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&seconds.to_le_bytes());
        bytes[8..].copy_from_slice(&nanoseconds.to_le_bytes());
        with_space(|space| space.copy_out(UserSlice::new(time, 16), &bytes))?;
        Ok(0)
    }

    #[inline(never)]
    fn uname(buffer: u64) -> Result {
        let fields: [&[u8]; 6] = [b"Bramble", b"bramble", b"07-shell", b"chapter 07", b"aarch64", b"(none)"];
        let mut bytes = [0u8; 6 * 65];
        for (index, field) in fields.iter().enumerate() {
            bytes[index * 65..index * 65 + field.len()].copy_from_slice(field);
        }
        with_space(|space| space.copy_out(UserSlice::new(buffer, bytes.len()), &bytes))?;
        Ok(0)
    }

    // ANCHOR: brk
    /// brk: moves the end of the heap; its pages come on demand. Returns the break, which
    /// stays where it was when the request is out of range or over the memory limit.
    #[inline(never)]
    fn brk(end: u64) -> u64 {
        with_space(|space| {
            let old = space.brk;
            let new_end = end.div_ceil(PAGE) * PAGE;
            let old_end = old.div_ceil(PAGE) * PAGE;
            let ok = end >= space.heap_start
                && end < MMAP_BASE
                && (new_end <= old_end || space.may_grow(new_end - old_end))
                && !space.regions.iter().any(|r| r.kind != Kind::Heap && r.start < new_end && old_end < r.end);
            if !ok {
                return old;
            }
            if new_end < old_end {
                space.unmap(new_end, old_end);
            }
            space.regions.set_end(Kind::Heap, new_end);
            space.brk = end;
            end
        })
    }
    // ANCHOR_END: brk

    // ANCHOR: mmap
    /// mmap: private anonymous mappings only (mapping files comes later); the pages come on
    /// demand, zero-filled.
    #[inline(never)]
    fn mmap(address: u64, len: u64, protection: u64, flags: u64) -> Result {
        if flags & MAP_ANONYMOUS == 0 || flags & 0x3 != MAP_PRIVATE || len == 0 || address % PAGE != 0 {
            return Err(Errno::EINVAL);
        }
        let protection = checked_protection(protection)?;
        let len = len.checked_next_multiple_of(PAGE).ok_or(Errno::ENOMEM)?;
        with_space(|space| {
            if !space.may_grow(len) {
                return Err(Errno::ENOMEM);
            }
            let start = if flags & MAP_FIXED != 0 {
                let end = address.checked_add(len).filter(|&end| end <= STACK_TOP - STACK_LIMIT).ok_or(Errno::ENOMEM)?;
                space.regions.remove(address, end).map_err(|_| Errno::ENOMEM)?;
                space.unmap(address, end);
                address
            } else {
                space.regions.free_range(MMAP_BASE, STACK_TOP - STACK_LIMIT, len).ok_or(Errno::ENOMEM)?
            };
            space.add_region(Region { start, end: start + len, protection, kind: Kind::Mapping })?;
            Ok(start)
        })
    }
    // ANCHOR_END: mmap

    /// W^X holds for user pages too: a mapping may be writable or executable, not both.
    fn checked_protection(protection: u64) -> core::result::Result<Protection, Errno> {
        if protection & !7 != 0 {
            return Err(Errno::EINVAL);
        }
        let protection = Protection::from_prot(protection);
        if protection.write && protection.execute {
            return Err(Errno::EACCES);
        }
        Ok(protection)
    }

    #[inline(never)]
    fn munmap(address: u64, len: u64) -> Result {
        if address % PAGE != 0 || len == 0 {
            return Err(Errno::EINVAL);
        }
        let end = address.checked_add(len.next_multiple_of(PAGE)).ok_or(Errno::EINVAL)?;
        with_space(|space| {
            space.regions.remove(address, end).map_err(|_| Errno::ENOMEM)?;
            space.unmap(address, end);
            Ok(0)
        })
    }

    #[inline(never)]
    fn mprotect(address: u64, len: u64, protection: u64) -> Result {
        if address % PAGE != 0 {
            return Err(Errno::EINVAL);
        }
        let protection = checked_protection(protection)?;
        let end = address.checked_add(len.next_multiple_of(PAGE)).ok_or(Errno::ENOMEM)?;
        with_space(|space| {
            if !space.regions.covers(address, end) {
                return Err(Errno::ENOMEM);
            }
            space.regions.protect(address, end, protection).map_err(|_| Errno::ENOMEM)?;
            space.protect_pages(address, end, protection);
            Ok(0)
        })
    }

    // ANCHOR: execve
    /// execve: copies the path, arguments and environment in, loads the program into a new
    /// address space, and only then lets go of the old one. Returns only on failure.
    #[inline(never)]
    fn execve(frame: &mut TrapFrame, path: u64, argv: u64, envp: u64) -> Result {
        let (name, strings, argc) = with_space(|space| -> core::result::Result<_, Errno> {
            let name = space.copy_string(path, PATH_MAX - 1, Errno::ENAMETOOLONG)?;
            let mut strings: Vec<Vec<u8>> = Vec::new();
            let mut total = 0;
            let mut argc = 0;
            for (list, is_argv) in [(argv, true), (envp, false)] {
                // A NULL list is an empty one, as Linux takes it.
                let mut at = list;
                while list != 0 {
                    let mut pointer = [0u8; 8];
                    space.copy_in(UserSlice::new(at, 8), &mut pointer)?;
                    let pointer = u64::from_le_bytes(pointer);
                    if pointer == 0 {
                        break;
                    }
                    let string = space.copy_string(pointer, ARGUMENT_BYTES, Errno::E2BIG)?;
                    total += string.len() + 1 + 8;
                    if total > ARGUMENT_BYTES {
                        return Err(Errno::E2BIG);
                    }
                    strings.push(string);
                    argc += usize::from(is_argv);
                    at += 8;
                }
            }
            Ok((name, strings, argc))
        })?;
        let views: Vec<&[u8]> = strings.iter().map(|string| string.as_slice()).collect();
        let cwd = process::with_current(|process| process.cwd.inode.clone());
        let loaded = exec::load(&cwd, &name, &views[..argc], &views[argc..])?;
        // The process takes the program's file name, as `ps` shows it.
        let short = name.rsplit(|&byte| byte == b'/').next().unwrap_or(&name);
        if let Some(old) = process::replace_space(short, loaded.arguments, loaded.space) {
            old.destroy();
        }
        // The new program keeps every descriptor but those marked close-on-exec, and its
        // handlers are gone with the old program.
        let closing = process::with_current(|process| {
            process.signals.exec();
            process.files.take_close_on_exec()
        });
        drop(closing);
        *frame = TrapFrame::at_entry(loaded.entry, loaded.sp);
        Ok(0)
    }
    // ANCHOR_END: execve

    /// wait4: the status goes out after the child is reaped, as on Linux: a bad status
    /// pointer loses the status but not the reaping.
    #[inline(never)]
    fn wait4(pid: i64, status: u64, options: u64) -> Result {
        if options & !(WNOHANG | WUNTRACED | WCONTINUED) != 0 {
            return Err(Errno::EINVAL);
        }
        let what = process::WaitFor { no_hang: options & WNOHANG != 0, stopped: options & WUNTRACED != 0, continued: options & WCONTINUED != 0 };
        match process::wait(pid, what)? {
            None => Ok(0),
            Some((child, wait_status)) => {
                if status != 0 {
                    with_space(|space| space.copy_out(UserSlice::new(status, 4), &wait_status.to_le_bytes()))?;
                }
                Ok(child as u64)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registers_decode_into_calls() {
        assert_eq!(decode(64, [1, 0x1000, 5, 0, 0, 0]), Call::Write { fd: 1, buffer: 0x1000, len: 5 });
        assert_eq!(decode(94, [3, 0, 0, 0, 0, 0]), Call::Exit { code: 3 });
        assert_eq!(decode(93, [3, 0, 0, 0, 0, 0]), Call::Exit { code: 3 });
        assert_eq!(decode(260, [u64::MAX, 0x2000, 1, 0, 0, 0]), Call::Wait4 { pid: -1, status: 0x2000, options: 1 });
        assert_eq!(decode(222, [0, 4096, 3, 0x22, u64::MAX, 0]), Call::Mmap { address: 0, len: 4096, protection: 3, flags: 0x22 });
        assert_eq!(decode(176, [0; 6]), Call::GetId);
        assert_eq!(decode(83, [4, 0, 0, 0, 0, 0]), Call::Fsync { fd: 4 });
        assert_eq!(decode(142, [0xfee1_dead, 0x2812_1969, 0x4321_fedc, 0, 0, 0]), Call::Reboot { magic: 0xfee1_dead, magic2: 0x2812_1969, command: 0x4321_fedc });
        assert_eq!(decode(116, [3, 0x3000, 4096, 0, 0, 0]), Call::Syslog { action: 3, buffer: 0x3000, len: 4096 });
        assert_eq!(decode(165, [u64::MAX, 0x4000, 0, 0, 0, 0]), Call::Getrusage { who: -1, buffer: 0x4000 });
        assert_eq!(decode(153, [0, 0, 0, 0, 0, 0]), Call::Times { buffer: 0 });
        assert_eq!(decode(999, [0; 6]), Call::Unknown(999));
    }

    #[test]
    fn timespecs_are_checked() {
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&2i64.to_le_bytes());
        bytes[8..].copy_from_slice(&500i64.to_le_bytes());
        assert_eq!(timespec(&bytes), Some((2, 500)));
        bytes[8..].copy_from_slice(&1_000_000_000i64.to_le_bytes());
        assert_eq!(timespec(&bytes), None);
        bytes[..8].copy_from_slice(&(-1i64).to_le_bytes());
        bytes[8..].copy_from_slice(&0i64.to_le_bytes());
        assert_eq!(timespec(&bytes), None);
    }

    #[test]
    fn durations_round_up_to_whole_counter_cycles() {
        assert_eq!(counter_cycles(0, 1, 62_500_000), 1);
        assert_eq!(counter_cycles(0, 30_000_000, 62_500_000), 1_875_000);
        assert_eq!(counter_cycles(2, 0, 100), 200);
        assert_eq!(counter_cycles(u64::MAX, 0, 100), u64::MAX);
    }
}
