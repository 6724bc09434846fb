//! Directories: files whose blocks hold a list of entries.
//!
//! An entry is `inode` (4 bytes, 0 for an unused entry), `rec_len` (2: the bytes to the next
//! entry), `name_len` (1), `file_type` (1, with the filetype feature), then the name, padded
//! to four bytes. Entries never cross a block boundary, and the last entry of a block reaches
//! its end, so a block is always covered exactly. An entry's `rec_len` may be longer than its
//! name needs; the slack is where a new entry can go. Deleting an entry gives its space to
//! the entry before it (its `rec_len` grows), or, for a block's first entry, marks it unused.

use alloc::vec;
use alloc::vec::Vec;

use super::fs::Ext2;
use super::layout::*;
use crate::block::BlockDevice;
use crate::errno::Errno;

pub const NAME_MAX: usize = 255;
const HEADER: usize = 8;

/// One entry as `read_dir` returns it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirEntry {
    pub inode: u32,
    /// The `file_type` byte (1 file, 2 directory, 7 symlink, ...; 0 without the filetype feature).
    pub kind: u8,
    pub name: Vec<u8>,
}

/// Where an entry was found: its directory block, its offset in the block, and the offset of
/// the entry before it in the same block (None for the first).
struct Slot {
    block: u32,
    at: usize,
    previous: Option<usize>,
}

/// Bytes an entry with a name this long needs.
fn needed(name_len: usize) -> usize {
    (HEADER + name_len).next_multiple_of(4)
}

// ANCHOR: entry_at
/// The entry at `at` in `block`, checked: a `rec_len` that is too short, not a multiple of
/// four, or runs past the block, or a name longer than its record, is corruption (EIO).
fn entry_at(block: &[u8], at: usize) -> Result<(u32, usize, usize), Errno> {
    if at + HEADER > block.len() {
        return Err(Errno::EIO);
    }
    let inode = get32(block, at);
    let record = get16(block, at + 4) as usize;
    let name_len = block[at + 6] as usize;
    if record < HEADER || record % 4 != 0 || at + record > block.len() || HEADER + name_len > record {
        return Err(Errno::EIO);
    }
    Ok((inode, record, name_len))
}
// ANCHOR_END: entry_at

fn write_entry(block: &mut [u8], at: usize, inode: u32, record: usize, name: &[u8], kind: u8) {
    put32(block, at, inode);
    put16(block, at + 4, record as u16);
    block[at + 6] = name.len() as u8;
    block[at + 7] = kind;
    block[at + HEADER..at + HEADER + name.len()].copy_from_slice(name);
}

/// A name a directory entry may have: 1 to 255 bytes, no slash, no NUL.
pub fn check_name(name: &[u8]) -> Result<(), Errno> {
    if name.len() > NAME_MAX {
        return Err(Errno::ENAMETOOLONG);
    }
    if name.is_empty() || name.contains(&b'/') || name.contains(&0) {
        return Err(Errno::EINVAL);
    }
    Ok(())
}

impl<D: BlockDevice> Ext2<D> {
    fn directory_blocks(&self, directory: &Inode) -> u64 {
        directory.size().div_ceil(self.block_size as u64)
    }

    /// The `file_type` byte for `mode`, if the filesystem has the feature; else 0.
    pub(super) fn type_byte(&self, mode: u16) -> u8 {
        let dynamic = self.superblock.rev_level() == DYNAMIC_REV;
        if dynamic && self.superblock.feature_incompat() & INCOMPAT_FILETYPE != 0 { entry_type(mode) } else { 0 }
    }

    /// The entry at byte `offset` of the directory or the first used one after it, with the
    /// offset of the one after that; None at the end. The offsets are what getdents needs to
    /// carry on where it left off.
    pub fn read_dir(&mut self, directory: u32, offset: u64) -> Result<Option<(DirEntry, u64)>, Errno> {
        let inode = self.read_inode(directory)?;
        if !inode.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        let size = self.block_size as u64;
        let mut buffer = vec![0; self.block_size];
        let mut logical = offset / size;
        let mut at = (offset % size) as usize;
        while logical < self.directory_blocks(&inode) {
            let block = self.map(&inode, logical)?;
            if block == 0 {
                // A directory has no holes; one is corruption.
                return Err(Errno::EIO);
            }
            self.read_block(block, &mut buffer)?;
            while at < self.block_size {
                let (number, record, name_len) = entry_at(&buffer, at)?;
                let next = logical * size + (at + record) as u64;
                if number != 0 {
                    let name = buffer[at + HEADER..at + HEADER + name_len].to_vec();
                    return Ok(Some((DirEntry { inode: number, kind: buffer[at + 7], name }, next)));
                }
                at += record;
            }
            logical += 1;
            at = 0;
        }
        Ok(None)
    }

    /// The entry called `name`, if the directory has one.
    fn find(&mut self, directory: &Inode, name: &[u8]) -> Result<Option<(Slot, u32)>, Errno> {
        let mut buffer = vec![0; self.block_size];
        for logical in 0..self.directory_blocks(directory) {
            let block = self.map(directory, logical)?;
            if block == 0 {
                return Err(Errno::EIO);
            }
            self.read_block(block, &mut buffer)?;
            let mut at = 0;
            let mut previous = None;
            while at < self.block_size {
                let (number, record, name_len) = entry_at(&buffer, at)?;
                if number != 0 && &buffer[at + HEADER..at + HEADER + name_len] == name {
                    return Ok(Some((Slot { block, at, previous }, number)));
                }
                previous = Some(at);
                at += record;
            }
        }
        Ok(None)
    }

    /// The inode number `name` has in `directory`.
    pub fn lookup(&mut self, directory: u32, name: &[u8]) -> Result<u32, Errno> {
        let inode = self.read_inode(directory)?;
        if !inode.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        check_name(name).map_err(|error| if error == Errno::EINVAL { Errno::ENOENT } else { error })?;
        match self.find(&inode, name)? {
            Some((_, number)) => Ok(number),
            None => Err(Errno::ENOENT),
        }
    }

    // ANCHOR: add_entry
    /// Adds the entry `name` → `target` to the directory: into the first unused entry or slack
    /// that fits, else into a new block at the directory's end. The caller checked that the
    /// name is not there yet, and writes nothing else: this writes the directory's inode.
    pub(super) fn add_entry(&mut self, number: u32, directory: &mut Inode, name: &[u8], target: u32, kind: u8) -> Result<(), Errno> {
        let want = needed(name.len());
        let mut buffer = vec![0; self.block_size];
        for logical in 0..self.directory_blocks(directory) {
            let block = self.map(directory, logical)?;
            if block == 0 {
                return Err(Errno::EIO);
            }
            self.read_block(block, &mut buffer)?;
            let mut at = 0;
            while at < self.block_size {
                let (used, record, name_len) = entry_at(&buffer, at)?;
                if used == 0 && record >= want {
                    write_entry(&mut buffer, at, target, record, name, kind);
                    return self.finish_change(number, directory, block, &buffer);
                }
                let own = needed(name_len);
                if used != 0 && record - own >= want {
                    // Split: this entry keeps what its name needs, the new one takes the rest.
                    put16(&mut buffer, at + 4, own as u16);
                    write_entry(&mut buffer, at + own, target, record - own, name, kind);
                    return self.finish_change(number, directory, block, &buffer);
                }
                at += record;
            }
        }
        let logical = self.directory_blocks(directory);
        let block = self.map_or_allocate(number, directory, logical, false)?;
        buffer.fill(0);
        write_entry(&mut buffer, 0, target, self.block_size, name, kind);
        directory.set_size((logical + 1) * self.block_size as u64);
        self.finish_change(number, directory, block, &buffer)
    }
    // ANCHOR_END: add_entry

    // ANCHOR: remove_entry
    /// Removes the entry `name`, merging its record into the one before it. Returns the inode
    /// it named.
    pub(super) fn remove_entry(&mut self, number: u32, directory: &mut Inode, name: &[u8]) -> Result<u32, Errno> {
        let (slot, target) = self.find(directory, name)?.ok_or(Errno::ENOENT)?;
        let mut buffer = vec![0; self.block_size];
        self.read_block(slot.block, &mut buffer)?;
        let record = get16(&buffer, slot.at + 4);
        match slot.previous {
            Some(previous) => {
                let merged = get16(&buffer, previous + 4) + record;
                put16(&mut buffer, previous + 4, merged);
            }
            None => put32(&mut buffer, slot.at, 0),
        }
        self.finish_change(number, directory, slot.block, &buffer)?;
        Ok(target)
    }
    // ANCHOR_END: remove_entry

    /// Points the existing entry `name` at `target` (rename over an existing name, and "..").
    pub(super) fn retarget_entry(&mut self, number: u32, directory: &mut Inode, name: &[u8], target: u32, kind: u8) -> Result<(), Errno> {
        let (slot, _) = self.find(directory, name)?.ok_or(Errno::ENOENT)?;
        let mut buffer = vec![0; self.block_size];
        self.read_block(slot.block, &mut buffer)?;
        put32(&mut buffer, slot.at, target);
        buffer[slot.at + 7] = kind;
        self.finish_change(number, directory, slot.block, &buffer)
    }

    /// Writes a changed directory block, and the directory's inode with new times and without
    /// the index flag (the index no longer describes the entries).
    fn finish_change(&mut self, number: u32, directory: &mut Inode, block: u32, buffer: &[u8]) -> Result<(), Errno> {
        self.write_block(block, buffer)?;
        directory.set_flags(directory.flags() & !FLAG_INDEX);
        directory.set_mtime(self.now);
        directory.set_ctime(self.now);
        self.write_inode(number, directory)
    }

    /// Whether the directory holds nothing but "." and "..".
    pub(super) fn is_empty(&mut self, directory: u32) -> Result<bool, Errno> {
        let mut offset = 0;
        while let Some((entry, next)) = self.read_dir(directory, offset)? {
            if entry.name != b"." && entry.name != b".." {
                return Ok(false);
            }
            offset = next;
        }
        Ok(true)
    }

    /// A new directory's first block: "." and "..", ".." taking the rest of the block.
    pub(super) fn first_directory_block(&self, own: u32, parent: u32) -> Vec<u8> {
        let mut buffer = vec![0; self.block_size];
        let kind = self.type_byte(MODE_DIR);
        write_entry(&mut buffer, 0, own, needed(1), b".", kind);
        write_entry(&mut buffer, needed(1), parent, self.block_size - needed(1), b"..", kind);
        buffer
    }
}
