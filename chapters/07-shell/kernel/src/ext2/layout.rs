//! ext2's structures on disk, byte by byte: the superblock, the group descriptors and the
//! inode. Each is kept as the bytes read from the disk, with accessors for the fields Bramble
//! uses, so that writing one back preserves every field it does not know (the UUID, the
//! volume name, an inode's extra fields). All numbers are little-endian.
//!
//! Offsets are those of the ext2 documentation ("The Second Extended File System", Dave
//! Poirier) and of Linux's include/linux/ext2_fs.h.

use alloc::vec::Vec;

pub fn get16(bytes: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([bytes[at], bytes[at + 1]])
}

pub fn get32(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

pub fn put16(bytes: &mut [u8], at: usize, value: u16) {
    bytes[at..at + 2].copy_from_slice(&value.to_le_bytes());
}

pub fn put32(bytes: &mut [u8], at: usize, value: u32) {
    bytes[at..at + 4].copy_from_slice(&value.to_le_bytes());
}

// ---- The superblock: 1,024 bytes at byte 1,024 of the partition ----

pub const SUPERBLOCK_OFFSET: u64 = 1024;
pub const SUPERBLOCK_SIZE: usize = 1024;
pub const MAGIC: u16 = 0xEF53;
// ANCHOR: superblock_flags
/// `s_state`: unmounted cleanly. A mounted, writable filesystem has it clear, so a
/// filesystem that was not unmounted (a crash, a pulled card) is seen to need a check.
pub const STATE_VALID: u16 = 1;
/// `s_rev_level` 1: "dynamic" (variable inode size, a first non-reserved inode, features).
pub const DYNAMIC_REV: u32 = 1;

/// Incompatible features: a kernel that does not know one must not mount the filesystem at all.
pub const INCOMPAT_FILETYPE: u32 = 0x0002;
pub const INCOMPAT_KNOWN: u32 = INCOMPAT_FILETYPE;
/// Read-only compatible features: a kernel that does not know one may read, but not write.
pub const RO_COMPAT_SPARSE_SUPER: u32 = 0x0001;
pub const RO_COMPAT_LARGE_FILE: u32 = 0x0002;
pub const RO_COMPAT_KNOWN: u32 = RO_COMPAT_SPARSE_SUPER | RO_COMPAT_LARGE_FILE;
// ANCHOR_END: superblock_flags
// Compatible features (resize_inode, dir_index, ext_attr, ...) need nothing from a kernel
// that does not use them; the one with a duty is dir_index (see `FLAG_INDEX`).

pub struct Superblock {
    pub bytes: Vec<u8>,
}

impl Superblock {
    pub fn inodes_count(&self) -> u32 {
        get32(&self.bytes, 0)
    }
    pub fn blocks_count(&self) -> u32 {
        get32(&self.bytes, 4)
    }
    pub fn free_blocks(&self) -> u32 {
        get32(&self.bytes, 12)
    }
    pub fn set_free_blocks(&mut self, count: u32) {
        put32(&mut self.bytes, 12, count)
    }
    pub fn free_inodes(&self) -> u32 {
        get32(&self.bytes, 16)
    }
    pub fn set_free_inodes(&mut self, count: u32) {
        put32(&mut self.bytes, 16, count)
    }
    pub fn reserved_blocks(&self) -> u32 {
        get32(&self.bytes, 8)
    }
    pub fn first_data_block(&self) -> u32 {
        get32(&self.bytes, 20)
    }
    /// The block size is 1024 << s_log_block_size.
    pub fn log_block_size(&self) -> u32 {
        get32(&self.bytes, 24)
    }
    pub fn blocks_per_group(&self) -> u32 {
        get32(&self.bytes, 32)
    }
    pub fn inodes_per_group(&self) -> u32 {
        get32(&self.bytes, 40)
    }
    pub fn set_mount_time(&mut self, now: u32) {
        put32(&mut self.bytes, 44, now)
    }
    pub fn write_time(&self) -> u32 {
        get32(&self.bytes, 48)
    }
    pub fn set_write_time(&mut self, now: u32) {
        put32(&mut self.bytes, 48, now)
    }
    pub fn magic(&self) -> u16 {
        get16(&self.bytes, 56)
    }
    pub fn state(&self) -> u16 {
        get16(&self.bytes, 58)
    }
    pub fn set_state(&mut self, state: u16) {
        put16(&mut self.bytes, 58, state)
    }
    pub fn rev_level(&self) -> u32 {
        get32(&self.bytes, 76)
    }
    pub fn first_inode(&self) -> u32 {
        get32(&self.bytes, 84)
    }
    pub fn inode_size(&self) -> u16 {
        get16(&self.bytes, 88)
    }
    pub fn feature_incompat(&self) -> u32 {
        get32(&self.bytes, 96)
    }
    pub fn feature_ro_compat(&self) -> u32 {
        get32(&self.bytes, 100)
    }
}

// ---- Group descriptors: 32 bytes each, in the block after the superblock's ----

pub const GROUP_DESCRIPTOR_SIZE: usize = 32;

// ANCHOR: group_descriptor
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GroupDescriptor {
    pub block_bitmap: u32,
    pub inode_bitmap: u32,
    pub inode_table: u32,
    pub free_blocks: u16,
    pub free_inodes: u16,
    pub used_dirs: u16,
}
// ANCHOR_END: group_descriptor

impl GroupDescriptor {
    pub fn read(bytes: &[u8]) -> GroupDescriptor {
        GroupDescriptor {
            block_bitmap: get32(bytes, 0),
            inode_bitmap: get32(bytes, 4),
            inode_table: get32(bytes, 8),
            free_blocks: get16(bytes, 12),
            free_inodes: get16(bytes, 14),
            used_dirs: get16(bytes, 16),
        }
    }

    /// Writes the fields over `bytes`, leaving the rest (padding, reserved words) as it was.
    pub fn write(&self, bytes: &mut [u8]) {
        put32(bytes, 0, self.block_bitmap);
        put32(bytes, 4, self.inode_bitmap);
        put32(bytes, 8, self.inode_table);
        put16(bytes, 12, self.free_blocks);
        put16(bytes, 14, self.free_inodes);
        put16(bytes, 16, self.used_dirs);
    }
}

// ---- Inodes: s_inode_size bytes each (128 in revision 0; often 256), in the inode tables ----

pub const ROOT_INODE: u32 = 2;
/// Block pointers in an inode: 12 direct, then single, double and triple indirect.
pub const DIRECT_BLOCKS: usize = 12;
pub const POINTERS: usize = 15;
/// Bytes of the 128-byte core inode; a larger inode's `i_extra_isize` counts the fields after it.
pub const CORE_INODE_SIZE: usize = 128;
/// What libext2fs puts in `i_extra_isize` for a new large inode (the fields up to `i_crtime_extra`).
pub const EXTRA_ISIZE: u16 = 32;
/// `i_flags`: the directory carries a hashed index (dir_index). Bramble keeps directories as
/// plain lists, which the index's blocks also are (they look like empty entries), so changing
/// such a directory clears the flag, as Linux's ext2 did before it knew indexes.
pub const FLAG_INDEX: u32 = 0x1000;

/// `i_mode`'s type bits (the top four) and the types.
pub const MODE_TYPE: u16 = 0xF000;
pub const MODE_FIFO: u16 = 0x1000;
pub const MODE_CHAR: u16 = 0x2000;
pub const MODE_DIR: u16 = 0x4000;
pub const MODE_BLOCK: u16 = 0x6000;
pub const MODE_FILE: u16 = 0x8000;
pub const MODE_SYMLINK: u16 = 0xA000;
pub const MODE_SOCKET: u16 = 0xC000;

#[derive(Clone)]
pub struct Inode {
    /// The whole on-disk inode (s_inode_size bytes).
    pub bytes: Vec<u8>,
}

impl Inode {
    /// A new, empty inode of this size: zeroes, with `i_extra_isize` set when there is room.
    pub fn new(size: usize) -> Inode {
        let mut inode = Inode { bytes: alloc::vec![0; size] };
        if size >= CORE_INODE_SIZE + EXTRA_ISIZE as usize {
            put16(&mut inode.bytes, CORE_INODE_SIZE, EXTRA_ISIZE);
        }
        inode
    }

    pub fn mode(&self) -> u16 {
        get16(&self.bytes, 0)
    }
    pub fn set_mode(&mut self, mode: u16) {
        put16(&mut self.bytes, 0, mode)
    }
    pub fn kind(&self) -> u16 {
        self.mode() & MODE_TYPE
    }
    pub fn is_dir(&self) -> bool {
        self.kind() == MODE_DIR
    }
    pub fn uid(&self) -> u16 {
        get16(&self.bytes, 2)
    }
    pub fn gid(&self) -> u16 {
        get16(&self.bytes, 24)
    }
    /// The size in bytes: with large_file, `i_size_high` (offset 108) holds the top 32 bits of
    /// a regular file's size; for a directory revision 1 calls that word `i_dir_acl`, unused.
    pub fn size(&self) -> u64 {
        let high = if self.kind() == MODE_FILE { get32(&self.bytes, 108) as u64 } else { 0 };
        (high << 32) | get32(&self.bytes, 4) as u64
    }
    pub fn set_size(&mut self, size: u64) {
        put32(&mut self.bytes, 4, size as u32);
        if self.kind() == MODE_FILE {
            put32(&mut self.bytes, 108, (size >> 32) as u32);
        }
    }
    pub fn atime(&self) -> u32 {
        get32(&self.bytes, 8)
    }
    pub fn set_atime(&mut self, time: u32) {
        put32(&mut self.bytes, 8, time)
    }
    pub fn ctime(&self) -> u32 {
        get32(&self.bytes, 12)
    }
    pub fn set_ctime(&mut self, time: u32) {
        put32(&mut self.bytes, 12, time)
    }
    pub fn mtime(&self) -> u32 {
        get32(&self.bytes, 16)
    }
    pub fn set_mtime(&mut self, time: u32) {
        put32(&mut self.bytes, 16, time)
    }
    /// Deletion time: non-zero only in a freed inode (e2fsck reads it so).
    pub fn set_dtime(&mut self, time: u32) {
        put32(&mut self.bytes, 20, time)
    }
    pub fn links(&self) -> u16 {
        get16(&self.bytes, 26)
    }
    pub fn set_links(&mut self, links: u16) {
        put16(&mut self.bytes, 26, links)
    }
    /// `i_blocks`: 512-byte sectors in use, counting indirect blocks and the attribute block.
    pub fn sectors(&self) -> u32 {
        get32(&self.bytes, 28)
    }
    pub fn set_sectors(&mut self, sectors: u32) {
        put32(&mut self.bytes, 28, sectors)
    }
    pub fn flags(&self) -> u32 {
        get32(&self.bytes, 32)
    }
    pub fn set_flags(&mut self, flags: u32) {
        put32(&mut self.bytes, 32, flags)
    }
    /// `i_block[index]`: a block number, or 0 for a hole.
    pub fn pointer(&self, index: usize) -> u32 {
        get32(&self.bytes, 40 + 4 * index)
    }
    pub fn set_pointer(&mut self, index: usize, block: u32) {
        put32(&mut self.bytes, 40 + 4 * index, block)
    }
    /// The 60 bytes of `i_block`, where a fast symlink keeps its target.
    pub fn pointer_bytes(&self) -> &[u8] {
        &self.bytes[40..40 + 4 * POINTERS]
    }
    pub fn pointer_bytes_mut(&mut self) -> &mut [u8] {
        &mut self.bytes[40..40 + 4 * POINTERS]
    }
    /// `i_file_acl`: the block of extended attributes (ext_attr), or 0.
    pub fn attribute_block(&self) -> u32 {
        get32(&self.bytes, 104)
    }
    pub fn set_attribute_block(&mut self, block: u32) {
        put32(&mut self.bytes, 104, block)
    }
}

/// The `file_type` byte of a directory entry (with the filetype feature) for an inode's mode.
pub fn entry_type(mode: u16) -> u8 {
    match mode & MODE_TYPE {
        MODE_FILE => 1,
        MODE_DIR => 2,
        MODE_CHAR => 3,
        MODE_BLOCK => 4,
        MODE_FIFO => 5,
        MODE_SOCKET => 6,
        MODE_SYMLINK => 7,
        _ => 0,
    }
}
