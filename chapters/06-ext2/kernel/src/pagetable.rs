//! AArch64 translation tables with the 4 KiB granule and 48-bit virtual addresses: the
//! descriptor format, and mapping, unmapping and translating addresses.
//!
//! A walk has four levels. Each table is one 4 KiB frame of 512 eight-byte descriptors,
//! indexed by nine bits of the virtual address: level 0 by bits 47:39, level 1 by 38:30,
//! level 2 by 29:21, level 3 by 20:12; bits 11:0 are the offset within the page. A level-1
//! or level-2 descriptor may be a block (1 GiB or 2 MiB mapped at once) instead of a table.
//!
//! This module only computes: it reads and writes tables through [`TableMemory`], which the
//! kernel implements with the linear map and the host tests with a fake physical memory.

use core::fmt;

/// Descriptors per table.
pub const ENTRIES: usize = 512;
/// What one level-2 block descriptor maps.
pub const BLOCK_SIZE: u64 = 2 << 20;

// ANCHOR: descriptor_bits
/// Bit 0: the descriptor is valid. An invalid one makes any access a translation fault.
const VALID: u64 = 1 << 0;
/// Bit 1: at levels 0-2, a table (set) or a block (clear); at level 3 it must be set (page).
const TABLE_OR_PAGE: u64 = 1 << 1;
/// Bits 4:2: which MAIR_EL1 attribute (memory type) applies; boot.s sets 0 and 1.
const ATTR_INDEX_SHIFT: u32 = 2;
pub const ATTR_DEVICE: u64 = 0;
pub const ATTR_NORMAL: u64 = 1;
/// AP[1], bit 6: EL0 may access the page too.
const AP_EL0: u64 = 1 << 6;
/// AP[2], bit 7: read-only (at every level that may access it).
const AP_READ_ONLY: u64 = 1 << 7;
/// Bits 9:8 = 0b11: inner shareable, coherent for all cores.
const INNER_SHAREABLE: u64 = 0b11 << 8;
/// Bit 11, not global: the TLB tags the translation with the current ASID, so that each
/// process's user pages are its own (see asid.rs). Kernel pages are global: the same in
/// every address space.
const NOT_GLOBAL: u64 = 1 << 11;
/// Bit 10, the access flag: clear, the first access faults (an access flag fault), which
/// lets software notice that a page was used.
const ACCESSED: u64 = 1 << 10;
/// Bit 53: not executable at EL1 (privileged execute-never).
const PXN: u64 = 1 << 53;
/// Bit 54: not executable at EL0 (unprivileged execute-never).
const UXN: u64 = 1 << 54;
/// Bits 47:12: the physical address of the next table, block or page.
const ADDRESS: u64 = 0x0000_ffff_ffff_f000;
// ANCHOR_END: descriptor_bits

// ANCHOR: attributes
/// What kind of memory a mapping is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum MemoryType {
    /// RAM: cacheable; accesses may be merged, reordered and speculated.
    Normal,
    /// Device registers: every access happens, in order, exactly as the program makes it.
    Device,
}

/// The permissions and memory type of a mapping.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Attributes {
    pub memory: MemoryType,
    pub writable: bool,
    pub executable: bool,
    /// Reachable from EL0 (user programs) as well as the kernel.
    pub user: bool,
}

impl Attributes {
    /// Kernel code: read-only and executable.
    pub const KERNEL_CODE: Attributes = Attributes {
        memory: MemoryType::Normal,
        writable: false,
        executable: true,
        user: false,
    };
    /// Kernel constants: read-only, never executed.
    pub const KERNEL_RODATA: Attributes = Attributes {
        memory: MemoryType::Normal,
        writable: false,
        executable: false,
        user: false,
    };
    /// Kernel data: writable, never executed.
    pub const KERNEL_DATA: Attributes = Attributes {
        memory: MemoryType::Normal,
        writable: true,
        executable: false,
        user: false,
    };
    /// Device registers: writable, never executed (speculative instruction fetches from
    /// device memory could touch registers).
    pub const DEVICE: Attributes = Attributes {
        memory: MemoryType::Device,
        writable: true,
        executable: false,
        user: false,
    };

    /// A user page: readable by EL0 and the kernel; writable or executable (never both, W^X)
    /// as asked.
    pub const fn user(writable: bool, executable: bool) -> Attributes {
        Attributes {
            memory: MemoryType::Normal,
            writable,
            executable,
            user: true,
        }
    }

    /// All of RAM while the kernel boots, before it tells its code from its data (boot.s).
    pub const BOOT_RAM: Attributes = Attributes {
        memory: MemoryType::Normal,
        writable: true,
        executable: true,
        user: false,
    };

    /// The descriptor bits for these attributes (the access flag set).
    pub const fn bits(self) -> u64 {
        let (attr, shareability) = match self.memory {
            MemoryType::Normal => (ATTR_NORMAL, INNER_SHAREABLE),
            MemoryType::Device => (ATTR_DEVICE, 0),
        };
        let mut bits = attr << ATTR_INDEX_SHIFT | shareability | ACCESSED;
        if !self.writable {
            bits |= AP_READ_ONLY;
        }
        if self.user {
            bits |= AP_EL0 | NOT_GLOBAL;
        }
        // Executable for exactly one level: kernel code never at EL0, user code never at
        // EL1 (the kernel must not be tricked into running code a user program wrote).
        bits |= match (self.executable, self.user) {
            (true, false) => UXN,
            (true, true) => PXN,
            (false, _) => PXN | UXN,
        };
        bits
    }

    fn from_bits(descriptor: u64) -> Attributes {
        let memory = if (descriptor >> ATTR_INDEX_SHIFT) & 0b111 == ATTR_DEVICE {
            MemoryType::Device
        } else {
            MemoryType::Normal
        };
        let user = descriptor & AP_EL0 != 0;
        let never = if user { UXN } else { PXN };
        Attributes {
            memory,
            writable: descriptor & AP_READ_ONLY == 0,
            executable: descriptor & never == 0,
            user,
        }
    }
}
// ANCHOR_END: attributes

impl fmt::Display for Attributes {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let memory = match self.memory {
            MemoryType::Normal => "normal",
            MemoryType::Device => "device",
        };
        let access = if self.writable {
            "read-write"
        } else {
            "read-only"
        };
        let execute = if self.executable {
            "executable"
        } else {
            "execute-never"
        };
        let who = if self.user { "user" } else { "kernel" };
        write!(f, "{memory}, {access}, {execute}, {who}")
    }
}

// ANCHOR: descriptor
/// A descriptor, decoded; `level` (0-3) decides between block and page.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Descriptor {
    Invalid,
    /// The next level's table, at this physical address.
    Table(u64),
    /// A block (level 1 or 2) or page (level 3) of memory at this physical address.
    Leaf {
        pa: u64,
        attributes: Attributes,
        accessed: bool,
    },
}

impl Descriptor {
    pub fn decode(raw: u64, level: u8) -> Descriptor {
        if raw & VALID == 0 {
            Descriptor::Invalid
        } else if raw & TABLE_OR_PAGE != 0 && level < 3 {
            Descriptor::Table(raw & ADDRESS)
        } else if raw & TABLE_OR_PAGE == 0 && (level == 0 || level == 3) {
            // Level 0 has no blocks with this granule, and a level-3 entry must be a page.
            Descriptor::Invalid
        } else {
            Descriptor::Leaf {
                pa: raw & ADDRESS,
                attributes: Attributes::from_bits(raw),
                accessed: raw & ACCESSED != 0,
            }
        }
    }
}

/// A table descriptor pointing at the table at `pa`.
pub const fn table_descriptor(pa: u64) -> u64 {
    pa | TABLE_OR_PAGE | VALID
}

/// A leaf descriptor: a level-3 page or a level-1/2 block.
pub const fn leaf_descriptor(pa: u64, attributes: Attributes, level: u8) -> u64 {
    let kind = if level == 3 { TABLE_OR_PAGE } else { 0 };
    pa | attributes.bits() | kind | VALID
}
// ANCHOR_END: descriptor

/// Which descriptor of a level-`level` table translates `va`.
pub fn index(va: u64, level: u8) -> usize {
    ((va >> (39 - 9 * level as u32)) & (ENTRIES as u64 - 1)) as usize
}

/// How much one leaf descriptor maps at `level`: 512 GiB (unused), 1 GiB, 2 MiB, 4 KiB.
fn leaf_size(level: u8) -> u64 {
    1 << (39 - 9 * level as u32)
}

// ANCHOR: table_memory
/// How the page-table code reaches physical memory: tables are named by physical address.
pub trait TableMemory {
    /// Descriptor `index` of the table at physical address `table`.
    fn read(&self, table: u64, index: usize) -> u64;
    fn write(&mut self, table: u64, index: usize, descriptor: u64);
    /// A new table: a zeroed frame (all descriptors invalid), or None when memory is full.
    fn alloc_table(&mut self) -> Option<u64>;
    /// Gives back a table that `alloc_table` returned.
    fn free_table(&mut self, table: u64);
}
// ANCHOR_END: table_memory

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum MapError {
    /// Something is already mapped there.
    AlreadyMapped,
    /// Nothing is mapped there.
    NotMapped,
    /// No frame was left for a table.
    OutOfMemory,
    /// An address that is not a multiple of the mapping's size.
    Misaligned,
}

impl fmt::Display for MapError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(match self {
            MapError::AlreadyMapped => "already mapped",
            MapError::NotMapped => "not mapped",
            MapError::OutOfMemory => "out of memory for page tables",
            MapError::Misaligned => "address not aligned to the mapping size",
        })
    }
}

/// What a virtual address translates to.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Translation {
    pub pa: u64,
    pub attributes: Attributes,
    /// The level of the leaf descriptor: 1 or 2 for a block, 3 for a page.
    pub level: u8,
}

/// The descriptors a walk read, one per level until it stopped.
pub struct Walk {
    /// (level, index, raw descriptor), from level 0 down.
    pub steps: [(u8, usize, u64); 4],
    pub len: usize,
}

/// One translation table tree: a level-0 table and everything below it.
pub struct PageTable {
    root: u64,
}

impl PageTable {
    /// An empty tree: a level-0 table with every descriptor invalid.
    pub fn new(memory: &mut impl TableMemory) -> Result<PageTable, MapError> {
        Ok(PageTable {
            root: memory.alloc_table().ok_or(MapError::OutOfMemory)?,
        })
    }

    /// The physical address of the level-0 table, for TTBR0_EL1 or TTBR1_EL1.
    pub fn root(&self) -> u64 {
        self.root
    }

    // ANCHOR: map
    /// Maps the page (`level` 3) or block (`level` 2 or 1) at `va` to `pa`, allocating the
    /// tables on the way that do not exist yet.
    pub fn map(
        &mut self,
        memory: &mut impl TableMemory,
        va: u64,
        pa: u64,
        level: u8,
        attributes: Attributes,
    ) -> Result<(), MapError> {
        let size = leaf_size(level);
        if va % size != 0 || pa % size != 0 || !(1..=3).contains(&level) {
            return Err(MapError::Misaligned);
        }
        let mut table = self.root;
        for walk_level in 0..level {
            let slot = index(va, walk_level);
            table = match Descriptor::decode(memory.read(table, slot), walk_level) {
                Descriptor::Table(next) => next,
                Descriptor::Invalid => {
                    let next = memory.alloc_table().ok_or(MapError::OutOfMemory)?;
                    memory.write(table, slot, table_descriptor(next));
                    next
                }
                Descriptor::Leaf { .. } => return Err(MapError::AlreadyMapped),
            };
        }
        let slot = index(va, level);
        if Descriptor::decode(memory.read(table, slot), level) != Descriptor::Invalid {
            return Err(MapError::AlreadyMapped);
        }
        memory.write(table, slot, leaf_descriptor(pa, attributes, level));
        Ok(())
    }
    // ANCHOR_END: map

    /// Maps `size` bytes at `va` to `pa`, with 2 MiB blocks wherever both addresses are
    /// aligned for one and enough is left, and 4 KiB pages elsewhere.
    pub fn map_range(
        &mut self,
        memory: &mut impl TableMemory,
        va: u64,
        pa: u64,
        size: u64,
        attributes: Attributes,
    ) -> Result<(), MapError> {
        let mut done = 0;
        while done < size {
            let (va, pa) = (va + done, pa + done);
            let level = if va % BLOCK_SIZE == 0 && pa % BLOCK_SIZE == 0 && size - done >= BLOCK_SIZE
            {
                2
            } else {
                3
            };
            self.map(memory, va, pa, level, attributes)?;
            done += leaf_size(level);
        }
        Ok(())
    }

    // ANCHOR: unmap
    /// Removes the page or block that maps `va`, returning the physical address it mapped.
    /// Tables left empty are freed, from the bottom up (the root stays). The caller must
    /// then invalidate the TLB for `va`: the processor may still hold the old translation.
    pub fn unmap(&mut self, memory: &mut impl TableMemory, va: u64) -> Result<u64, MapError> {
        // The tables visited, to climb back up through.
        let mut path = [0u64; 4];
        let mut table = self.root;
        for level in 0..4u8 {
            path[level as usize] = table;
            let slot = index(va, level);
            match Descriptor::decode(memory.read(table, slot), level) {
                Descriptor::Invalid => return Err(MapError::NotMapped),
                Descriptor::Table(next) => table = next,
                Descriptor::Leaf { pa, .. } => {
                    memory.write(table, slot, 0);
                    self.free_empty_tables(memory, va, &path, level);
                    return Ok(pa);
                }
            }
        }
        unreachable!("a level-3 descriptor is a page or invalid")
    }

    /// After a leaf was removed from the level-`level` table on `path`, frees that table if
    /// it is now empty, then its parent if that is now empty, and so on below the root.
    fn free_empty_tables(
        &mut self,
        memory: &mut impl TableMemory,
        va: u64,
        path: &[u64; 4],
        level: u8,
    ) {
        for level in (1..=level).rev() {
            let table = path[level as usize];
            if (0..ENTRIES).any(|slot| memory.read(table, slot) != 0) {
                return;
            }
            let parent = path[level as usize - 1];
            memory.write(parent, index(va, level - 1), 0);
            memory.free_table(table);
        }
    }
    // ANCHOR_END: unmap

    // ANCHOR: translate
    /// What `va` translates to, as the processor's walk would find it; None if unmapped.
    pub fn translate(&self, memory: &impl TableMemory, va: u64) -> Option<Translation> {
        let walk = self.walk(memory, va);
        let (level, _, raw) = walk.steps[walk.len - 1];
        match Descriptor::decode(raw, level) {
            Descriptor::Leaf { pa, attributes, .. } => {
                let offset = va & (leaf_size(level) - 1);
                Some(Translation {
                    pa: pa + offset,
                    attributes,
                    level,
                })
            }
            _ => None,
        }
    }

    /// The descriptors a walk for `va` reads, down to the first leaf or invalid one.
    pub fn walk(&self, memory: &impl TableMemory, va: u64) -> Walk {
        let mut walk = Walk {
            steps: [(0, 0, 0); 4],
            len: 0,
        };
        let mut table = self.root;
        for level in 0..4u8 {
            let slot = index(va, level);
            let raw = memory.read(table, slot);
            walk.steps[walk.len] = (level, slot, raw);
            walk.len += 1;
            match Descriptor::decode(raw, level) {
                Descriptor::Table(next) => table = next,
                _ => break,
            }
        }
        walk
    }
    // ANCHOR_END: translate

    // ANCHOR: pages
    /// Calls `each(va, pa, attributes)` for every level-3 page in the lower half's tree, in
    /// address order (user address spaces map pages only, never blocks).
    pub fn for_each_page(&self, memory: &impl TableMemory, each: &mut impl FnMut(u64, u64, Attributes)) {
        self.visit(memory, self.root, 0, 0, each);
    }

    fn visit(&self, memory: &impl TableMemory, table: u64, level: u8, base: u64, each: &mut impl FnMut(u64, u64, Attributes)) {
        for slot in 0..ENTRIES {
            let va = base | (slot as u64) << (39 - 9 * level as u32);
            match Descriptor::decode(memory.read(table, slot), level) {
                Descriptor::Table(next) => self.visit(memory, next, level + 1, va, each),
                Descriptor::Leaf { pa, attributes, .. } if level == 3 => each(va, pa, attributes),
                _ => {}
            }
        }
    }

    /// Gives the page at `va`, which must be mapped by a level-3 descriptor, new attributes
    /// and frame. The caller invalidates the TLB's copy.
    pub fn remap(&mut self, memory: &mut impl TableMemory, va: u64, pa: u64, attributes: Attributes) -> Result<(), MapError> {
        let mut table = self.root;
        for level in 0..3u8 {
            match Descriptor::decode(memory.read(table, index(va, level)), level) {
                Descriptor::Table(next) => table = next,
                _ => return Err(MapError::NotMapped),
            }
        }
        let slot = index(va, 3);
        if Descriptor::decode(memory.read(table, slot), 3) == Descriptor::Invalid {
            return Err(MapError::NotMapped);
        }
        memory.write(table, slot, leaf_descriptor(pa, attributes, 3));
        Ok(())
    }

    /// Frees every table of the tree, the root last. The pages they map must have been
    /// dealt with already (their frames are not touched).
    pub fn free_tables(self, memory: &mut impl TableMemory) {
        fn free(memory: &mut impl TableMemory, table: u64, level: u8) {
            for slot in 0..ENTRIES {
                if let Descriptor::Table(next) = Descriptor::decode(memory.read(table, slot), level) {
                    free(memory, next, level + 1);
                }
            }
            memory.free_table(table);
        }
        free(memory, self.root, 0);
    }
    // ANCHOR_END: pages
}

impl fmt::Display for Descriptor {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match *self {
            Descriptor::Invalid => f.write_str("invalid"),
            Descriptor::Table(pa) => write!(f, "table at {pa:#x}"),
            Descriptor::Leaf {
                pa,
                attributes,
                accessed,
            } => {
                write!(
                    f,
                    "maps {pa:#x}: {attributes}{}",
                    if accessed { "" } else { ", not yet accessed" }
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// Physical memory for tests: tables by address, handed out from 0x1000 up, with
    /// freed ones recorded so a test can see them go.
    struct FakeMemory {
        tables: BTreeMap<u64, [u64; ENTRIES]>,
        next: u64,
        limit: usize,
        freed: Vec<u64>,
    }

    impl FakeMemory {
        fn new() -> Self {
            FakeMemory {
                tables: BTreeMap::new(),
                next: 0x1000,
                limit: usize::MAX,
                freed: Vec::new(),
            }
        }
    }

    impl TableMemory for FakeMemory {
        fn read(&self, table: u64, index: usize) -> u64 {
            self.tables[&table][index]
        }
        fn write(&mut self, table: u64, index: usize, descriptor: u64) {
            self.tables.get_mut(&table).expect("a live table")[index] = descriptor;
        }
        fn alloc_table(&mut self) -> Option<u64> {
            if self.tables.len() >= self.limit {
                return None;
            }
            let table = self.next;
            self.next += 4096;
            self.tables.insert(table, [0; ENTRIES]);
            Some(table)
        }
        fn free_table(&mut self, table: u64) {
            self.tables.remove(&table).expect("a live table");
            self.freed.push(table);
        }
    }

    const KERNEL: u64 = 0xffff_0000_0000_0000;

    #[test]
    fn the_address_picks_one_descriptor_per_level() {
        let va = KERNEL | 0x0000_0080_4020_3000 | 0x123;
        assert_eq!(
            [index(va, 0), index(va, 1), index(va, 2), index(va, 3)],
            [1, 1, 1, 3]
        );
    }

    #[test]
    fn descriptor_bits_follow_the_architecture() {
        // Kernel code: normal (AttrIndx 1), inner shareable, accessed, read-only, UXN.
        assert_eq!(
            Attributes::KERNEL_CODE.bits(),
            1 << 54 | 1 << 10 | 0b11 << 8 | 1 << 7 | 1 << 2
        );
        // Device registers: AttrIndx 0, not shareable, writable, never executable.
        assert_eq!(Attributes::DEVICE.bits(), 1 << 54 | 1 << 53 | 1 << 10);
        for attributes in [
            Attributes::KERNEL_CODE,
            Attributes::KERNEL_RODATA,
            Attributes::KERNEL_DATA,
            Attributes::DEVICE,
        ] {
            assert_eq!(
                Descriptor::decode(leaf_descriptor(0x8_0000, attributes, 3), 3),
                Descriptor::Leaf {
                    pa: 0x8_0000,
                    attributes,
                    accessed: true
                }
            );
        }
    }

    #[test]
    fn map_builds_the_missing_tables_and_translate_finds_the_page() {
        let mut memory = FakeMemory::new();
        let mut table = PageTable::new(&mut memory).unwrap();
        assert_eq!(
            table.root(),
            0x1000,
            "the root is the first table allocated"
        );
        table
            .map(
                &mut memory,
                KERNEL + 0x8_0000,
                0x8_0000,
                3,
                Attributes::KERNEL_CODE,
            )
            .unwrap();
        assert_eq!(memory.tables.len(), 4);
        let found = table.translate(&memory, KERNEL + 0x8_0123).unwrap();
        assert_eq!(
            found,
            Translation {
                pa: 0x8_0123,
                attributes: Attributes::KERNEL_CODE,
                level: 3
            }
        );
        assert_eq!(table.translate(&memory, KERNEL + 0x9_0000), None);
        assert_eq!(
            table.map(
                &mut memory,
                KERNEL + 0x8_0000,
                0x9_0000,
                3,
                Attributes::KERNEL_DATA
            ),
            Err(MapError::AlreadyMapped)
        );
    }

    #[test]
    fn blocks_where_aligned_pages_elsewhere() {
        let mut memory = FakeMemory::new();
        let mut table = PageTable::new(&mut memory).unwrap();
        // 4 KiB short of 2 MiB, then two whole blocks.
        table
            .map_range(
                &mut memory,
                KERNEL + 0x1000,
                0x1000,
                3 * BLOCK_SIZE - 0x1000,
                Attributes::KERNEL_DATA,
            )
            .unwrap();
        assert_eq!(table.translate(&memory, KERNEL + 0x1000).unwrap().level, 3);
        assert_eq!(
            table
                .translate(&memory, KERNEL + BLOCK_SIZE + 0x5678)
                .unwrap(),
            Translation {
                pa: BLOCK_SIZE + 0x5678,
                attributes: Attributes::KERNEL_DATA,
                level: 2
            }
        );
        assert_eq!(table.translate(&memory, KERNEL + 3 * BLOCK_SIZE), None);
        // Level 0, level 1, one level-2 table, one level-3 table for the first 2 MiB.
        assert_eq!(memory.tables.len(), 4);
        let walk = table.walk(&memory, KERNEL + BLOCK_SIZE);
        assert_eq!(walk.len, 3);
    }

    #[test]
    fn unmap_frees_tables_that_become_empty() {
        let mut memory = FakeMemory::new();
        let mut table = PageTable::new(&mut memory).unwrap();
        table
            .map(
                &mut memory,
                KERNEL + 0x8_0000,
                0x8_0000,
                3,
                Attributes::KERNEL_DATA,
            )
            .unwrap();
        table
            .map(
                &mut memory,
                KERNEL + 0x8_1000,
                0x7_0000,
                3,
                Attributes::KERNEL_DATA,
            )
            .unwrap();
        assert_eq!(table.unmap(&mut memory, KERNEL + 0x8_1000), Ok(0x7_0000));
        assert!(
            memory.freed.is_empty(),
            "the level-3 table still maps a page"
        );
        assert_eq!(table.unmap(&mut memory, KERNEL + 0x8_0000), Ok(0x8_0000));
        assert_eq!(memory.freed.len(), 3, "levels 3, 2 and 1 are empty now");
        assert_eq!(memory.tables.len(), 1, "only the root is left");
        assert_eq!(
            table.unmap(&mut memory, KERNEL + 0x8_0000),
            Err(MapError::NotMapped)
        );
    }

    #[test]
    fn pages_are_visited_remapped_and_their_tables_freed() {
        let mut memory = FakeMemory::new();
        let mut table = PageTable::new(&mut memory).unwrap();
        let user = Attributes::user(true, false);
        table.map(&mut memory, 0x40_0000, 0x8000, 3, user).unwrap();
        table.map(&mut memory, 0x7fff_0000_0000, 0x9000, 3, user).unwrap();
        let mut seen = Vec::new();
        table.for_each_page(&memory, &mut |va, pa, attributes| seen.push((va, pa, attributes.writable)));
        assert_eq!(seen, [(0x40_0000, 0x8000, true), (0x7fff_0000_0000, 0x9000, true)]);
        table.remap(&mut memory, 0x40_0000, 0xa000, Attributes::user(false, false)).unwrap();
        let found = table.translate(&memory, 0x40_0000).unwrap();
        assert_eq!((found.pa, found.attributes.writable), (0xa000, false));
        assert_eq!(table.remap(&mut memory, 0x50_0000, 0, user), Err(MapError::NotMapped));
        assert_ne!(user.bits() & NOT_GLOBAL, 0, "user pages are tagged with the ASID");
        table.free_tables(&mut memory);
        assert!(memory.tables.is_empty());
    }

    #[test]
    fn running_out_of_frames_is_an_error() {
        let mut memory = FakeMemory::new();
        memory.limit = 2;
        let mut table = PageTable::new(&mut memory).unwrap();
        assert_eq!(
            table.map(&mut memory, KERNEL, 0, 3, Attributes::KERNEL_DATA),
            Err(MapError::OutOfMemory)
        );
        assert_eq!(
            table.map(&mut memory, KERNEL + 1, 0, 3, Attributes::KERNEL_DATA),
            Err(MapError::Misaligned)
        );
    }
}
