//! The MBR: the IBM PC's partition table in sector 0, which the Pi's firmware reads to find
//! its FAT boot partition, and Bramble to find its root.
//!
//! Sector 0 ends with 0x55 0xAA; before that, at byte 446, four 16-byte entries: a status
//! byte, a CHS address nobody uses any more, the partition's type, another CHS address, then
//! the first sector and the number of sectors as 32-bit little-endian numbers.

use alloc::vec::Vec;
use core::fmt;

use super::{BlockDevice, SECTOR};
use crate::errno::Errno;

const ENTRIES_AT: usize = 446;
const ENTRY_SIZE: usize = 16;
/// MBR partition types Bramble knows by name.
pub const TYPE_FAT32_LBA: u8 = 0x0C;
pub const TYPE_LINUX: u8 = 0x83;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PartitionEntry {
    /// 1 to 4: the entry's place in the table (Linux's mmcblk0p1..p4).
    pub number: usize,
    pub kind: u8,
    pub first: u64,
    pub sectors: u64,
}

impl PartitionEntry {
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            TYPE_FAT32_LBA => "FAT32",
            TYPE_LINUX => "Linux",
            _ => "other",
        }
    }
}

/// Why a partition table is unusable, each said in one line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MbrError {
    /// Sector 0 does not end in 0x55 0xAA: no partition table at all.
    NoSignature,
    /// Entry `n` reaches past the end of the disk.
    PastEnd(usize),
    /// Entries `a` and `b` overlap.
    Overlap(usize, usize),
}

impl fmt::Display for MbrError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            MbrError::NoSignature => write!(f, "no partition table: sector 0 does not end in 0x55 0xAA"),
            MbrError::PastEnd(n) => write!(f, "a bad partition table: partition {n} reaches past the end of the disk"),
            MbrError::Overlap(a, b) => write!(f, "a bad partition table: partitions {a} and {b} overlap"),
        }
    }
}

// ANCHOR: mbr_parse
/// The partitions that sector 0 lists (empty entries left out), checked against the disk's size.
pub fn parse(sector: &[u8; SECTOR], disk_sectors: u64) -> Result<Vec<PartitionEntry>, MbrError> {
    if sector[510] != 0x55 || sector[511] != 0xAA {
        return Err(MbrError::NoSignature);
    }
    let mut partitions = Vec::new();
    for index in 0..4 {
        let entry = &sector[ENTRIES_AT + ENTRY_SIZE * index..ENTRIES_AT + ENTRY_SIZE * (index + 1)];
        let word = |at: usize| u32::from_le_bytes([entry[at], entry[at + 1], entry[at + 2], entry[at + 3]]) as u64;
        let (kind, first, sectors) = (entry[4], word(8), word(12));
        if kind == 0 || sectors == 0 {
            continue;
        }
        if first + sectors > disk_sectors {
            return Err(MbrError::PastEnd(index + 1));
        }
        let this = PartitionEntry { number: index + 1, kind, first, sectors };
        if let Some(other) = partitions.iter().find(|other: &&PartitionEntry| first < other.first + other.sectors && other.first < first + sectors) {
            return Err(MbrError::Overlap(other.number, this.number));
        }
        partitions.push(this);
    }
    Ok(partitions)
}
// ANCHOR_END: mbr_parse

// ANCHOR: partition
/// One partition as a block device of its own: sector 0 is the partition's first, and no
/// access reaches outside it.
pub struct Partition<D: BlockDevice> {
    pub device: D,
    pub entry: PartitionEntry,
}
// ANCHOR_END: partition

impl<D: BlockDevice> Partition<D> {
    fn check(&self, first: u64, bytes: usize) -> Result<u64, Errno> {
        let count = (bytes / SECTOR) as u64;
        if first.checked_add(count).is_none_or(|end| end > self.entry.sectors) {
            return Err(Errno::EIO);
        }
        Ok(self.entry.first + first)
    }
}

impl<D: BlockDevice> BlockDevice for Partition<D> {
    fn sectors(&self) -> u64 {
        self.entry.sectors
    }
    fn read(&mut self, first: u64, buffer: &mut [u8]) -> Result<(), Errno> {
        let at = self.check(first, buffer.len())?;
        self.device.read(at, buffer)
    }
    fn write(&mut self, first: u64, data: &[u8]) -> Result<(), Errno> {
        let at = self.check(first, data.len())?;
        self.device.write(at, data)
    }
    fn flush(&mut self) -> Result<(), Errno> {
        self.device.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(entries: &[(u8, u32, u32)]) -> [u8; SECTOR] {
        let mut sector = [0; SECTOR];
        for (index, &(kind, first, sectors)) in entries.iter().enumerate() {
            let at = ENTRIES_AT + ENTRY_SIZE * index;
            sector[at + 4] = kind;
            sector[at + 8..at + 12].copy_from_slice(&first.to_le_bytes());
            sector[at + 12..at + 16].copy_from_slice(&sectors.to_le_bytes());
        }
        sector[510] = 0x55;
        sector[511] = 0xAA;
        sector
    }

    #[test]
    fn a_pi_card_s_table_lists_its_boot_and_root_partitions() {
        let parts = parse(&table(&[(0x0C, 2048, 67584), (0x83, 69632, 61440)]), 131072).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[1], PartitionEntry { number: 2, kind: TYPE_LINUX, first: 69632, sectors: 61440 });
        assert_eq!(parts[0].type_name(), "FAT32");
    }

    #[test]
    fn a_missing_signature_a_partition_past_the_end_and_overlaps_are_errors() {
        let mut unsigned = table(&[(0x83, 1, 10)]);
        unsigned[511] = 0;
        assert_eq!(parse(&unsigned, 100), Err(MbrError::NoSignature));
        assert_eq!(parse(&table(&[(0x83, 50, 51)]), 100), Err(MbrError::PastEnd(1)));
        assert_eq!(parse(&table(&[(0x0C, 10, 20), (0x83, 29, 5)]), 100), Err(MbrError::Overlap(1, 2)));
        assert_eq!(MbrError::Overlap(1, 2).to_string(), "a bad partition table: partitions 1 and 2 overlap");
    }

    struct Disk(Vec<u8>);
    impl BlockDevice for Disk {
        fn sectors(&self) -> u64 {
            (self.0.len() / SECTOR) as u64
        }
        fn read(&mut self, first: u64, buffer: &mut [u8]) -> Result<(), Errno> {
            let at = first as usize * SECTOR;
            buffer.copy_from_slice(&self.0[at..at + buffer.len()]);
            Ok(())
        }
        fn write(&mut self, first: u64, data: &[u8]) -> Result<(), Errno> {
            let at = first as usize * SECTOR;
            self.0[at..at + data.len()].copy_from_slice(data);
            Ok(())
        }
        fn flush(&mut self) -> Result<(), Errno> {
            Ok(())
        }
    }

    #[test]
    fn a_partition_device_shifts_sectors_and_refuses_to_leave_the_partition() {
        let entry = PartitionEntry { number: 2, kind: TYPE_LINUX, first: 4, sectors: 2 };
        let mut partition = Partition { device: Disk(vec![0; 8 * SECTOR]), entry };
        partition.write(1, &[7; SECTOR]).unwrap();
        assert_eq!(partition.device.0[5 * SECTOR], 7);
        assert_eq!(partition.device.0[4 * SECTOR], 0);
        assert_eq!(partition.write(1, &[7; 2 * SECTOR]), Err(Errno::EIO));
        assert_eq!(partition.read(2, &mut [0; SECTOR]), Err(Errno::EIO));
        assert_eq!(partition.read(u64::MAX, &mut [0; SECTOR]), Err(Errno::EIO));
    }
}
