//! The system calls on files, with Linux's numbers, layouts and errors: opening and
//! closing, reading and writing, directories, links, times, descriptors, pipes and the
//! terminal.
//!
//! Each call copies its arguments in (paths through `copy_string`, structures through
//! `copy_in`), finds what it acts on under the process table's lock, and does the work with
//! the lock released: a read may sleep, and closing a pipe's end wakes others, which takes
//! the lock. Open files are `Arc`s, so what a call holds stays alive while it works.

use crate::errno::Errno;
use crate::fs::devfs::{self, Device};
use crate::fs::file::{Descriptor, MAX_FDS, Object, OpenFile, flags::*};
use crate::fs::path::{self, PATH_MAX};
use crate::fs::pipe;
use crate::fs::vfs::{self, InodeRef, Kind, Last, Metadata, NewTime};
use crate::process::{self, Cwd};
use crate::space::{Access, Space, UserSlice};
use crate::tty::{self, TERMIOS_SIZE, Termios};
use alloc::sync::Arc;
use alloc::vec::Vec;

type Result = core::result::Result<u64, Errno>;

// ANCHOR: constants
/// The "directory" a relative path starts from when it is the working directory.
pub const AT_FDCWD: i64 = -100;
pub const AT_SYMLINK_NOFOLLOW: u64 = 0x100;
pub const AT_REMOVEDIR: u64 = 0x200;
pub const AT_SYMLINK_FOLLOW: u64 = 0x400;
pub const AT_EMPTY_PATH: u64 = 0x1000;
const SEEK_SET: u64 = 0;
const SEEK_CUR: u64 = 1;
const SEEK_END: u64 = 2;
const F_DUPFD: u64 = 0;
const F_GETFD: u64 = 1;
const F_SETFD: u64 = 2;
const F_GETFL: u64 = 3;
const F_SETFL: u64 = 4;
const F_DUPFD_CLOEXEC: u64 = 1030;
const FD_CLOEXEC: u64 = 1;
const TCGETS: u64 = 0x5401;
const TCSETS: u64 = 0x5402;
const TCSETSW: u64 = 0x5403;
const TCSETSF: u64 = 0x5404;
const TIOCSCTTY: u64 = 0x540e;
const TIOCGPGRP: u64 = 0x540f;
const TIOCSPGRP: u64 = 0x5410;
const TIOCGWINSZ: u64 = 0x5413;
/// The most pieces readv and writev take (Linux's UIO_MAXIOV).
const IOV_MAX: u64 = 1024;
/// The most bytes one read or write moves: a longer one returns this much, as Linux's
/// reads of terminals and pipes may.
const MAX_TRANSFER: usize = 64 * 1024;
// ANCHOR_END: constants

pub fn with_space<R>(work: impl FnOnce(&mut Space) -> R) -> R {
    process::with_current(|process| work(process.space.as_mut().expect("a user process has a space")))
}

/// The open file behind `fd`.
pub fn file(fd: u64) -> core::result::Result<Arc<OpenFile>, Errno> {
    process::with_current(|process| process.files.get(fd))
}

/// A path argument: at most PATH_MAX bytes with its NUL, else ENAMETOOLONG.
pub fn user_path(at: u64) -> core::result::Result<Vec<u8>, Errno> {
    with_space(|space| space.copy_string(at, PATH_MAX - 1, Errno::ENAMETOOLONG))
}

// ANCHOR: start_dir
/// Where a path given with `dirfd` starts: the working directory (AT_FDCWD), or the
/// directory open as `dirfd`; and that directory's path, for naming what is opened.
pub fn start_dir(dirfd: i64) -> core::result::Result<Cwd, Errno> {
    if dirfd == AT_FDCWD {
        return Ok(process::with_current(|process| process.cwd.clone()));
    }
    let file = file(dirfd as u64)?;
    match &file.object {
        Object::Inode(inode) if inode.metadata().kind == Kind::Directory => Ok(Cwd { inode: inode.clone(), path: file.path.clone() }),
        _ => Err(Errno::ENOTDIR),
    }
}
// ANCHOR_END: start_dir

/// The inode behind `fd`, for calls that need one (not a pipe): `pipe_error` otherwise.
fn inode_of(file: &OpenFile, pipe_error: Errno) -> core::result::Result<InodeRef, Errno> {
    match &file.object {
        Object::Inode(inode) => Ok(inode.clone()),
        Object::Pipe(_) => Err(pipe_error),
    }
}

// ANCHOR: openat
pub fn openat(dirfd: i64, path: u64, flags: u64, mode: u64) -> Result {
    let path = user_path(path)?;
    // An access mode of 3 is Linux's "neither read nor write" (for ioctls): allowed.
    let flags = flags as u32;
    let start = start_dir(dirfd)?;
    let inode = if flags & O_CREAT != 0 {
        let (parent, name) = vfs::walk_parent(&start.inode, &path).map_err(|errno| if errno == Errno::EBUSY { Errno::EISDIR } else { errno })?;
        create(parent, name.to_vec(), flags, mode, path::ends_as_directory(&path))?
    } else {
        vfs::walk_to(&start.inode, &path, if flags & O_NOFOLLOW != 0 { Last::NoFollow } else { Last::Follow })?
    };
    let kind = inode.metadata().kind;
    // O_NOFOLLOW: a link where the file should be is ELOOP (Bramble has no O_PATH to open it).
    if kind == Kind::Symlink {
        return Err(Errno::ELOOP);
    }
    if flags & O_DIRECTORY != 0 && kind != Kind::Directory {
        return Err(Errno::ENOTDIR);
    }
    if kind == Kind::Directory && (flags & O_ACCMODE != O_RDONLY || flags & O_CREAT != 0) {
        return Err(Errno::EISDIR);
    }
    if flags & O_TRUNC != 0 && flags & O_ACCMODE != O_RDONLY {
        inode.truncate(0)?;
    }
    let status = flags & (O_ACCMODE | O_APPEND | O_NONBLOCK) | O_LARGEFILE;
    // A directory's path is what fchdir gives getcwd: its own, links resolved.
    let named = if kind == Kind::Directory { vfs::walk_named(&start.inode, &start.path, &path)?.1 } else { path::joined(&start.path, &path) };
    let file = OpenFile::new(Object::Inode(inode), status, named);
    process::with_current(|process| process.files.install(file, flags & O_CLOEXEC != 0, 0))
}
// ANCHOR_END: openat

/// openat's O_CREAT: the file `name` in directory `parent`, made if it does not exist (and
/// the path did not end as a directory's: EISDIR). A link there is followed (unless O_EXCL or
/// O_NOFOLLOW), and one that leads nowhere gets the file it names made, as Linux does.
fn create(mut parent: InodeRef, mut name: Vec<u8>, flags: u32, mode: u64, as_directory: bool) -> core::result::Result<InodeRef, Errno> {
    let last = if flags & (O_EXCL | O_NOFOLLOW) != 0 { Last::NoFollow } else { Last::Follow };
    for _ in 0..=vfs::MAX_LINKS {
        match vfs::walk_to(&parent, &name, last) {
            Ok(_) if flags & O_EXCL != 0 => return Err(Errno::EEXIST),
            Ok(existing) => return Ok(existing),
            Err(Errno::ENOENT) if as_directory => return Err(Errno::EISDIR),
            Err(Errno::ENOENT) => {}
            Err(errno) => return Err(errno),
        }
        match vfs::walk_to(&parent, &name, Last::NoFollow) {
            Ok(link) if link.metadata().kind == Kind::Symlink => {
                let target = link.readlink()?;
                let (holder, last_name) = vfs::walk_parent(&parent, &target)?;
                (parent, name) = (holder, last_name.to_vec());
            }
            _ => {
                let umask = process::with_current(|process| process.umask);
                return parent.create(&name, Kind::File, mode as u32 & 0o7777 & !umask);
            }
        }
    }
    Err(Errno::ELOOP)
}

pub fn close(fd: u64) -> Result {
    let descriptor = process::with_current(|process| process.files.remove(fd))?;
    // The open file closes here, if this was its last descriptor, with the lock released.
    drop(descriptor);
    Ok(0)
}

// ANCHOR: read_write
/// Reads into the process's memory at `buffer` from `file` at `offset` (None: the file's
/// own offset, which moves).
fn read_file(file: &OpenFile, buffer: u64, len: u64, offset: Option<u64>) -> Result {
    if !file.readable() {
        return Err(Errno::EBADF);
    }
    let len = (len as usize).min(MAX_TRANSFER);
    // The buffer must be writable before the call waits for input.
    with_space(|space| space.check(UserSlice::new(buffer, len), Access::Write))?;
    let mut bytes = alloc::vec![0u8; len];
    let count = match &file.object {
        Object::Pipe(end) => end.read(&mut bytes, file.non_blocking())?,
        // A terminal has no offset, and may make the reader wait: O_NONBLOCK says whether.
        Object::Inode(inode) if devfs::device(inode).is_some_and(Device::is_terminal) => tty::read(&mut bytes, file.non_blocking())?,
        Object::Inode(inode) => {
            if inode.metadata().kind == Kind::Directory {
                return Err(Errno::EISDIR);
            }
            let at = offset.unwrap_or_else(|| file.offset());
            let count = inode.read_at(at, &mut bytes)?;
            if offset.is_none() {
                file.set_offset(at + count as u64);
            }
            count
        }
    };
    with_space(|space| space.copy_out(UserSlice::new(buffer, count), &bytes[..count]))?;
    Ok(count as u64)
}

/// Writes the bytes at `buffer` to `file`, at `offset` (None: the file's offset, or its
/// end with O_APPEND).
fn write_file(file: &OpenFile, buffer: u64, len: u64, offset: Option<u64>) -> Result {
    if !file.writable() {
        return Err(Errno::EBADF);
    }
    let len = (len as usize).min(MAX_TRANSFER);
    let mut bytes = alloc::vec![0u8; len];
    with_space(|space| space.copy_in(UserSlice::new(buffer, len), &mut bytes))?;
    match &file.object {
        Object::Pipe(end) => end.write(&bytes, file.non_blocking()).map(|count| count as u64),
        Object::Inode(inode) => {
            if devfs::device(inode).is_some_and(Device::is_terminal) {
                tty::check_write()?;
            }
            let at = match offset {
                Some(at) => at,
                None if file.flags() & O_APPEND != 0 => inode.metadata().size,
                None => file.offset(),
            };
            let count = inode.write_at(at, &bytes)?;
            if offset.is_none() {
                file.set_offset(at + count as u64);
            }
            Ok(count as u64)
        }
    }
}

pub fn read(fd: u64, buffer: u64, len: u64) -> Result {
    read_file(&*file(fd)?, buffer, len, None)
}

pub fn write(fd: u64, buffer: u64, len: u64) -> Result {
    write_file(&*file(fd)?, buffer, len, None)
}
// ANCHOR_END: read_write

/// pread64 and pwrite64: at an offset of their own, leaving the file's alone. A pipe or a
/// device has no offsets: ESPIPE.
pub fn pread_pwrite(fd: u64, buffer: u64, len: u64, offset: u64, write: bool) -> Result {
    let file = file(fd)?;
    let inode = inode_of(&file, Errno::ESPIPE)?;
    if inode.metadata().kind == Kind::CharDevice {
        return Err(Errno::ESPIPE);
    }
    if (offset as i64) < 0 {
        return Err(Errno::EINVAL);
    }
    if write { write_file(&file, buffer, len, Some(offset)) } else { read_file(&file, buffer, len, Some(offset)) }
}

/// readv and writev: one read or write per piece of the `struct iovec` array (base, length),
/// stopping at a short one.
pub fn vectored(fd: u64, iov: u64, count: u64, write: bool) -> Result {
    if count > IOV_MAX {
        return Err(Errno::EINVAL);
    }
    let file = file(fd)?;
    let mut pieces = alloc::vec![0u8; count as usize * 16];
    with_space(|space| space.copy_in(UserSlice::new(iov, pieces.len()), &mut pieces))?;
    let mut total = 0;
    for piece in pieces.chunks(16) {
        let base = u64::from_le_bytes(piece[..8].try_into().expect("eight bytes"));
        let len = u64::from_le_bytes(piece[8..].try_into().expect("eight bytes"));
        if len == 0 {
            continue;
        }
        let done = if write { write_file(&file, base, len, None) } else { read_file(&file, base, len, None) };
        match done {
            Ok(done) => {
                total += done;
                if done < len {
                    break;
                }
            }
            Err(errno) if total == 0 => return Err(errno),
            Err(_) => break,
        }
    }
    Ok(total)
}

// ANCHOR: lseek
pub fn lseek(fd: u64, offset: u64, whence: u64) -> Result {
    let file = file(fd)?;
    let inode = inode_of(&file, Errno::ESPIPE)?;
    let metadata = inode.metadata();
    match devfs::device(&inode) {
        Some(device) if device.is_terminal() => return Err(Errno::ESPIPE),
        // /dev/null and /dev/zero: every position is the same, and Linux answers 0.
        Some(_) => return Ok(0),
        None => {}
    }
    let base = match whence {
        SEEK_SET => 0,
        SEEK_CUR => file.offset() as i64,
        SEEK_END => metadata.size as i64,
        _ => return Err(Errno::EINVAL),
    };
    let new = base.checked_add(offset as i64).filter(|&new| new >= 0).ok_or(Errno::EINVAL)?;
    file.set_offset(new as u64);
    Ok(new as u64)
}
// ANCHOR_END: lseek

// ANCHOR: getdents
/// getdents64: as many `struct linux_dirent64` as fit in `len` bytes, from the position the
/// file's offset holds (the filesystem's cookie: see `Inode::entries`).
pub fn getdents64(fd: u64, buffer: u64, len: u64) -> Result {
    let file = file(fd)?;
    let inode = inode_of(&file, Errno::ENOTDIR)?;
    let mut bytes = Vec::new();
    let mut position = file.offset();
    let mut too_small = false;
    inode.entries(position, &mut |entry, next| {
        // d_ino (8), d_off (8), d_reclen (2), d_type (1), the name and its NUL, padded to 8.
        let record = (19 + entry.name.len() + 1).next_multiple_of(8);
        if bytes.len() + record > len as usize {
            too_small = bytes.is_empty();
            return false;
        }
        bytes.extend_from_slice(&entry.ino.to_le_bytes());
        bytes.extend_from_slice(&next.to_le_bytes());
        bytes.extend_from_slice(&(record as u16).to_le_bytes());
        bytes.push(match entry.kind {
            Kind::File => 8,
            Kind::Directory => 4,
            Kind::CharDevice => 2,
            Kind::Symlink => 10,
        });
        bytes.extend_from_slice(&entry.name);
        bytes.resize(bytes.len() + record - 19 - entry.name.len(), 0);
        position = next;
        true
    })?;
    if too_small {
        return Err(Errno::EINVAL);
    }
    with_space(|space| space.copy_out(UserSlice::new(buffer, bytes.len()), &bytes))?;
    file.set_offset(position);
    Ok(bytes.len() as u64)
}
// ANCHOR_END: getdents

// ANCHOR: stat
/// `struct stat` as AArch64 Linux lays it out (asm-generic/stat.h): 128 bytes.
fn stat_bytes(metadata: &Metadata) -> [u8; 128] {
    let mut bytes = [0u8; 128];
    let kind = match metadata.kind {
        Kind::File => 0o100000,
        Kind::Directory => 0o040000,
        Kind::CharDevice => 0o020000,
        Kind::Symlink => 0o120000,
    };
    let mut put = |at: usize, value: &[u8]| bytes[at..at + value.len()].copy_from_slice(value);
    put(0, &metadata.dev.to_le_bytes()); // st_dev
    put(8, &metadata.ino.to_le_bytes()); // st_ino
    put(16, &(kind | metadata.mode).to_le_bytes()); // st_mode
    put(20, &metadata.links.to_le_bytes()); // st_nlink; st_uid and st_gid stay 0 (root)
    put(32, &metadata.rdev.to_le_bytes()); // st_rdev
    put(48, &metadata.size.to_le_bytes()); // st_size
    put(56, &4096u32.to_le_bytes()); // st_blksize
    put(64, &metadata.blocks.to_le_bytes()); // st_blocks, in 512-byte units
    // st_atime, st_mtime, st_ctime, each followed by its nanoseconds, which stay 0: the
    // filesystems keep whole seconds.
    put(72, &metadata.atime.to_le_bytes());
    put(88, &metadata.mtime.to_le_bytes());
    put(104, &metadata.ctime.to_le_bytes());
    bytes
}

/// The metadata a pipe's fstat reports: a FIFO (S_IFIFO) with permissions 0600.
fn pipe_stat() -> [u8; 128] {
    let mut bytes = [0u8; 128];
    bytes[16..20].copy_from_slice(&(0o010600u32).to_le_bytes());
    bytes[20..24].copy_from_slice(&1u32.to_le_bytes());
    bytes[56..60].copy_from_slice(&4096u32.to_le_bytes());
    bytes
}

fn put_stat(file_or_inode: core::result::Result<InodeRef, ()>, buffer: u64) -> Result {
    let bytes = match file_or_inode {
        Ok(inode) => stat_bytes(&inode.metadata()),
        Err(()) => pipe_stat(),
    };
    with_space(|space| space.copy_out(UserSlice::new(buffer, bytes.len()), &bytes))?;
    Ok(0)
}

pub fn fstat(fd: u64, buffer: u64) -> Result {
    let file = file(fd)?;
    put_stat(inode_of(&file, Errno::EBADF).map_err(|_| ()), buffer)
}

pub fn newfstatat(dirfd: i64, path: u64, buffer: u64, flags: u64) -> Result {
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    let path = user_path(path)?;
    if path.is_empty() && flags & AT_EMPTY_PATH != 0 {
        return if dirfd == AT_FDCWD { put_stat(Ok(start_dir(dirfd)?.inode), buffer) } else { fstat(dirfd as u64, buffer) };
    }
    let start = start_dir(dirfd)?;
    let last = if flags & AT_SYMLINK_NOFOLLOW != 0 { Last::NoFollow } else { Last::Follow };
    put_stat(Ok(vfs::walk_to(&start.inode, &path, last)?), buffer)
}
// ANCHOR_END: stat

/// readlinkat: a symbolic link's target, not NUL-terminated, cut to `size` bytes.
pub fn readlinkat(dirfd: i64, path: u64, buffer: u64, size: u64) -> Result {
    if (size as i64) <= 0 {
        return Err(Errno::EINVAL);
    }
    let path = user_path(path)?;
    let start = start_dir(dirfd)?;
    let target = vfs::walk_to(&start.inode, &path, Last::NoFollow)?.readlink()?;
    let count = target.len().min(size as usize);
    with_space(|space| space.copy_out(UserSlice::new(buffer, count), &target[..count]))?;
    Ok(count as u64)
}

// ANCHOR: namespace
pub fn mkdirat(dirfd: i64, path: u64, mode: u64) -> Result {
    let path = user_path(path)?;
    let start = start_dir(dirfd)?;
    let (parent, name) = vfs::walk_parent(&start.inode, &path).map_err(|errno| if errno == Errno::EBUSY { Errno::EEXIST } else { errno })?;
    if name == b"." || name == b".." {
        return Err(Errno::EEXIST);
    }
    let umask = process::with_current(|process| process.umask);
    parent.create(name, Kind::Directory, mode as u32 & 0o777 & !umask)?;
    Ok(0)
}

pub fn unlinkat(dirfd: i64, path: u64, flags: u64) -> Result {
    if flags & !AT_REMOVEDIR != 0 {
        return Err(Errno::EINVAL);
    }
    let directory = flags & AT_REMOVEDIR != 0;
    let path = user_path(path)?;
    let start = start_dir(dirfd)?;
    let (parent, name) = match vfs::walk_parent(&start.inode, &path) {
        // "/" itself: busy as a directory, a directory all the same for unlink.
        Err(Errno::EBUSY) => return Err(if directory { Errno::EBUSY } else { Errno::EISDIR }),
        other => other?,
    };
    match (name, directory) {
        (b".", true) => return Err(Errno::EINVAL),
        (b"..", true) => return Err(Errno::ENOTEMPTY),
        (b"." | b"..", false) => return Err(Errno::EISDIR),
        _ => {}
    }
    // A mount point is busy: its filesystem hides it.
    let target = vfs::walk_to(&parent, name, Last::NoFollow)?;
    if !vfs::same_filesystem(&parent, &target) {
        return Err(if directory { Errno::EBUSY } else { Errno::EISDIR });
    }
    if !directory && path::ends_as_directory(&path) {
        return Err(if target.metadata().kind == Kind::Directory { Errno::EISDIR } else { Errno::ENOTDIR });
    }
    parent.unlink(name, directory)?;
    Ok(0)
}

pub fn renameat2(old_dirfd: i64, old_path: u64, new_dirfd: i64, new_path: u64, flags: u64) -> Result {
    if flags != 0 {
        return Err(Errno::EINVAL);
    }
    let (old_path, new_path) = (user_path(old_path)?, user_path(new_path)?);
    let (old_start, new_start) = (start_dir(old_dirfd)?, start_dir(new_dirfd)?);
    let (old_parent, old_name) = vfs::walk_parent(&old_start.inode, &old_path)?;
    let (new_parent, new_name) = vfs::walk_parent(&new_start.inode, &new_path)?;
    if [old_name, new_name].iter().any(|name| *name == b"." || *name == b"..") {
        return Err(Errno::EBUSY);
    }
    let moving = vfs::walk_to(&old_parent, old_name, Last::NoFollow)?;
    if !vfs::same_filesystem(&old_parent, &new_parent) || !vfs::same_filesystem(&old_parent, &moving) {
        return Err(Errno::EXDEV);
    }
    old_parent.rename(old_name, &new_parent, new_name)?;
    Ok(0)
}
// ANCHOR_END: namespace

// ANCHOR: links
/// linkat: a new name `new_path` for the file at `old_path`, which is not a directory (EPERM)
/// and is in the same filesystem (EXDEV). A link at `old_path` gets the new name itself,
/// unless AT_SYMLINK_FOLLOW; with AT_EMPTY_PATH and an empty `old_path`, the file open as
/// `old_dirfd` does.
pub fn linkat(old_dirfd: i64, old_path: u64, new_dirfd: i64, new_path: u64, flags: u64) -> Result {
    if flags & !(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    let (old_path, new_path) = (user_path(old_path)?, user_path(new_path)?);
    let target = if old_path.is_empty() && flags & AT_EMPTY_PATH != 0 {
        inode_of(&*file(old_dirfd as u64)?, Errno::ENOENT)?
    } else {
        let last = if flags & AT_SYMLINK_FOLLOW != 0 { Last::Follow } else { Last::NoFollow };
        vfs::walk_to(&start_dir(old_dirfd)?.inode, &old_path, last)?
    };
    let (parent, name) = new_entry(new_dirfd, &new_path)?;
    if !vfs::same_filesystem(&parent, &target) {
        return Err(Errno::EXDEV);
    }
    parent.link(name, &target)?;
    Ok(0)
}

/// symlinkat: a new symbolic link `link_path` whose target is the path `target`, stored as
/// given (it is resolved when the link is followed, not now).
pub fn symlinkat(target: u64, new_dirfd: i64, link_path: u64) -> Result {
    let (target, link_path) = (user_path(target)?, user_path(link_path)?);
    if target.is_empty() {
        return Err(Errno::ENOENT);
    }
    let (parent, name) = new_entry(new_dirfd, &link_path)?;
    parent.symlink(name, &target)?;
    Ok(0)
}

/// The directory a new name goes in, and the name, which must be free: EEXIST when it is
/// taken, or is `/`, `.` or `..`.
fn new_entry(dirfd: i64, path: &[u8]) -> core::result::Result<(InodeRef, &[u8]), Errno> {
    let (parent, name) = vfs::walk_parent(&start_dir(dirfd)?.inode, path).map_err(|errno| if errno == Errno::EBUSY { Errno::EEXIST } else { errno })?;
    if name == b"." || name == b".." || vfs::walk_to(&parent, name, Last::NoFollow).is_ok() {
        return Err(Errno::EEXIST);
    }
    Ok((parent, name))
}
// ANCHOR_END: links

// ANCHOR: utimensat
/// The nanoseconds of a utimensat time that mean "now" and "leave it" (linux/stat.h).
const UTIME_NOW: u64 = (1 << 30) - 1;
const UTIME_OMIT: u64 = (1 << 30) - 2;

/// One `struct timespec` of utimensat's pair: a new time, or None for UTIME_OMIT. Seconds
/// before 1970 are kept as 0: the filesystems' times are unsigned.
fn new_time(bytes: &[u8]) -> core::result::Result<Option<NewTime>, Errno> {
    let seconds = i64::from_le_bytes(bytes[..8].try_into().expect("eight bytes"));
    let nanoseconds = u64::from_le_bytes(bytes[8..16].try_into().expect("eight bytes"));
    match nanoseconds {
        UTIME_NOW => Ok(Some(NewTime::Now)),
        UTIME_OMIT => Ok(None),
        0..=999_999_999 => Ok(Some(NewTime::At(seconds.max(0) as u64))),
        _ => Err(Errno::EINVAL),
    }
}

/// utimensat: sets the access and modification times of the file at `path` (a link itself
/// with AT_SYMLINK_NOFOLLOW), from the pair of timespecs at `times`, or both to now when
/// `times` is NULL. With a NULL `path` it works on the file open as `dirfd` (futimens).
/// Linux checks the times, then the flags, and when both times are UTIME_OMIT does nothing
/// and succeeds before even looking for the file; so does this.
pub fn utimensat(dirfd: i64, path: u64, times: u64, flags: u64) -> Result {
    let (atime, mtime) = if times == 0 {
        (Some(NewTime::Now), Some(NewTime::Now))
    } else {
        let mut bytes = [0u8; 32];
        with_space(|space| space.copy_in(UserSlice::new(times, 32), &mut bytes))?;
        (new_time(&bytes[..16])?, new_time(&bytes[16..])?)
    };
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    if atime.is_none() && mtime.is_none() {
        return Ok(0);
    }
    let inode = if path == 0 {
        if dirfd == AT_FDCWD {
            return Err(Errno::EFAULT);
        }
        inode_of(&*file(dirfd as u64)?, Errno::EBADF)?
    } else {
        let path = user_path(path)?;
        if path.is_empty() && flags & AT_EMPTY_PATH != 0 {
            start_dir(dirfd).map(|start| start.inode).or_else(|_| inode_of(&*file(dirfd as u64)?, Errno::EBADF))?
        } else {
            let last = if flags & AT_SYMLINK_NOFOLLOW != 0 { Last::NoFollow } else { Last::Follow };
            vfs::walk_to(&start_dir(dirfd)?.inode, &path, last)?
        }
    };
    inode.set_times(atime, mtime)?;
    Ok(0)
}
// ANCHOR_END: utimensat

// ANCHOR: cwd
pub fn chdir(path: u64) -> Result {
    let path = user_path(path)?;
    let cwd = process::with_current(|process| process.cwd.clone());
    let (inode, named) = vfs::walk_named(&cwd.inode, &cwd.path, &path)?;
    if inode.metadata().kind != Kind::Directory {
        return Err(Errno::ENOTDIR);
    }
    let new = Cwd { inode, path: named };
    process::with_current(|process| process.cwd = new);
    Ok(0)
}

pub fn fchdir(fd: u64) -> Result {
    let new = start_dir(fd as i64)?;
    process::with_current(|process| process.cwd = new);
    Ok(0)
}

/// getcwd: the path with its NUL; ERANGE if `size` cannot hold it. Returns its length.
pub fn getcwd(buffer: u64, size: u64) -> Result {
    let mut path = process::with_current(|process| process.cwd.path.clone());
    path.push(0);
    if (size as usize) < path.len() {
        return Err(Errno::ERANGE);
    }
    with_space(|space| space.copy_out(UserSlice::new(buffer, path.len()), &path))?;
    Ok(path.len() as u64)
}
// ANCHOR_END: cwd

// ANCHOR: descriptors
pub fn dup(fd: u64) -> Result {
    process::with_current(|process| {
        let file = process.files.get(fd)?;
        process.files.install(file, false, 0)
    })
}

pub fn dup3(old: u64, new: u64, flags: u64) -> Result {
    if flags & !(O_CLOEXEC as u64) != 0 || old == new {
        return Err(Errno::EINVAL);
    }
    let replaced: Option<Descriptor> = process::with_current(|process| {
        let file = process.files.get(old)?;
        process.files.install_at(new, file, flags != 0)
    })?;
    drop(replaced);
    Ok(new)
}

pub fn fcntl(fd: u64, command: u64, argument: u64) -> Result {
    process::with_current(|process| match command {
        F_DUPFD | F_DUPFD_CLOEXEC => {
            if argument >= MAX_FDS as u64 {
                return Err(Errno::EINVAL);
            }
            let file = process.files.get(fd)?;
            process.files.install(file, command == F_DUPFD_CLOEXEC, argument as usize)
        }
        F_GETFD => Ok(if process.files.descriptor(fd)?.close_on_exec { FD_CLOEXEC } else { 0 }),
        F_SETFD => {
            process.files.descriptor_mut(fd)?.close_on_exec = argument & FD_CLOEXEC != 0;
            Ok(0)
        }
        F_GETFL => Ok(process.files.get(fd)?.flags() as u64),
        F_SETFL => {
            process.files.get(fd)?.set_status_flags(argument as u32);
            Ok(0)
        }
        _ => Err(Errno::EINVAL),
    })
}

pub fn pipe2(fds: u64, flags: u64) -> Result {
    if flags & !((O_CLOEXEC | O_NONBLOCK) as u64) != 0 {
        return Err(Errno::EINVAL);
    }
    let close_on_exec = flags & O_CLOEXEC as u64 != 0;
    let (reading, writing) = pipe::new();
    let status = flags as u32 & O_NONBLOCK;
    let reading = OpenFile::new(Object::Pipe(reading), O_RDONLY | status, Vec::new());
    let writing = OpenFile::new(Object::Pipe(writing), O_WRONLY | status, Vec::new());
    let numbers = process::with_current(|process| {
        let read_fd = process.files.install(reading, close_on_exec, 0).map_err(|errno| (errno, None))?;
        match process.files.install(writing, close_on_exec, 0) {
            Ok(write_fd) => Ok((read_fd, write_fd)),
            Err(errno) => Err((errno, process.files.remove(read_fd).ok())),
        }
    });
    let (read_fd, write_fd) = match numbers {
        Ok(numbers) => numbers,
        Err((errno, undone)) => {
            drop(undone);
            return Err(errno);
        }
    };
    let mut bytes = [0u8; 8];
    bytes[..4].copy_from_slice(&(read_fd as u32).to_le_bytes());
    bytes[4..].copy_from_slice(&(write_fd as u32).to_le_bytes());
    if let Err(errno) = with_space(|space| space.copy_out(UserSlice::new(fds, 8), &bytes)) {
        let undone = process::with_current(|process| (process.files.remove(read_fd).ok(), process.files.remove(write_fd).ok()));
        drop(undone);
        return Err(errno);
    }
    Ok(0)
}
// ANCHOR_END: descriptors

// ANCHOR: ioctl
/// ioctl: the terminal's requests, on a descriptor of the console or /dev/tty; ENOTTY on
/// anything else, as Linux answers.
pub fn ioctl(fd: u64, request: u64, argument: u64) -> Result {
    let file = file(fd)?;
    let device = inode_of(&file, Errno::ENOTTY).ok().and_then(|inode| devfs::device(&inode));
    if !device.is_some_and(Device::is_terminal) {
        return Err(Errno::ENOTTY);
    }
    match request {
        TCGETS => {
            let bytes = tty::termios().to_bytes();
            with_space(|space| space.copy_out(UserSlice::new(argument, TERMIOS_SIZE), &bytes))?;
        }
        // TCSETSW and TCSETSF wait for output to drain first (it always has: writes are
        // synchronous); TCSETSF also throws away the input not read yet.
        TCSETS | TCSETSW | TCSETSF => {
            tty::check_change()?;
            let mut bytes = [0u8; TERMIOS_SIZE];
            with_space(|space| space.copy_in(UserSlice::new(argument, TERMIOS_SIZE), &mut bytes))?;
            if request == TCSETSF {
                tty::flush_input();
            }
            tty::set_termios(Termios::from_bytes(&bytes));
        }
        // Job control: which session's terminal this is, and its foreground group.
        TIOCSCTTY => {
            let (pid, pgid, sid) = process::with_current(|process| (process.pid, process.pgid, process.sid));
            if pid != sid {
                return Err(Errno::EPERM);
            }
            tty::make_controlling(sid, pgid)?;
        }
        TIOCGPGRP => {
            let sid = process::with_current(|process| process.sid);
            let group = tty::foreground(sid)?;
            with_space(|space| space.copy_out(UserSlice::new(argument, 4), &group.to_le_bytes()))?;
        }
        TIOCSPGRP => {
            let mut bytes = [0u8; 4];
            with_space(|space| space.copy_in(UserSlice::new(argument, 4), &mut bytes))?;
            let group = i32::from_le_bytes(bytes);
            tty::check_change()?;
            if group < 0 {
                return Err(Errno::EINVAL);
            }
            let sid = process::with_current(|process| process.sid);
            tty::set_foreground(sid, group as u32)?;
        }
        TIOCGWINSZ => {
            // struct winsize: rows, columns, then the size in pixels, which a serial line
            // does not know. A serial line does not know its terminal's size either: 24 x 80.
            let mut bytes = [0u8; 8];
            bytes[..2].copy_from_slice(&24u16.to_le_bytes());
            bytes[2..4].copy_from_slice(&80u16.to_le_bytes());
            with_space(|space| space.copy_out(UserSlice::new(argument, 8), &bytes))?;
        }
        _ => return Err(Errno::ENOTTY),
    }
    Ok(0)
}
// ANCHOR_END: ioctl

pub fn ftruncate(fd: u64, length: u64) -> Result {
    let file = file(fd)?;
    let inode = inode_of(&file, Errno::EINVAL)?;
    if (length as i64) < 0 || !file.writable() || inode.metadata().kind != Kind::File {
        return Err(Errno::EINVAL);
    }
    inode.truncate(length)?;
    Ok(0)
}

/// faccessat: everyone is root, who may read and write anything, and execute what has an
/// execute bit (or is a directory).
pub fn faccessat(dirfd: i64, path: u64, mode: u64) -> Result {
    if mode & !7 != 0 {
        return Err(Errno::EINVAL);
    }
    let path = user_path(path)?;
    let start = start_dir(dirfd)?;
    let metadata = vfs::walk(&start.inode, &path)?.metadata();
    if mode & 1 != 0 && metadata.kind != Kind::Directory && metadata.mode & 0o111 == 0 {
        return Err(Errno::EACCES);
    }
    Ok(0)
}

pub fn umask(mask: u64) -> Result {
    process::with_current(|process| {
        let old = process.umask;
        process.umask = mask as u32 & 0o777;
        Ok(old as u64)
    })
}

// ANCHOR: console_fds
/// Descriptors 0, 1 and 2 of a program the monitor runs: one open file of the console,
/// read and write, as a login gives a shell.
pub fn console_descriptors() -> core::result::Result<crate::fs::file::FdTable, Errno> {
    let console = vfs::walk(&vfs::root()?, b"/dev/console")?;
    let file = OpenFile::new(Object::Inode(console), O_RDWR | O_LARGEFILE, b"/dev/console".to_vec());
    let mut files = crate::fs::file::FdTable::new();
    for _ in 0..3 {
        files.install(file.clone(), false, 0)?;
    }
    Ok(files)
}
// ANCHOR_END: console_fds
