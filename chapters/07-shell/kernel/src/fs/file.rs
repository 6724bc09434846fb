//! Open files and file descriptors, as POSIX has them. An open file (Linux's "open file
//! description") is what open and pipe make: the object (an inode or a pipe's end), the
//! offset and the status flags. A file descriptor is a process's number for one, plus its
//! close-on-exec flag. fork copies the descriptor table, and dup copies a descriptor, so
//! several descriptors, in one process or many, can share one open file and its offset:
//! `Arc` counts them, and the open file closes when the last goes.

use super::pipe::PipeEnd;
use super::vfs::InodeRef;
use crate::errno::Errno;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

// ANCHOR: flags
/// open's flags, with AArch64 Linux's values (arch/arm64/include/uapi/asm/fcntl.h).
pub mod flags {
    pub const O_ACCMODE: u32 = 0o3;
    pub const O_RDONLY: u32 = 0o0;
    pub const O_WRONLY: u32 = 0o1;
    pub const O_RDWR: u32 = 0o2;
    pub const O_CREAT: u32 = 0o100;
    pub const O_EXCL: u32 = 0o200;
    pub const O_TRUNC: u32 = 0o1000;
    pub const O_APPEND: u32 = 0o2000;
    pub const O_NONBLOCK: u32 = 0o4000;
    pub const O_DIRECTORY: u32 = 0o40000;
    pub const O_NOFOLLOW: u32 = 0o100000;
    pub const O_LARGEFILE: u32 = 0o400000;
    pub const O_CLOEXEC: u32 = 0o2000000;
}
// ANCHOR_END: flags

// ANCHOR: open_file
/// What an open file reads and writes.
pub enum Object {
    Inode(InodeRef),
    Pipe(PipeEnd),
}

pub struct OpenFile {
    pub object: Object,
    /// Where the next read or write starts (files only). Two processes sharing the open
    /// file share it: a write by one moves the other's too.
    offset: AtomicU64,
    /// The access mode and the status flags F_SETFL may change (O_APPEND, O_NONBLOCK).
    flags: AtomicU32,
    /// The absolute path it was opened by, for fchdir's getcwd.
    pub path: Vec<u8>,
}

impl OpenFile {
    pub fn new(object: Object, flags: u32, path: Vec<u8>) -> Arc<OpenFile> {
        Arc::new(OpenFile { object, offset: AtomicU64::new(0), flags: AtomicU32::new(flags), path })
    }

    pub fn offset(&self) -> u64 {
        self.offset.load(Ordering::Relaxed)
    }

    pub fn set_offset(&self, offset: u64) {
        self.offset.store(offset, Ordering::Relaxed);
    }

    pub fn flags(&self) -> u32 {
        self.flags.load(Ordering::Relaxed)
    }

    /// F_SETFL: only O_APPEND and O_NONBLOCK change; the access mode stays.
    pub fn set_status_flags(&self, new: u32) {
        let changeable = flags::O_APPEND | flags::O_NONBLOCK;
        self.flags.store(self.flags() & !changeable | new & changeable, Ordering::Relaxed);
    }

    pub fn readable(&self) -> bool {
        matches!(self.flags() & flags::O_ACCMODE, flags::O_RDONLY | flags::O_RDWR)
    }

    pub fn non_blocking(&self) -> bool {
        self.flags() & flags::O_NONBLOCK != 0
    }

    pub fn writable(&self) -> bool {
        matches!(self.flags() & flags::O_ACCMODE, flags::O_WRONLY | flags::O_RDWR)
    }
}
// ANCHOR_END: open_file

// ANCHOR: fd_table
/// How many descriptors a process may have open: EMFILE past it (Linux's default soft
/// limit is 1024; Bramble's processes are smaller).
pub const MAX_FDS: usize = 64;

#[derive(Clone)]
pub struct Descriptor {
    pub file: Arc<OpenFile>,
    pub close_on_exec: bool,
}

/// A process's file descriptors: slot n is descriptor n. `Clone` is fork's copy: the
/// same open files, each counted once more.
#[derive(Clone)]
pub struct FdTable {
    slots: [Option<Descriptor>; MAX_FDS],
}

impl FdTable {
    pub const fn new() -> FdTable {
        FdTable { slots: [const { None }; MAX_FDS] }
    }

    /// The open file behind `fd`, or EBADF.
    pub fn get(&self, fd: u64) -> Result<Arc<OpenFile>, Errno> {
        self.descriptor(fd).map(|descriptor| descriptor.file.clone())
    }

    pub fn descriptor(&self, fd: u64) -> Result<&Descriptor, Errno> {
        self.slots.get(fd as usize).and_then(Option::as_ref).ok_or(Errno::EBADF)
    }

    pub fn descriptor_mut(&mut self, fd: u64) -> Result<&mut Descriptor, Errno> {
        self.slots.get_mut(fd as usize).and_then(Option::as_mut).ok_or(Errno::EBADF)
    }

    /// Puts `file` in the lowest free slot from `lowest` on (POSIX's rule for open and
    /// dup): its number, or EMFILE when every slot is taken.
    pub fn install(&mut self, file: Arc<OpenFile>, close_on_exec: bool, lowest: usize) -> Result<u64, Errno> {
        let fd = (lowest..MAX_FDS).find(|&fd| self.slots[fd].is_none()).ok_or(Errno::EMFILE)?;
        self.slots[fd] = Some(Descriptor { file, close_on_exec });
        Ok(fd as u64)
    }

    /// Puts `file` at `fd` (dup3), returning what was there for the caller to close.
    pub fn install_at(&mut self, fd: u64, file: Arc<OpenFile>, close_on_exec: bool) -> Result<Option<Descriptor>, Errno> {
        let slot = self.slots.get_mut(fd as usize).ok_or(Errno::EBADF)?;
        Ok(slot.replace(Descriptor { file, close_on_exec }))
    }

    /// Takes descriptor `fd` out (close); the caller drops it, outside any lock a pipe's
    /// close may need.
    pub fn remove(&mut self, fd: u64) -> Result<Descriptor, Errno> {
        self.slots.get_mut(fd as usize).and_then(Option::take).ok_or(Errno::EBADF)
    }

    /// Takes out every descriptor marked close-on-exec (execve).
    pub fn take_close_on_exec(&mut self) -> Vec<Descriptor> {
        self.slots.iter_mut().filter(|slot| slot.as_ref().is_some_and(|d| d.close_on_exec)).filter_map(Option::take).collect()
    }

    /// The open files, for a look at what a process holds (umount2's EBUSY).
    pub fn open_files(&self) -> impl Iterator<Item = &Arc<OpenFile>> {
        self.slots.iter().flatten().map(|descriptor| &descriptor.file)
    }

    /// Takes out every descriptor (exit).
    pub fn take_all(&mut self) -> Vec<Descriptor> {
        self.slots.iter_mut().filter_map(Option::take).collect()
    }
}
// ANCHOR_END: fd_table
