//! ext2 under the VFS: a thin adapter from chapter 05's [`Inode`] to the filesystem on the
//! SD card (ext2/, reached through disk.rs, which owns it). Each call takes the disk, does
//! one ext2 operation by inode number, and gives the disk back.
//!
//! Two things the VFS needs that ext2 does not give by itself:
//! - one object per file: the mount table and `vfs::same` tell inodes apart by their
//!   address, so a lookup of a file already in memory must return the same object. A map
//!   from inode number to a weak reference finds it.
//! - a removed file that is still open keeps its blocks: while an object for inode N
//!   lives, ext2 holds N (`Ext2::hold`), and its last unlink leaves it as an orphan; the
//!   object's drop releases it, which frees an orphan then.

use super::path::PATH_MAX;
use super::vfs::{DirEntry, FileSystem, Inode, InodeRef, Kind, Metadata, NewTime, StatFs, next_device};
use crate::disk::{self, Disk};
use crate::errno::Errno;
use crate::ext2::ROOT_INODE;
use crate::spinlock::SpinLock;
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::sync::{Arc, Weak};
use alloc::vec;
use alloc::vec::Vec;
use core::any::Any;

/// ext2's mode bits for the file's type (the top four of i_mode).
const MODE_TYPE: u16 = 0xF000;
const MODE_DIR: u16 = 0x4000;
const MODE_CHAR: u16 = 0x2000;
const MODE_SYMLINK: u16 = 0xA000;
/// A directory entry's file_type byte for a directory, a character device and a symbolic link.
const ENTRY_DIR: u8 = 2;
const ENTRY_CHAR: u8 = 3;
const ENTRY_SYMLINK: u8 = 7;

// ANCHOR: adapter
/// The card's ext2, mounted.
pub struct Ext2Fs {
    root: Arc<Ext2Inode>,
}

/// What every inode of the mount shares: its device number and the objects alive now.
struct Shared {
    dev: u64,
    alive: SpinLock<BTreeMap<u32, Weak<Ext2Inode>>>,
}

/// One file of the card, by its inode number.
pub struct Ext2Inode {
    number: u32,
    shared: Arc<Shared>,
}

/// Runs one ext2 operation on the mounted disk. The disk was mounted at boot; if that
/// failed there is no Ext2Fs, so a failure here is the card's: EIO.
fn on_disk<R>(work: impl FnOnce(&mut Disk) -> Result<R, Errno>) -> Result<R, Errno> {
    disk::with_disk(work).unwrap_or(Err(Errno::EIO))
}

/// Linux's f_type for ext2 (and ext3 and ext4): the superblock's magic (linux/magic.h).
pub const EXT2_SUPER_MAGIC: u64 = 0xEF53;

/// The card's device number, which every mount of it reports as st_dev: the same file seen
/// through two mounts is one file, as Linux's mounts of one device share its superblock.
static DEVICE: SpinLock<Option<u64>> = SpinLock::new(None);

impl Ext2Fs {
    /// Mounts the SD card's ext2 root partition (disk.rs finds it): a one-line reason if it
    /// cannot be. Each mount has objects of its own for the inodes (the mount table tells
    /// mounts apart by their roots' objects), all of one device.
    pub fn mount() -> Result<Ext2Fs, String> {
        disk::with_disk(|_| ())?;
        let dev = *DEVICE.lock().get_or_insert_with(next_device);
        let shared = Arc::new(Shared { dev, alive: SpinLock::new(BTreeMap::new()) });
        Ok(Ext2Fs { root: Ext2Inode::get(&shared, ROOT_INODE) })
    }
}

impl Ext2Inode {
    /// The one object for inode `number`: the live one, or a new one that ext2 now holds.
    fn get(shared: &Arc<Shared>, number: u32) -> Arc<Ext2Inode> {
        let mut alive = shared.alive.lock();
        if let Some(inode) = alive.get(&number).and_then(Weak::upgrade) {
            return inode;
        }
        let inode = Arc::new(Ext2Inode { number, shared: shared.clone() });
        alive.insert(number, Arc::downgrade(&inode));
        let _ = disk::with_disk(|disk| disk.fs.hold(number));
        inode
    }
}

impl Drop for Ext2Inode {
    fn drop(&mut self) {
        // Under the map's lock, so that a lookup of the same number cannot make a new object
        // between forgetting this one and releasing the inode.
        let mut alive = self.shared.alive.lock();
        if alive.get(&self.number).is_some_and(|weak| weak.strong_count() == 0) {
            alive.remove(&self.number);
        }
        // A card that fails now leaves at worst an orphan, which e2fsck would free.
        let _ = on_disk(|disk| disk.fs.release(self.number));
    }
}
// ANCHOR_END: adapter

impl FileSystem for Ext2Fs {
    fn root(&self) -> InodeRef {
        self.root.clone()
    }

    fn name(&self) -> &'static str {
        "ext2"
    }
}

fn kind_of_mode(mode: u16) -> Kind {
    match mode & MODE_TYPE {
        MODE_DIR => Kind::Directory,
        MODE_CHAR => Kind::CharDevice,
        MODE_SYMLINK => Kind::Symlink,
        _ => Kind::File,
    }
}

fn kind_of_entry(file_type: u8) -> Kind {
    match file_type {
        ENTRY_DIR => Kind::Directory,
        ENTRY_CHAR => Kind::CharDevice,
        ENTRY_SYMLINK => Kind::Symlink,
        _ => Kind::File,
    }
}

impl Ext2Inode {
    fn kind(&self) -> Result<Kind, Errno> {
        on_disk(|disk| disk.fs.stat(self.number)).map(|stat| kind_of_mode(stat.mode))
    }

    /// Reading and writing bytes is for regular files: a directory is EISDIR, anything
    /// else (a link's target is not its contents) EINVAL.
    fn check_file(&self) -> Result<(), Errno> {
        match self.kind()? {
            Kind::File => Ok(()),
            Kind::Directory => Err(Errno::EISDIR),
            _ => Err(Errno::EINVAL),
        }
    }
}

impl Inode for Ext2Inode {
    fn metadata(&self) -> Metadata {
        // A card that cannot be read shows the file as empty; reading it then says EIO.
        let stat = on_disk(|disk| disk.fs.stat(self.number)).ok();
        let mode = stat.map_or(0, |stat| stat.mode);
        Metadata {
            kind: kind_of_mode(mode),
            mode: u32::from(mode & 0o7777),
            size: stat.map_or(0, |stat| stat.size),
            blocks: stat.map_or(0, |stat| u64::from(stat.sectors)),
            links: stat.map_or(0, |stat| u32::from(stat.links)),
            ino: u64::from(self.number),
            dev: self.shared.dev,
            rdev: 0,
            atime: stat.map_or(0, |stat| u64::from(stat.atime)),
            mtime: stat.map_or(0, |stat| u64::from(stat.mtime)),
            ctime: stat.map_or(0, |stat| u64::from(stat.ctime)),
        }
    }

    fn read_at(&self, offset: u64, buffer: &mut [u8]) -> Result<usize, Errno> {
        self.check_file()?;
        on_disk(|disk| disk.fs.read(self.number, offset, buffer))
    }

    fn write_at(&self, offset: u64, bytes: &[u8]) -> Result<usize, Errno> {
        self.check_file()?;
        on_disk(|disk| disk.fs.write(self.number, offset, bytes))
    }

    fn truncate(&self, size: u64) -> Result<(), Errno> {
        self.check_file()?;
        on_disk(|disk| disk.fs.truncate(self.number, size))
    }

    fn lookup(&self, name: &[u8]) -> Result<InodeRef, Errno> {
        let number = on_disk(|disk| disk.fs.lookup(self.number, name))?;
        Ok(Ext2Inode::get(&self.shared, number))
    }

    fn create(&self, name: &[u8], kind: Kind, mode: u32) -> Result<InodeRef, Errno> {
        let permissions = (mode & 0o7777) as u16;
        let number = match kind {
            Kind::File => on_disk(|disk| disk.fs.create(self.number, name, permissions))?,
            Kind::Directory => on_disk(|disk| disk.fs.mkdir(self.number, name, permissions))?,
            // Devices live in devfs; links are made by `symlink`.
            Kind::CharDevice | Kind::Symlink => return Err(Errno::EPERM),
        };
        Ok(Ext2Inode::get(&self.shared, number))
    }

    fn unlink(&self, name: &[u8], directory: bool) -> Result<(), Errno> {
        if directory {
            on_disk(|disk| disk.fs.rmdir(self.number, name))
        } else {
            on_disk(|disk| disk.fs.unlink(self.number, name))
        }
    }

    fn rename(&self, from: &[u8], target: &InodeRef, to: &[u8]) -> Result<(), Errno> {
        let target = target.as_any().downcast_ref::<Ext2Inode>().ok_or(Errno::EXDEV)?;
        if !Arc::ptr_eq(&target.shared, &self.shared) {
            return Err(Errno::EXDEV);
        }
        on_disk(|disk| disk.fs.rename(self.number, from, target.number, to))
    }

    // ANCHOR: entries
    fn entries(&self, position: u64, each: &mut dyn FnMut(DirEntry, u64) -> bool) -> Result<(), Errno> {
        // A position is a byte offset in the directory, as in Linux's ext2: ext2 keeps `.` and
        // `..` as a directory's first two entries, as the VFS lists them, and the entry after
        // one starts where its record ends, so each step reads on from the last.
        let mut at = position;
        loop {
            let Some((entry, next)) = on_disk(|disk| disk.fs.read_dir(self.number, at))? else {
                return Ok(());
            };
            let entry = DirEntry { ino: u64::from(entry.inode), kind: kind_of_entry(entry.kind), name: entry.name };
            if !each(entry, next) {
                return Ok(());
            }
            at = next;
        }
    }
    // ANCHOR_END: entries

    fn set_mode(&self, mode: u32) -> Result<(), Errno> {
        on_disk(|disk| disk.fs.set_permissions(self.number, (mode & 0o7777) as u16))
    }

    fn readlink(&self) -> Result<Vec<u8>, Errno> {
        if self.kind()? != Kind::Symlink {
            return Err(Errno::EINVAL);
        }
        // ext2 keeps a link's target in at most one block; PATH_MAX bounds it as Linux does.
        let mut target = vec![0; PATH_MAX];
        let length = on_disk(|disk| disk.fs.readlink(self.number, &mut target))?;
        target.truncate(length);
        Ok(target)
    }

    fn link(&self, name: &[u8], target: &InodeRef) -> Result<(), Errno> {
        let target = target.as_any().downcast_ref::<Ext2Inode>().ok_or(Errno::EXDEV)?;
        if !Arc::ptr_eq(&target.shared, &self.shared) {
            return Err(Errno::EXDEV);
        }
        // ext2 makes no second name for a directory: EPERM, as link(2) says.
        on_disk(|disk| disk.fs.link(target.number, self.number, name))
    }

    fn symlink(&self, name: &[u8], target: &[u8]) -> Result<(), Errno> {
        on_disk(|disk| disk.fs.symlink(self.number, name, target)).map(|_| ())
    }

    fn set_times(&self, atime: Option<NewTime>, mtime: Option<NewTime>) -> Result<(), Errno> {
        on_disk(|disk| {
            let now = disk.now();
            // ext2 keeps seconds in 32 bits: a time past 2106 does not fit (Linux clamps it too).
            let seconds = |time: NewTime| match time {
                NewTime::Now => now,
                NewTime::At(seconds) => seconds.min(u64::from(u32::MAX)) as u32,
            };
            disk.fs.set_times(self.number, atime.map(seconds), mtime.map(seconds))
        })
    }

    fn statfs(&self) -> Result<StatFs, Errno> {
        on_disk(|disk| {
            let fs = disk.fs.statfs();
            Ok(StatFs {
                magic: EXT2_SUPER_MAGIC,
                block_size: u64::from(fs.block_size),
                blocks: u64::from(fs.blocks),
                free_blocks: u64::from(fs.free_blocks),
                available_blocks: u64::from(fs.available_blocks),
                inodes: u64::from(fs.inodes),
                free_inodes: u64::from(fs.free_inodes),
                name_max: u64::from(fs.name_max),
                read_only: disk.fs.is_read_only(),
            })
        })
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
