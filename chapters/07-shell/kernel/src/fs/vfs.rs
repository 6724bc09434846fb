//! The virtual filesystem: what every filesystem offers the rest of the kernel (an
//! [`Inode`] per file, a [`FileSystem`] with a root), the mount table that joins them into
//! one tree, and the path walk that finds a file in it.
//!
//! A filesystem knows nothing of the others: its directories hold its own inodes, and its
//! `..` stops at its own root. The walk crosses mount points in both directions: into the
//! mounted root on the way down, back to the directory it is mounted on before a `..` at
//! that root. The rest of the kernel holds inodes through `InodeRef`, a reference count:
//! an inode lives while a directory, an open file or a process's working directory holds it.

use super::path::{self, PATH_MAX};
use crate::errno::Errno;
use crate::spinlock::SpinLock;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::any::Any;

// ANCHOR: inode
/// What kind of file an inode is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    File,
    Directory,
    /// A character device (devfs): its reads and writes go to a driver.
    CharDevice,
    /// A symbolic link (ext2): listed and stat'ed, but not yet followed by the path walk.
    Symlink,
}

/// What stat reports of an inode.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Metadata {
    pub kind: Kind,
    /// Permission bits (0o7777).
    pub mode: u32,
    pub size: u64,
    pub links: u32,
    /// The inode's number, unique within its filesystem.
    pub ino: u64,
    /// The filesystem's device number (from `next_device`).
    pub dev: u64,
    /// A character device's number, (major << 8 | minor) as Linux's old encoding has it.
    pub rdev: u64,
}

/// A counted reference to an inode of any filesystem.
pub type InodeRef = Arc<dyn Inode>;

/// One directory entry, as a directory lists it.
pub struct DirEntry {
    pub name: Vec<u8>,
    pub ino: u64,
    pub kind: Kind,
}

/// A file of some filesystem. Calls that make no sense for the inode's kind answer with
/// the error Linux gives for them (read_at on a directory is EISDIR, lookup on a file
/// ENOTDIR), so a filesystem implements only what its files can do.
///
/// This is the whole interface between the VFS and a filesystem: tmpfs and devfs implement
/// it, and ext2 (ext2fs.rs). Locking is the filesystem's own business: the methods take
/// `&self`, and the kernel calls them with interrupts enabled or not.
pub trait Inode: Send + Sync {
    fn metadata(&self) -> Metadata;
    /// Reads from `offset` into `buffer`: how many bytes (0 at the end of the file).
    fn read_at(&self, offset: u64, buffer: &mut [u8]) -> Result<usize, Errno>;
    /// Writes `bytes` at `offset`, growing the file if needed: how many were written.
    fn write_at(&self, offset: u64, bytes: &[u8]) -> Result<usize, Errno>;
    /// Cuts or extends (with zeros) the file to `size` bytes.
    fn truncate(&self, size: u64) -> Result<(), Errno>;
    /// The entry `name` of this directory (`..` included; `.` never reaches a filesystem).
    fn lookup(&self, name: &[u8]) -> Result<InodeRef, Errno>;
    /// A new empty file or directory `name` in this directory, with permissions `mode`.
    fn create(&self, name: &[u8], kind: Kind, mode: u32) -> Result<InodeRef, Errno>;
    /// Removes the entry `name`: a directory only if `directory` (and it is empty), anything
    /// else only if not.
    fn unlink(&self, name: &[u8], directory: bool) -> Result<(), Errno>;
    /// Moves entry `from` of this directory to entry `to` of directory `target`, of the
    /// same filesystem, replacing what `to` named as rename(2) says.
    fn rename(&self, from: &[u8], target: &InodeRef, to: &[u8]) -> Result<(), Errno>;
    /// The directory's entry number `index` (`.` and `..` first), None past the last.
    fn entry(&self, index: usize) -> Result<Option<DirEntry>, Errno>;
    /// Changes the permission bits.
    fn set_mode(&self, mode: u32) -> Result<(), Errno>;
    /// A symbolic link's target (EINVAL for anything else).
    fn readlink(&self) -> Result<Vec<u8>, Errno>;
    /// The inode as `Any`, for a filesystem to find its own type behind a `target` of rename.
    fn as_any(&self) -> &dyn Any;
}

/// A mounted filesystem: the root of its tree.
pub trait FileSystem: Send + Sync {
    fn root(&self) -> InodeRef;
    /// Its type, as /proc/mounts would name it ("tmpfs", "devfs").
    fn name(&self) -> &'static str;
}
// ANCHOR_END: inode

// ANCHOR: mounts
/// One mount: a filesystem's root put in place of directory `on` (None for the root
/// filesystem, which is on nothing). `dev` tells the filesystems apart in stat's st_dev.
struct Mount {
    on: Option<InodeRef>,
    root: InodeRef,
    filesystem: Arc<dyn FileSystem>,
    path: &'static [u8],
}

static MOUNTS: SpinLock<Vec<Mount>> = SpinLock::new(Vec::new());

/// Mounts `filesystem` on the directory at absolute `at` ("/" for the root filesystem,
/// which must come first).
pub fn mount(filesystem: Arc<dyn FileSystem>, at: &'static [u8]) -> Result<(), Errno> {
    let on = if at == b"/" { None } else { Some(walk(&root()?, at)?) };
    if let Some(on) = &on {
        if on.metadata().kind != Kind::Directory {
            return Err(Errno::ENOTDIR);
        }
    }
    let root = filesystem.root();
    MOUNTS.lock().push(Mount { on, root, filesystem, path: at });
    Ok(())
}

/// The root directory of the whole tree.
pub fn root() -> Result<InodeRef, Errno> {
    MOUNTS.lock().first().map(|mount| mount.root.clone()).ok_or(Errno::ENOENT)
}

/// Whether two references are the same inode.
pub fn same(a: &InodeRef, b: &InodeRef) -> bool {
    Arc::ptr_eq(a, b)
}

/// A device number for a new filesystem, which its inodes report as st_dev: what tells
/// two filesystems' inodes apart (rename's EXDEV).
pub fn next_device() -> u64 {
    static NEXT: SpinLock<u64> = SpinLock::new(1);
    let mut next = NEXT.lock();
    *next += 1;
    *next - 1
}

/// The mounted filesystems, for the monitor: (path, type).
pub fn mounts(mut each: impl FnMut(&[u8], &str)) {
    for mount in MOUNTS.lock().iter() {
        each(mount.path, mount.filesystem.name());
    }
}
// ANCHOR_END: mounts

// ANCHOR: walk
/// The inode mounted on `inode`, if a filesystem is mounted there.
fn mounted_on(inode: &InodeRef) -> Option<InodeRef> {
    MOUNTS.lock().iter().find(|mount| mount.on.as_ref().is_some_and(|on| same(on, inode))).map(|mount| mount.root.clone())
}

/// The directory a filesystem whose root is `inode` is mounted on.
fn covered_by(inode: &InodeRef) -> Option<InodeRef> {
    MOUNTS.lock().iter().find(|mount| same(&mount.root, inode)).and_then(|mount| mount.on.clone())
}

/// One step of a walk: the entry `name` of directory `directory`, across mount points.
fn step(directory: &InodeRef, name: &[u8]) -> Result<InodeRef, Errno> {
    if directory.metadata().kind != Kind::Directory {
        return Err(Errno::ENOTDIR);
    }
    match name {
        b"." => Ok(directory.clone()),
        b".." => {
            // At a mounted root, `..` is the parent of the directory it covers.
            let below = covered_by(directory).unwrap_or_else(|| directory.clone());
            below.lookup(b"..")
        }
        _ => {
            let found = directory.lookup(name)?;
            Ok(mounted_on(&found).unwrap_or(found))
        }
    }
}

/// The inode at `path`, from directory `start` (ignored for an absolute path).
pub fn walk(start: &InodeRef, path: &[u8]) -> Result<InodeRef, Errno> {
    if path.is_empty() {
        return Err(Errno::ENOENT);
    }
    if path.len() >= PATH_MAX {
        return Err(Errno::ENAMETOOLONG);
    }
    let mut inode = if path.starts_with(b"/") { root()? } else { start.clone() };
    for name in path::components(path)? {
        inode = step(&inode, name)?;
    }
    // "file/" names a directory: Linux says ENOTDIR when it is not one.
    if path::ends_as_directory(path) && inode.metadata().kind != Kind::Directory {
        return Err(Errno::ENOTDIR);
    }
    Ok(inode)
}

/// The directory that would hold `path`, and the last component's name: what creating,
/// removing and renaming need. The name is never `.` or `..` (those are EEXIST, EINVAL or
/// ENOTEMPTY, depending on the call, and the caller decides), nor empty ("/" has no parent).
pub fn walk_parent<'p>(start: &InodeRef, path: &'p [u8]) -> Result<(InodeRef, &'p [u8]), Errno> {
    if path.is_empty() {
        return Err(Errno::ENOENT);
    }
    if path.len() >= PATH_MAX {
        return Err(Errno::ENAMETOOLONG);
    }
    let names = path::components(path)?;
    let Some((&last, parents)) = names.split_last() else {
        return Err(Errno::EBUSY);
    };
    let mut inode = if path.starts_with(b"/") { root()? } else { start.clone() };
    for name in parents {
        inode = step(&inode, name)?;
    }
    if inode.metadata().kind != Kind::Directory {
        return Err(Errno::ENOTDIR);
    }
    Ok((inode, last))
}
// ANCHOR_END: walk

/// Whether `a` and `b` are in the same filesystem (rename's EXDEV).
pub fn same_filesystem(a: &InodeRef, b: &InodeRef) -> bool {
    a.metadata().dev == b.metadata().dev
}
