//! The mounted filesystem: checking the superblock and the group descriptors at mount, reading
//! and writing blocks and inodes, and allocating them with the bitmaps while keeping the
//! group and superblock counters right.
//!
//! Nothing read from the disk is trusted: a block number past the end of the filesystem, an
//! inode number out of range, a bitmap that disagrees with its counter, each is an error
//! (EIO, or a [`MountError`] at mount), never a panic and never a write to the wrong place.

use alloc::collections::BTreeMap;
use alloc::vec;
use alloc::vec::Vec;
use core::fmt;

use super::layout::*;
use crate::block::{BlockDevice, SECTOR};
use crate::errno::Errno;

/// Why a filesystem cannot be mounted, each said in one line by its `Display`.
#[derive(Debug, PartialEq, Eq)]
pub enum MountError {
    /// The device could not be read (or, mounting for writing, written).
    Io,
    /// No 0xEF53 in `s_magic`: not ext2 at all.
    BadMagic(u16),
    /// A revision after 1.
    UnsupportedRevision(u32),
    /// Incompatible features this code does not know (their bits).
    UnsupportedFeatures(u32),
    /// Block size, counts or inode size that cannot be right, or a filesystem larger than its device.
    BadGeometry(&'static str),
    /// A group descriptor whose bitmaps or inode table lie outside its group.
    BadGroupDescriptor(u32),
}

impl fmt::Display for MountError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MountError::Io => write!(f, "the device failed (EIO)"),
            MountError::BadMagic(magic) => write!(f, "not an ext2 filesystem (superblock magic {magic:#06x}, not 0xef53)"),
            MountError::UnsupportedRevision(rev) => write!(f, "ext2 revision {rev} is not supported (0 and 1 are)"),
            MountError::UnsupportedFeatures(bits) => write!(f, "unsupported incompatible features {bits:#x}: refusing to mount"),
            MountError::BadGeometry(what) => write!(f, "a corrupt superblock: {what}"),
            MountError::BadGroupDescriptor(group) => write!(f, "a corrupt group descriptor: group {group}'s bitmaps or inode table lie outside it"),
        }
    }
}

pub struct Ext2<D: BlockDevice> {
    pub(super) device: D,
    pub(super) superblock: Superblock,
    pub(super) groups: Vec<GroupDescriptor>,
    pub(super) block_size: usize,
    pub(super) inode_size: usize,
    pub(super) read_only: bool,
    /// The superblock or a group descriptor changed since the last sync.
    metadata_dirty: bool,
    /// The time, in seconds since 1970, that changes are stamped with (see `set_time`).
    pub(super) now: u32,
    /// Inodes the kernel holds (an open file, a working directory), and how many times:
    /// removing their last name leaves them allocated, with no links, until the last
    /// `release` (see ops.rs's `free_or_keep`).
    pub(super) held: BTreeMap<u32, usize>,
}

impl<D: BlockDevice> Ext2<D> {
    // ANCHOR: ext2_mount
    /// Mounts the filesystem on `device`: read-only if `read_only` or if it has read-only
    /// compatible features this code does not know. A writable mount marks it "not clean"
    /// on the disk at once, until `unmount`.
    pub fn mount(mut device: D, read_only: bool, now: u32) -> Result<Ext2<D>, MountError> {
        let mut bytes = vec![0; SUPERBLOCK_SIZE];
        device.read(SUPERBLOCK_OFFSET / SECTOR as u64, &mut bytes).map_err(|_| MountError::Io)?;
        let superblock = Superblock { bytes };
        if superblock.magic() != MAGIC {
            return Err(MountError::BadMagic(superblock.magic()));
        }
        if superblock.rev_level() > DYNAMIC_REV {
            return Err(MountError::UnsupportedRevision(superblock.rev_level()));
        }
        let dynamic = superblock.rev_level() == DYNAMIC_REV;
        let unknown = if dynamic { superblock.feature_incompat() & !INCOMPAT_KNOWN } else { 0 };
        if unknown != 0 {
            return Err(MountError::UnsupportedFeatures(unknown));
        }
        let geometry = check_geometry(&superblock, device.sectors())?;
        let read_only = read_only || (dynamic && superblock.feature_ro_compat() & !RO_COMPAT_KNOWN != 0);

        // The group descriptor table starts in the block after the superblock's.
        let block_size = geometry.block_size;
        let table_bytes = geometry.groups as usize * GROUP_DESCRIPTOR_SIZE;
        let mut table = vec![0; table_bytes.div_ceil(block_size) * block_size];
        let table_block = superblock.first_data_block() as u64 + 1;
        device.read(table_block * (block_size / SECTOR) as u64, &mut table).map_err(|_| MountError::Io)?;
        let groups: Vec<GroupDescriptor> = table.chunks(GROUP_DESCRIPTOR_SIZE).take(geometry.groups as usize).map(GroupDescriptor::read).collect();

        let mut fs = Ext2 { device, superblock, groups, block_size, inode_size: geometry.inode_size, read_only, metadata_dirty: false, now, held: BTreeMap::new() };
        for group in 0..fs.groups.len() as u32 {
            fs.check_group(group)?;
        }
        if !fs.read_only {
            let state = fs.superblock.state();
            fs.superblock.set_state(state & !STATE_VALID);
            fs.superblock.set_mount_time(now);
            fs.write_superblock().map_err(|_| MountError::Io)?;
        }
        Ok(fs)
    }
    // ANCHOR_END: ext2_mount

    // ANCHOR: ext2_unmount
    /// Writes everything back, marks the filesystem clean, and hands the device back.
    pub fn unmount(mut self) -> Result<D, Errno> {
        if !self.read_only {
            self.superblock.set_state(self.superblock.state() | STATE_VALID);
            self.metadata_dirty = true;
            self.sync()?;
        }
        Ok(self.device)
    }
    // ANCHOR_END: ext2_unmount

    /// Writes the superblock and group descriptors if they changed, then flushes the device.
    pub fn sync(&mut self) -> Result<(), Errno> {
        if self.metadata_dirty && !self.read_only {
            self.superblock.set_write_time(self.now);
            self.write_superblock()?;
            self.write_group_descriptors()?;
            self.metadata_dirty = false;
        }
        self.device.flush()
    }

    /// Sets the clock that new times come from (the kernel calls this before each operation).
    pub fn set_time(&mut self, now: u32) {
        self.now = now;
    }

    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// The device the filesystem is on (to look at its cache, say).
    pub fn device(&self) -> &D {
        &self.device
    }

    pub fn device_mut(&mut self) -> &mut D {
        &mut self.device
    }

    /// When the filesystem was last written (`s_wtime`), in seconds since 1970.
    pub fn last_write_time(&self) -> u32 {
        self.superblock.write_time()
    }

    // ANCHOR: check_group
    /// A group's descriptor must place its bitmaps and inode table inside the group (ext2
    /// without flex_bg always does), within the filesystem, and count no more than it holds.
    fn check_group(&self, group: u32) -> Result<(), MountError> {
        let d = self.groups[group as usize];
        let start = self.group_first_block(group);
        let end = start + self.blocks_in_group(group);
        let table_blocks = (self.superblock.inodes_per_group() as usize * self.inode_size).div_ceil(self.block_size) as u32;
        let inside = |block: u32, count: u32| block >= start && block.checked_add(count).is_some_and(|last| last <= end);
        let fits = inside(d.block_bitmap, 1)
            && inside(d.inode_bitmap, 1)
            && inside(d.inode_table, table_blocks)
            && d.free_blocks as u32 <= self.blocks_in_group(group)
            && d.free_inodes as u32 <= self.superblock.inodes_per_group();
        if fits { Ok(()) } else { Err(MountError::BadGroupDescriptor(group)) }
    }
    // ANCHOR_END: check_group

    // ---- Blocks ----

    fn sectors_per_block(&self) -> u64 {
        (self.block_size / SECTOR) as u64
    }

    /// A block number that may be read or written: inside the filesystem and not block 0 of a
    /// 1 KiB filesystem (the boot block), which no file ever owns.
    fn check_block(&self, block: u32) -> Result<(), Errno> {
        if block < self.superblock.first_data_block().max(1) || block >= self.superblock.blocks_count() { Err(Errno::EIO) } else { Ok(()) }
    }

    pub(super) fn read_block(&mut self, block: u32, buffer: &mut [u8]) -> Result<(), Errno> {
        self.check_block(block)?;
        self.device.read(block as u64 * self.sectors_per_block(), buffer)
    }

    pub(super) fn write_block(&mut self, block: u32, data: &[u8]) -> Result<(), Errno> {
        if self.read_only {
            return Err(Errno::EROFS);
        }
        self.check_block(block)?;
        self.device.write(block as u64 * self.sectors_per_block(), data)
    }

    fn write_superblock(&mut self) -> Result<(), Errno> {
        let bytes = self.superblock.bytes.clone();
        self.device.write(SUPERBLOCK_OFFSET / SECTOR as u64, &bytes)
    }

    fn write_group_descriptors(&mut self) -> Result<(), Errno> {
        let table_block = self.superblock.first_data_block() + 1;
        let blocks = (self.groups.len() * GROUP_DESCRIPTOR_SIZE).div_ceil(self.block_size);
        let mut table = vec![0; blocks * self.block_size];
        // Read first, so the bytes the descriptors do not cover stay as they were.
        self.device.read(table_block as u64 * self.sectors_per_block(), &mut table)?;
        for (descriptor, bytes) in self.groups.iter().zip(table.chunks_mut(GROUP_DESCRIPTOR_SIZE)) {
            descriptor.write(bytes);
        }
        self.device.write(table_block as u64 * self.sectors_per_block(), &table)
    }

    // ---- Groups ----

    fn group_first_block(&self, group: u32) -> u32 {
        self.superblock.first_data_block() + group * self.superblock.blocks_per_group()
    }

    /// The last group may be shorter than the others.
    fn blocks_in_group(&self, group: u32) -> u32 {
        let rest = self.superblock.blocks_count() - self.group_first_block(group);
        rest.min(self.superblock.blocks_per_group())
    }

    pub(super) fn group_of_inode(&self, inode: u32) -> u32 {
        (inode - 1) / self.superblock.inodes_per_group()
    }

    // ---- Inodes ----

    // ANCHOR: locate
    /// The block holding inode `number`, and its byte offset there; EIO for a number out of range.
    fn locate(&self, number: u32) -> Result<(u32, usize), Errno> {
        if number == 0 || number > self.superblock.inodes_count() {
            return Err(Errno::EIO);
        }
        let per_group = self.superblock.inodes_per_group();
        let group = (number - 1) / per_group;
        let byte = ((number - 1) % per_group) as usize * self.inode_size;
        let block = self.groups[group as usize].inode_table + (byte / self.block_size) as u32;
        Ok((block, byte % self.block_size))
    }
    // ANCHOR_END: locate

    pub fn read_inode(&mut self, number: u32) -> Result<Inode, Errno> {
        let (block, at) = self.locate(number)?;
        let mut buffer = vec![0; self.block_size];
        self.read_block(block, &mut buffer)?;
        Ok(Inode { bytes: buffer[at..at + self.inode_size].to_vec() })
    }

    pub(super) fn write_inode(&mut self, number: u32, inode: &Inode) -> Result<(), Errno> {
        let (block, at) = self.locate(number)?;
        let mut buffer = vec![0; self.block_size];
        self.read_block(block, &mut buffer)?;
        buffer[at..at + self.inode_size].copy_from_slice(&inode.bytes);
        self.write_block(block, &buffer)
    }

    // ---- Allocation ----

    // ANCHOR: allocate_block
    /// Allocates a block, trying group `goal` first (a file's blocks near its inode). With
    /// `zeroed` its old contents are overwritten with zeros; without, the caller is about to
    /// write all of it.
    pub(super) fn allocate_block(&mut self, goal: u32, zeroed: bool) -> Result<u32, Errno> {
        let count = self.groups.len() as u32;
        for step in 0..count {
            let group = (goal + step) % count;
            if self.groups[group as usize].free_blocks == 0 {
                continue;
            }
            let bitmap_block = self.groups[group as usize].block_bitmap;
            let bit = self.take_bit(bitmap_block, self.blocks_in_group(group))?;
            let block = self.group_first_block(group) + bit;
            self.groups[group as usize].free_blocks -= 1;
            let free = self.superblock.free_blocks();
            self.superblock.set_free_blocks(free.saturating_sub(1));
            self.metadata_dirty = true;
            if zeroed {
                self.write_block(block, &vec![0; self.block_size])?;
            }
            return Ok(block);
        }
        Err(Errno::ENOSPC)
    }
    // ANCHOR_END: allocate_block

    pub(super) fn free_block(&mut self, block: u32) -> Result<(), Errno> {
        self.check_block(block)?;
        let group = (block - self.superblock.first_data_block()) / self.superblock.blocks_per_group();
        let bit = block - self.group_first_block(group);
        let bitmap_block = self.groups[group as usize].block_bitmap;
        self.release_bit(bitmap_block, bit)?;
        self.groups[group as usize].free_blocks += 1;
        let free = self.superblock.free_blocks();
        self.superblock.set_free_blocks(free + 1);
        self.metadata_dirty = true;
        Ok(())
    }

    /// Allocates an inode number. A directory goes to the group with the most free blocks (to
    /// spread directories out); anything else to `near`'s group (its parent's) if it has room.
    pub(super) fn allocate_inode(&mut self, directory: bool, near: u32) -> Result<u32, Errno> {
        let count = self.groups.len() as u32;
        let has_room = |d: &GroupDescriptor| d.free_inodes > 0;
        let group = if directory {
            (0..count).filter(|&g| has_room(&self.groups[g as usize])).max_by_key(|&g| (self.groups[g as usize].free_blocks, core::cmp::Reverse(g)))
        } else {
            let start = self.group_of_inode(near);
            (0..count).map(|step| (start + step) % count).find(|&g| has_room(&self.groups[g as usize]))
        }
        .ok_or(Errno::ENOSPC)?;
        let per_group = self.superblock.inodes_per_group();
        let bitmap_block = self.groups[group as usize].inode_bitmap;
        let bit = self.take_bit(bitmap_block, per_group)?;
        let number = group * per_group + bit + 1;
        if number < self.first_inode() {
            // A reserved inode marked free: the bitmap is corrupt.
            return Err(Errno::EIO);
        }
        let d = &mut self.groups[group as usize];
        d.free_inodes -= 1;
        if directory {
            d.used_dirs += 1;
        }
        let free = self.superblock.free_inodes();
        self.superblock.set_free_inodes(free.saturating_sub(1));
        self.metadata_dirty = true;
        Ok(number)
    }

    pub(super) fn free_inode(&mut self, number: u32, directory: bool) -> Result<(), Errno> {
        if number < self.first_inode() || number > self.superblock.inodes_count() {
            return Err(Errno::EIO);
        }
        let group = self.group_of_inode(number);
        let bitmap_block = self.groups[group as usize].inode_bitmap;
        self.release_bit(bitmap_block, (number - 1) % self.superblock.inodes_per_group())?;
        let d = &mut self.groups[group as usize];
        d.free_inodes += 1;
        if directory {
            d.used_dirs = d.used_dirs.saturating_sub(1);
        }
        let free = self.superblock.free_inodes();
        self.superblock.set_free_inodes(free + 1);
        self.metadata_dirty = true;
        Ok(())
    }

    /// The first inode files may have; those before it are reserved (root is 2).
    pub(super) fn first_inode(&self) -> u32 {
        if self.superblock.rev_level() == DYNAMIC_REV { self.superblock.first_inode() } else { 11 }
    }

    // ANCHOR: take_bit
    /// Sets the first clear bit among the first `bits` of the bitmap in `block`, and returns
    /// its index. A group whose counter says "free" but whose bitmap is full is corrupt: EIO.
    fn take_bit(&mut self, block: u32, bits: u32) -> Result<u32, Errno> {
        let mut bitmap = vec![0; self.block_size];
        self.read_block(block, &mut bitmap)?;
        // Whole bytes of used bits first (eight at a time), then the bit within the byte.
        let byte = bitmap[..(bits as usize).div_ceil(8)].iter().position(|&byte| byte != 0xFF).ok_or(Errno::EIO)?;
        let bit = byte as u32 * 8 + bitmap[byte].trailing_ones();
        if bit >= bits {
            return Err(Errno::EIO);
        }
        bitmap[bit as usize / 8] |= 1 << (bit % 8);
        self.write_block(block, &bitmap)?;
        Ok(bit)
    }
    // ANCHOR_END: take_bit

    /// Clears a bit that must be set: freeing something already free is corruption (EIO),
    /// and would make the counters wrong.
    fn release_bit(&mut self, block: u32, bit: u32) -> Result<(), Errno> {
        let mut bitmap = vec![0; self.block_size];
        self.read_block(block, &mut bitmap)?;
        let mask = 1 << (bit % 8);
        if bitmap[bit as usize / 8] & mask == 0 {
            return Err(Errno::EIO);
        }
        bitmap[bit as usize / 8] &= !mask;
        self.write_block(block, &bitmap)
    }
}

struct Geometry {
    block_size: usize,
    inode_size: usize,
    groups: u32,
}

/// The superblock's numbers must agree with each other and with the device.
fn check_geometry(superblock: &Superblock, device_sectors: u64) -> Result<Geometry, MountError> {
    if superblock.log_block_size() > 2 {
        return Err(MountError::BadGeometry("a block size above 4 KiB"));
    }
    let block_size = 1024usize << superblock.log_block_size();
    let bits_per_bitmap = 8 * block_size as u32;
    let per_group = superblock.blocks_per_group();
    if per_group == 0 || per_group > bits_per_bitmap || superblock.inodes_per_group() == 0 || superblock.inodes_per_group() > bits_per_bitmap {
        return Err(MountError::BadGeometry("a group larger than its bitmap"));
    }
    if superblock.first_data_block() != if block_size == 1024 { 1 } else { 0 } {
        return Err(MountError::BadGeometry("the wrong first data block"));
    }
    let inode_size = if superblock.rev_level() == DYNAMIC_REV { superblock.inode_size() as usize } else { CORE_INODE_SIZE };
    if inode_size < CORE_INODE_SIZE || !inode_size.is_power_of_two() || inode_size > block_size {
        return Err(MountError::BadGeometry("an impossible inode size"));
    }
    let blocks = superblock.blocks_count();
    if blocks <= superblock.first_data_block() || blocks as u64 * (block_size / SECTOR) as u64 > device_sectors {
        return Err(MountError::BadGeometry("more blocks than the device holds"));
    }
    let groups = (blocks - superblock.first_data_block()).div_ceil(per_group);
    if superblock.inodes_count() as u64 != groups as u64 * superblock.inodes_per_group() as u64 {
        return Err(MountError::BadGeometry("an inode count that does not match the groups"));
    }
    if (groups as usize * GROUP_DESCRIPTOR_SIZE) > per_group as usize * block_size {
        return Err(MountError::BadGeometry("more group descriptors than fit in a group"));
    }
    Ok(Geometry { block_size, inode_size, groups })
}
