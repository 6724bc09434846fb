//! The buffer cache: a bounded number of 4 KiB lines of the disk kept in memory, in front of
//! a block device, and itself a block device.
//!
//! Reads of a cached line cost no trip to the card. Writes change the line in memory and mark
//! it dirty (write-back); the card sees them when the line is evicted or at `flush` (sync).
//! When every line is taken, the least recently used one makes room, written back first if it
//! is dirty. A line is a run of 8 sectors aligned to 8, so an ext2 block of 1 KiB or 4 KiB never
//! spans two lines.
//!
//! States of a line: absent → clean (read from the disk) → dirty (written) → clean again
//! (written back by flush), or → absent (evicted; written back first if dirty).
//!
//! The cache takes all its memory when it is made (its lines, and a table that finds a line
//! by its sector) and never allocates again: what the disk is doing never shows as memory in
//! use, and the kernel's count of frames stays the same from one program to the next.

use alloc::vec;
use alloc::vec::Vec;

use super::{BlockDevice, SECTOR};
use crate::errno::Errno;

pub const LINE_SECTORS: u64 = 8;
pub const LINE_BYTES: usize = LINE_SECTORS as usize * SECTOR;

// ANCHOR: cache
/// A line's `start` when it holds nothing.
const EMPTY: u64 = u64::MAX;

struct Line {
    /// The number of its first sector, or EMPTY.
    start: u64,
    data: Vec<u8>,
    dirty: bool,
    /// When it was last used, on the cache's own clock of accesses: the smallest is evicted.
    used: u64,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Line lookups found in the cache, and not.
    pub hits: u64,
    pub misses: u64,
    /// Lines written to the device (at eviction or flush).
    pub write_backs: u64,
}

pub struct Cache<D: BlockDevice> {
    pub device: D,
    lines: Vec<Line>,
    /// Which line holds a sector: a hash table with open addressing, each bucket a line's
    /// index plus one (0 for none), twice as many buckets as lines so that probes stay short.
    table: Vec<usize>,
    clock: u64,
    pub stats: CacheStats,
}
// ANCHOR_END: cache

impl<D: BlockDevice> Cache<D> {
    /// A cache of `capacity` lines (at least one) in front of `device`, all allocated now.
    pub fn new(device: D, capacity: usize) -> Cache<D> {
        let capacity = capacity.max(1);
        let lines = (0..capacity).map(|_| Line { start: EMPTY, data: vec![0; LINE_BYTES], dirty: false, used: 0 }).collect();
        Cache { device, lines, table: vec![0; 2 * capacity], clock: 0, stats: CacheStats::default() }
    }

    pub fn capacity(&self) -> usize {
        self.lines.len()
    }

    pub fn cached(&self) -> usize {
        self.lines.iter().filter(|line| line.start != EMPTY).count()
    }

    pub fn dirty(&self) -> usize {
        self.lines.iter().filter(|line| line.dirty).count()
    }

    /// Sectors in the line starting at `start` (the device's last line may be short).
    fn line_sectors(&self, start: u64) -> u64 {
        LINE_SECTORS.min(self.device.sectors() - start)
    }

    // ANCHOR: table
    /// The bucket where the search for the line starting at `start` begins. Lines are numbered
    /// in sector order, and neighbours go to neighbouring buckets: a file read in order fills
    /// the table without collisions.
    fn home(&self, start: u64) -> usize {
        ((start / LINE_SECTORS) % self.table.len() as u64) as usize
    }

    /// The bucket holding the line starting at `start`, if one does.
    fn bucket_of(&self, start: u64) -> Option<usize> {
        let mut bucket = self.home(start);
        loop {
            match self.table[bucket] {
                0 => return None,
                slot if self.lines[slot - 1].start == start => return Some(bucket),
                _ => bucket = (bucket + 1) % self.table.len(),
            }
        }
    }

    fn insert(&mut self, slot: usize) {
        let mut bucket = self.home(self.lines[slot].start);
        while self.table[bucket] != 0 {
            bucket = (bucket + 1) % self.table.len();
        }
        self.table[bucket] = slot + 1;
    }

    /// Empties `bucket`, then moves back each later entry of its run that may not be searched
    /// for past the hole (its home is not after the hole), so every search still finds it.
    fn remove(&mut self, mut bucket: usize) {
        let size = self.table.len();
        let mut next = bucket;
        loop {
            next = (next + 1) % size;
            let slot = self.table[next];
            if slot == 0 {
                break;
            }
            let home = self.home(self.lines[slot - 1].start);
            // Distances along the circle: from the entry's home to where it is, and to the hole.
            if (next + size - home) % size >= (next + size - bucket) % size {
                self.table[bucket] = slot;
                bucket = next;
            }
        }
        self.table[bucket] = 0;
    }
    // ANCHOR_END: table

    // ANCHOR: cache_line
    /// The line holding sector `start` (a multiple of LINE_SECTORS), read in unless `whole`
    /// says the caller is about to overwrite all of it.
    fn line(&mut self, start: u64, whole: bool) -> Result<&mut Line, Errno> {
        self.clock += 1;
        let slot = match self.bucket_of(start) {
            Some(bucket) => {
                self.stats.hits += 1;
                self.table[bucket] - 1
            }
            None => {
                self.stats.misses += 1;
                let slot = match self.lines.iter().position(|line| line.start == EMPTY) {
                    Some(free) => free,
                    None => self.evict()?,
                };
                let length = self.line_sectors(start) as usize * SECTOR;
                if !whole {
                    self.device.read(start, &mut self.lines[slot].data[..length])?;
                }
                self.lines[slot].start = start;
                self.insert(slot);
                slot
            }
        };
        let line = &mut self.lines[slot];
        line.used = self.clock;
        Ok(line)
    }
    // ANCHOR_END: cache_line

    // ANCHOR: cache_evict
    /// Empties the least recently used line, writing it back first if it is dirty, and
    /// returns it. If the write fails the line stays (and stays dirty), so no data is lost
    /// behind the EIO.
    fn evict(&mut self) -> Result<usize, Errno> {
        let slot = (0..self.lines.len()).min_by_key(|&slot| self.lines[slot].used).ok_or(Errno::EIO)?;
        self.write_back(slot)?;
        let bucket = self.bucket_of(self.lines[slot].start).ok_or(Errno::EIO)?;
        self.remove(bucket);
        self.lines[slot].start = EMPTY;
        Ok(slot)
    }

    /// Writes line `slot` to the device if it is dirty.
    fn write_back(&mut self, slot: usize) -> Result<(), Errno> {
        let start = self.lines[slot].start;
        if self.lines[slot].dirty {
            let length = self.line_sectors(start) as usize * SECTOR;
            self.device.write(start, &self.lines[slot].data[..length])?;
            self.lines[slot].dirty = false;
            self.stats.write_backs += 1;
        }
        Ok(())
    }
    // ANCHOR_END: cache_evict

    /// The pieces of a request for `bytes` bytes from sector `first`, one per line it touches:
    /// the line's first sector, the offset in the line, and the range of the request's bytes.
    fn pieces(first: u64, bytes: usize) -> impl Iterator<Item = (u64, usize, core::ops::Range<usize>)> {
        let sectors = (bytes / SECTOR) as u64;
        let mut sector = first;
        core::iter::from_fn(move || {
            if sector >= first + sectors {
                return None;
            }
            let start = sector - sector % LINE_SECTORS;
            let end = (start + LINE_SECTORS).min(first + sectors);
            let within = (sector - start) as usize * SECTOR;
            let range = (sector - first) as usize * SECTOR..(end - first) as usize * SECTOR;
            sector = end;
            Some((start, within, range))
        })
    }

    fn check(&self, first: u64, bytes: usize) -> Result<(), Errno> {
        let end = first.checked_add((bytes / SECTOR) as u64).ok_or(Errno::EIO)?;
        if bytes % SECTOR != 0 || end > self.device.sectors() { Err(Errno::EIO) } else { Ok(()) }
    }
}

impl<D: BlockDevice> BlockDevice for Cache<D> {
    fn sectors(&self) -> u64 {
        self.device.sectors()
    }

    fn read(&mut self, first: u64, buffer: &mut [u8]) -> Result<(), Errno> {
        self.check(first, buffer.len())?;
        for (start, within, range) in Self::pieces(first, buffer.len()) {
            let line = self.line(start, false)?;
            let length = range.len();
            buffer[range].copy_from_slice(&line.data[within..within + length]);
        }
        Ok(())
    }

    // ANCHOR: cache_write
    fn write(&mut self, first: u64, data: &[u8]) -> Result<(), Errno> {
        self.check(first, data.len())?;
        for (start, within, range) in Self::pieces(first, data.len()) {
            let whole = within == 0 && range.len() as u64 == self.line_sectors(start) * SECTOR as u64;
            let line = self.line(start, whole)?;
            let length = range.len();
            line.data[within..within + length].copy_from_slice(&data[range]);
            line.dirty = true;
        }
        Ok(())
    }
    // ANCHOR_END: cache_write

    // ANCHOR: cache_flush
    /// Writes every dirty line back, in the order of their sectors, then flushes the device.
    fn flush(&mut self) -> Result<(), Errno> {
        let mut dirty: Vec<usize> = (0..self.lines.len()).filter(|&slot| self.lines[slot].dirty).collect();
        dirty.sort_by_key(|&slot| self.lines[slot].start);
        for slot in dirty {
            self.write_back(slot)?;
        }
        self.device.flush()
    }
    // ANCHOR_END: cache_flush
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A disk that records every write it is given, and can be told to fail.
    struct Recording {
        bytes: Vec<u8>,
        writes: Vec<(u64, usize)>,
        reads: usize,
        failing: bool,
    }

    impl Recording {
        fn new(sectors: usize) -> Recording {
            let bytes = (0..sectors * SECTOR).map(|at| (at / SECTOR) as u8).collect();
            Recording { bytes, writes: Vec::new(), reads: 0, failing: false }
        }
    }

    impl BlockDevice for Recording {
        fn sectors(&self) -> u64 {
            (self.bytes.len() / SECTOR) as u64
        }
        fn read(&mut self, first: u64, buffer: &mut [u8]) -> Result<(), Errno> {
            let at = first as usize * SECTOR;
            self.reads += 1;
            buffer.copy_from_slice(&self.bytes[at..at + buffer.len()]);
            Ok(())
        }
        fn write(&mut self, first: u64, data: &[u8]) -> Result<(), Errno> {
            if self.failing {
                return Err(Errno::EIO);
            }
            let at = first as usize * SECTOR;
            self.bytes[at..at + data.len()].copy_from_slice(data);
            self.writes.push((first, data.len() / SECTOR));
            Ok(())
        }
        fn flush(&mut self) -> Result<(), Errno> {
            Ok(())
        }
    }

    #[test]
    fn repeated_reads_hit_the_cache_and_reach_the_device_once() {
        let mut cache = Cache::new(Recording::new(64), 4);
        let mut buffer = [0; 2 * SECTOR];
        for _ in 0..10 {
            cache.read(2, &mut buffer).unwrap();
        }
        assert_eq!((buffer[0], buffer[SECTOR]), (2, 3));
        assert_eq!(cache.device.reads, 1);
        assert_eq!(cache.stats, CacheStats { hits: 9, misses: 1, write_backs: 0 });
    }

    #[test]
    fn writes_stay_in_memory_until_flush_which_writes_them_in_sector_order() {
        let mut cache = Cache::new(Recording::new(64), 8);
        cache.write(40, &[0xAA; SECTOR]).unwrap();
        cache.write(3, &[0xBB; SECTOR]).unwrap();
        cache.write(17, &[0xCC; SECTOR]).unwrap();
        assert!(cache.device.writes.is_empty());
        assert_eq!(cache.dirty(), 3);
        let mut buffer = [0; SECTOR];
        cache.read(3, &mut buffer).unwrap();
        assert_eq!(buffer, [0xBB; SECTOR]);
        cache.flush().unwrap();
        assert_eq!(cache.device.writes, [(0, 8), (16, 8), (40, 8)]);
        assert_eq!(cache.dirty(), 0);
        // The rest of each line went back as it was.
        assert_eq!(cache.device.bytes[4 * SECTOR], 4);
        assert_eq!(cache.device.bytes[3 * SECTOR], 0xBB);
        cache.flush().unwrap();
        assert_eq!(cache.device.writes.len(), 3, "clean lines are not written again");
    }

    #[test]
    fn the_least_recently_used_line_is_evicted_and_a_dirty_one_written_to_its_own_place() {
        let mut cache = Cache::new(Recording::new(64), 2);
        let mut buffer = [0; SECTOR];
        cache.write(8, &[0x11; SECTOR]).unwrap(); // line 8, dirty
        cache.read(16, &mut buffer).unwrap(); // line 16
        cache.read(9, &mut buffer).unwrap(); // line 8 again: now line 16 is the older
        cache.read(24, &mut buffer).unwrap(); // evicts line 16, clean: no write
        assert!(cache.device.writes.is_empty());
        cache.read(32, &mut buffer).unwrap(); // evicts line 8, dirty: written back
        assert_eq!(cache.device.writes, [(8, 8)]);
        assert_eq!(cache.device.bytes[8 * SECTOR], 0x11);
        assert_eq!(cache.device.bytes[9 * SECTOR], 9);
        assert_eq!(cache.cached(), 2);
        assert_eq!(cache.capacity(), 2);
    }

    #[test]
    fn a_whole_line_written_is_not_read_first_and_requests_may_span_lines() {
        let mut cache = Cache::new(Recording::new(64), 4);
        cache.write(8, &[0x22; LINE_BYTES]).unwrap();
        assert_eq!(cache.device.reads, 0);
        let mut buffer = [0; 4 * SECTOR];
        cache.read(14, &mut buffer).unwrap();
        assert_eq!((buffer[0], buffer[SECTOR], buffer[2 * SECTOR], buffer[3 * SECTOR]), (0x22, 0x22, 16, 17));
        assert_eq!(cache.read(62, &mut buffer), Err(Errno::EIO), "past the end of the device");
    }

    #[test]
    fn lines_found_by_the_table_stay_right_through_many_evictions_in_any_order() {
        // 3 lines for 64: every access in a scattered order evicts, and the table's runs of
        // collisions are emptied and refilled from every side.
        let mut cache = Cache::new(Recording::new(512), 3);
        let mut expected = Recording::new(512).bytes;
        let mut buffer = [0; SECTOR];
        for step in 0..2000u64 {
            let sector = (step * 37 + step / 7) % 512;
            if step % 3 == 0 {
                cache.write(sector, &[step as u8; SECTOR]).unwrap();
                expected[sector as usize * SECTOR..(sector as usize + 1) * SECTOR].fill(step as u8);
            } else {
                cache.read(sector, &mut buffer).unwrap();
                assert_eq!(buffer[..], expected[sector as usize * SECTOR..(sector as usize + 1) * SECTOR], "sector {sector} at step {step}");
            }
            assert!(cache.cached() <= 3);
        }
        cache.flush().unwrap();
        assert!(cache.device.bytes == expected, "the device holds every write after flush");
    }

    #[test]
    fn a_failed_write_back_keeps_the_line_dirty_and_says_eio() {
        let mut cache = Cache::new(Recording::new(64), 1);
        cache.write(0, &[0x33; SECTOR]).unwrap();
        cache.device.failing = true;
        let mut buffer = [0; SECTOR];
        assert_eq!(cache.read(8, &mut buffer), Err(Errno::EIO));
        assert_eq!(cache.flush(), Err(Errno::EIO));
        assert_eq!(cache.dirty(), 1);
        cache.device.failing = false;
        cache.flush().unwrap();
        assert_eq!(cache.device.bytes[0], 0x33);
    }
}
