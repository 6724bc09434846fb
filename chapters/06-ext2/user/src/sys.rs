//! The system calls, as Linux numbers them for AArch64 (the "generic" table,
//! `asm-generic/unistd.h`): `svc #0` with the number in x8, arguments in x0-x5, the result
//! in x0, `-errno` on failure. Each wrapper returns `Result<_, Errno>`.

use crate::errno::Errno;
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
    pub const READLINKAT: usize = 78;
    pub const SYNC: usize = 81;
    pub const FSYNC: usize = 82;
    pub const UTIMENSAT: usize = 88;
    pub const REBOOT: usize = 142;
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
    pub const NEWFSTATAT: usize = 79;
    pub const FSTAT: usize = 80;
    pub const RT_SIGACTION: usize = 134;
    pub const UMASK: usize = 166;
    pub const RENAMEAT2: usize = 276;
    pub const EXIT: usize = 93;
    pub const EXIT_GROUP: usize = 94;
    pub const SET_TID_ADDRESS: usize = 96;
    pub const NANOSLEEP: usize = 101;
    pub const CLOCK_GETTIME: usize = 113;
    pub const SCHED_YIELD: usize = 124;
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

// ANCHOR: files
/// The "directory descriptor" that means the working directory.
pub const AT_FDCWD: isize = -100;
pub const AT_SYMLINK_NOFOLLOW: usize = 0x100;
pub const AT_REMOVEDIR: usize = 0x200;
pub const AT_SYMLINK_FOLLOW: usize = 0x400;
pub const AT_EMPTY_PATH: usize = 0x1000;

/// open's flags (AArch64 Linux's values).
pub const O_RDONLY: usize = 0o0;
pub const O_WRONLY: usize = 0o1;
pub const O_RDWR: usize = 0o2;
pub const O_ACCMODE: usize = 0o3;
pub const O_CREAT: usize = 0o100;
pub const O_EXCL: usize = 0o200;
pub const O_TRUNC: usize = 0o1000;
pub const O_APPEND: usize = 0o2000;
pub const O_NONBLOCK: usize = 0o4000;
pub const O_DIRECTORY: usize = 0o40000;
pub const O_NOFOLLOW: usize = 0o100000;
pub const O_CLOEXEC: usize = 0o2000000;

pub const SEEK_SET: usize = 0;
pub const SEEK_CUR: usize = 1;
pub const SEEK_END: usize = 2;

/// `path` with the NUL the kernel needs after it.
fn c_path(path: &str) -> alloc::vec::Vec<u8> {
    let mut bytes = alloc::vec::Vec::with_capacity(path.len() + 1);
    bytes.extend_from_slice(path.as_bytes());
    bytes.push(0);
    bytes
}

pub fn openat(dirfd: isize, path: &str, flags: usize, mode: usize) -> Result<usize, Errno> {
    let path = c_path(path);
    call(nr::OPENAT, [dirfd as usize, path.as_ptr() as usize, flags, mode, 0, 0])
}

/// open(path, flags, mode), as the C library makes it: openat from the working directory.
pub fn open(path: &str, flags: usize, mode: usize) -> Result<usize, Errno> {
    openat(AT_FDCWD, path, flags, mode)
}

pub fn close(fd: usize) -> Result<usize, Errno> {
    call(nr::CLOSE, [fd, 0, 0, 0, 0, 0])
}

pub fn lseek(fd: usize, offset: isize, whence: usize) -> Result<usize, Errno> {
    call(nr::LSEEK, [fd, offset as usize, whence, 0, 0, 0])
}

pub fn pread(fd: usize, buffer: &mut [u8], offset: usize) -> Result<usize, Errno> {
    call(nr::PREAD64, [fd, buffer.as_mut_ptr() as usize, buffer.len(), offset, 0, 0])
}

pub fn pwrite(fd: usize, bytes: &[u8], offset: usize) -> Result<usize, Errno> {
    call(nr::PWRITE64, [fd, bytes.as_ptr() as usize, bytes.len(), offset, 0, 0])
}

/// Linux's `struct iovec`: one piece of a readv or writev.
#[repr(C)]
pub struct IoVec {
    pub base: usize,
    pub len: usize,
}

pub fn writev(fd: usize, pieces: &[&[u8]]) -> Result<usize, Errno> {
    let iov: alloc::vec::Vec<IoVec> = pieces.iter().map(|piece| IoVec { base: piece.as_ptr() as usize, len: piece.len() }).collect();
    call(nr::WRITEV, [fd, iov.as_ptr() as usize, iov.len(), 0, 0, 0])
}

pub fn readv(fd: usize, pieces: &mut [&mut [u8]]) -> Result<usize, Errno> {
    let iov: alloc::vec::Vec<IoVec> = pieces.iter_mut().map(|piece| IoVec { base: piece.as_mut_ptr() as usize, len: piece.len() }).collect();
    call(nr::READV, [fd, iov.as_ptr() as usize, iov.len(), 0, 0, 0])
}

/// Linux's `struct stat` on AArch64 (asm-generic/stat.h).
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct Stat {
    pub dev: u64,
    pub ino: u64,
    pub mode: u32,
    pub nlink: u32,
    pub uid: u32,
    pub gid: u32,
    pub rdev: u64,
    pad1: u64,
    pub size: i64,
    pub blksize: i32,
    pad2: i32,
    pub blocks: i64,
    pub times: [i64; 6],
    unused: [u32; 2],
}

const _: () = assert!(size_of::<Stat>() == 128);

/// The file-type bits of `Stat::mode`.
pub const S_IFMT: u32 = 0o170000;
pub const S_IFREG: u32 = 0o100000;
pub const S_IFDIR: u32 = 0o040000;
pub const S_IFCHR: u32 = 0o020000;
pub const S_IFLNK: u32 = 0o120000;
pub const S_IFIFO: u32 = 0o010000;

pub fn fstat(fd: usize) -> Result<Stat, Errno> {
    let mut stat = Stat::default();
    call(nr::FSTAT, [fd, &raw mut stat as usize, 0, 0, 0, 0])?;
    Ok(stat)
}

/// stat(path): newfstatat from the working directory.
pub fn stat(path: &str) -> Result<Stat, Errno> {
    let path = c_path(path);
    let mut stat = Stat::default();
    call(nr::NEWFSTATAT, [AT_FDCWD as usize, path.as_ptr() as usize, &raw mut stat as usize, 0, 0, 0])?;
    Ok(stat)
}

/// lstat(path): the link itself, not what it points to.
pub fn lstat(path: &str) -> Result<Stat, Errno> {
    let path = c_path(path);
    let mut stat = Stat::default();
    call(nr::NEWFSTATAT, [AT_FDCWD as usize, path.as_ptr() as usize, &raw mut stat as usize, AT_SYMLINK_NOFOLLOW, 0, 0])?;
    Ok(stat)
}

impl Stat {
    /// st_atime and st_mtime, in seconds.
    pub fn atime(&self) -> i64 {
        self.times[0]
    }

    pub fn mtime(&self) -> i64 {
        self.times[2]
    }
}

pub fn getdents64(fd: usize, buffer: &mut [u8]) -> Result<usize, Errno> {
    call(nr::GETDENTS64, [fd, buffer.as_mut_ptr() as usize, buffer.len(), 0, 0, 0])
}

pub fn mkdir(path: &str, mode: usize) -> Result<usize, Errno> {
    let path = c_path(path);
    call(nr::MKDIRAT, [AT_FDCWD as usize, path.as_ptr() as usize, mode, 0, 0, 0])
}

pub fn unlink(path: &str) -> Result<usize, Errno> {
    let path = c_path(path);
    call(nr::UNLINKAT, [AT_FDCWD as usize, path.as_ptr() as usize, 0, 0, 0, 0])
}

pub fn rmdir(path: &str) -> Result<usize, Errno> {
    let path = c_path(path);
    call(nr::UNLINKAT, [AT_FDCWD as usize, path.as_ptr() as usize, AT_REMOVEDIR, 0, 0, 0])
}

pub fn rename(from: &str, to: &str) -> Result<usize, Errno> {
    let (from, to) = (c_path(from), c_path(to));
    call(nr::RENAMEAT2, [AT_FDCWD as usize, from.as_ptr() as usize, AT_FDCWD as usize, to.as_ptr() as usize, 0, 0])
}

pub fn chdir(path: &str) -> Result<usize, Errno> {
    let path = c_path(path);
    call(nr::CHDIR, [path.as_ptr() as usize, 0, 0, 0, 0, 0])
}

pub fn fchdir(fd: usize) -> Result<usize, Errno> {
    call(nr::FCHDIR, [fd, 0, 0, 0, 0, 0])
}

/// getcwd into `buffer`: the path, without its NUL.
pub fn getcwd(buffer: &mut [u8]) -> Result<&str, Errno> {
    let len = call(nr::GETCWD, [buffer.as_mut_ptr() as usize, buffer.len(), 0, 0, 0, 0])?;
    Ok(core::str::from_utf8(&buffer[..len.saturating_sub(1)]).unwrap_or("?"))
}

pub fn dup(fd: usize) -> Result<usize, Errno> {
    call(nr::DUP, [fd, 0, 0, 0, 0, 0])
}

pub fn dup3(old: usize, new: usize, flags: usize) -> Result<usize, Errno> {
    call(nr::DUP3, [old, new, flags, 0, 0, 0])
}

pub const F_DUPFD: usize = 0;
pub const F_GETFD: usize = 1;
pub const F_SETFD: usize = 2;
pub const F_GETFL: usize = 3;
pub const F_SETFL: usize = 4;
pub const FD_CLOEXEC: usize = 1;

pub fn fcntl(fd: usize, command: usize, argument: usize) -> Result<usize, Errno> {
    call(nr::FCNTL, [fd, command, argument, 0, 0, 0])
}

/// pipe2: (reading end, writing end).
pub fn pipe2(flags: usize) -> Result<(usize, usize), Errno> {
    let mut fds = [0i32; 2];
    call(nr::PIPE2, [fds.as_mut_ptr() as usize, flags, 0, 0, 0, 0])?;
    Ok((fds[0] as usize, fds[1] as usize))
}

pub fn ftruncate(fd: usize, length: usize) -> Result<usize, Errno> {
    call(nr::FTRUNCATE, [fd, length, 0, 0, 0, 0])
}

pub fn readlink<'b>(path: &str, buffer: &'b mut [u8]) -> Result<&'b [u8], Errno> {
    let path = c_path(path);
    let len = call(nr::READLINKAT, [AT_FDCWD as usize, path.as_ptr() as usize, buffer.as_mut_ptr() as usize, buffer.len(), 0, 0])?;
    Ok(&buffer[..len])
}

pub fn link(from: &str, to: &str) -> Result<usize, Errno> {
    linkat(from, to, 0)
}

pub fn linkat(from: &str, to: &str, flags: usize) -> Result<usize, Errno> {
    let (from, to) = (c_path(from), c_path(to));
    call(nr::LINKAT, [AT_FDCWD as usize, from.as_ptr() as usize, AT_FDCWD as usize, to.as_ptr() as usize, flags, 0])
}

pub fn symlink(target: &str, link: &str) -> Result<usize, Errno> {
    let (target, link) = (c_path(target), c_path(link));
    call(nr::SYMLINKAT, [target.as_ptr() as usize, AT_FDCWD as usize, link.as_ptr() as usize, 0, 0, 0])
}

/// utimensat's special nanoseconds: the time now, and "leave this one alone".
pub const UTIME_NOW: i64 = (1 << 30) - 1;
pub const UTIME_OMIT: i64 = (1 << 30) - 2;

/// utimensat(AT_FDCWD, path, times, flags): `times` is [access, modification] as
/// (seconds, nanoseconds), or None for both "now" (a NULL pointer).
pub fn utimensat(path: &str, times: Option<[(i64, i64); 2]>, flags: usize) -> Result<usize, Errno> {
    let path = c_path(path);
    let pointer = times.as_ref().map_or(0, |times| times.as_ptr() as usize);
    call(nr::UTIMENSAT, [AT_FDCWD as usize, path.as_ptr() as usize, pointer, flags, 0, 0])
}

/// Linux's `struct statfs` on AArch64 (asm-generic/statfs.h).
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct StatFs {
    pub kind: u64,
    pub block_size: u64,
    pub blocks: u64,
    pub free_blocks: u64,
    pub available_blocks: u64,
    pub files: u64,
    pub free_files: u64,
    pub fsid: [i32; 2],
    pub name_max: u64,
    pub fragment_size: u64,
    pub flags: u64,
    spare: [u64; 4],
}

const _: () = assert!(size_of::<StatFs>() == 120);

/// f_type values (linux/magic.h).
pub const EXT2_SUPER_MAGIC: u64 = 0xEF53;
pub const TMPFS_MAGIC: u64 = 0x0102_1994;
pub const PIPEFS_MAGIC: u64 = 0x5049_5045;

pub fn statfs(path: &str) -> Result<StatFs, Errno> {
    let path = c_path(path);
    let mut statfs = StatFs::default();
    call(nr::STATFS, [path.as_ptr() as usize, &raw mut statfs as usize, 0, 0, 0, 0])?;
    Ok(statfs)
}

pub fn fstatfs(fd: usize) -> Result<StatFs, Errno> {
    let mut statfs = StatFs::default();
    call(nr::FSTATFS, [fd, &raw mut statfs as usize, 0, 0, 0, 0])?;
    Ok(statfs)
}

/// mount(source, target, type, flags, NULL).
pub fn mount(source: &str, target: &str, kind: &str, flags: usize) -> Result<usize, Errno> {
    let (source, target, kind) = (c_path(source), c_path(target), c_path(kind));
    call(nr::MOUNT, [source.as_ptr() as usize, target.as_ptr() as usize, kind.as_ptr() as usize, flags, 0, 0])
}

pub fn umount2(target: &str, flags: usize) -> Result<usize, Errno> {
    let target = c_path(target);
    call(nr::UMOUNT2, [target.as_ptr() as usize, flags, 0, 0, 0, 0])
}

pub fn sync() -> Result<usize, Errno> {
    call(nr::SYNC, [0; 6])
}

pub fn fsync(fd: usize) -> Result<usize, Errno> {
    call(nr::FSYNC, [fd, 0, 0, 0, 0, 0])
}

/// reboot(2)'s magic numbers and the command that powers the machine off.
pub const REBOOT_MAGIC: usize = 0xfee1_dead;
pub const REBOOT_MAGIC2: usize = 0x2812_1969;
pub const REBOOT_POWER_OFF: usize = 0x4321_fedc;

pub fn reboot(command: usize) -> Result<usize, Errno> {
    call(nr::REBOOT, [REBOOT_MAGIC, REBOOT_MAGIC2, command, 0, 0, 0])
}

pub const X_OK: usize = 1;

pub fn access(path: &str, mode: usize) -> Result<usize, Errno> {
    let path = c_path(path);
    call(nr::FACCESSAT, [AT_FDCWD as usize, path.as_ptr() as usize, mode, 0, 0, 0])
}

/// umask(mask): the old mask.
pub fn umask(mask: usize) -> usize {
    call(nr::UMASK, [mask, 0, 0, 0, 0, 0]).unwrap_or(0)
}

/// Asks for SIGPIPE to be ignored, so that a write to a pipe nobody reads fails with EPIPE
/// instead of killing the program: what Bramble does until it has signals (chapter 07),
/// and what Linux does once asked. Bramble answers ENOSYS, which changes nothing.
pub fn ignore_sigpipe() {
    const SIGPIPE: usize = 13;
    const SIG_IGN: usize = 1;
    // struct sigaction on AArch64: handler, flags, restorer, mask.
    let action = [SIG_IGN, 0, 0, 0];
    let _ = call(nr::RT_SIGACTION, [SIGPIPE, action.as_ptr() as usize, 0, 8, 0, 0]);
}
// ANCHOR_END: files

// ANCHOR: terminal
pub const TCGETS: usize = 0x5401;
pub const TCSETS: usize = 0x5402;
pub const TIOCGWINSZ: usize = 0x5413;

/// Linux's `struct termios` as TCGETS and TCSETS pass it.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct Termios {
    pub iflag: u32,
    pub oflag: u32,
    pub cflag: u32,
    pub lflag: u32,
    pub line: u8,
    pub cc: [u8; 19],
}

pub const ICRNL: u32 = 0o400;
pub const OPOST: u32 = 0o1;
pub const ISIG: u32 = 0o1;
pub const ICANON: u32 = 0o2;
pub const ECHO: u32 = 0o10;
pub const VTIME: usize = 5;
pub const VMIN: usize = 6;

pub fn tcgetattr(fd: usize) -> Result<Termios, Errno> {
    let mut termios = Termios::default();
    call(nr::IOCTL, [fd, TCGETS, &raw mut termios as usize, 0, 0, 0])?;
    Ok(termios)
}

pub fn tcsetattr(fd: usize, termios: &Termios) -> Result<usize, Errno> {
    call(nr::IOCTL, [fd, TCSETS, termios as *const Termios as usize, 0, 0, 0])
}

/// The terminal's size: (rows, columns).
pub fn window_size(fd: usize) -> Result<(u16, u16), Errno> {
    let mut size = [0u16; 4];
    call(nr::IOCTL, [fd, TIOCGWINSZ, size.as_mut_ptr() as usize, 0, 0, 0])?;
    Ok((size[0], size[1]))
}
// ANCHOR_END: terminal
