//! The system calls, as Linux numbers them for AArch64 (the "generic" table,
//! `asm-generic/unistd.h`): `svc #0` with the number in x8, arguments in x0-x5, the result
//! in x0, `-errno` on failure. Each wrapper returns `Result<_, Errno>`.

use crate::errno::Errno;
use core::arch::asm;

// ANCHOR: numbers
pub mod nr {
    pub const READ: usize = 63;
    pub const WRITE: usize = 64;
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
