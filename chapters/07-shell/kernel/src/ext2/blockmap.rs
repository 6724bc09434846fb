//! An inode's block map: which disk block holds each block of a file.
//!
//! `i_block` has 15 pointers. The first 12 point at the file's first 12 blocks. Pointer 12
//! points at a single-indirect block, a block full of pointers (256 with 1 KiB blocks, 1,024
//! with 4 KiB); pointer 13 at a double-indirect block, whose pointers lead to single-indirect
//! blocks; pointer 14 at a triple-indirect one. A zero anywhere on the way is a hole: the
//! blocks under it read as zeros and take no space.
//!
//! Every block on the way counts in `i_blocks`, in 512-byte sectors, as the file's data does.

use alloc::vec;

use super::fs::Ext2;
use super::layout::{get32, put32, Inode, DIRECT_BLOCKS};
use crate::block::{BlockDevice, SECTOR};
use crate::errno::Errno;

/// The way to one block: the inode's pointer, then an index into each indirect block below it.
struct Path {
    slot: usize,
    depth: usize,
    indices: [usize; 3],
}

impl<D: BlockDevice> Ext2<D> {
    /// Pointers per indirect block.
    fn per_block(&self) -> u64 {
        (self.block_size / 4) as u64
    }

    /// How many blocks a file can have: 12 direct, then per, per², per³ more.
    pub(super) fn max_blocks(&self) -> u64 {
        let per = self.per_block();
        DIRECT_BLOCKS as u64 + per + per * per + per * per * per
    }

    // ANCHOR: block_path
    fn path(&self, logical: u64) -> Result<Path, Errno> {
        let per = self.per_block();
        let direct = DIRECT_BLOCKS as u64;
        if logical < direct {
            return Ok(Path { slot: logical as usize, depth: 0, indices: [0; 3] });
        }
        let mut rest = logical - direct;
        let mut span = per;
        for depth in 1..=3 {
            if rest < span {
                let mut indices = [0; 3];
                // Most significant index first: the pointer in the top indirect block.
                for level in (0..depth).rev() {
                    indices[depth - 1 - level] = ((rest / per.pow(level as u32)) % per) as usize;
                }
                return Ok(Path { slot: DIRECT_BLOCKS + depth - 1, depth, indices });
            }
            rest -= span;
            span *= per;
        }
        Err(Errno::EFBIG)
    }
    // ANCHOR_END: block_path

    // ANCHOR: map
    /// The disk block holding block `logical` of the file, or 0 for a hole.
    pub(super) fn map(&mut self, inode: &Inode, logical: u64) -> Result<u32, Errno> {
        let path = self.path(logical)?;
        let mut block = inode.pointer(path.slot);
        let mut buffer = vec![0; self.block_size];
        for &index in &path.indices[..path.depth] {
            if block == 0 {
                return Ok(0);
            }
            self.read_block(block, &mut buffer)?;
            block = get32(&buffer, 4 * index);
        }
        Ok(block)
    }
    // ANCHOR_END: map

    /// The disk block for block `logical`, allocating it and any indirect block on the way if
    /// the file has a hole there. Indirect blocks start zeroed; a new data block only if
    /// `zero_data` (the caller will not write all of it). The caller writes `inode` back.
    pub(super) fn map_or_allocate(&mut self, number: u32, inode: &mut Inode, logical: u64, zero_data: bool) -> Result<u32, Errno> {
        let path = self.path(logical)?;
        let goal = self.group_of_inode(number);
        let mut block = inode.pointer(path.slot);
        if block == 0 {
            block = self.allocate_block(goal, path.depth > 0 || zero_data)?;
            inode.set_pointer(path.slot, block);
            self.count_blocks(inode, 1);
        }
        let mut buffer = vec![0; self.block_size];
        for (level, &index) in path.indices[..path.depth].iter().enumerate() {
            self.read_block(block, &mut buffer)?;
            let mut next = get32(&buffer, 4 * index);
            if next == 0 {
                let data = level + 1 == path.depth;
                next = self.allocate_block(goal, !data || zero_data)?;
                put32(&mut buffer, 4 * index, next);
                self.write_block(block, &buffer)?;
                self.count_blocks(inode, 1);
            }
            block = next;
        }
        Ok(block)
    }

    /// Adds (or with a negative count removes) whole blocks to `i_blocks`.
    fn count_blocks(&self, inode: &mut Inode, blocks: i64) {
        let sectors = blocks * (self.block_size / SECTOR) as i64;
        inode.set_sectors((inode.sectors() as i64 + sectors).max(0) as u32);
    }

    /// Frees every block from block `keep` of the file on, and every indirect block left
    /// with nothing under it. The caller writes `inode` back.
    pub(super) fn free_from(&mut self, inode: &mut Inode, keep: u64) -> Result<(), Errno> {
        for slot in (keep.min(DIRECT_BLOCKS as u64) as usize)..DIRECT_BLOCKS {
            let block = inode.pointer(slot);
            if block != 0 {
                self.free_block(block)?;
                inode.set_pointer(slot, 0);
                self.count_blocks(inode, -1);
            }
        }
        let per = self.per_block();
        let mut start = DIRECT_BLOCKS as u64;
        let mut span = per;
        for depth in 1..=3u32 {
            let slot = DIRECT_BLOCKS + depth as usize - 1;
            let block = inode.pointer(slot);
            if block != 0 && keep < start + span {
                let freed = self.free_tree(inode, block, depth, keep.saturating_sub(start))?;
                if freed {
                    inode.set_pointer(slot, 0);
                }
            }
            start += span;
            span *= per;
        }
        Ok(())
    }

    /// In the tree under indirect block `block` of `depth` levels, frees the blocks from the
    /// `keep`th on. Returns whether `block` itself was freed (nothing was left under it).
    fn free_tree(&mut self, inode: &mut Inode, block: u32, depth: u32, keep: u64) -> Result<bool, Errno> {
        let per = self.per_block();
        // Blocks under each pointer of this block.
        let child_span = per.pow(depth - 1);
        let mut pointers = vec![0; self.block_size];
        self.read_block(block, &mut pointers)?;
        let mut changed = false;
        for index in (keep / child_span) as usize..per as usize {
            let child = get32(&pointers, 4 * index);
            if child == 0 {
                continue;
            }
            let child_start = index as u64 * child_span;
            let freed = if depth == 1 {
                self.free_block(child)?;
                self.count_blocks(inode, -1);
                true
            } else {
                self.free_tree(inode, child, depth - 1, keep.saturating_sub(child_start))?
            };
            if freed {
                put32(&mut pointers, 4 * index, 0);
                changed = true;
            }
        }
        if pointers.iter().all(|&byte| byte == 0) {
            self.free_block(block)?;
            self.count_blocks(inode, -1);
            return Ok(true);
        }
        if changed {
            self.write_block(block, &pointers)?;
        }
        Ok(false)
    }
}
