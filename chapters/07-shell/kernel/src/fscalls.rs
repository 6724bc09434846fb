//! The system calls on whole filesystems, with Linux's numbers, layouts and errors: statfs
//! and fstatfs say how full one is; mount and umount2 put one in the tree and take it out.
//!
//! mount knows four filesystems by the names Linux gives them: "ext2" (the SD card's root
//! partition, the same files however often it is mounted), "tmpfs" (a new, empty one each
//! time), "devtmpfs" (devfs, which the monitor's `mounts` lists as "devfs", a name mount
//! takes too) and "proc" (procfs: every one shows the same processes).

use crate::errno::Errno;
use crate::filecalls::{self, AT_FDCWD};
use crate::fs::devfs::DevFs;
use crate::fs::ext2fs::Ext2Fs;
use crate::fs::procfs::ProcFs;
use crate::fs::file::Object;
use crate::fs::tmpfs::TmpFs;
use crate::fs::vfs::{self, FileSystem, InodeRef, Last, StatFs};
use crate::process;
use crate::space::UserSlice;
use alloc::sync::Arc;
use alloc::vec::Vec;

type Result = core::result::Result<u64, Errno>;

// ANCHOR: statfs
/// f_flags: the fields are valid (ST_VALID), and the filesystem is read-only (ST_RDONLY).
const ST_VALID: u64 = 0x20;
const ST_RDONLY: u64 = 0x01;
/// A pipe's filesystem, as fstatfs on a pipe reports it (linux/magic.h).
const PIPEFS_MAGIC: u64 = 0x5049_5045;

/// `struct statfs` as AArch64 Linux lays it out (asm-generic/statfs.h, every field a 64-bit
/// word but f_fsid, two 32-bit ones): 120 bytes.
fn statfs_bytes(fs: &StatFs, dev: u64) -> [u8; 120] {
    let mut bytes = [0u8; 120];
    let flags = ST_VALID | if fs.read_only { ST_RDONLY } else { 0 };
    let words = [fs.magic, fs.block_size, fs.blocks, fs.free_blocks, fs.available_blocks, fs.inodes, fs.free_inodes];
    for (index, word) in words.iter().enumerate() {
        bytes[index * 8..index * 8 + 8].copy_from_slice(&word.to_le_bytes());
    }
    bytes[56..60].copy_from_slice(&(dev as u32).to_le_bytes()); // f_fsid: the device number
    bytes[64..72].copy_from_slice(&fs.name_max.to_le_bytes()); // f_namelen
    bytes[72..80].copy_from_slice(&fs.block_size.to_le_bytes()); // f_frsize
    bytes[80..88].copy_from_slice(&flags.to_le_bytes()); // f_flags; f_spare stays 0
    bytes
}

fn put_statfs(inode: &InodeRef, buffer: u64) -> Result {
    let bytes = statfs_bytes(&inode.statfs()?, inode.metadata().dev);
    filecalls::with_space(|space| space.copy_out(UserSlice::new(buffer, bytes.len()), &bytes))?;
    Ok(0)
}

pub fn statfs(path: u64, buffer: u64) -> Result {
    let path = filecalls::user_path(path)?;
    let start = filecalls::start_dir(AT_FDCWD)?;
    put_statfs(&vfs::walk(&start.inode, &path)?, buffer)
}

pub fn fstatfs(fd: u64, buffer: u64) -> Result {
    match &filecalls::file(fd)?.object {
        Object::Inode(inode) => put_statfs(inode, buffer),
        Object::Pipe(_) => {
            let pipe = StatFs { magic: PIPEFS_MAGIC, block_size: 4096, blocks: 0, free_blocks: 0, available_blocks: 0, inodes: 0, free_inodes: 0, name_max: 255, read_only: false };
            let bytes = statfs_bytes(&pipe, 0);
            filecalls::with_space(|space| space.copy_out(UserSlice::new(buffer, bytes.len()), &bytes))?;
            Ok(0)
        }
    }
}
// ANCHOR_END: statfs

// ANCHOR: mount
/// mount's flags: the magic number old programs put in the top half (MS_MGC_VAL, ignored, as
/// Linux ignores it), and MS_SILENT, which only quiets the kernel's messages. Bramble
/// implements no other flag (read-only mounts, remounts, bind mounts): they are EINVAL.
const MS_MGC_MASK: u64 = 0xffff_0000;
const MS_MGC_VAL: u64 = 0xc0ed_0000;
const MS_SILENT: u64 = 0x8000;

/// The longest filesystem type name mount looks at: no type has a longer one.
const TYPE_MAX: usize = 64;

/// A new filesystem of the type called `name`: ENODEV for a type Bramble does not have, EIO
/// when the card cannot be mounted.
fn new_filesystem(name: &[u8]) -> core::result::Result<Arc<dyn FileSystem>, Errno> {
    Ok(match name {
        b"ext2" => Arc::new(Ext2Fs::mount().map_err(|_| Errno::EIO)?),
        b"tmpfs" => Arc::new(TmpFs::new(0o1777)),
        b"devtmpfs" | b"devfs" => Arc::new(DevFs::new()),
        b"proc" => Arc::new(ProcFs::new()),
        _ => return Err(Errno::ENODEV),
    })
}

/// mount(source, target, type, flags, data): the filesystem `type` on directory `target`.
/// `source` names the device, which only ext2 has, and Bramble only one: it is not looked at.
/// Errors come in Linux's order: the target first (ENOENT, ENOTDIR), then the flags (EINVAL),
/// then the type (ENODEV), then whether the target is free (EBUSY: Bramble does not stack
/// mounts). Everyone is root, so EPERM never comes.
pub fn mount(_source: u64, target: u64, kind: u64, flags: u64, _data: u64) -> Result {
    let target = filecalls::user_path(target)?;
    let cwd = process::with_current(|process| process.cwd.clone());
    let (on, named) = vfs::walk_named(&cwd.inode, &cwd.path, &target)?;
    let flags = if flags & MS_MGC_MASK == MS_MGC_VAL { flags & !MS_MGC_MASK } else { flags };
    if flags & !MS_SILENT != 0 {
        return Err(Errno::EINVAL);
    }
    let kind = filecalls::with_space(|space| space.copy_string(kind, TYPE_MAX, Errno::ENODEV))?;
    let filesystem = new_filesystem(&kind)?;
    vfs::mount_on(filesystem, Some(on), named)?;
    Ok(0)
}

/// umount2's flags (linux/fs.h): Bramble unmounts only at once and only what no one uses,
/// so MNT_FORCE changes nothing, and the lazy and expiring kinds are EINVAL.
const MNT_FORCE: u64 = 1;
const MNT_DETACH: u64 = 2;
const MNT_EXPIRE: u64 = 4;
const UMOUNT_NOFOLLOW: u64 = 8;

/// umount2(target, flags): takes the filesystem mounted at `target` out of the tree. EINVAL
/// if `target` is not where one is mounted, EBUSY if it is the root, holds another mount, or
/// a process has a file open or its working directory in it.
pub fn umount2(target: u64, flags: u64) -> Result {
    if flags & !(MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW) != 0 || flags & (MNT_DETACH | MNT_EXPIRE) != 0 {
        return Err(Errno::EINVAL);
    }
    let target = filecalls::user_path(target)?;
    let last = if flags & UMOUNT_NOFOLLOW != 0 { Last::NoFollow } else { Last::Follow };
    let start = filecalls::start_dir(AT_FDCWD)?;
    let root = vfs::walk_to(&start.inode, &target, last)?;
    vfs::unmount(&root, in_use)?;
    Ok(0)
}

/// Whether a process has its working directory or an open file in the filesystem `dev`.
fn in_use(dev: u64) -> bool {
    // The inodes are gathered under the process table's lock and asked outside it: asking an
    // ext2 inode reads the disk.
    let mut held: Vec<InodeRef> = Vec::new();
    process::list(|process| {
        held.push(process.cwd.inode.clone());
        held.extend(process.files.open_files().filter_map(|file| match &file.object {
            Object::Inode(inode) => Some(inode.clone()),
            Object::Pipe(_) => None,
        }));
    });
    held.iter().any(|inode| inode.metadata().dev == dev)
}
// ANCHOR_END: mount
