//! tmpfs: a filesystem in memory: /tmp, and the root when the SD card cannot be mounted.
//! A file's bytes are a `Vec`, a directory's entries a `BTreeMap` from name to inode (so `ls` lists them sorted). Each
//! directory remembers its parent, for `..`; nothing is ever written anywhere else, so
//! everything is gone at the next boot.

use super::vfs::{DirEntry, FileSystem, Inode, InodeRef, Kind, Metadata, next_device};
use crate::errno::Errno;
use crate::spinlock::SpinLock;
use alloc::collections::BTreeMap;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::any::Any;

/// The largest file tmpfs keeps: EFBIG past it. Memory is what really limits it; this
/// keeps one runaway write from taking all of it.
const MAX_FILE: u64 = 16 << 20;

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
}

enum Data {
    File(Vec<u8>),
    Directory(BTreeMap<Vec<u8>, Arc<Node>>),
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
            state: SpinLock::new(State { mode, data: Data::Directory(BTreeMap::new()), parent: me.clone(), removed: false }),
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
    fn new_child(&self, kind: Kind, mode: u32) -> Arc<Node> {
        let ino = {
            let mut next = self.filesystem.next_ino.lock();
            *next += 1;
            *next - 1
        };
        let data = match kind {
            Kind::Directory => Data::Directory(BTreeMap::new()),
            _ => Data::File(Vec::new()),
        };
        Arc::new_cyclic(|me| Node {
            me: me.clone(),
            ino,
            filesystem: self.filesystem.clone(),
            state: SpinLock::new(State { mode: mode & 0o7777, data, parent: self.me.clone(), removed: false }),
        })
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
            Data::File(bytes) => (Kind::File, bytes.len() as u64, 1),
            // A directory's links: its entry in its parent, its own `.`, each child's `..`.
            Data::Directory(entries) => (Kind::Directory, 4096, 2 + entries.values().filter(|child| child.is_directory()).count() as u32),
        };
        Metadata { kind, mode: state.mode, size, links, ino: self.ino, dev: self.filesystem.dev, rdev: 0 }
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
        }
    }

    fn write_at(&self, offset: u64, bytes: &[u8]) -> Result<usize, Errno> {
        match &mut self.state.lock().data {
            Data::File(contents) => {
                let end = offset.checked_add(bytes.len() as u64).filter(|&end| end <= MAX_FILE).ok_or(Errno::EFBIG)? as usize;
                if contents.len() < end {
                    contents.resize(end, 0);
                }
                contents[offset as usize..end].copy_from_slice(bytes);
                Ok(bytes.len())
            }
            Data::Directory(_) => Err(Errno::EISDIR),
        }
    }

    fn truncate(&self, size: u64) -> Result<(), Errno> {
        match &mut self.state.lock().data {
            Data::File(contents) if size <= MAX_FILE => {
                contents.resize(size as usize, 0);
                Ok(())
            }
            Data::File(_) => Err(Errno::EFBIG),
            Data::Directory(_) => Err(Errno::EISDIR),
        }
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
        let child = self.new_child(kind, mode);
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
        entries.insert(name.to_vec(), child.clone());
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
        child.state.lock().removed = true;
        Ok(())
    }

    fn rename(&self, from: &[u8], target: &InodeRef, to: &[u8]) -> Result<(), Errno> {
        let target = target.as_any().downcast_ref::<Node>().ok_or(Errno::EXDEV)?;
        let target = target.me.upgrade().expect("a node in use is alive");
        let moving = match &self.state.lock().data {
            Data::Directory(entries) => entries.get(from).cloned().ok_or(Errno::ENOENT)?,
            Data::File(_) => return Err(Errno::ENOTDIR),
        };
        let replaced = match &target.state.lock().data {
            Data::Directory(entries) => entries.get(to).cloned(),
            Data::File(_) => return Err(Errno::ENOTDIR),
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
        if let Data::Directory(entries) = &mut self.state.lock().data {
            entries.remove(from);
        }
        if let Data::Directory(entries) = &mut target.state.lock().data {
            if let Some(old) = entries.insert(to.to_vec(), moving.clone()) {
                old.state.lock().removed = true;
            }
        }
        moving.state.lock().parent = Arc::downgrade(&target);
        Ok(())
    }

    fn entry(&self, index: usize) -> Result<Option<DirEntry>, Errno> {
        let state = self.state.lock();
        let Data::Directory(entries) = &state.data else {
            return Err(Errno::ENOTDIR);
        };
        Ok(match index {
            0 => Some(DirEntry { name: b".".to_vec(), ino: self.ino, kind: Kind::Directory }),
            1 => Some(DirEntry { name: b"..".to_vec(), ino: state.parent.upgrade().map_or(self.ino, |parent| parent.ino), kind: Kind::Directory }),
            _ => entries.iter().nth(index - 2).map(|(name, node)| DirEntry {
                name: name.clone(),
                ino: node.ino,
                kind: if node.is_directory() { Kind::Directory } else { Kind::File },
            }),
        })
    }

    fn set_mode(&self, mode: u32) -> Result<(), Errno> {
        self.state.lock().mode = mode & 0o7777;
        Ok(())
    }

    fn readlink(&self) -> Result<Vec<u8>, Errno> {
        // Nothing here is a symbolic link.
        Err(Errno::EINVAL)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
// ANCHOR_END: inode_impl
