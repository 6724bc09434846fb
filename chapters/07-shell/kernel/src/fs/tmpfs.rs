//! tmpfs: a filesystem in memory: /tmp, and the root when the SD card cannot be mounted.
//! A file's bytes are a `Vec`, a directory's entries a `BTreeMap` from name to inode (so `ls` lists them sorted), a
//! symbolic link's target a `Vec` too. Each directory remembers its parent, for `..`; a file
//! may have several names (hard links) and counts them. Nothing is ever written anywhere
//! else, so everything is gone at the next boot.

use super::vfs::{DirEntry, FileSystem, Inode, InodeRef, Kind, Metadata, NewTime, StatFs, next_device};
use crate::errno::Errno;
use crate::spinlock::SpinLock;
use alloc::collections::BTreeMap;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::any::Any;

/// The largest file tmpfs keeps: EFBIG past it. Memory is what really limits it; this
/// keeps one runaway write from taking all of it.
const MAX_FILE: u64 = 16 << 20;
/// Linux's f_type for tmpfs (linux/magic.h); devtmpfs reports it too.
pub const TMPFS_MAGIC: u64 = 0x0102_1994;

// ANCHOR: node
/// One file or directory.
pub struct Node {
    /// Itself, for handing out references (a directory becomes its children's parent).
    me: Weak<Node>,
    ino: u64,
    filesystem: Arc<Shared>,
    state: SpinLock<State>,
}

struct State {
    mode: u32,
    data: Data,
    /// The directory holding this one (itself for the root): where `..` leads.
    parent: Weak<Node>,
    /// Removed from its directory: a removed directory takes no new entries.
    removed: bool,
    /// The names a file or link has (its hard links); a directory counts its links from its entries.
    names: u32,
    /// Last read, contents last changed, inode last changed (`disk::clock`).
    times: Times,
}

#[derive(Clone, Copy)]
struct Times {
    atime: u64,
    mtime: u64,
    ctime: u64,
}

impl Times {
    fn now() -> Times {
        let now = crate::disk::clock();
        Times { atime: now, mtime: now, ctime: now }
    }

    /// The contents changed: new bytes, or a new or removed entry.
    fn modified(&mut self) {
        let now = crate::disk::clock();
        self.mtime = now;
        self.ctime = now;
    }
}

enum Data {
    File(Vec<u8>),
    Directory(BTreeMap<Vec<u8>, Arc<Node>>),
    Symlink(Vec<u8>),
}

/// What the nodes of one tmpfs share: its device number and the next inode number.
struct Shared {
    dev: u64,
    next_ino: SpinLock<u64>,
}
// ANCHOR_END: node

pub struct TmpFs {
    root: Arc<Node>,
}

impl TmpFs {
    /// An empty tmpfs: a root directory with permissions `mode`.
    pub fn new(mode: u32) -> TmpFs {
        let filesystem = Arc::new(Shared { dev: next_device(), next_ino: SpinLock::new(2) });
        let root = Arc::new_cyclic(|me: &Weak<Node>| Node {
            me: me.clone(),
            ino: 1,
            filesystem,
            state: SpinLock::new(State { mode, data: Data::Directory(BTreeMap::new()), parent: me.clone(), removed: false, names: 1, times: Times::now() }),
        });
        TmpFs { root }
    }
}

impl FileSystem for TmpFs {
    fn root(&self) -> InodeRef {
        self.root.clone()
    }

    fn name(&self) -> &'static str {
        "tmpfs"
    }
}

impl Node {
    fn new_child(&self, data: Data, mode: u32) -> Arc<Node> {
        let ino = {
            let mut next = self.filesystem.next_ino.lock();
            *next += 1;
            *next - 1
        };
        Arc::new_cyclic(|me| Node {
            me: me.clone(),
            ino,
            filesystem: self.filesystem.clone(),
            state: SpinLock::new(State { mode: mode & 0o7777, data, parent: self.me.clone(), removed: false, names: 1, times: Times::now() }),
        })
    }

    /// Puts `child` in this directory as `name`: EEXIST if the name is taken, ENOENT if this
    /// directory was removed, ENOTDIR if this is no directory.
    fn add(&self, name: &[u8], child: Arc<Node>) -> Result<(), Errno> {
        let mut state = self.state.lock();
        if state.removed {
            return Err(Errno::ENOENT);
        }
        let Data::Directory(entries) = &mut state.data else {
            return Err(Errno::ENOTDIR);
        };
        if entries.contains_key(name) {
            return Err(Errno::EEXIST);
        }
        entries.insert(name.to_vec(), child);
        state.times.modified();
        Ok(())
    }

    /// `node` lost one of its names: a directory is gone, a file has a name fewer.
    fn forget(node: &Node) {
        let mut state = node.state.lock();
        match state.data {
            Data::Directory(_) => state.removed = true,
            _ => state.names = state.names.saturating_sub(1),
        }
        state.times.ctime = crate::disk::clock();
    }

    fn kind(&self) -> Kind {
        match self.state.lock().data {
            Data::File(_) => Kind::File,
            Data::Directory(_) => Kind::Directory,
            Data::Symlink(_) => Kind::Symlink,
        }
    }

    fn is_directory(&self) -> bool {
        matches!(self.state.lock().data, Data::Directory(_))
    }

    fn is_empty_directory(&self) -> bool {
        matches!(&self.state.lock().data, Data::Directory(entries) if entries.is_empty())
    }

    /// Whether `self` is `other` or one of its ancestors: a directory cannot move under itself.
    fn encloses(&self, other: &Arc<Node>) -> bool {
        let mut at = other.clone();
        loop {
            if at.ino == self.ino {
                return true;
            }
            let parent = at.state.lock().parent.upgrade();
            match parent {
                Some(parent) if parent.ino != at.ino => at = parent,
                _ => return false,
            }
        }
    }
}

// ANCHOR: inode_impl
impl Inode for Node {
    fn metadata(&self) -> Metadata {
        let state = self.state.lock();
        let (kind, size, links) = match &state.data {
            Data::File(bytes) => (Kind::File, bytes.len() as u64, state.names),
            // A directory's links: its entry in its parent, its own `.`, each child's `..`.
            Data::Directory(entries) => (Kind::Directory, 4096, 2 + entries.values().filter(|child| child.is_directory()).count() as u32),
            Data::Symlink(target) => (Kind::Symlink, target.len() as u64, state.names),
        };
        let Times { atime, mtime, ctime } = state.times;
        // A tmpfs file takes whole pages of memory, as Linux's does.
        let blocks = if kind == Kind::File { size.div_ceil(4096) * 8 } else { 0 };
        Metadata { kind, mode: state.mode, size, blocks, links, ino: self.ino, dev: self.filesystem.dev, rdev: 0, atime, mtime, ctime }
    }

    fn read_at(&self, offset: u64, buffer: &mut [u8]) -> Result<usize, Errno> {
        match &self.state.lock().data {
            Data::File(bytes) => {
                let start = (offset as usize).min(bytes.len());
                let len = buffer.len().min(bytes.len() - start);
                buffer[..len].copy_from_slice(&bytes[start..start + len]);
                Ok(len)
            }
            Data::Directory(_) => Err(Errno::EISDIR),
            Data::Symlink(_) => Err(Errno::EINVAL),
        }
    }

    fn write_at(&self, offset: u64, bytes: &[u8]) -> Result<usize, Errno> {
        let mut state = self.state.lock();
        match &mut state.data {
            Data::File(contents) => {
                let end = offset.checked_add(bytes.len() as u64).filter(|&end| end <= MAX_FILE).ok_or(Errno::EFBIG)? as usize;
                if contents.len() < end {
                    contents.resize(end, 0);
                }
                contents[offset as usize..end].copy_from_slice(bytes);
            }
            Data::Directory(_) => return Err(Errno::EISDIR),
            Data::Symlink(_) => return Err(Errno::EINVAL),
        }
        state.times.modified();
        Ok(bytes.len())
    }

    fn truncate(&self, size: u64) -> Result<(), Errno> {
        let mut state = self.state.lock();
        match &mut state.data {
            Data::File(contents) if size <= MAX_FILE => contents.resize(size as usize, 0),
            Data::File(_) => return Err(Errno::EFBIG),
            Data::Directory(_) => return Err(Errno::EISDIR),
            Data::Symlink(_) => return Err(Errno::EINVAL),
        }
        state.times.modified();
        Ok(())
    }

    fn lookup(&self, name: &[u8]) -> Result<InodeRef, Errno> {
        let state = self.state.lock();
        let Data::Directory(entries) = &state.data else {
            return Err(Errno::ENOTDIR);
        };
        if name == b".." {
            return Ok(state.parent.upgrade().unwrap_or_else(|| self.me.upgrade().expect("a node in use is alive")));
        }
        entries.get(name).map(|node| node.clone() as InodeRef).ok_or(Errno::ENOENT)
    }

    fn create(&self, name: &[u8], kind: Kind, mode: u32) -> Result<InodeRef, Errno> {
        let data = match kind {
            Kind::File => Data::File(Vec::new()),
            Kind::Directory => Data::Directory(BTreeMap::new()),
            // Devices live in devfs; links are made by `symlink`.
            Kind::CharDevice | Kind::Symlink => return Err(Errno::EPERM),
        };
        let child = self.new_child(data, mode);
        self.add(name, child.clone())?;
        Ok(child)
    }

    fn unlink(&self, name: &[u8], directory: bool) -> Result<(), Errno> {
        let mut state = self.state.lock();
        let Data::Directory(entries) = &mut state.data else {
            return Err(Errno::ENOTDIR);
        };
        let child = entries.get(name).ok_or(Errno::ENOENT)?;
        match (directory, child.is_directory()) {
            (true, false) => return Err(Errno::ENOTDIR),
            (false, true) => return Err(Errno::EISDIR),
            (true, true) if !child.is_empty_directory() => return Err(Errno::ENOTEMPTY),
            _ => {}
        }
        let child = entries.remove(name).expect("the entry was just found");
        state.times.modified();
        drop(state);
        Node::forget(&child);
        Ok(())
    }

    fn rename(&self, from: &[u8], target: &InodeRef, to: &[u8]) -> Result<(), Errno> {
        let target = target.as_any().downcast_ref::<Node>().ok_or(Errno::EXDEV)?;
        let target = target.me.upgrade().expect("a node in use is alive");
        let moving = match &self.state.lock().data {
            Data::Directory(entries) => entries.get(from).cloned().ok_or(Errno::ENOENT)?,
            _ => return Err(Errno::ENOTDIR),
        };
        let replaced = match &target.state.lock().data {
            Data::Directory(entries) => entries.get(to).cloned(),
            _ => return Err(Errno::ENOTDIR),
        };
        if let Some(replaced) = &replaced {
            if replaced.ino == moving.ino {
                return Ok(());
            }
            match (moving.is_directory(), replaced.is_directory()) {
                (true, false) => return Err(Errno::ENOTDIR),
                (false, true) => return Err(Errno::EISDIR),
                (true, true) if !replaced.is_empty_directory() => return Err(Errno::ENOTEMPTY),
                _ => {}
            }
        }
        if moving.is_directory() && moving.encloses(&target) {
            return Err(Errno::EINVAL);
        }
        // Take the entry out, then put it in: the two directories may be one, whose lock
        // must not be held twice.
        {
            let mut state = self.state.lock();
            if let Data::Directory(entries) = &mut state.data {
                entries.remove(from);
            }
            state.times.modified();
        }
        let old = {
            let mut state = target.state.lock();
            state.times.modified();
            match &mut state.data {
                Data::Directory(entries) => entries.insert(to.to_vec(), moving.clone()),
                _ => None,
            }
        };
        if let Some(old) = old {
            Node::forget(&old);
        }
        let mut state = moving.state.lock();
        state.parent = Arc::downgrade(&target);
        state.times.ctime = crate::disk::clock();
        Ok(())
    }

    fn entries(&self, position: u64, each: &mut dyn FnMut(DirEntry, u64) -> bool) -> Result<(), Errno> {
        // A position counts entries: `.`, `..`, then the names in order. The entries are
        // copied first, so that `each` runs without the directory's lock.
        let (listed, parent) = {
            let state = self.state.lock();
            let Data::Directory(entries) = &state.data else {
                return Err(Errno::ENOTDIR);
            };
            let skip = (position as usize).saturating_sub(2);
            let listed: Vec<(Vec<u8>, Arc<Node>)> = entries.iter().skip(skip).map(|(name, node)| (name.clone(), node.clone())).collect();
            (listed, state.parent.upgrade().map_or(self.ino, |parent| parent.ino))
        };
        let dots = [(b".".to_vec(), self.ino), (b"..".to_vec(), parent)];
        for (index, (name, ino)) in dots.into_iter().enumerate().skip(position as usize) {
            if !each(DirEntry { name, ino, kind: Kind::Directory }, index as u64 + 1) {
                return Ok(());
            }
        }
        let first = position.max(2);
        for (offset, (name, node)) in listed.into_iter().enumerate() {
            if !each(DirEntry { name, ino: node.ino, kind: node.kind() }, first + offset as u64 + 1) {
                break;
            }
        }
        Ok(())
    }

    fn set_mode(&self, mode: u32) -> Result<(), Errno> {
        let mut state = self.state.lock();
        state.mode = mode & 0o7777;
        state.times.ctime = crate::disk::clock();
        Ok(())
    }

    fn readlink(&self) -> Result<Vec<u8>, Errno> {
        match &self.state.lock().data {
            Data::Symlink(target) => Ok(target.clone()),
            _ => Err(Errno::EINVAL),
        }
    }

    fn link(&self, name: &[u8], target: &InodeRef) -> Result<(), Errno> {
        let target = target.as_any().downcast_ref::<Node>().ok_or(Errno::EXDEV)?;
        if !Arc::ptr_eq(&target.filesystem, &self.filesystem) {
            return Err(Errno::EXDEV);
        }
        if target.is_directory() {
            return Err(Errno::EPERM);
        }
        let target = target.me.upgrade().expect("a node in use is alive");
        self.add(name, target.clone())?;
        let mut state = target.state.lock();
        state.names += 1;
        state.times.ctime = crate::disk::clock();
        Ok(())
    }

    fn symlink(&self, name: &[u8], target: &[u8]) -> Result<(), Errno> {
        if target.is_empty() {
            return Err(Errno::ENOENT);
        }
        // A link's permissions are always rwxrwxrwx: they are not what decides access.
        self.add(name, self.new_child(Data::Symlink(target.to_vec()), 0o777))
    }

    fn set_times(&self, atime: Option<NewTime>, mtime: Option<NewTime>) -> Result<(), Errno> {
        let now = crate::disk::clock();
        let seconds = |time: NewTime| match time {
            NewTime::Now => now,
            NewTime::At(seconds) => seconds,
        };
        let mut state = self.state.lock();
        if let Some(time) = atime {
            state.times.atime = seconds(time);
        }
        if let Some(time) = mtime {
            state.times.mtime = seconds(time);
        }
        state.times.ctime = now;
        Ok(())
    }

    fn statfs(&self) -> Result<StatFs, Errno> {
        // tmpfs is bounded by memory alone: its blocks are the machine's frames, and it has
        // no count of inodes to run out of (Linux reports 0 files for that).
        let (free, total) = crate::vm::frame_counts();
        let (free, total) = (free as u64, total as u64);
        Ok(StatFs { magic: TMPFS_MAGIC, block_size: 4096, blocks: total, free_blocks: free, available_blocks: free, inodes: 0, free_inodes: 0, name_max: 255, read_only: false })
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
// ANCHOR_END: inode_impl
