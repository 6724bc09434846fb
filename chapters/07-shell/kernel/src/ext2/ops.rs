//! What a filesystem does for the system calls: stat, read, write, truncate, create, mkdir,
//! unlink, rmdir, rename, link, symlink, readlink, utimens and statfs, in terms of inode
//! numbers, byte offsets and names. A VFS adapter maps its inodes and errors onto these one to
//! one; errors are Linux's errno values.
//!
//! Every change is written to the device before the call returns (through whatever cache
//! the device has); the superblock and group descriptors at the next `sync`.

use alloc::vec;

use super::dir::check_name;
use super::fs::Ext2;
use super::layout::*;
use crate::block::{BlockDevice, SECTOR};
use crate::errno::Errno;

/// Linux's ext2 allows 32,000 links to an inode (EXT2_LINK_MAX).
const LINK_MAX: u16 = 32000;
/// Without large_file, a file stays below 2 GiB.
const SMALL_FILE_MAX: u64 = (1 << 31) - 1;
/// An extended-attribute block starts with this magic and a reference count (ext_attr).
const ATTRIBUTE_MAGIC: u32 = 0xEA02_0000;
/// relatime: a read updates the access time only when it is older than the last change, or a day old.
const ATIME_INTERVAL: u32 = 24 * 60 * 60;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stat {
    pub inode: u32,
    pub mode: u16,
    pub links: u16,
    pub uid: u16,
    pub gid: u16,
    pub size: u64,
    /// 512-byte sectors in use (st_blocks).
    pub sectors: u32,
    pub atime: u32,
    pub mtime: u32,
    pub ctime: u32,
    pub block_size: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatFs {
    pub block_size: u32,
    pub blocks: u32,
    pub free_blocks: u32,
    /// Free blocks less those reserved for root.
    pub available_blocks: u32,
    pub inodes: u32,
    pub free_inodes: u32,
    pub name_max: u32,
}

impl<D: BlockDevice> Ext2<D> {
    fn writable(&self) -> Result<(), Errno> {
        if self.read_only { Err(Errno::EROFS) } else { Ok(()) }
    }

    pub fn stat(&mut self, number: u32) -> Result<Stat, Errno> {
        let inode = self.read_inode(number)?;
        Ok(Stat {
            inode: number,
            mode: inode.mode(),
            links: inode.links(),
            uid: inode.uid(),
            gid: inode.gid(),
            size: inode.size(),
            sectors: inode.sectors(),
            atime: inode.atime(),
            mtime: inode.mtime(),
            ctime: inode.ctime(),
            block_size: self.block_size as u32,
        })
    }

    pub fn statfs(&self) -> StatFs {
        let free = self.superblock.free_blocks();
        StatFs {
            block_size: self.block_size as u32,
            blocks: self.superblock.blocks_count(),
            free_blocks: free,
            available_blocks: free.saturating_sub(self.superblock.reserved_blocks()),
            inodes: self.superblock.inodes_count(),
            free_inodes: self.superblock.free_inodes(),
            name_max: super::dir::NAME_MAX as u32,
        }
    }

    // ---- File contents ----

    /// Reads from byte `offset` into `buffer`; returns how many bytes were read (0 at the end).
    /// Holes read as zeros.
    pub fn read(&mut self, number: u32, offset: u64, buffer: &mut [u8]) -> Result<usize, Errno> {
        let mut inode = self.read_inode(number)?;
        if inode.is_dir() {
            return Err(Errno::EISDIR);
        }
        let size = inode.size();
        if offset >= size {
            return Ok(0);
        }
        let total = buffer.len().min((size - offset) as usize);
        let bs = self.block_size as u64;
        let mut block = vec![0; self.block_size];
        let mut done = 0;
        while done < total {
            let at = offset + done as u64;
            let within = (at % bs) as usize;
            let count = (self.block_size - within).min(total - done);
            let disk = self.map(&inode, at / bs)?;
            if disk == 0 {
                buffer[done..done + count].fill(0);
            } else {
                self.read_block(disk, &mut block)?;
                buffer[done..done + count].copy_from_slice(&block[within..within + count]);
            }
            done += count;
        }
        let stale = inode.atime() < inode.mtime() || inode.atime() < inode.ctime() || self.now.saturating_sub(inode.atime()) >= ATIME_INTERVAL;
        if !self.read_only && stale {
            inode.set_atime(self.now);
            self.write_inode(number, &inode)?;
        }
        Ok(total)
    }

    // ANCHOR: ext2_write
    /// Writes `data` at byte `offset`, allocating blocks as needed; returns the bytes written.
    /// If the disk fills part-way, what fitted stays written and is counted; nothing fitted is ENOSPC.
    pub fn write(&mut self, number: u32, offset: u64, data: &[u8]) -> Result<usize, Errno> {
        self.writable()?;
        let mut inode = self.read_inode(number)?;
        if inode.is_dir() {
            return Err(Errno::EISDIR);
        }
        let end = offset.checked_add(data.len() as u64).ok_or(Errno::EFBIG)?;
        if end > self.max_file_size() {
            return Err(Errno::EFBIG);
        }
        let bs = self.block_size as u64;
        let mut block = vec![0; self.block_size];
        let mut done = 0;
        let mut failure = None;
        while done < data.len() {
            let at = offset + done as u64;
            let within = (at % bs) as usize;
            let count = (self.block_size - within).min(data.len() - done);
            let disk = match self.map_or_allocate(number, &mut inode, at / bs, count < self.block_size) {
                Ok(disk) => disk,
                Err(error) => {
                    failure = Some(error);
                    break;
                }
            };
            if count < self.block_size {
                self.read_block(disk, &mut block)?;
            }
            block[within..within + count].copy_from_slice(&data[done..done + count]);
            self.write_block(disk, &block)?;
            done += count;
        }
        if offset + done as u64 > inode.size() {
            inode.set_size(offset + done as u64);
        }
        if done > 0 {
            inode.set_mtime(self.now);
            inode.set_ctime(self.now);
        }
        self.write_inode(number, &inode)?;
        match failure {
            Some(error) if done == 0 => Err(error),
            _ => Ok(done),
        }
    }
    // ANCHOR_END: ext2_write

    fn max_file_size(&self) -> u64 {
        let by_map = self.max_blocks() * self.block_size as u64;
        let large = self.superblock.rev_level() == DYNAMIC_REV && self.superblock.feature_ro_compat() & RO_COMPAT_LARGE_FILE != 0;
        // i_blocks counts 512-byte sectors in 32 bits, which bounds a file too.
        let by_count = (u32::MAX as u64) * SECTOR as u64;
        let limit = by_map.min(by_count);
        if large { limit } else { limit.min(SMALL_FILE_MAX) }
    }

    /// Sets the file's size: shrinking frees the blocks past the end (and zeroes the rest of
    /// the last block, so that growing again reads zeros); growing leaves a hole.
    pub fn truncate(&mut self, number: u32, size: u64) -> Result<(), Errno> {
        self.writable()?;
        let mut inode = self.read_inode(number)?;
        match inode.kind() {
            MODE_FILE => {}
            MODE_DIR => return Err(Errno::EISDIR),
            _ => return Err(Errno::EINVAL),
        }
        if size > self.max_file_size() {
            return Err(Errno::EFBIG);
        }
        let bs = self.block_size as u64;
        if size < inode.size() {
            self.free_from(&mut inode, size.div_ceil(bs))?;
            let within = (size % bs) as usize;
            if within != 0 {
                let disk = self.map(&inode, size / bs)?;
                if disk != 0 {
                    let mut block = vec![0; self.block_size];
                    self.read_block(disk, &mut block)?;
                    block[within..].fill(0);
                    self.write_block(disk, &block)?;
                }
            }
        }
        inode.set_size(size);
        inode.set_mtime(self.now);
        inode.set_ctime(self.now);
        self.write_inode(number, &inode)
    }

    /// Changes the permission bits (chmod), keeping the file's type.
    pub fn set_permissions(&mut self, number: u32, permissions: u16) -> Result<(), Errno> {
        self.writable()?;
        let mut inode = self.read_inode(number)?;
        inode.set_mode((inode.mode() & MODE_TYPE) | (permissions & 0o7777));
        inode.set_ctime(self.now);
        self.write_inode(number, &inode)
    }

    /// Sets the access and modification times (None leaves one as it is); the change time becomes now.
    pub fn set_times(&mut self, number: u32, atime: Option<u32>, mtime: Option<u32>) -> Result<(), Errno> {
        self.writable()?;
        let mut inode = self.read_inode(number)?;
        if let Some(time) = atime {
            inode.set_atime(time);
        }
        if let Some(time) = mtime {
            inode.set_mtime(time);
        }
        inode.set_ctime(self.now);
        self.write_inode(number, &inode)
    }

    // ---- Names ----

    /// The directory's inode, checked writable and a directory, and that `name` is free in it.
    fn prepare_new_name(&mut self, directory: u32, name: &[u8]) -> Result<Inode, Errno> {
        self.writable()?;
        check_name(name)?;
        match self.lookup(directory, name) {
            Ok(_) => return Err(Errno::EEXIST),
            Err(Errno::ENOENT) => {}
            Err(error) => return Err(error),
        }
        self.read_inode(directory)
    }

    /// A new inode of this mode, with one link, written to the disk.
    fn new_inode(&mut self, directory: u32, mode: u16) -> Result<(u32, Inode), Errno> {
        let number = self.allocate_inode(mode & MODE_TYPE == MODE_DIR, directory)?;
        let mut inode = Inode::new(self.inode_size);
        inode.set_mode(mode);
        inode.set_links(1);
        inode.set_atime(self.now);
        inode.set_mtime(self.now);
        inode.set_ctime(self.now);
        self.write_inode(number, &inode)?;
        Ok((number, inode))
    }

    /// Creates an empty regular file `name` with permission bits `permissions`.
    pub fn create(&mut self, directory: u32, name: &[u8], permissions: u16) -> Result<u32, Errno> {
        let mut parent = self.prepare_new_name(directory, name)?;
        let mode = MODE_FILE | (permissions & 0o7777);
        let (number, _) = self.new_inode(directory, mode)?;
        let kind = self.type_byte(mode);
        if let Err(error) = self.add_entry(directory, &mut parent, name, number, kind) {
            self.free_whole_inode(number)?;
            return Err(error);
        }
        Ok(number)
    }

    pub fn mkdir(&mut self, directory: u32, name: &[u8], permissions: u16) -> Result<u32, Errno> {
        let mut parent = self.prepare_new_name(directory, name)?;
        if parent.links() >= LINK_MAX {
            return Err(Errno::EMLINK);
        }
        let mode = MODE_DIR | (permissions & 0o7777);
        let (number, mut inode) = self.new_inode(directory, mode)?;
        // "." links the directory to itself; its entry in the parent is the other link.
        inode.set_links(2);
        let first = match self.map_or_allocate(number, &mut inode, 0, false) {
            Ok(block) => block,
            Err(error) => {
                self.free_whole_inode(number)?;
                return Err(error);
            }
        };
        let contents = self.first_directory_block(number, directory);
        self.write_block(first, &contents)?;
        inode.set_size(self.block_size as u64);
        self.write_inode(number, &inode)?;
        if let Err(error) = self.add_entry(directory, &mut parent, name, number, self.type_byte(mode)) {
            self.free_whole_inode(number)?;
            return Err(error);
        }
        // The new directory's ".." is a link to the parent.
        parent.set_links(parent.links() + 1);
        self.write_inode(directory, &parent)?;
        Ok(number)
    }

    /// A symbolic link to `target`: kept in the inode itself if shorter than its 60 bytes of
    /// block pointers (a "fast" symlink), else in a block of its own.
    pub fn symlink(&mut self, directory: u32, name: &[u8], target: &[u8]) -> Result<u32, Errno> {
        if target.is_empty() {
            return Err(Errno::ENOENT);
        }
        if target.len() >= self.block_size {
            return Err(Errno::ENAMETOOLONG);
        }
        let mut parent = self.prepare_new_name(directory, name)?;
        let mode = MODE_SYMLINK | 0o777;
        let (number, mut inode) = self.new_inode(directory, mode)?;
        if target.len() < 4 * POINTERS {
            inode.pointer_bytes_mut()[..target.len()].copy_from_slice(target);
        } else {
            let block = match self.map_or_allocate(number, &mut inode, 0, false) {
                Ok(block) => block,
                Err(error) => {
                    self.free_whole_inode(number)?;
                    return Err(error);
                }
            };
            let mut contents = vec![0; self.block_size];
            contents[..target.len()].copy_from_slice(target);
            self.write_block(block, &contents)?;
        }
        inode.set_size(target.len() as u64);
        self.write_inode(number, &inode)?;
        if let Err(error) = self.add_entry(directory, &mut parent, name, number, self.type_byte(mode)) {
            self.free_whole_inode(number)?;
            return Err(error);
        }
        Ok(number)
    }

    /// A symlink's target, into `buffer`; returns its length (cut to the buffer, as readlink(2) does).
    pub fn readlink(&mut self, number: u32, buffer: &mut [u8]) -> Result<usize, Errno> {
        let inode = self.read_inode(number)?;
        if inode.kind() != MODE_SYMLINK {
            return Err(Errno::EINVAL);
        }
        let length = (inode.size() as usize).min(buffer.len());
        if self.is_fast_symlink(&inode) {
            if inode.size() as usize > 4 * POINTERS {
                return Err(Errno::EIO);
            }
            buffer[..length].copy_from_slice(&inode.pointer_bytes()[..length]);
            return Ok(length);
        }
        if inode.size() as usize > self.block_size {
            return Err(Errno::EIO);
        }
        let block = self.map(&inode, 0)?;
        if block == 0 {
            return Err(Errno::EIO);
        }
        let mut contents = vec![0; self.block_size];
        self.read_block(block, &mut contents)?;
        buffer[..length].copy_from_slice(&contents[..length]);
        Ok(length)
    }

    /// A fast symlink has no blocks of its own (an attribute block aside); its `i_block` is text.
    fn is_fast_symlink(&self, inode: &Inode) -> bool {
        let attribute_sectors = if inode.attribute_block() != 0 { (self.block_size / SECTOR) as u32 } else { 0 };
        inode.kind() == MODE_SYMLINK && inode.sectors() == attribute_sectors
    }

    /// A new name `name` in `directory` for the (non-directory) inode `number`.
    pub fn link(&mut self, number: u32, directory: u32, name: &[u8]) -> Result<(), Errno> {
        let mut parent = self.prepare_new_name(directory, name)?;
        let mut inode = self.read_inode(number)?;
        if inode.is_dir() {
            return Err(Errno::EPERM);
        }
        if inode.links() >= LINK_MAX {
            return Err(Errno::EMLINK);
        }
        self.add_entry(directory, &mut parent, name, number, self.type_byte(inode.mode()))?;
        inode.set_links(inode.links() + 1);
        inode.set_ctime(self.now);
        self.write_inode(number, &inode)
    }

    /// Removes the name of a file (not a directory); the file goes when its last name does.
    pub fn unlink(&mut self, directory: u32, name: &[u8]) -> Result<(), Errno> {
        self.writable()?;
        check_name(name)?;
        let number = self.lookup(directory, name)?;
        if self.read_inode(number)?.is_dir() {
            return Err(Errno::EISDIR);
        }
        let mut parent = self.read_inode(directory)?;
        self.remove_entry(directory, &mut parent, name)?;
        self.drop_link(number)
    }

    /// Removes an empty directory.
    pub fn rmdir(&mut self, directory: u32, name: &[u8]) -> Result<(), Errno> {
        self.writable()?;
        match name {
            b"." => return Err(Errno::EINVAL),
            b".." => return Err(Errno::ENOTEMPTY),
            _ => check_name(name)?,
        }
        let number = self.lookup(directory, name)?;
        if !self.read_inode(number)?.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        if !self.is_empty(number)? {
            return Err(Errno::ENOTEMPTY);
        }
        let mut parent = self.read_inode(directory)?;
        self.remove_entry(directory, &mut parent, name)?;
        // The removed directory's ".." linked the parent.
        parent.set_links(parent.links().saturating_sub(1));
        self.write_inode(directory, &parent)?;
        self.free_or_keep(number)
    }

    /// Renames `from_name` in `from` to `to_name` in `to`, replacing what `to_name` named (a
    /// file by a file, or an empty directory by a directory), as rename(2) does.
    pub fn rename(&mut self, from: u32, from_name: &[u8], to: u32, to_name: &[u8]) -> Result<(), Errno> {
        self.writable()?;
        for name in [from_name, to_name] {
            if name == b"." || name == b".." {
                return Err(Errno::EINVAL);
            }
            check_name(name)?;
        }
        let moving = self.lookup(from, from_name)?;
        let mut inode = self.read_inode(moving)?;
        let is_dir = inode.is_dir();
        if !self.read_inode(to)?.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        if is_dir && from != to && self.is_within(to, moving)? {
            // Into itself or below itself: the tree would come loose.
            return Err(Errno::EINVAL);
        }
        let replaced = match self.lookup(to, to_name) {
            Ok(existing) => Some(existing),
            Err(Errno::ENOENT) => None,
            Err(error) => return Err(error),
        };
        if replaced == Some(moving) {
            // Two names of one file (or the same name): rename(2) does nothing.
            return Ok(());
        }
        let kind = self.type_byte(inode.mode());
        let mut target_dir = self.read_inode(to)?;
        match replaced {
            Some(existing) => {
                let old = self.read_inode(existing)?;
                match (is_dir, old.is_dir()) {
                    (true, false) => return Err(Errno::ENOTDIR),
                    (false, true) => return Err(Errno::EISDIR),
                    (true, true) if !self.is_empty(existing)? => return Err(Errno::ENOTEMPTY),
                    _ => {}
                }
                self.retarget_entry(to, &mut target_dir, to_name, moving, kind)?;
                if old.is_dir() {
                    // The replaced directory's ".." linked `to`.
                    target_dir.set_links(target_dir.links().saturating_sub(1));
                    self.write_inode(to, &target_dir)?;
                    self.free_or_keep(existing)?;
                } else {
                    self.drop_link(existing)?;
                }
            }
            None => {
                if is_dir && from != to && target_dir.links() >= LINK_MAX {
                    return Err(Errno::EMLINK);
                }
                self.add_entry(to, &mut target_dir, to_name, moving, kind)?;
            }
        }
        let mut source_dir = self.read_inode(from)?;
        self.remove_entry(from, &mut source_dir, from_name)?;
        if is_dir && from != to {
            // The directory's ".." now names its new parent, which gains the link the old one loses.
            self.retarget_entry(moving, &mut inode, b"..", to, self.type_byte(MODE_DIR))?;
            source_dir = self.read_inode(from)?;
            source_dir.set_links(source_dir.links().saturating_sub(1));
            self.write_inode(from, &source_dir)?;
            let mut target_dir = self.read_inode(to)?;
            target_dir.set_links(target_dir.links() + 1);
            self.write_inode(to, &target_dir)?;
            inode = self.read_inode(moving)?;
        }
        inode.set_ctime(self.now);
        self.write_inode(moving, &inode)
    }

    /// Whether directory `inner` is `outer` or lies below it (following ".." up to the root).
    fn is_within(&mut self, inner: u32, outer: u32) -> Result<bool, Errno> {
        let mut at = inner;
        // A corrupt tree could loop: no real one is deeper than there are inodes.
        for _ in 0..self.superblock.inodes_count() {
            if at == outer {
                return Ok(true);
            }
            if at == ROOT_INODE {
                return Ok(false);
            }
            at = self.lookup(at, b"..")?;
        }
        Err(Errno::EIO)
    }

    /// One name fewer for inode `number`; at none, the inode and its blocks are freed.
    fn drop_link(&mut self, number: u32) -> Result<(), Errno> {
        let mut inode = self.read_inode(number)?;
        let links = inode.links().saturating_sub(1);
        if links == 0 {
            return self.free_or_keep(number);
        }
        inode.set_links(links);
        inode.set_ctime(self.now);
        self.write_inode(number, &inode)
    }

    // ANCHOR: held
    /// An inode whose last name is gone: freed now, or, while the kernel holds it open, kept
    /// with no links (an orphan) until `release`. Unix lets a program read a file it has
    /// open after the file is removed; freeing it at once would hand its blocks to another.
    fn free_or_keep(&mut self, number: u32) -> Result<(), Errno> {
        if !self.held.contains_key(&number) {
            return self.free_whole_inode(number);
        }
        let mut inode = self.read_inode(number)?;
        inode.set_links(0);
        inode.set_ctime(self.now);
        self.write_inode(number, &inode)
    }

    /// The kernel holds inode `number` once more (see `free_or_keep`).
    pub fn hold(&mut self, number: u32) {
        *self.held.entry(number).or_insert(0) += 1;
    }

    /// The kernel holds inode `number` once less: an orphan no longer held is freed now.
    pub fn release(&mut self, number: u32) -> Result<(), Errno> {
        let Some(count) = self.held.get_mut(&number) else {
            return Ok(());
        };
        *count -= 1;
        if *count > 0 {
            return Ok(());
        }
        self.held.remove(&number);
        if self.read_inode(number)?.links() == 0 {
            self.free_whole_inode(number)?;
        }
        Ok(())
    }
    // ANCHOR_END: held

    /// Frees an inode that no name refers to any more: its blocks, its attribute block, then
    /// the inode itself (links 0 and a deletion time, as e2fsck expects of a free inode).
    fn free_whole_inode(&mut self, number: u32) -> Result<(), Errno> {
        let mut inode = self.read_inode(number)?;
        // A fast symlink's i_block is its text, a device's holds its numbers: no blocks there.
        let has_blocks = matches!(inode.kind(), MODE_FILE | MODE_DIR) || (inode.kind() == MODE_SYMLINK && !self.is_fast_symlink(&inode));
        if has_blocks {
            self.free_from(&mut inode, 0)?;
        }
        self.release_attributes(&mut inode)?;
        inode.set_links(0);
        inode.set_dtime(self.now);
        inode.set_ctime(self.now);
        inode.set_sectors(0);
        self.write_inode(number, &inode)?;
        self.free_inode(number, inode.is_dir())
    }

    /// Drops the inode's reference to its extended-attribute block, freeing the block when it
    /// was the last one.
    fn release_attributes(&mut self, inode: &mut Inode) -> Result<(), Errno> {
        let block = inode.attribute_block();
        if block == 0 {
            return Ok(());
        }
        let mut contents = vec![0; self.block_size];
        self.read_block(block, &mut contents)?;
        if get32(&contents, 0) != ATTRIBUTE_MAGIC {
            return Err(Errno::EIO);
        }
        let references = get32(&contents, 4);
        if references > 1 {
            put32(&mut contents, 4, references - 1);
            self.write_block(block, &contents)?;
        } else {
            self.free_block(block)?;
        }
        inode.set_attribute_block(0);
        Ok(())
    }

    /// Every name in a directory, in order (for the tests).
    #[cfg(test)]
    pub fn list(&mut self, directory: u32) -> Result<alloc::vec::Vec<super::dir::DirEntry>, Errno> {
        let mut entries = alloc::vec::Vec::new();
        let mut offset = 0;
        while let Some((entry, next)) = self.read_dir(directory, offset)? {
            entries.push(entry);
            offset = next;
        }
        Ok(entries)
    }
}
