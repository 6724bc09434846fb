//! devfs, mounted on /dev: a fixed directory of character devices. Each device is an
//! inode whose reads and writes go to a driver rather than to stored bytes: the console
//! and `tty` to the line discipline (tty.rs), `null` and `zero` nowhere.

use super::tmpfs::TMPFS_MAGIC;
use super::vfs::{DirEntry, FileSystem, Inode, InodeRef, Kind, Metadata, NewTime, StatFs, next_device};
use crate::errno::Errno;
use crate::tty;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::any::Any;

// ANCHOR: devices
/// The devices, with Linux's numbers (Documentation/admin-guide/devices.txt).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Device {
    /// 5:1, the system console: the serial port, through the line discipline.
    Console,
    /// 5:0, the caller's controlling terminal: every process's is the console.
    Tty,
    /// 1:3, reads nothing, swallows every write.
    Null,
    /// 1:5, reads zeros, swallows every write.
    Zero,
}

const DEVICES: [(&[u8], Device); 4] = [(b"console", Device::Console), (b"null", Device::Null), (b"tty", Device::Tty), (b"zero", Device::Zero)];

impl Device {
    /// (major << 8 | minor), the encoding st_rdev has for numbers this small.
    pub fn number(self) -> u64 {
        match self {
            Device::Console => 5 << 8 | 1,
            Device::Tty => 5 << 8,
            Device::Null => 1 << 8 | 3,
            Device::Zero => 1 << 8 | 5,
        }
    }

    /// Whether the device is a terminal (answers the tty ioctls).
    pub fn is_terminal(self) -> bool {
        matches!(self, Device::Console | Device::Tty)
    }
}
// ANCHOR_END: devices

/// A device's inode.
pub struct DeviceNode {
    device: Device,
    ino: u64,
    dev: u64,
}

/// The /dev directory itself.
pub struct DevDirectory {
    dev: u64,
    nodes: Vec<(&'static [u8], Arc<DeviceNode>)>,
}

pub struct DevFs {
    root: Arc<DevDirectory>,
}

impl DevFs {
    pub fn new() -> DevFs {
        let dev = next_device();
        let nodes = DEVICES.iter().enumerate().map(|(index, &(name, device))| (name, Arc::new(DeviceNode { device, ino: index as u64 + 2, dev }))).collect();
        DevFs { root: Arc::new(DevDirectory { dev, nodes }) }
    }
}

impl FileSystem for DevFs {
    fn root(&self) -> InodeRef {
        self.root.clone()
    }

    fn name(&self) -> &'static str {
        "devfs"
    }
}

/// The device behind `inode`, if it is one of devfs's.
pub fn device(inode: &InodeRef) -> Option<Device> {
    inode.as_any().downcast_ref::<DeviceNode>().map(|node| node.device)
}

// ANCHOR: device_io
impl Inode for DeviceNode {
    fn metadata(&self) -> Metadata {
        Metadata { kind: Kind::CharDevice, mode: 0o666, size: 0, blocks: 0, links: 1, ino: self.ino, dev: self.dev, rdev: self.device.number(), atime: 0, mtime: 0, ctime: 0 }
    }

    fn read_at(&self, _offset: u64, buffer: &mut [u8]) -> Result<usize, Errno> {
        match self.device {
            Device::Console | Device::Tty => tty::read(buffer, false),
            Device::Null => Ok(0),
            Device::Zero => {
                buffer.fill(0);
                Ok(buffer.len())
            }
        }
    }

    fn write_at(&self, _offset: u64, bytes: &[u8]) -> Result<usize, Errno> {
        if self.device.is_terminal() {
            tty::write(bytes);
        }
        Ok(bytes.len())
    }

    /// O_TRUNC on a device does nothing, as on Linux.
    fn truncate(&self, _size: u64) -> Result<(), Errno> {
        Ok(())
    }

    fn lookup(&self, _name: &[u8]) -> Result<InodeRef, Errno> {
        Err(Errno::ENOTDIR)
    }

    fn create(&self, _name: &[u8], _kind: Kind, _mode: u32) -> Result<InodeRef, Errno> {
        Err(Errno::ENOTDIR)
    }

    fn unlink(&self, _name: &[u8], _directory: bool) -> Result<(), Errno> {
        Err(Errno::ENOTDIR)
    }

    fn rename(&self, _from: &[u8], _target: &InodeRef, _to: &[u8]) -> Result<(), Errno> {
        Err(Errno::ENOTDIR)
    }

    fn entries(&self, _position: u64, _each: &mut dyn FnMut(DirEntry, u64) -> bool) -> Result<(), Errno> {
        Err(Errno::ENOTDIR)
    }

    fn set_mode(&self, _mode: u32) -> Result<(), Errno> {
        Err(Errno::EPERM)
    }

    fn readlink(&self) -> Result<Vec<u8>, Errno> {
        // Nothing here is a symbolic link.
        Err(Errno::EINVAL)
    }

    fn link(&self, _name: &[u8], _target: &InodeRef) -> Result<(), Errno> {
        Err(Errno::ENOTDIR)
    }

    fn symlink(&self, _name: &[u8], _target: &[u8]) -> Result<(), Errno> {
        Err(Errno::ENOTDIR)
    }

    /// devfs keeps no times (they read as 0): it refuses to set them, as it refuses chmod.
    fn set_times(&self, _atime: Option<NewTime>, _mtime: Option<NewTime>) -> Result<(), Errno> {
        Err(Errno::EPERM)
    }

    fn statfs(&self) -> Result<StatFs, Errno> {
        Ok(statfs())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
// ANCHOR_END: device_io

/// devfs as statfs reports it: Linux's devtmpfs is a tmpfs, and says so in f_type; devfs
/// holds no bytes, so it has no blocks to count.
fn statfs() -> StatFs {
    StatFs { magic: TMPFS_MAGIC, block_size: 4096, blocks: 0, free_blocks: 0, available_blocks: 0, inodes: 0, free_inodes: 0, name_max: 255, read_only: false }
}

/// /dev: its entries are fixed; it takes no new ones (EPERM, as a read-only place would).
impl Inode for DevDirectory {
    fn metadata(&self) -> Metadata {
        Metadata { kind: Kind::Directory, mode: 0o755, size: 0, blocks: 0, links: 2, ino: 1, dev: self.dev, rdev: 0, atime: 0, mtime: 0, ctime: 0 }
    }

    fn read_at(&self, _offset: u64, _buffer: &mut [u8]) -> Result<usize, Errno> {
        Err(Errno::EISDIR)
    }

    fn write_at(&self, _offset: u64, _bytes: &[u8]) -> Result<usize, Errno> {
        Err(Errno::EISDIR)
    }

    fn truncate(&self, _size: u64) -> Result<(), Errno> {
        Err(Errno::EISDIR)
    }

    fn lookup(&self, name: &[u8]) -> Result<InodeRef, Errno> {
        // `..` at devfs's root: the walk never asks (it goes to the mount point instead).
        self.nodes.iter().find(|(entry, _)| *entry == name).map(|(_, node)| node.clone() as InodeRef).ok_or(Errno::ENOENT)
    }

    fn create(&self, _name: &[u8], _kind: Kind, _mode: u32) -> Result<InodeRef, Errno> {
        Err(Errno::EPERM)
    }

    fn unlink(&self, name: &[u8], _directory: bool) -> Result<(), Errno> {
        self.lookup(name)?;
        Err(Errno::EPERM)
    }

    fn rename(&self, _from: &[u8], _target: &InodeRef, _to: &[u8]) -> Result<(), Errno> {
        Err(Errno::EPERM)
    }

    fn entries(&self, position: u64, each: &mut dyn FnMut(DirEntry, u64) -> bool) -> Result<(), Errno> {
        // A position counts entries: `.`, `..`, then the devices.
        let dots = [(&b"."[..], 1, Kind::Directory), (&b".."[..], 1, Kind::Directory)];
        let devices = self.nodes.iter().map(|(name, node)| (*name, node.ino, Kind::CharDevice));
        for (index, (name, ino, kind)) in dots.into_iter().chain(devices).enumerate().skip(position as usize) {
            if !each(DirEntry { name: name.to_vec(), ino, kind }, index as u64 + 1) {
                break;
            }
        }
        Ok(())
    }

    fn set_mode(&self, _mode: u32) -> Result<(), Errno> {
        Err(Errno::EPERM)
    }

    fn readlink(&self) -> Result<Vec<u8>, Errno> {
        // Nothing here is a symbolic link.
        Err(Errno::EINVAL)
    }

    fn link(&self, name: &[u8], _target: &InodeRef) -> Result<(), Errno> {
        if self.lookup(name).is_ok() {
            return Err(Errno::EEXIST);
        }
        Err(Errno::EPERM)
    }

    fn symlink(&self, name: &[u8], _target: &[u8]) -> Result<(), Errno> {
        if self.lookup(name).is_ok() {
            return Err(Errno::EEXIST);
        }
        Err(Errno::EPERM)
    }

    fn set_times(&self, _atime: Option<NewTime>, _mtime: Option<NewTime>) -> Result<(), Errno> {
        Err(Errno::EPERM)
    }

    fn statfs(&self) -> Result<StatFs, Errno> {
        Ok(statfs())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
