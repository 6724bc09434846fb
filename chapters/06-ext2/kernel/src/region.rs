//! The regions of a user address space (pure): which ranges of addresses a process may use,
//! and how. A page is mapped only when first touched (or at exec, for a program's bytes);
//! the region list is what says whether a touch is allowed, and what the page should be.
//!
//! The list is a fixed array kept in address order: a process has a handful of regions
//! (three from its program, the heap, the stack, a few mappings), and a fixed array keeps
//! processes off the kernel heap.

// ANCHOR: region
/// How a region may be used.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Protection {
    pub read: bool,
    pub write: bool,
    pub execute: bool,
}

impl Protection {
    pub const READ_WRITE: Protection = Protection { read: true, write: true, execute: false };

    /// From mmap's and mprotect's PROT_READ (1), PROT_WRITE (2), PROT_EXEC (4).
    pub fn from_prot(prot: u64) -> Protection {
        Protection { read: prot & 1 != 0, write: prot & 2 != 0, execute: prot & 4 != 0 }
    }
}

/// What a region holds, for `ps` and for the rules that differ (brk moves only the heap).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    /// Part of the program, loaded by exec.
    Program,
    Heap,
    Stack,
    /// An anonymous mapping made by mmap.
    Mapping,
}

/// The addresses `[start, end)`, page-aligned.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Region {
    pub start: u64,
    pub end: u64,
    pub protection: Protection,
    pub kind: Kind,
}
// ANCHOR_END: region

/// The most regions a process may have: mmap beyond it fails with ENOMEM, as Linux's does
/// beyond vm.max_map_count.
pub const MAX_REGIONS: usize = 24;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Full;

/// A process's regions, sorted by address, never overlapping.
#[derive(Clone, Copy)]
pub struct Regions {
    list: [Option<Region>; MAX_REGIONS],
    len: usize,
}

impl Regions {
    pub const fn new() -> Regions {
        Regions { list: [None; MAX_REGIONS], len: 0 }
    }

    pub fn iter(&self) -> impl Iterator<Item = &Region> {
        self.list[..self.len].iter().flatten()
    }

    /// The region holding `address`.
    pub fn find(&self, address: u64) -> Option<&Region> {
        self.iter().find(|region| region.start <= address && address < region.end)
    }

    /// Whether any region overlaps `[start, end)`.
    pub fn overlaps(&self, start: u64, end: u64) -> bool {
        self.iter().any(|region| start < region.end && region.start < end)
    }

    /// Adds a mapping, joined to a mapping that ends where it starts if both are alike, so
    /// that a program mapping memory piece by piece does not run out of regions.
    pub fn insert_mapping(&mut self, region: Region) -> Result<(), Full> {
        let joins = |other: &Option<Region>| other.is_some_and(|o| region.kind == Kind::Mapping && o.kind == Kind::Mapping && o.end == region.start && o.protection == region.protection);
        if let Some(below) = self.list[..self.len].iter_mut().find(|other| joins(other)) {
            below.as_mut().expect("found a present region").end = region.end;
            return Ok(());
        }
        self.insert(region)
    }

    /// Adds a region that overlaps none.
    pub fn insert(&mut self, region: Region) -> Result<(), Full> {
        debug_assert!(!self.overlaps(region.start, region.end));
        if self.len == MAX_REGIONS {
            return Err(Full);
        }
        let at = self.iter().take_while(|other| other.start < region.start).count();
        self.list.copy_within(at..self.len, at + 1);
        self.list[at] = Some(region);
        self.len += 1;
        Ok(())
    }

    fn remove_at(&mut self, at: usize) {
        self.list.copy_within(at + 1..self.len, at);
        self.len -= 1;
        self.list[self.len] = None;
    }

    // ANCHOR: carve
    /// Takes `[start, end)` out of every region, splitting a region that it cuts in two.
    /// Fails (changing nothing) if a split would need more regions than there is room for.
    pub fn remove(&mut self, start: u64, end: u64) -> Result<(), Full> {
        let splits = self.iter().filter(|region| region.start < start && end < region.end).count();
        if self.len + splits > MAX_REGIONS {
            return Err(Full);
        }
        let mut at = 0;
        while at < self.len {
            let region = self.list[at].expect("regions below len are present");
            if end <= region.start || region.end <= start {
                at += 1;
                continue;
            }
            let below = Region { end: start, ..region };
            let above = Region { start: end, ..region };
            self.remove_at(at);
            if above.start < above.end {
                self.insert(above)?;
            }
            if below.start < below.end {
                self.insert(below)?;
                at += 1;
            }
        }
        Ok(())
    }
    // ANCHOR_END: carve

    /// Gives `[start, end)`, which regions must cover entirely, the protection `protection`.
    pub fn protect(&mut self, start: u64, end: u64, protection: Protection) -> Result<(), Full> {
        let mut pieces = [None; MAX_REGIONS];
        let mut count = 0;
        for region in self.iter().filter(|region| start < region.end && region.start < end) {
            pieces[count] = Some(Region { start: region.start.max(start), end: region.end.min(end), protection, kind: region.kind });
            count += 1;
        }
        let saved = *self;
        self.remove(start, end)?;
        for piece in pieces.iter().flatten() {
            if self.insert(*piece).is_err() {
                *self = saved;
                return Err(Full);
            }
        }
        Ok(())
    }

    /// Whether regions cover every page of `[start, end)`.
    pub fn covers(&self, start: u64, end: u64) -> bool {
        let mut next = start;
        for region in self.iter() {
            if region.start <= next && next < region.end {
                next = region.end;
            }
        }
        next >= end
    }

    /// The region of kind `kind` now ends at `end` (brk moves the heap's end).
    pub fn set_end(&mut self, kind: Kind, end: u64) {
        if let Some(region) = self.list[..self.len].iter_mut().flatten().find(|region| region.kind == kind) {
            region.end = end;
        }
    }

    /// The lowest address from `from` at which `size` bytes fit below `limit`.
    pub fn free_range(&self, from: u64, limit: u64, size: u64) -> Option<u64> {
        let mut candidate = from;
        for region in self.iter() {
            if region.end <= candidate {
                continue;
            }
            if candidate.checked_add(size)? <= region.start {
                break;
            }
            candidate = candidate.max(region.end);
        }
        (candidate.checked_add(size)? <= limit).then_some(candidate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(start: u64, end: u64, kind: Kind) -> Region {
        Region { start, end, protection: Protection::READ_WRITE, kind }
    }

    #[test]
    fn regions_stay_sorted_and_are_found() {
        let mut regions = Regions::new();
        regions.insert(region(0x5000, 0x6000, Kind::Heap)).unwrap();
        regions.insert(region(0x1000, 0x3000, Kind::Program)).unwrap();
        let starts: Vec<u64> = regions.iter().map(|r| r.start).collect();
        assert_eq!(starts, [0x1000, 0x5000]);
        assert_eq!(regions.find(0x2fff).unwrap().kind, Kind::Program);
        assert_eq!(regions.find(0x3000), None);
        assert!(regions.covers(0x1000, 0x3000));
        assert!(!regions.covers(0x1000, 0x6000));
    }

    #[test]
    fn removing_the_middle_splits_a_region() {
        let mut regions = Regions::new();
        regions.insert(region(0x1000, 0x9000, Kind::Mapping)).unwrap();
        regions.remove(0x3000, 0x4000).unwrap();
        let spans: Vec<(u64, u64)> = regions.iter().map(|r| (r.start, r.end)).collect();
        assert_eq!(spans, [(0x1000, 0x3000), (0x4000, 0x9000)]);
        regions.remove(0, 0x10000).unwrap();
        assert_eq!(regions.iter().count(), 0);
    }

    #[test]
    fn protect_changes_only_the_range() {
        let mut regions = Regions::new();
        regions.insert(region(0x1000, 0x4000, Kind::Mapping)).unwrap();
        let read_only = Protection { read: true, write: false, execute: false };
        regions.protect(0x2000, 0x3000, read_only).unwrap();
        let found: Vec<(u64, bool)> = regions.iter().map(|r| (r.start, r.protection.write)).collect();
        assert_eq!(found, [(0x1000, true), (0x2000, false), (0x3000, true)]);
    }

    #[test]
    fn a_full_list_refuses_more() {
        let mut regions = Regions::new();
        for i in 0..MAX_REGIONS as u64 {
            regions.insert(region(i * 0x10000, i * 0x10000 + 0x3000, Kind::Mapping)).unwrap();
        }
        assert_eq!(regions.insert(region(0x100_0000, 0x100_1000, Kind::Mapping)), Err(Full));
        assert_eq!(regions.remove(0x1000, 0x2000), Err(Full), "a split needs one more");
        assert_eq!(regions.iter().count(), MAX_REGIONS);
    }

    #[test]
    fn mappings_side_by_side_become_one() {
        let mut regions = Regions::new();
        regions.insert_mapping(region(0x10000, 0x11000, Kind::Mapping)).unwrap();
        regions.insert_mapping(region(0x11000, 0x12000, Kind::Mapping)).unwrap();
        regions.insert_mapping(region(0x12000, 0x13000, Kind::Heap)).unwrap();
        let spans: Vec<(u64, u64)> = regions.iter().map(|r| (r.start, r.end)).collect();
        assert_eq!(spans, [(0x10000, 0x12000), (0x12000, 0x13000)]);
    }

    #[test]
    fn free_ranges_go_between_regions() {
        let mut regions = Regions::new();
        regions.insert(region(0x10000, 0x12000, Kind::Mapping)).unwrap();
        regions.insert(region(0x13000, 0x14000, Kind::Mapping)).unwrap();
        assert_eq!(regions.free_range(0x10000, 0x20000, 0x1000), Some(0x12000));
        assert_eq!(regions.free_range(0x10000, 0x20000, 0x2000), Some(0x14000));
        assert_eq!(regions.free_range(0x10000, 0x15000, 0x2000), None);
    }
}
