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
    /// A symbolic link: its target is a path, which the walk follows (`walk`).
    Symlink,
}

/// What stat reports of an inode.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Metadata {
    pub kind: Kind,
    /// Permission bits (0o7777).
    pub mode: u32,
    pub size: u64,
    /// The space it takes, in 512-byte units (st_blocks): less than its size for a file with
    /// holes, more for one with indirect blocks.
    pub blocks: u64,
    pub links: u32,
    /// The inode's number, unique within its filesystem.
    pub ino: u64,
    /// The filesystem's device number (from `next_device`).
    pub dev: u64,
    /// A character device's number, (major << 8 | minor) as Linux's old encoding has it.
    pub rdev: u64,
    /// When it was last read, its contents last changed, and its inode last changed: seconds
    /// by the filesystem's clock (`disk::clock`). ext2 keeps whole seconds, and so do the others.
    pub atime: u64,
    pub mtime: u64,
    pub ctime: u64,
}

/// What statfs reports of a filesystem (Linux's `struct statfs`, in its own units).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct StatFs {
    /// The filesystem's magic number, as Linux's f_type gives it (linux/magic.h).
    pub magic: u64,
    pub block_size: u64,
    pub blocks: u64,
    pub free_blocks: u64,
    /// Free blocks a process other than root may use.
    pub available_blocks: u64,
    pub inodes: u64,
    pub free_inodes: u64,
    pub name_max: u64,
    /// Mounted read-only (ST_RDONLY).
    pub read_only: bool,
}

/// A new access or modification time, as utimensat asks for it: a time, or the time now.
/// (UTIME_OMIT is `None` where this is taken.)
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum NewTime {
    Now,
    At(u64),
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
    /// Hands the directory's entries to `each`, from `position` on (0 is the first, `.`; then
    /// `..`), each with the position after it, until `each` says stop (false) or the entries
    /// end. A position is the filesystem's own cookie (ext2's is a byte offset), which getdents
    /// keeps in the open file: listing a directory costs one pass over it, not one per entry.
    fn entries(&self, position: u64, each: &mut dyn FnMut(DirEntry, u64) -> bool) -> Result<(), Errno>;
    /// Changes the permission bits.
    fn set_mode(&self, mode: u32) -> Result<(), Errno>;
    /// A symbolic link's target (EINVAL for anything else).
    fn readlink(&self) -> Result<Vec<u8>, Errno>;
    /// A new entry `name` in this directory for `target` (a hard link), which is not a
    /// directory and belongs to the same filesystem (EXDEV otherwise, as link(2) says).
    fn link(&self, name: &[u8], target: &InodeRef) -> Result<(), Errno>;
    /// A new symbolic link `name` in this directory, whose target is the path `target`.
    fn symlink(&self, name: &[u8], target: &[u8]) -> Result<(), Errno>;
    /// Sets the access and modification times (None leaves one alone); the change time
    /// becomes now.
    fn set_times(&self, atime: Option<NewTime>, mtime: Option<NewTime>) -> Result<(), Errno>;
    /// The filesystem this inode belongs to, as statfs reports it.
    fn statfs(&self) -> Result<StatFs, Errno>;
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
/// filesystem, which is on nothing), and the path it was mounted at, for the monitor. The
/// device numbers of both are kept, so that questions about them never read a disk while the
/// table is locked.
struct Mount {
    on: Option<InodeRef>,
    on_dev: Option<u64>,
    root: InodeRef,
    dev: u64,
    filesystem: Arc<dyn FileSystem>,
    path: Vec<u8>,
}

static MOUNTS: SpinLock<Vec<Mount>> = SpinLock::new(Vec::new());

/// Mounts `filesystem` on the directory at absolute `at` ("/" for the root filesystem,
/// which must come first).
pub fn mount(filesystem: Arc<dyn FileSystem>, at: &[u8]) -> Result<(), Errno> {
    let on = if at == b"/" { None } else { Some(walk(&root()?, at)?) };
    mount_on(filesystem, on, at.to_vec())
}

/// Mounts `filesystem` on directory `on` (None: as the root), known by `path`. A directory
/// that is a mount point already, or the root of a mount, is EBUSY: Linux would stack the
/// new mount on the old, which Bramble does not.
pub fn mount_on(filesystem: Arc<dyn FileSystem>, on: Option<InodeRef>, path: Vec<u8>) -> Result<(), Errno> {
    if let Some(on) = &on {
        if on.metadata().kind != Kind::Directory {
            return Err(Errno::ENOTDIR);
        }
        if mounted_on(on).is_some() || covered_by(on).is_some() || root().is_ok_and(|root| same(&root, on)) {
            return Err(Errno::EBUSY);
        }
    }
    let root = filesystem.root();
    let (dev, on_dev) = (root.metadata().dev, on.as_ref().map(|on| on.metadata().dev));
    MOUNTS.lock().push(Mount { on, on_dev, root, dev, filesystem, path });
    Ok(())
}

/// Unmounts the filesystem whose root is `root`: EINVAL if no mount's root is that, EBUSY for
/// the root filesystem, or one with another mounted inside it, or one `in_use` says a process
/// holds (an open file, a working directory: the caller looks, it knows the processes). A
/// filesystem mounted in two places (the card's ext2) stays while one is left, so neither
/// question matters then: nothing a process holds goes away.
pub fn unmount(root: &InodeRef, in_use: impl FnOnce(u64) -> bool) -> Result<(), Errno> {
    let dev = root.metadata().dev;
    let (is_root, nested, elsewhere) = {
        let mounts = MOUNTS.lock();
        let mount = mounts.iter().find(|mount| same(&mount.root, root)).ok_or(Errno::EINVAL)?;
        let nested = mounts.iter().any(|mount| mount.on_dev == Some(dev));
        let elsewhere = mounts.iter().filter(|mount| mount.dev == dev).count() > 1;
        (mount.on.is_none(), nested, elsewhere)
    };
    // Processes are looked at without the table's lock held: their lock is taken first
    // elsewhere (a process walking a path takes the mount table's).
    if is_root || (!elsewhere && (nested || in_use(dev))) {
        return Err(Errno::EBUSY);
    }
    let gone = {
        let mut mounts = MOUNTS.lock();
        let index = mounts.iter().position(|mount| same(&mount.root, root)).ok_or(Errno::EINVAL)?;
        mounts.remove(index)
    };
    // The filesystem and its root go here, with the table's lock released: ext2's inodes
    // release themselves on the disk as they drop.
    drop(gone);
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
        each(&mount.path, mount.filesystem.name());
    }
}
// ANCHOR_END: mounts

// ANCHOR: walk
/// The most symbolic links one walk follows: past it, the walk fails with ELOOP (Linux's
/// MAXSYMLINKS), which is also what ends a loop of links.
pub const MAX_LINKS: usize = 40;

/// Whether the walk follows a symbolic link that is the path's last component. Those before
/// it are always followed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Last {
    Follow,
    /// The link itself: lstat, readlink, unlink, rename, O_NOFOLLOW, AT_SYMLINK_NOFOLLOW.
    NoFollow,
}

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

/// Where a walk of `path` from `start` begins: the root for an absolute path.
fn beginning(start: &InodeRef, path: &[u8]) -> Result<InodeRef, Errno> {
    if path.starts_with(b"/") { root() } else { Ok(start.clone()) }
}

// ANCHOR: follow
/// Walks `names` from directory `from`, following symbolic links: a link's target takes the
/// link's place among the names still to walk, and starts again from the root if absolute,
/// else from the directory holding the link. The last name's link is followed only with
/// `Last::Follow`. With a `trail` (the names of the absolute path of `from`), the walk keeps
/// it the path of where it is: what getcwd reports after a chdir through links.
fn walk_names(from: InodeRef, names: &[&[u8]], last: Last, mut trail: Option<&mut Vec<Vec<u8>>>) -> Result<InodeRef, Errno> {
    // The names still to walk, the next one at the end.
    let mut pending: Vec<Vec<u8>> = names.iter().rev().map(|name| name.to_vec()).collect();
    let mut inode = from;
    let mut links = 0;
    while let Some(name) = pending.pop() {
        let found = step(&inode, &name)?;
        let is_last = pending.is_empty();
        if found.metadata().kind != Kind::Symlink || (is_last && last == Last::NoFollow) {
            if let Some(trail) = trail.as_deref_mut() {
                match &name[..] {
                    b"." => {}
                    b".." => {
                        trail.pop();
                    }
                    _ => trail.push(name),
                }
            }
            inode = found;
            continue;
        }
        links += 1;
        if links > MAX_LINKS {
            return Err(Errno::ELOOP);
        }
        let target = found.readlink()?;
        if target.is_empty() {
            return Err(Errno::ENOENT);
        }
        if target.starts_with(b"/") {
            inode = root()?;
            if let Some(trail) = trail.as_deref_mut() {
                trail.clear();
            }
        }
        pending.extend(path::components(&target)?.iter().rev().map(|name| name.to_vec()));
    }
    Ok(inode)
}
// ANCHOR_END: follow

fn check_length(path: &[u8]) -> Result<(), Errno> {
    if path.is_empty() {
        return Err(Errno::ENOENT);
    }
    if path.len() >= PATH_MAX {
        return Err(Errno::ENAMETOOLONG);
    }
    Ok(())
}

/// The inode at `path`, from directory `start` (ignored for an absolute path), following
/// every symbolic link on the way, the last one too.
pub fn walk(start: &InodeRef, path: &[u8]) -> Result<InodeRef, Errno> {
    walk_to(start, path, Last::Follow)
}

/// The inode at `path`, the last component's link followed or not as `last` says. A path
/// ending in `/` follows it whatever `last` says, as Linux does: "link/" names a directory.
pub fn walk_to(start: &InodeRef, path: &[u8], last: Last) -> Result<InodeRef, Errno> {
    check_length(path)?;
    let last = if path.ends_with(b"/") { Last::Follow } else { last };
    let inode = walk_names(beginning(start, path)?, &path::components(path)?, last, None)?;
    // "file/" names a directory: Linux says ENOTDIR when it is not one.
    if path::ends_as_directory(path) && inode.metadata().kind != Kind::Directory {
        return Err(Errno::ENOTDIR);
    }
    Ok(inode)
}

/// The inode at `path` from directory `start`, whose absolute path is `start_path`, every link
/// followed; and the inode's own absolute path, with no link in it (getcwd's answer).
pub fn walk_named(start: &InodeRef, start_path: &[u8], path: &[u8]) -> Result<(InodeRef, Vec<u8>), Errno> {
    check_length(path)?;
    let from = if path.starts_with(b"/") { &b"/"[..] } else { start_path };
    let mut trail: Vec<Vec<u8>> = path::components(from)?.iter().map(|name| name.to_vec()).collect();
    let inode = walk_names(beginning(start, path)?, &path::components(path)?, Last::Follow, Some(&mut trail))?;
    if path::ends_as_directory(path) && inode.metadata().kind != Kind::Directory {
        return Err(Errno::ENOTDIR);
    }
    let mut named = Vec::new();
    for name in trail {
        named.push(b'/');
        named.extend_from_slice(&name);
    }
    if named.is_empty() {
        named.push(b'/');
    }
    Ok((inode, named))
}

/// The directory that would hold `path`, and the last component's name: what creating,
/// removing and renaming need (links on the way are followed; the last name is not looked
/// up). The name is never empty ("/" has no parent: EBUSY); it may be `.` or `..`, which are
/// EEXIST, EINVAL or ENOTEMPTY depending on the call, and the caller decides.
pub fn walk_parent<'p>(start: &InodeRef, path: &'p [u8]) -> Result<(InodeRef, &'p [u8]), Errno> {
    check_length(path)?;
    let names = path::components(path)?;
    let Some((&last, parents)) = names.split_last() else {
        return Err(Errno::EBUSY);
    };
    let inode = walk_names(beginning(start, path)?, parents, Last::Follow, None)?;
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
