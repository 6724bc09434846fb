//! Block devices: storage read and written in whole 512-byte sectors.
//!
//! The SD card is one; so is each of its partitions, and the buffer cache in front of them.
//! A filesystem sees only this trait, which is why ext2 can be tested on the development
//! machine against a disk image held in memory.

use crate::errno::Errno;

pub mod cache;
pub mod mbr;

/// The unit every block device reads and writes, and the unit the MBR counts in.
pub const SECTOR: usize = 512;

// ANCHOR: block_device
pub trait BlockDevice {
    /// How many sectors the device holds.
    fn sectors(&self) -> u64;
    /// Fills `buffer` (a whole number of sectors) from sector `first` on. A failure
    /// (no card, a timeout, a CRC error, a sector past the end) is EIO.
    fn read(&mut self, first: u64, buffer: &mut [u8]) -> Result<(), Errno>;
    /// Writes `data` (a whole number of sectors) from sector `first` on.
    fn write(&mut self, first: u64, data: &[u8]) -> Result<(), Errno>;
    /// Makes every write so far reach the medium (a cache writes its dirty blocks).
    fn flush(&mut self) -> Result<(), Errno>;
}
// ANCHOR_END: block_device
