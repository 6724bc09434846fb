//! The system calls, as Linux numbers them for AArch64 (the "generic" table,
//! `asm-generic/unistd.h`): `svc #0` with the number in x8, arguments in x0-x5, the result
//! in x0, `-errno` on failure. Each wrapper returns `Result<_, Errno>`.

use crate::errno::Errno;
use crate::stat::Stat;
use core::arch::asm;

// ANCHOR: numbers
pub mod nr {
    pub const GETCWD: usize = 17;
    pub const DUP: usize = 23;
    pub const DUP3: usize = 24;
    pub const FCNTL: usize = 25;
    pub const IOCTL: usize = 29;
    pub const MKDIRAT: usize = 34;
    pub const UNLINKAT: usize = 35;
    pub const SYMLINKAT: usize = 36;
    pub const LINKAT: usize = 37;
    pub const UMOUNT2: usize = 39;
    pub const MOUNT: usize = 40;
    pub const STATFS: usize = 43;
    pub const FSTATFS: usize = 44;
    pub const FTRUNCATE: usize = 46;
    pub const FACCESSAT: usize = 48;
    pub const CHDIR: usize = 49;
    pub const FCHDIR: usize = 50;
    pub const OPENAT: usize = 56;
    pub const CLOSE: usize = 57;
    pub const PIPE2: usize = 59;
    pub const GETDENTS64: usize = 61;
    pub const LSEEK: usize = 62;
    pub const READ: usize = 63;
    pub const WRITE: usize = 64;
    pub const READV: usize = 65;
    pub const WRITEV: usize = 66;
    pub const PREAD64: usize = 67;
    pub const PWRITE64: usize = 68;
    pub const READLINKAT: usize = 78;
    pub const NEWFSTATAT: usize = 79;
    pub const FSTAT: usize = 80;
    pub const SYNC: usize = 81;
    pub const FSYNC: usize = 82;
    pub const SYSLOG: usize = 116;
    pub const UTIMENSAT: usize = 88;
    pub const EXIT: usize = 93;
    pub const EXIT_GROUP: usize = 94;
    pub const SET_TID_ADDRESS: usize = 96;
    pub const NANOSLEEP: usize = 101;
    pub const CLOCK_GETTIME: usize = 113;
    pub const SCHED_YIELD: usize = 124;
    pub const KILL: usize = 129;
    pub const RT_SIGACTION: usize = 134;
    pub const RT_SIGPROCMASK: usize = 135;
    pub const RT_SIGPENDING: usize = 136;
    pub const RT_SIGRETURN: usize = 139;
    pub const REBOOT: usize = 142;
    pub const SETPGID: usize = 154;
    pub const GETPGID: usize = 155;
    pub const GETSID: usize = 156;
    pub const SETSID: usize = 157;
    pub const GETRUSAGE: usize = 165;
    pub const UMASK: usize = 166;
    pub const UNAME: usize = 160;
    pub const GETPID: usize = 172;
    pub const GETPPID: usize = 173;
    pub const GETUID: usize = 174;
    pub const BRK: usize = 214;
    pub const MUNMAP: usize = 215;
    pub const CLONE: usize = 220;
    pub const EXECVE: usize = 221;
    pub const MMAP: usize = 222;
    pub const MPROTECT: usize = 226;
    pub const WAIT4: usize = 260;
    pub const RENAMEAT2: usize = 276;
}
// ANCHOR_END: numbers

// ANCHOR: syscall
/// Makes system call `number` with up to six arguments; the raw result.
///
/// # Safety
/// The arguments must be what the call expects: pointers to memory the kernel may read or
/// write as the call says (or deliberately bad ones, which a correct kernel refuses).
pub unsafe fn syscall(number: usize, args: [usize; 6]) -> isize {
    let result: isize;
    // SAFETY: the caller vouches for the arguments; `svc #0` clobbers nothing but x0.
    unsafe {
        asm!(
            "svc #0",
            inlateout("x0") args[0] => result,
            in("x1") args[1], in("x2") args[2], in("x3") args[3],
            in("x4") args[4], in("x5") args[5], in("x8") number,
            options(nostack)
        )
    };
    result
}
// ANCHOR_END: syscall

/// A call whose pointer arguments (if any) the caller has made valid.
fn call(number: usize, args: [usize; 6]) -> Result<usize, Errno> {
    // SAFETY: every wrapper below passes pointers to live buffers of the right size.
    Errno::check(unsafe { syscall(number, args) })
}

pub fn read(fd: usize, buffer: &mut [u8]) -> Result<usize, Errno> {
    call(nr::READ, [fd, buffer.as_mut_ptr() as usize, buffer.len(), 0, 0, 0])
}

pub fn write(fd: usize, bytes: &[u8]) -> Result<usize, Errno> {
    call(nr::WRITE, [fd, bytes.as_ptr() as usize, bytes.len(), 0, 0, 0])
}

pub fn exit(status: i32) -> ! {
    let _ = call(nr::EXIT_GROUP, [status as usize, 0, 0, 0, 0, 0]);
    unreachable!("exit_group returned")
}

pub fn getpid() -> usize {
    call(nr::GETPID, [0; 6]).unwrap_or(0)
}

pub fn getppid() -> usize {
    call(nr::GETPPID, [0; 6]).unwrap_or(0)
}

pub fn getuid() -> usize {
    call(nr::GETUID, [0; 6]).unwrap_or(0)
}

pub fn sched_yield() {
    let _ = call(nr::SCHED_YIELD, [0; 6]);
}

/// Linux's signal number for "a child stopped or ended": the only clone flags Bramble takes.
pub const SIGCHLD: usize = 17;

/// What `fork` returned in this process.
pub enum Fork {
    Parent { child: usize },
    Child,
}

/// fork(), as the C library makes it on AArch64: `clone(SIGCHLD, 0, 0, 0, 0)`.
pub fn fork() -> Result<Fork, Errno> {
    match call(nr::CLONE, [SIGCHLD, 0, 0, 0, 0, 0])? {
        0 => Ok(Fork::Child),
        child => Ok(Fork::Parent { child }),
    }
}

/// execve(path, argv, envp) with NUL-terminated strings; returns only on failure.
pub fn execve(path: &[u8], argv: &[*const u8], envp: &[*const u8]) -> Errno {
    let path = path.as_ptr() as usize;
    match call(nr::EXECVE, [path, argv.as_ptr() as usize, envp.as_ptr() as usize, 0, 0, 0]) {
        Err(errno) => errno,
        Ok(_) => unreachable!("execve returned success"),
    }
}

/// wait4's `options`: return at once if no child has ended.
pub const WNOHANG: usize = 1;
/// wait4's `options`: report a child that stopped, too.
pub const WUNTRACED: usize = 2;
/// wait4's `options`: report a stopped child that was continued (SIGCONT).
pub const WCONTINUED: usize = 8;

/// An ended child: its pid and its wait status, encoded as Linux encodes it.
pub struct Waited {
    pub pid: usize,
    pub status: u32,
}

impl Waited {
    /// The exit code, if the child exited (status bits 15:8, low 7 bits zero).
    pub fn exit_code(&self) -> Option<u32> {
        (self.status & 0x7f == 0).then_some((self.status >> 8) & 0xff)
    }
    /// The signal that killed the child, if one did.
    pub fn signal(&self) -> Option<u32> {
        let signal = self.status & 0x7f;
        (signal != 0 && signal != 0x7f).then_some(signal)
    }
    /// The signal that stopped the child, if it stopped (low byte 0x7f, the signal above).
    pub fn stopped_by(&self) -> Option<u32> {
        (self.status & 0xff == 0x7f).then_some((self.status >> 8) & 0xff)
    }
    /// Whether the child was continued (the status 0xffff that WCONTINUED reports).
    pub fn continued(&self) -> bool {
        self.status == 0xffff
    }
    /// The status a shell's `$?` shows: the exit code, or 128 plus the signal.
    pub fn shell_status(&self) -> i32 {
        match (self.exit_code(), self.signal(), self.stopped_by()) {
            (Some(code), _, _) => code as i32,
            (_, Some(signal), _) | (_, _, Some(signal)) => 128 + signal as i32,
            _ => 1,
        }
    }
}

/// wait4(pid, &status, options, NULL); pid -1 waits for any child. With WNOHANG and no
/// child ended yet: Ok(None).
pub fn wait4(pid: isize, options: usize) -> Result<Option<Waited>, Errno> {
    let mut status = 0u32;
    let pid = call(nr::WAIT4, [pid as usize, &raw mut status as usize, options, 0, 0, 0])?;
    Ok((pid != 0).then_some(Waited { pid, status }))
}

/// brk(end): the program break after the call (unchanged if it could not move).
pub fn brk(end: usize) -> usize {
    call(nr::BRK, [end, 0, 0, 0, 0, 0]).unwrap_or(0)
}

pub const PROT_READ: usize = 1;
pub const PROT_WRITE: usize = 2;
pub const PROT_EXEC: usize = 4;
pub const MAP_PRIVATE: usize = 0x02;
pub const MAP_ANONYMOUS: usize = 0x20;

/// A private anonymous mapping of `length` bytes, zero-filled.
pub fn mmap_anonymous(length: usize, prot: usize) -> Result<usize, Errno> {
    call(nr::MMAP, [0, length, prot, MAP_PRIVATE | MAP_ANONYMOUS, usize::MAX, 0])
}

pub fn munmap(address: usize, length: usize) -> Result<usize, Errno> {
    call(nr::MUNMAP, [address, length, 0, 0, 0, 0])
}

pub fn mprotect(address: usize, length: usize, prot: usize) -> Result<usize, Errno> {
    call(nr::MPROTECT, [address, length, prot, 0, 0, 0])
}

/// Linux's `struct timespec` on AArch64.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct Timespec {
    pub seconds: i64,
    pub nanoseconds: i64,
}

pub fn nanosleep(duration: &Timespec) -> Result<usize, Errno> {
    call(nr::NANOSLEEP, [duration as *const Timespec as usize, 0, 0, 0, 0, 0])
}

pub const CLOCK_REALTIME: usize = 0;
pub const CLOCK_MONOTONIC: usize = 1;

pub fn clock_gettime(clock: usize) -> Result<Timespec, Errno> {
    let mut time = Timespec::default();
    call(nr::CLOCK_GETTIME, [clock, &raw mut time as usize, 0, 0, 0, 0])?;
    Ok(time)
}

/// Linux's `struct utsname`: six NUL-padded fields of 65 bytes.
#[repr(C)]
pub struct Utsname {
    pub sysname: [u8; 65],
    pub nodename: [u8; 65],
    pub release: [u8; 65],
    pub version: [u8; 65],
    pub machine: [u8; 65],
    pub domainname: [u8; 65],
}

pub fn uname() -> Result<Utsname, Errno> {
    let mut name = Utsname { sysname: [0; 65], nodename: [0; 65], release: [0; 65], version: [0; 65], machine: [0; 65], domainname: [0; 65] };
    call(nr::UNAME, [&raw mut name as usize, 0, 0, 0, 0, 0])?;
    Ok(name)
}

// ---------------------------------------------------------------------------------------------
// Files. Paths are bytes without a NUL: each wrapper copies its path into a buffer on the stack
// and ends it with the NUL the kernel wants, so no caller can hand the kernel an unterminated
// string.

/// Linux's PATH_MAX, the NUL included.
const PATH_MAX: usize = 4096;

/// Calls `f` with the address of `path` followed by a NUL; ENAMETOOLONG if it does not fit, and
/// ENOENT for a path with a NUL inside (which the kernel would read as a shorter one).
fn with_path<T>(path: &[u8], f: impl FnOnce(usize) -> Result<T, Errno>) -> Result<T, Errno> {
    if path.contains(&0) {
        return Err(Errno::ENOENT);
    }
    let mut buffer = [0u8; PATH_MAX];
    buffer.get_mut(..path.len()).ok_or(Errno::ENAMETOOLONG)?.copy_from_slice(path);
    if path.len() == PATH_MAX {
        return Err(Errno::ENAMETOOLONG);
    }
    f(buffer.as_ptr() as usize)
}

/// The directory file descriptor meaning "the current directory", for the `...at` calls.
pub const AT_FDCWD: usize = -100isize as usize;
/// `unlinkat`: remove a directory (as rmdir), not a file.
pub const AT_REMOVEDIR: usize = 0x200;
/// `newfstatat`: about a symbolic link itself, not what it points to.
pub const AT_SYMLINK_NOFOLLOW: usize = 0x100;
/// `linkat`: link what a symbolic link names, not the link.
pub const AT_SYMLINK_FOLLOW: usize = 0x400;

pub const O_RDONLY: usize = 0;
pub const O_WRONLY: usize = 1;
pub const O_RDWR: usize = 2;
/// The bits of the flags that say how a file is open (O_RDONLY, O_WRONLY or O_RDWR).
pub const O_ACCMODE: usize = 3;
pub const O_CREAT: usize = 0o100;
pub const O_EXCL: usize = 0o200;
pub const O_NOCTTY: usize = 0o400;
pub const O_TRUNC: usize = 0o1000;
pub const O_APPEND: usize = 0o2000;
pub const O_NONBLOCK: usize = 0o4000;
/// AArch64's value (not x86's): fail unless the path is a directory.
pub const O_DIRECTORY: usize = 0o40000;
pub const O_NOFOLLOW: usize = 0o100000;
pub const O_CLOEXEC: usize = 0o2000000;

pub fn openat(dirfd: usize, path: &[u8], flags: usize, mode: u32) -> Result<usize, Errno> {
    with_path(path, |path| call(nr::OPENAT, [dirfd, path, flags, mode as usize, 0, 0]))
}

/// openat in the current directory.
pub fn open(path: &[u8], flags: usize, mode: u32) -> Result<usize, Errno> {
    openat(AT_FDCWD, path, flags, mode)
}

pub fn close(fd: usize) -> Result<usize, Errno> {
    call(nr::CLOSE, [fd, 0, 0, 0, 0, 0])
}

pub const SEEK_SET: usize = 0;
pub const SEEK_CUR: usize = 1;
pub const SEEK_END: usize = 2;

pub fn lseek(fd: usize, offset: i64, whence: usize) -> Result<usize, Errno> {
    call(nr::LSEEK, [fd, offset as usize, whence, 0, 0, 0])
}

/// read at `offset`, leaving the file's position where it was.
pub fn pread(fd: usize, buffer: &mut [u8], offset: usize) -> Result<usize, Errno> {
    call(nr::PREAD64, [fd, buffer.as_mut_ptr() as usize, buffer.len(), offset, 0, 0])
}

/// write at `offset`, leaving the file's position where it was.
pub fn pwrite(fd: usize, bytes: &[u8], offset: usize) -> Result<usize, Errno> {
    call(nr::PWRITE64, [fd, bytes.as_ptr() as usize, bytes.len(), offset, 0, 0])
}

/// Linux's `struct iovec`: one piece of a readv or writev.
#[repr(C)]
struct IoVec {
    base: usize,
    len: usize,
}

/// Writes `pieces` one after another, in one call.
pub fn writev(fd: usize, pieces: &[&[u8]]) -> Result<usize, Errno> {
    let iov: alloc::vec::Vec<IoVec> = pieces.iter().map(|piece| IoVec { base: piece.as_ptr() as usize, len: piece.len() }).collect();
    call(nr::WRITEV, [fd, iov.as_ptr() as usize, iov.len(), 0, 0, 0])
}

/// Reads into `pieces` one after another, in one call.
pub fn readv(fd: usize, pieces: &mut [&mut [u8]]) -> Result<usize, Errno> {
    let iov: alloc::vec::Vec<IoVec> = pieces.iter_mut().map(|piece| IoVec { base: piece.as_mut_ptr() as usize, len: piece.len() }).collect();
    call(nr::READV, [fd, iov.as_ptr() as usize, iov.len(), 0, 0, 0])
}

pub fn ftruncate(fd: usize, length: usize) -> Result<usize, Errno> {
    call(nr::FTRUNCATE, [fd, length, 0, 0, 0, 0])
}

/// Fills `buffer` with directory entries (see `dirent::entries`); 0 at the end.
pub fn getdents64(fd: usize, buffer: &mut [u8]) -> Result<usize, Errno> {
    call(nr::GETDENTS64, [fd, buffer.as_mut_ptr() as usize, buffer.len(), 0, 0, 0])
}

pub fn fstat(fd: usize) -> Result<Stat, Errno> {
    let mut stat = Stat::default();
    call(nr::FSTAT, [fd, &raw mut stat as usize, 0, 0, 0, 0])?;
    Ok(stat)
}

pub fn newfstatat(dirfd: usize, path: &[u8], flags: usize) -> Result<Stat, Errno> {
    let mut stat = Stat::default();
    with_path(path, |path| call(nr::NEWFSTATAT, [dirfd, path, &raw mut stat as usize, flags, 0, 0]))?;
    Ok(stat)
}

/// stat(2): about the file a path names, following symbolic links.
pub fn stat(path: &[u8]) -> Result<Stat, Errno> {
    newfstatat(AT_FDCWD, path, 0)
}

/// lstat(2): about a symbolic link itself.
pub fn lstat(path: &[u8]) -> Result<Stat, Errno> {
    newfstatat(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW)
}

pub fn mkdirat(dirfd: usize, path: &[u8], mode: u32) -> Result<usize, Errno> {
    with_path(path, |path| call(nr::MKDIRAT, [dirfd, path, mode as usize, 0, 0, 0]))
}

pub fn unlinkat(dirfd: usize, path: &[u8], flags: usize) -> Result<usize, Errno> {
    with_path(path, |path| call(nr::UNLINKAT, [dirfd, path, flags, 0, 0, 0]))
}

/// mkdir(2), unlink(2) and rmdir(2), as the C library makes them: the `...at` calls in the
/// current directory.
pub fn mkdir(path: &[u8], mode: u32) -> Result<usize, Errno> {
    mkdirat(AT_FDCWD, path, mode)
}

pub fn unlink(path: &[u8]) -> Result<usize, Errno> {
    unlinkat(AT_FDCWD, path, 0)
}

pub fn rmdir(path: &[u8]) -> Result<usize, Errno> {
    unlinkat(AT_FDCWD, path, AT_REMOVEDIR)
}

/// rename(2): renameat2 in the current directory, without flags.
pub fn rename(old: &[u8], new: &[u8]) -> Result<usize, Errno> {
    renameat2(AT_FDCWD, old, AT_FDCWD, new, 0)
}

/// renameat2 with `flags` 0 is rename(2); AArch64 has no plain renameat.
pub fn renameat2(olddirfd: usize, old: &[u8], newdirfd: usize, new: &[u8], flags: usize) -> Result<usize, Errno> {
    with_path(old, |old| with_path(new, |new| call(nr::RENAMEAT2, [olddirfd, old, newdirfd, new, flags, 0])))
}

pub fn linkat(olddirfd: usize, old: &[u8], newdirfd: usize, new: &[u8], flags: usize) -> Result<usize, Errno> {
    with_path(old, |old| with_path(new, |new| call(nr::LINKAT, [olddirfd, old, newdirfd, new, flags, 0])))
}

/// link(2) and symlink(2): the `...at` calls in the current directory.
pub fn link(old: &[u8], new: &[u8]) -> Result<usize, Errno> {
    linkat(AT_FDCWD, old, AT_FDCWD, new, 0)
}

pub fn symlink(target: &[u8], link: &[u8]) -> Result<usize, Errno> {
    symlinkat(target, AT_FDCWD, link)
}

pub fn symlinkat(target: &[u8], newdirfd: usize, link: &[u8]) -> Result<usize, Errno> {
    with_path(target, |target| with_path(link, |link| call(nr::SYMLINKAT, [target, newdirfd, link, 0, 0, 0])))
}

/// What a symbolic link holds, in `buffer`; the length (not NUL terminated).
pub fn readlinkat(dirfd: usize, path: &[u8], buffer: &mut [u8]) -> Result<usize, Errno> {
    with_path(path, |path| call(nr::READLINKAT, [dirfd, path, buffer.as_mut_ptr() as usize, buffer.len(), 0, 0]))
}

/// `struct timespec` values for utimensat: "now", and "leave this one".
pub const UTIME_NOW: i64 = (1 << 30) - 1;
pub const UTIME_OMIT: i64 = (1 << 30) - 2;

/// Sets a file's access and modification times, in that order; `None` (a NULL pointer to the
/// kernel) sets both to now.
pub fn utimensat(dirfd: usize, path: &[u8], times: Option<&[Timespec; 2]>, flags: usize) -> Result<usize, Errno> {
    let times = times.map_or(0, |times| times.as_ptr() as usize);
    with_path(path, |path| call(nr::UTIMENSAT, [dirfd, path, times, flags, 0, 0]))
}

/// faccessat's `mode`: does the file exist; may we read, write, execute it.
pub const F_OK: usize = 0;
pub const X_OK: usize = 1;
pub const W_OK: usize = 2;
pub const R_OK: usize = 4;

pub fn faccessat(dirfd: usize, path: &[u8], mode: usize) -> Result<usize, Errno> {
    with_path(path, |path| call(nr::FACCESSAT, [dirfd, path, mode, 0, 0, 0]))
}

/// access(2): faccessat in the current directory.
pub fn access(path: &[u8], mode: usize) -> Result<usize, Errno> {
    faccessat(AT_FDCWD, path, mode)
}

/// The current directory, into `buffer`; its length (without the NUL the kernel adds).
pub fn getcwd(buffer: &mut [u8]) -> Result<usize, Errno> {
    call(nr::GETCWD, [buffer.as_mut_ptr() as usize, buffer.len(), 0, 0, 0, 0])?;
    Ok(buffer.iter().position(|&byte| byte == 0).unwrap_or(buffer.len()))
}

pub fn chdir(path: &[u8]) -> Result<usize, Errno> {
    with_path(path, |path| call(nr::CHDIR, [path, 0, 0, 0, 0, 0]))
}

pub fn fchdir(fd: usize) -> Result<usize, Errno> {
    call(nr::FCHDIR, [fd, 0, 0, 0, 0, 0])
}

/// dup3(old, new, flags): `new` becomes a copy of `old` (closed first if open).
pub fn dup3(old: usize, new: usize, flags: usize) -> Result<usize, Errno> {
    call(nr::DUP3, [old, new, flags, 0, 0, 0])
}

/// dup(fd): a copy of `fd` at the lowest free number.
pub fn dup(fd: usize) -> Result<usize, Errno> {
    call(nr::DUP, [fd, 0, 0, 0, 0, 0])
}

/// fcntl's commands: copy a descriptor, get or set its close-on-exec flag, get or set the
/// file's status flags (O_APPEND, O_NONBLOCK).
pub const F_DUPFD: usize = 0;
pub const F_GETFD: usize = 1;
pub const F_SETFD: usize = 2;
pub const F_GETFL: usize = 3;
pub const F_SETFL: usize = 4;
pub const F_DUPFD_CLOEXEC: usize = 1030;
/// F_GETFD/F_SETFD's flag: closed on exec.
pub const FD_CLOEXEC: usize = 1;

pub fn fcntl(fd: usize, command: usize, argument: usize) -> Result<usize, Errno> {
    call(nr::FCNTL, [fd, command, argument, 0, 0, 0])
}

/// A copy of `fd` at the lowest free number from `lowest`, closed on exec (F_DUPFD_CLOEXEC).
pub fn dup_above(fd: usize, lowest: usize) -> Result<usize, Errno> {
    fcntl(fd, F_DUPFD_CLOEXEC, lowest)
}

/// A pipe: (read end, write end).
pub fn pipe2(flags: usize) -> Result<(usize, usize), Errno> {
    let mut fds = [0u32; 2];
    call(nr::PIPE2, [fds.as_mut_ptr() as usize, flags, 0, 0, 0, 0])?;
    Ok((fds[0] as usize, fds[1] as usize))
}

pub fn sync() {
    let _ = call(nr::SYNC, [0; 6]);
}

pub fn fsync(fd: usize) -> Result<usize, Errno> {
    call(nr::FSYNC, [fd, 0, 0, 0, 0, 0])
}

/// reboot(2)'s magic numbers, and its commands: power off, restart.
pub const REBOOT_MAGIC: usize = 0xfee1_dead;
pub const REBOOT_MAGIC2: usize = 0x2812_1969;
pub const REBOOT_POWER_OFF: usize = 0x4321_fedc;
pub const REBOOT_RESTART: usize = 0x0123_4567;

pub fn reboot(command: usize) -> Result<usize, Errno> {
    call(nr::REBOOT, [REBOOT_MAGIC, REBOOT_MAGIC2, command, 0, 0, 0])
}

/// umask(mask): the old mask.
pub fn umask(mask: u32) -> u32 {
    call(nr::UMASK, [mask as usize, 0, 0, 0, 0, 0]).unwrap_or(0) as u32
}

/// Linux's `struct statfs` on AArch64 (the 64-bit asm-generic layout).
#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct Statfs {
    pub kind: u64,
    pub block_size: u64,
    pub blocks: u64,
    pub blocks_free: u64,
    pub blocks_available: u64,
    pub files: u64,
    pub files_free: u64,
    pub fsid: [i32; 2],
    pub name_length: u64,
    pub fragment_size: u64,
    pub flags: u64,
    pub spare: [u64; 4],
}

pub fn statfs(path: &[u8]) -> Result<Statfs, Errno> {
    let mut info = Statfs::default();
    with_path(path, |path| call(nr::STATFS, [path, &raw mut info as usize, 0, 0, 0, 0]))?;
    Ok(info)
}

pub fn fstatfs(fd: usize) -> Result<Statfs, Errno> {
    let mut info = Statfs::default();
    call(nr::FSTATFS, [fd, &raw mut info as usize, 0, 0, 0, 0])?;
    Ok(info)
}

/// `Statfs::kind` values (linux/magic.h).
pub const EXT2_SUPER_MAGIC: u64 = 0xEF53;
pub const TMPFS_MAGIC: u64 = 0x0102_1994;

/// mount(source, target, type, flags, data): attaches a file system at `target`.
pub fn mount(source: &[u8], target: &[u8], kind: &[u8], flags: usize) -> Result<usize, Errno> {
    with_path(source, |source| with_path(target, |target| with_path(kind, |kind| call(nr::MOUNT, [source, target, kind, flags, 0, 0]))))
}

pub fn umount2(target: &[u8], flags: usize) -> Result<usize, Errno> {
    with_path(target, |target| call(nr::UMOUNT2, [target, flags, 0, 0, 0, 0]))
}

/// syslog's actions: read the whole kernel log (without clearing it), and its size.
pub const SYSLOG_ACTION_READ_ALL: usize = 3;
pub const SYSLOG_ACTION_SIZE_BUFFER: usize = 10;

/// The kernel's log, as syslog(2) (klogctl in the C library) reads it.
pub fn syslog(action: usize, buffer: &mut [u8]) -> Result<usize, Errno> {
    call(nr::SYSLOG, [action, buffer.as_mut_ptr() as usize, buffer.len(), 0, 0, 0])
}

// ---------------------------------------------------------------------------------------------
// Terminals.

pub const TCGETS: usize = 0x5401;
pub const TCSETS: usize = 0x5402;
/// TCSETS after the output already written has gone out.
pub const TCSETSW: usize = 0x5403;
/// Make this terminal the controlling terminal of the caller's session (its leader's).
pub const TIOCSCTTY: usize = 0x540e;
pub const TIOCGPGRP: usize = 0x540f;
pub const TIOCSPGRP: usize = 0x5410;
pub const TIOCGWINSZ: usize = 0x5413;

/// Linux's `struct termios` (asm-generic: 4 flag words, the line discipline, 19 control characters).
#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct Termios {
    pub iflag: u32,
    pub oflag: u32,
    pub cflag: u32,
    pub lflag: u32,
    pub line: u8,
    pub cc: [u8; 19],
}

/// Input flags: map CR to NL on input; XON/XOFF flow control (^S/^Q).
pub const ICRNL: u32 = 0o400;
pub const IXON: u32 = 0o2000;
/// Local flags: signals from ^C/^Z/^\, line-at-a-time input, echo, extended input (^V).
pub const ISIG: u32 = 0o1;
pub const ICANON: u32 = 0o2;
pub const ECHO: u32 = 0o10;
pub const IEXTEN: u32 = 0o100000;
/// Local flag: only the terminal's foreground group may write to it (others get SIGTTOU).
pub const TOSTOP: u32 = 0o400;
/// Control characters' places: the minimum bytes and the time-out of a read without ICANON.
pub const VTIME: usize = 5;
pub const VMIN: usize = 6;

pub fn tcgetattr(fd: usize) -> Result<Termios, Errno> {
    let mut termios = Termios::default();
    call(nr::IOCTL, [fd, TCGETS, &raw mut termios as usize, 0, 0, 0])?;
    Ok(termios)
}

pub fn tcsetattr(fd: usize, termios: &Termios) -> Result<usize, Errno> {
    call(nr::IOCTL, [fd, TCSETSW, termios as *const Termios as usize, 0, 0, 0])
}

/// Linux's `struct winsize`.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct Winsize {
    pub rows: u16,
    pub columns: u16,
    pub x_pixels: u16,
    pub y_pixels: u16,
}

pub fn window_size(fd: usize) -> Result<Winsize, Errno> {
    let mut size = Winsize::default();
    call(nr::IOCTL, [fd, TIOCGWINSZ, &raw mut size as usize, 0, 0, 0])?;
    Ok(size)
}

/// The terminal's foreground process group.
pub fn tcgetpgrp(fd: usize) -> Result<usize, Errno> {
    let mut group = 0u32;
    call(nr::IOCTL, [fd, TIOCGPGRP, &raw mut group as usize, 0, 0, 0])?;
    Ok(group as usize)
}

pub fn tcsetpgrp(fd: usize, group: usize) -> Result<usize, Errno> {
    let group = group as u32;
    call(nr::IOCTL, [fd, TIOCSPGRP, &raw const group as usize, 0, 0, 0])
}

/// TIOCSCTTY: the terminal on `fd` becomes the session's controlling terminal (only its
/// leader may ask), as init does for the shell's session.
pub fn set_controlling_terminal(fd: usize) -> Result<usize, Errno> {
    call(nr::IOCTL, [fd, TIOCSCTTY, 0, 0, 0, 0])
}

// ---------------------------------------------------------------------------------------------
// Sessions, process groups and signals.

pub fn setpgid(pid: usize, group: usize) -> Result<usize, Errno> {
    call(nr::SETPGID, [pid, group, 0, 0, 0, 0])
}

pub fn getpgid(pid: usize) -> Result<usize, Errno> {
    call(nr::GETPGID, [pid, 0, 0, 0, 0, 0])
}

pub fn getsid(pid: usize) -> Result<usize, Errno> {
    call(nr::GETSID, [pid, 0, 0, 0, 0, 0])
}

pub fn setsid() -> Result<usize, Errno> {
    call(nr::SETSID, [0; 6])
}

/// kill(pid, signal): a negative pid is a process group.
pub fn kill(pid: isize, signal: u32) -> Result<usize, Errno> {
    call(nr::KILL, [pid as usize, signal as usize, 0, 0, 0, 0])
}

/// What to do on a signal: the default action, ignore it, or run a handler (which, with
/// SA_SIGINFO, also gets what the kernel knows about the signal).
#[derive(Clone, Copy, Debug)]
pub enum Disposition {
    Default,
    Ignore,
    Handler(extern "C" fn(i32)),
    WithInfo(extern "C" fn(i32, &SigInfo, usize)),
}

/// The start of Linux's `siginfo_t` (128 bytes in all): the signal, an error number, where it
/// came from (`code`: SI_USER for kill, CLD_EXITED for a child...), and for kill and SIGCHLD
/// the sending (or ended) process and its user.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SigInfo {
    pub signal: i32,
    pub errno: i32,
    pub code: i32,
    pad: i32,
    pub pid: i32,
    pub uid: u32,
    /// For SIGCHLD: the child's exit code or signal.
    pub status: i32,
}

impl SigInfo {
    /// For a fault (SIGSEGV, SIGBUS, SIGILL, SIGTRAP): si_addr, the address it happened at,
    /// which takes the place of `pid` and `uid` in siginfo's union.
    pub fn address(&self) -> usize {
        (self.pid as u32 as usize) | (self.uid as usize) << 32
    }
}

/// siginfo's `code` for a signal sent by kill.
pub const SI_USER: i32 = 0;
/// siginfo's `code` for SIGCHLD: the child exited.
pub const CLD_EXITED: i32 = 1;

/// Linux's `struct sigaction` for rt_sigaction on AArch64: handler, flags, restorer, mask
/// (the kernel's 64-bit set, not the C library's 1024-bit one).
#[repr(C)]
struct SigAction {
    handler: usize,
    flags: u64,
    restorer: usize,
    mask: u64,
}

/// sa_flags: restart slow calls a handled signal interrupted; `restorer` is set.
pub const SA_RESTART: u64 = 0x1000_0000;
const SA_RESTORER: u64 = 0x0400_0000;
const SA_SIGINFO: u64 = 0x4;

// ANCHOR: sigaction
// A handler returns here: rt_sigreturn puts back what the signal frame on the stack saved.
core::arch::global_asm!(
    ".section .text.restore_rt, \"ax\"",
    ".global bramble_restore_rt",
    "bramble_restore_rt:",
    "    mov x8, #139", // nr::RT_SIGRETURN
    "    svc #0",
);

unsafe extern "C" {
    fn bramble_restore_rt();
}

/// Sets what `signal` does, with `mask` blocked while a handler runs; handled signals restart
/// interrupted calls (SA_RESTART) when `restart`.
pub fn sigaction(signal: u32, disposition: Disposition, mask: u64, restart: bool) -> Result<usize, Errno> {
    let handler = match disposition {
        Disposition::Default => 0,
        Disposition::Ignore => 1,
        Disposition::Handler(function) => function as usize,
        Disposition::WithInfo(function) => function as usize,
    };
    let info = if matches!(disposition, Disposition::WithInfo(_)) { SA_SIGINFO } else { 0 };
    let flags = SA_RESTORER | info | if restart { SA_RESTART } else { 0 };
    let action = SigAction { handler, flags, restorer: bramble_restore_rt as *const () as usize, mask };
    call(nr::RT_SIGACTION, [signal as usize, &raw const action as usize, 0, 8, 0, 0])
}
// ANCHOR_END: sigaction

pub const SIG_BLOCK: usize = 0;
pub const SIG_UNBLOCK: usize = 1;
pub const SIG_SETMASK: usize = 2;

/// Changes the blocked set (`how` is SIG_BLOCK, SIG_UNBLOCK or SIG_SETMASK); the old set.
pub fn sigprocmask(how: usize, set: u64) -> Result<u64, Errno> {
    let mut old = 0u64;
    call(nr::RT_SIGPROCMASK, [how, &raw const set as usize, &raw mut old as usize, 8, 0, 0])?;
    Ok(old)
}

/// The signals pending (sent while blocked, not yet delivered).
pub fn sigpending() -> Result<u64, Errno> {
    let mut set = 0u64;
    call(nr::RT_SIGPENDING, [&raw mut set as usize, 8, 0, 0, 0, 0])?;
    Ok(set)
}

/// getrusage's `who`: the ended children this process has waited for, all together.
pub const RUSAGE_CHILDREN: isize = -1;

/// Linux's `struct rusage`: the processor time in user mode and in the kernel (each a
/// `struct timeval`, seconds and microseconds), then fourteen counters ulib does not read.
#[repr(C)]
#[derive(Default)]
struct Rusage {
    user: [i64; 2],
    system: [i64; 2],
    counters: [i64; 14],
}

/// The processor time `who` used, in user mode and in the kernel, in microseconds.
pub fn getrusage(who: isize) -> Result<(u64, u64), Errno> {
    let mut usage = Rusage::default();
    call(nr::GETRUSAGE, [who as usize, &raw mut usage as usize, 0, 0, 0, 0])?;
    let micros = |time: [i64; 2]| (time[0] * 1_000_000 + time[1]) as u64;
    Ok((micros(usage.user), micros(usage.system)))
}

/// The bit of `signal` in a signal set.
pub fn signal_bit(signal: u32) -> u64 {
    1 << (signal - 1)
}
