//! A process's address space: the lower half of the virtual addresses (TTBR0_EL1), its
//! page tables, the regions it may use, and everything that changes them: page faults,
//! copy-on-write, fork's copy, brk and mmap, and the kernel's checked copies to and from it.
//!
//! Pages are mapped lazily. exec maps the pages that hold a program's bytes; every other
//! page of a region (the stack, the heap, an mmap, a program's .bss) gets a zeroed frame at
//! its first touch. fork maps the child's pages to the parent's frames, read-only in both;
//! the first write to such a page by either takes a private copy (or, if the other side has
//! let go of the frame meanwhile, simply makes it writable again).

use crate::address::PAGE_SIZE;
use crate::asid::Asid;
use crate::errno::Errno;
use crate::pagetable::{Attributes, PageTable};
use crate::region::{Kind, Protection, Region, Regions};
use crate::vm::{self, Linear};
use core::arch::asm;

const PAGE: u64 = PAGE_SIZE as u64;

// ANCHOR: layout
/// The top of a process's stack, and how far it may grow down (Linux's default limit is
/// 8 MiB; Bramble's programs need far less, and a smaller limit keeps `fault stack` short).
pub const STACK_TOP: u64 = 0x0000_7fff_fff0_0000;
pub const STACK_LIMIT: u64 = 1 << 20;
/// Where mmap places mappings: from here up, below the stack.
pub const MMAP_BASE: u64 = 0x0000_1000_0000_0000;
/// The most heap plus mapped memory one process may have: past it, brk and mmap say ENOMEM.
pub const MEMORY_LIMIT: u64 = 64 << 20;
/// Frames mmap leaves for the kernel and other processes: it refuses what would eat into them.
const RESERVED_FRAMES: u64 = 1024;
/// The end of the user half: no user pointer reaches this or above.
pub const USER_END: u64 = 0x0001_0000_0000_0000;
// ANCHOR_END: layout

/// How a page is being used, for a fault or a kernel copy.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Access {
    Read,
    Write,
    Execute,
}

/// Why an access cannot be allowed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Fault {
    /// No region holds the address, or the region forbids this access: SIGSEGV.
    Forbidden,
    /// No frame left for the page.
    OutOfMemory,
}

pub struct Space {
    table: PageTable,
    pub regions: Regions,
    /// Where the heap starts (after the program's last segment) and the current break.
    pub heap_start: u64,
    pub brk: u64,
    /// The ASID the space last ran with (see asid.rs); None until it first runs.
    pub asid: Option<Asid>,
    /// Pages mapped now.
    pub pages: usize,
}

/// The page holding `address`.
fn page_of(address: u64) -> u64 {
    address & !(PAGE - 1)
}

/// The attributes a page of `region` gets: writable only if the region is and the frame is
/// this process's alone.
fn attributes(protection: Protection, exclusive: bool) -> Attributes {
    Attributes::user(protection.write && exclusive, protection.execute)
}

/// Drops any TLB entry for the page at `va` tagged with `asid`.
fn invalidate(asid: Option<Asid>, va: u64) {
    if let Some(asid) = asid {
        let operand = (asid.value as u64) << 48 | (va >> 12) & ((1 << 44) - 1);
        // SAFETY: TLBI VAE1IS only drops cached translations; the barriers order it after
        // the descriptor write and before later accesses.
        unsafe { asm!("dsb ishst", "tlbi vae1is, {}", "dsb ish", "isb", in(reg) operand, options(nostack, preserves_flags)) };
    }
}

/// Makes descriptor writes visible to the table walker.
fn sync_tables() {
    // SAFETY: barriers only order memory accesses.
    unsafe { asm!("dsb ishst", "isb", options(nostack, preserves_flags)) };
}

impl Space {
    pub fn new() -> Result<Space, Errno> {
        let table = vm::with_frames(|memory| PageTable::new(memory)).map_err(|_| Errno::ENOMEM)?;
        Ok(Space { table, regions: Regions::new(), heap_start: 0, brk: 0, asid: None, pages: 0 })
    }

    /// The level-0 table's physical address, for TTBR0_EL1.
    pub fn root(&self) -> u64 {
        self.table.root()
    }

    /// Maps a fresh zeroed frame at the page `va` with `protection`; its physical address.
    fn map_zeroed(&mut self, memory: &mut Linear, va: u64, protection: Protection) -> Result<u64, Fault> {
        let frame = memory.alloc_zeroed().ok_or(Fault::OutOfMemory)? as u64;
        if self.table.map(memory, va, frame, 3, attributes(protection, true)).is_err() {
            memory.release(frame as usize);
            return Err(Fault::OutOfMemory);
        }
        self.pages += 1;
        Ok(frame)
    }

    // ANCHOR: resolve
    /// Makes the page at `va` usable for `access`, as the region holding it allows: maps a
    /// zeroed frame if the page is untouched, or copies a shared frame before a write (copy
    /// on write). Returns the frame behind `va`. The page fault handler and the kernel's
    /// copies both come here, so a user pointer is checked exactly as the hardware would.
    pub fn resolve(&mut self, va: u64, access: Access) -> Result<u64, Fault> {
        let region = *self.regions.find(va).ok_or(Fault::Forbidden)?;
        let allowed = match access {
            Access::Read => region.protection.read,
            Access::Write => region.protection.write,
            Access::Execute => region.protection.execute,
        };
        if !allowed {
            return Err(Fault::Forbidden);
        }
        let page = page_of(va);
        vm::with_frames(|memory| {
            let Some(found) = self.table.translate(memory, page) else {
                sync_tables();
                return self.map_zeroed(memory, page, region.protection);
            };
            if access != Access::Write || found.attributes.writable {
                return Ok(found.pa);
            }
            // A write to a read-only page of a writable region: copy on write.
            let frame = if memory.is_shared(found.pa as usize) {
                let copy = memory.alloc_zeroed().ok_or(Fault::OutOfMemory)?;
                // SAFETY: `copy` is new and ours; the shared frame is only read.
                unsafe { vm::frame_bytes(copy).copy_from_slice(vm::frame_bytes(found.pa as usize)) };
                memory.release(found.pa as usize);
                copy as u64
            } else {
                found.pa
            };
            self.table.remap(memory, page, frame, attributes(region.protection, true)).map_err(|_| Fault::OutOfMemory)?;
            invalidate(self.asid, page);
            Ok(frame)
        })
    }
    // ANCHOR_END: resolve

    // ANCHOR: copies
    /// Copies `into.len()` bytes from user address `from`: every page is resolved for
    /// reading first, so a bad pointer anywhere in the range is EFAULT before any byte moves.
    pub fn copy_in(&mut self, from: UserSlice, into: &mut [u8]) -> Result<(), Errno> {
        debug_assert_eq!(from.len, into.len());
        self.check(from, Access::Read)?;
        for (offset, at, len, page) in pieces(from) {
            let frame = self.resolve(page, Access::Read).map_err(|_| Errno::EFAULT)?;
            // SAFETY: `resolve` gave this process's frame for the page; only it is copied from.
            let bytes = unsafe { vm::frame_bytes(frame as usize) };
            into[offset..offset + len].copy_from_slice(&bytes[at..at + len]);
        }
        Ok(())
    }

    /// Copies `from` to user address `to`, likewise checked (and copied-on-write) first.
    pub fn copy_out(&mut self, to: UserSlice, from: &[u8]) -> Result<(), Errno> {
        debug_assert_eq!(to.len, from.len());
        self.check(to, Access::Write)?;
        for (offset, at, len, page) in pieces(to) {
            let frame = self.resolve(page, Access::Write).map_err(|_| Errno::EFAULT)?;
            // SAFETY: resolved for writing, the frame is this process's alone.
            let bytes = unsafe { vm::frame_bytes(frame as usize) };
            bytes[at..at + len].copy_from_slice(&from[offset..offset + len]);
        }
        Ok(())
    }

    /// Resolves every page of `slice` for `access`: EFAULT if any cannot be.
    pub fn check(&mut self, slice: UserSlice, access: Access) -> Result<(), Errno> {
        let end = slice.address.checked_add(slice.len as u64).filter(|&end| end <= USER_END).ok_or(Errno::EFAULT)?;
        let mut page = page_of(slice.address);
        while page < end {
            self.resolve(page, access).map_err(|_| Errno::EFAULT)?;
            page += PAGE;
        }
        Ok(())
    }

    /// A NUL-terminated string at user address `at`, without its NUL: at most `max` bytes,
    /// else `too_long`.
    pub fn copy_string(&mut self, at: u64, max: usize, too_long: Errno) -> Result<alloc::vec::Vec<u8>, Errno> {
        let mut string = alloc::vec::Vec::new();
        let mut address = at;
        loop {
            let in_page = (PAGE - address % PAGE) as usize;
            let mut chunk = [0u8; 256];
            let len = in_page.min(chunk.len());
            self.copy_in(UserSlice::new(address, len), &mut chunk[..len])?;
            if let Some(nul) = chunk[..len].iter().position(|&byte| byte == 0) {
                string.extend_from_slice(&chunk[..nul]);
                return Ok(string);
            }
            string.extend_from_slice(&chunk[..len]);
            if string.len() > max {
                return Err(too_long);
            }
            address += len as u64;
        }
    }
    // ANCHOR_END: copies

    // ANCHOR: fork
    /// A copy of this space for a child: every page mapped to the same frame, writable
    /// pages made read-only on both sides so that the first write copies (see `resolve`).
    pub fn fork(&mut self) -> Result<Space, Errno> {
        let mut child = Space::new()?;
        child.regions = self.regions;
        child.heap_start = self.heap_start;
        child.brk = self.brk;
        let parent_table = &mut self.table;
        let result = vm::with_frames(|memory| {
            let mut pages = [(0u64, 0u64, Attributes::user(false, false)); 64];
            let mut start = 0;
            // Visit in batches: the visit reads the tables while the batch changes them.
            loop {
                let mut count = 0;
                parent_table.for_each_page(memory, &mut |va, pa, attributes| {
                    if va >= start && count < pages.len() {
                        pages[count] = (va, pa, attributes);
                        count += 1;
                    }
                });
                for &(va, pa, attributes) in &pages[..count] {
                    let shared = Attributes { writable: false, ..attributes };
                    child.table.map(memory, va, pa, 3, shared).map_err(|_| Errno::ENOMEM)?;
                    memory.share(pa as usize);
                    child.pages += 1;
                    if attributes.writable {
                        parent_table.remap(memory, va, pa, shared).map_err(|_| Errno::ENOMEM)?;
                    }
                }
                if count < pages.len() {
                    return Ok(());
                }
                start = pages[count - 1].0 + PAGE;
            }
        });
        sync_tables();
        flush_asid(self.asid);
        match result {
            Ok(()) => Ok(child),
            Err(errno) => {
                child.destroy();
                Err(errno)
            }
        }
    }
    // ANCHOR_END: fork

    /// Unmaps every page in `[start, end)` and lets go of its frame. The mapped pages are
    /// found by walking the tables (a batch at a time), not by trying every address: the
    /// range may be the whole user half.
    pub fn unmap(&mut self, start: u64, end: u64) {
        let table = &mut self.table;
        let asid = self.asid;
        let mut gone = 0;
        vm::with_frames(|memory| loop {
            let mut batch = [0u64; 64];
            let mut count = 0;
            table.for_each_page(memory, &mut |va, _, _| {
                if (start..end).contains(&va) && count < batch.len() {
                    batch[count] = va;
                    count += 1;
                }
            });
            for &page in &batch[..count] {
                if let Ok(frame) = table.unmap(memory, page) {
                    invalidate(asid, page);
                    memory.release(frame as usize);
                    gone += 1;
                }
            }
            if count < batch.len() {
                break;
            }
        });
        self.pages -= gone;
    }

    /// Gives the mapped pages of `[start, end)` the protection of their (new) region.
    pub fn protect_pages(&mut self, start: u64, end: u64, protection: Protection) {
        let table = &mut self.table;
        let asid = self.asid;
        vm::with_frames(|memory| {
            let mut page = start;
            while page < end {
                if let Some(found) = table.translate(memory, page) {
                    let exclusive = !memory.is_shared(found.pa as usize);
                    let _ = table.remap(memory, page, found.pa, attributes(protection, exclusive));
                    invalidate(asid, page);
                }
                page += PAGE;
            }
        });
    }

    /// Memory of the heap and mappings together, for MEMORY_LIMIT.
    pub fn anonymous_bytes(&self) -> u64 {
        self.regions.iter().filter(|r| matches!(r.kind, Kind::Heap | Kind::Mapping)).map(|r| r.end - r.start).sum()
    }

    /// Whether `pages` more pages may be promised to this process.
    pub fn may_grow(&self, bytes: u64) -> bool {
        let free = vm::with_frames(|memory| memory.free_frames()) as u64;
        self.anonymous_bytes() + bytes <= MEMORY_LIMIT && bytes / PAGE + RESERVED_FRAMES <= free
    }

    /// Adds a region (a mapping joins a like one it follows); ENOMEM when the list is full.
    pub fn add_region(&mut self, region: Region) -> Result<(), Errno> {
        let added = if region.kind == Kind::Mapping { self.regions.insert_mapping(region) } else { self.regions.insert(region) };
        added.map_err(|_| Errno::ENOMEM)
    }

    /// Lets go of every page and table.
    pub fn destroy(mut self) {
        self.unmap(0, USER_END);
        let table = self.table;
        vm::with_frames(|memory| table.free_tables(memory));
    }
}

/// Drops every TLB entry tagged with `asid`.
pub fn flush_asid(asid: Option<Asid>) {
    if let Some(asid) = asid {
        // SAFETY: TLBI ASIDE1IS only drops cached translations of that ASID.
        unsafe { asm!("dsb ishst", "tlbi aside1is, {}", "dsb ish", "isb", in(reg) (asid.value as u64) << 48, options(nostack, preserves_flags)) };
    }
}

// ANCHOR: user_slice
/// A range of a process's memory, named by a user address that the kernel never
/// dereferences: the only way to its bytes is `Space::copy_in` and `Space::copy_out`,
/// which check every page against the process's regions first.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct UserSlice {
    address: u64,
    len: usize,
}

impl UserSlice {
    pub fn new(address: u64, len: usize) -> UserSlice {
        UserSlice { address, len }
    }
}
// ANCHOR_END: user_slice

/// The part of `slice` in each page: (offset in the slice, offset in the page, length, page).
fn pieces(slice: UserSlice) -> impl Iterator<Item = (usize, usize, usize, u64)> {
    let mut offset = 0;
    core::iter::from_fn(move || {
        if offset >= slice.len {
            return None;
        }
        let address = slice.address + offset as u64;
        let at = (address % PAGE) as usize;
        let len = (PAGE_SIZE - at).min(slice.len - offset);
        let piece = (offset, at, len, page_of(address));
        offset += len;
        Some(piece)
    })
}
