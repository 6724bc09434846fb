//! ext2, the second extended filesystem, revision 1: read and write.
//!
//! The disk is divided into block groups. Each has a block bitmap and an inode bitmap (one
//! bit per block or inode: in use or free) and a table of inodes; the superblock at byte
//! 1,024 and the table of group descriptors after it say where each group's are, and how
//! many of its blocks and inodes are free. An inode holds a file's type, size, times and the
//! map of its blocks (blockmap.rs); a directory is a file of entries (dir.rs).
//!
//! Everything here is pure logic over a [`BlockDevice`](crate::block::BlockDevice): the
//! kernel gives it the SD card's root partition through the buffer cache, and the host
//! tests (tests.rs) give it an image that e2fsprogs' `mke2fs` made, then check what it
//! wrote with `e2fsck` and `debugfs`.
//!
//! - layout.rs: the on-disk structures, field by field
//! - fs.rs: mounting, blocks, inodes, and allocation with the bitmaps
//! - blockmap.rs: direct, single, double and triple indirect blocks
//! - dir.rs: directory entries
//! - ops.rs: the operations a VFS calls

mod blockmap;
mod dir;
mod fs;
mod layout;
mod ops;
#[cfg(test)]
mod tests;

pub use fs::Ext2;
pub use layout::ROOT_INODE;
