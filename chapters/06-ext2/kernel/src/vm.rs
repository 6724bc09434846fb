//! The kernel's virtual memory: its page tables, the frames behind them, the heap's pages
//! and the region mapped on demand.
//!
//! The higher half (TTBR1_EL1) belongs to the kernel:
//!   KERNEL_OFFSET + pa          all RAM and the MMIO windows (the linear map); the kernel
//!                               image within it, section by section, W^X
//!   HEAP_BASE ...               the heap's pages, mapped as it grows
//!   ON_DEMAND_BASE ...          pages mapped by the page-fault handler at first touch
//!   KERNEL_STACKS ...           each process's kernel stack, with unmapped guard pages
//! The lower half (TTBR0_EL1) is each process's own (space.rs); while the kernel runs a task
//! of its own (the monitor), TTBR0 holds an empty table.

use crate::address::{KERNEL_OFFSET, PAGE_SIZE, phys_to_virt, virt_to_phys};
use crate::frames::{FrameAllocator, Shares};
use crate::heap::{Heap, Pages, Stats};
use crate::layout;
use crate::pagetable::{Attributes, MapError, PageTable, TableMemory, Translation, Walk};
use crate::spinlock::SpinLock;
use crate::syndrome::{Detail, FaultStatus, Syndrome, class};
use core::alloc::{GlobalAlloc, Layout};
use core::arch::asm;

// ANCHOR: regions
/// Where the heap's pages go: far above the linear map, with room to grow.
pub const HEAP_BASE: usize = KERNEL_OFFSET + 0x10_0000_0000;
/// A region nobody maps in advance: the page-fault handler maps each page when first touched.
pub const ON_DEMAND_BASE: usize = KERNEL_OFFSET + 0x20_0000_0000;
pub const ON_DEMAND_SIZE: usize = 64 << 20;
/// Each process's kernel stack: `KERNEL_STACK_SIZE` at the top of its slot's stride, the
/// rest of the stride left unmapped, so an overflow faults instead of corrupting a neighbour.
pub const KERNEL_STACKS: usize = KERNEL_OFFSET + 0x30_0000_0000;
pub const KERNEL_STACK_STRIDE: usize = 64 << 10;
pub const KERNEL_STACK_SIZE: usize = 16 << 10;
/// The physical windows of the peripherals: the BCM2837's, then the BCM2836 local ones
/// (a 2 MiB block covers their 256 KiB).
const MMIO: [(usize, usize); 2] = [(0x3f00_0000, 0x4000_0000), (0x4000_0000, 0x4020_0000)];
// ANCHOR_END: regions

/// Bitmap words for 1 GiB of frames, all the Pi 3 has.
const FRAME_WORDS: usize = (1 << 30) / PAGE_SIZE / 64;

static FRAMES: SpinLock<FrameAllocator<FRAME_WORDS>> = SpinLock::new(FrameAllocator::new());
/// Who else maps each frame (copy-on-write). Taken only while FRAMES is held.
static SHARES: SpinLock<Shares<{ FRAME_WORDS * 64 }>> = SpinLock::new(Shares::new());

/// The two translation table trees, and what the fault handler has done.
struct Spaces {
    kernel: PageTable,
    user: PageTable,
    on_demand_pages: usize,
}

/// Taken before FRAMES whenever both are needed, so that two paths never wait for each other.
static SPACES: SpinLock<Option<Spaces>> = SpinLock::new(None);

// ANCHOR: linear_tables
/// Page tables reached through the linear map, with frames from the frame allocator.
pub struct Linear<'a>(&'a mut FrameAllocator<FRAME_WORDS>);

fn table_entry(table: u64, index: usize) -> *mut u64 {
    (phys_to_virt(table as usize) as *mut u64).wrapping_add(index)
}

impl TableMemory for Linear<'_> {
    fn read(&self, table: u64, index: usize) -> u64 {
        // SAFETY: `table` is a table frame from `alloc_table` (or the root), reachable
        // through the linear map, and `index` < 512.
        unsafe { table_entry(table, index).read_volatile() }
    }

    fn write(&mut self, table: u64, index: usize, descriptor: u64) {
        // SAFETY: as in `read`. Volatile: the table walker reads it, not just this code.
        unsafe { table_entry(table, index).write_volatile(descriptor) };
    }

    fn alloc_table(&mut self) -> Option<u64> {
        let frame = self.0.alloc()?;
        zero_frame(frame);
        Some(frame as u64)
    }

    fn free_table(&mut self, table: u64) {
        self.0.free(table as usize);
    }
}
// ANCHOR_END: linear_tables

// ANCHOR: user_frames
/// Frames for user pages, which copy-on-write may share between processes.
impl Linear<'_> {
    /// A zeroed frame; None when memory is full.
    pub fn alloc_zeroed(&mut self) -> Option<usize> {
        let frame = self.0.alloc()?;
        zero_frame(frame);
        Some(frame)
    }

    /// One more mapping of the frame at `pa`.
    pub fn share(&mut self, pa: usize) {
        SHARES.lock().share(pa);
    }

    /// One mapping of the frame at `pa` goes; the frame is free when it was the last.
    pub fn release(&mut self, pa: usize) {
        if SHARES.lock().release(pa) {
            self.0.free(pa);
        }
    }

    pub fn is_shared(&self, pa: usize) -> bool {
        SHARES.lock().is_shared(pa)
    }

    /// Free frames now.
    pub fn free_frames(&self) -> usize {
        self.0.free_frames()
    }
}

/// Runs `work` with the frame allocator: for building and changing user page tables.
pub fn with_frames<R>(work: impl FnOnce(&mut Linear) -> R) -> R {
    let mut frames = FRAMES.lock();
    work(&mut Linear(&mut frames))
}

/// The bytes of the frame at `pa`, through the linear map.
///
/// # Safety
/// The caller must own the frame (hold a mapping of it that nothing else writes meanwhile).
pub unsafe fn frame_bytes(pa: usize) -> &'static mut [u8; PAGE_SIZE] {
    // SAFETY: the linear map covers all RAM; the caller vouches for exclusive use.
    unsafe { &mut *(phys_to_virt(pa & !(PAGE_SIZE - 1)) as *mut [u8; PAGE_SIZE]) }
}

/// The empty lower-half table the kernel's own tasks run with.
pub fn empty_user_table() -> u64 {
    SPACES.lock().as_ref().map_or(0, |spaces| spaces.user.root())
}

/// Maps process slot `slot`'s kernel stack; returns its top.
pub fn map_kernel_stack(slot: usize) -> Result<usize, MapError> {
    let top = KERNEL_STACKS + (slot + 1) * KERNEL_STACK_STRIDE;
    let bottom = top - KERNEL_STACK_SIZE;
    let mut spaces = SPACES.lock();
    let spaces = spaces.as_mut().ok_or(MapError::NotMapped)?;
    let mut frames = FRAMES.lock();
    for page in 0..KERNEL_STACK_SIZE / PAGE_SIZE {
        if let Err(error) = map_fresh(spaces, &mut frames, bottom + page * PAGE_SIZE) {
            drop(frames);
            unmap_pages(spaces, bottom, page);
            return Err(error);
        }
    }
    Ok(top)
}

/// Unmaps slot `slot`'s kernel stack and frees its frames.
pub fn unmap_kernel_stack(slot: usize) {
    let bottom = KERNEL_STACKS + (slot + 1) * KERNEL_STACK_STRIDE - KERNEL_STACK_SIZE;
    if let Some(spaces) = SPACES.lock().as_mut() {
        unmap_pages(spaces, bottom, KERNEL_STACK_SIZE / PAGE_SIZE);
    }
}
// ANCHOR_END: user_frames

fn zero_frame(pa: usize) {
    // SAFETY: the frame was just allocated, so nothing else uses it; the linear map makes
    // it writable at this address.
    unsafe { core::ptr::write_bytes(phys_to_virt(pa) as *mut u8, 0, PAGE_SIZE) };
}

// ANCHOR: tlb_maintenance
/// Makes descriptor writes visible to the table walker before the next access uses them.
/// Enough for a descriptor that was invalid: the TLB never holds a translation for an
/// invalid descriptor, so there is nothing stale to throw away.
fn sync_tables() {
    // SAFETY: barriers only order memory accesses.
    unsafe {
        asm!(
            // The walker is an observer of its own: wait until the descriptor stores are
            // visible to it (inner shareable: to every core's walker; stores only, "st").
            "dsb ishst",
            // Instructions already fetched after this point may have been translated with
            // the old tables: fetch them again.
            "isb",
            options(nostack, preserves_flags)
        )
    };
}

/// Drops any cached translation of the page at `va` (and the walk entries above it), after
/// its descriptor was changed from valid to something else.
fn invalidate_page(va: usize) {
    // SAFETY: TLBI VAE1IS takes the page number (VA bits 55:12); afterwards walks read the
    // tables afresh, which only costs time.
    unsafe {
        asm!(
            // The descriptor store first: a walk after the TLBI must not find the old one.
            "dsb ishst",
            // Invalidate this page's translation, and the cached walk entries that led to
            // it, in every core's TLB (inner shareable).
            "tlbi vae1is, {page}",
            // A TLBI is only known to be complete after a DSB: wait for it.
            "dsb ish",
            // And make the instructions after this one see the result.
            "isb",
            page = in(reg) (va >> 12) & ((1 << 44) - 1),
            options(nostack, preserves_flags)
        )
    };
}
// ANCHOR_END: tlb_maintenance

unsafe extern "C" {
    /// boot.s: points TTBR1_EL1 at `tables` by break-before-make, through the empty table
    /// `empty`. Must be called at its physical address (see `switch_kernel_tables`).
    fn replace_ttbr1(tables: u64, empty: u64);
}

// ANCHOR: switch_tables
/// Moves the kernel from the boot tables to `kernel` (TTBR1) and `user` (TTBR0, empty).
///
/// The kernel's tables map the image in 4 KiB pages where the boot tables used 2 MiB
/// blocks, so TTBR1 changes by break-before-make (boot.s's `replace_ttbr1`), which runs
/// from the identity map of the boot tables, still in TTBR0. Only then does TTBR0 lose the
/// identity map: going from mapped to empty cannot conflict, and the TLBI drops its entries.
fn switch_kernel_tables(kernel: u64, user: u64) {
    let physical = virt_to_phys(replace_ttbr1 as *const () as usize);
    // SAFETY: `physical` is where replace_ttbr1's code lies, and the boot tables in TTBR0
    // map it there, executable. It is a function with the signature declared above.
    let replace: unsafe extern "C" fn(u64, u64) = unsafe { core::mem::transmute(physical) };
    // SAFETY: IRQs are masked (vm::init runs before they are enabled), so nothing else runs
    // while the upper half is empty. `kernel` maps everything the kernel uses at the
    // addresses it uses now, with the same memory types, and `user` is an empty root.
    unsafe { replace(kernel, user) };
    // SAFETY: the kernel now runs on TTBR1 only; the identity map in TTBR0 is no longer used.
    unsafe {
        asm!(
            "msr ttbr0_el1, {user}",
            "isb",
            "tlbi vmalle1is",
            "dsb ish",
            "isb",
            user = in(reg) user,
            options(nostack, preserves_flags)
        )
    };
}
// ANCHOR_END: switch_tables

// ANCHOR: vm_init
/// Takes over memory from the boot tables: frames for all the RAM the firmware gave the
/// ARM except the kernel's own and what lies below it (the firmware's spin tables, which
/// a later chapter uses to start the other cores), the kernel's page tables, and both
/// TTBRs switched to them. After this the identity map boot.s needed is gone.
pub fn init(ram_base: usize, ram_size: usize) -> Result<(), MapError> {
    let kernel_start = virt_to_phys(layout::kernel_start());
    let kernel_end = virt_to_phys(layout::kernel_end());
    let mut frames = FRAMES.lock();
    frames.add_free(ram_base, ram_base + ram_size);
    frames.reserve(0, kernel_end);

    let mut memory = Linear(&mut frames);
    let mut kernel = PageTable::new(&mut memory)?;
    let ram_end = ram_base + ram_size;
    // The kernel image, each part with the permissions it needs; the guard page stays out.
    let sections = [
        (0, kernel_start, Attributes::KERNEL_DATA),
        (
            kernel_start,
            virt_to_phys(layout::text_end()),
            Attributes::KERNEL_CODE,
        ),
        (
            virt_to_phys(layout::text_end()),
            virt_to_phys(layout::rodata_end()),
            Attributes::KERNEL_RODATA,
        ),
        (
            virt_to_phys(layout::rodata_end()),
            virt_to_phys(layout::stack_guard()),
            Attributes::KERNEL_DATA,
        ),
        (
            virt_to_phys(layout::stack_bottom()),
            kernel_end,
            Attributes::KERNEL_DATA,
        ),
        (kernel_end, ram_end, Attributes::KERNEL_DATA),
        (MMIO[0].0, MMIO[0].1, Attributes::DEVICE),
        (MMIO[1].0, MMIO[1].1, Attributes::DEVICE),
    ];
    for (start, end, attributes) in sections {
        kernel.map_range(
            &mut memory,
            phys_to_virt(start) as u64,
            start as u64,
            (end - start) as u64,
            attributes,
        )?;
    }
    let user = PageTable::new(&mut memory)?;
    sync_tables();
    switch_kernel_tables(kernel.root(), user.root());
    drop(frames);
    *SPACES.lock() = Some(Spaces {
        kernel,
        user,
        on_demand_pages: 0,
    });
    Ok(())
}
// ANCHOR_END: vm_init

/// (free frames, all frames).
pub fn frame_counts() -> (usize, usize) {
    let frames = FRAMES.lock();
    (frames.free_frames(), frames.total_frames())
}

/// Pages the fault handler has mapped so far.
pub fn on_demand_pages() -> usize {
    SPACES
        .lock()
        .as_ref()
        .map_or(0, |spaces| spaces.on_demand_pages)
}

/// The walk the processor would make for `va`, and which tree it is in ("TTBR0" or
/// "TTBR1"); None for an address in neither half.
pub fn walk(va: usize) -> Option<(&'static str, Walk)> {
    let spaces = SPACES.lock();
    let spaces = spaces.as_ref()?;
    let mut frames = FRAMES.lock();
    let memory = Linear(&mut frames);
    match va >> 48 {
        0xffff => Some(("TTBR1", spaces.kernel.walk(&memory, va as u64))),
        0 => Some(("TTBR0", spaces.user.walk(&memory, va as u64))),
        _ => None,
    }
}

/// What `va` translates to in the tree it belongs to (see `walk`).
pub fn translate(va: usize) -> Option<Translation> {
    let spaces = SPACES.lock();
    let spaces = spaces.as_ref()?;
    let mut frames = FRAMES.lock();
    let memory = Linear(&mut frames);
    match va >> 48 {
        0xffff => spaces.kernel.translate(&memory, va as u64),
        0 => spaces.user.translate(&memory, va as u64),
        _ => None,
    }
}

/// Maps a fresh zeroed frame at the page `va` in the kernel's half.
fn map_fresh(
    spaces: &mut Spaces,
    frames: &mut FrameAllocator<FRAME_WORDS>,
    va: usize,
) -> Result<(), MapError> {
    let frame = frames.alloc().ok_or(MapError::OutOfMemory)?;
    zero_frame(frame);
    let mut memory = Linear(frames);
    let mapped = spaces.kernel.map(
        &mut memory,
        va as u64,
        frame as u64,
        3,
        Attributes::KERNEL_DATA,
    );
    if mapped.is_err() {
        memory.0.free(frame);
    }
    sync_tables();
    mapped
}

// ANCHOR: page_fault
/// Handles a synchronous exception from the kernel if it is a page fault this kernel
/// expects: a translation fault in the on-demand region gets a zeroed frame mapped there,
/// and the faulting instruction runs again. Returns false for anything else.
pub fn handle_page_fault(syndrome: Syndrome, far: usize) -> bool {
    let Detail::DataAbort {
        status: FaultStatus::Translation { .. },
        ..
    } = syndrome.detail()
    else {
        return false;
    };
    if syndrome.class() != class::DATA_ABORT_SAME
        || !(ON_DEMAND_BASE..ON_DEMAND_BASE + ON_DEMAND_SIZE).contains(&far)
    {
        return false;
    }
    let mut spaces = SPACES.lock();
    let Some(spaces) = spaces.as_mut() else {
        return false;
    };
    let mut frames = FRAMES.lock();
    if map_fresh(spaces, &mut frames, far & !(PAGE_SIZE - 1)).is_err() {
        return false;
    }
    spaces.on_demand_pages += 1;
    true
}
// ANCHOR_END: page_fault

// ANCHOR: guard_page
/// What a fault address means, when the kernel knows better than the raw report.
pub fn explain(far: usize) -> Option<&'static str> {
    let guard = layout::stack_guard();
    if (guard..guard + PAGE_SIZE).contains(&far) {
        Some("the address is in the guard page below the kernel stack: a kernel stack overflow")
    } else if (KERNEL_STACKS..KERNEL_STACKS + (crate::process::MAX_PROCESSES + 1) * KERNEL_STACK_STRIDE).contains(&far)
        && (far - KERNEL_STACKS) % KERNEL_STACK_STRIDE < KERNEL_STACK_STRIDE - KERNEL_STACK_SIZE
    {
        Some("the address is in the unmapped gap below a process's kernel stack: a kernel stack overflow")
    } else if far < PAGE_SIZE {
        Some("the address is in page 0, which is never mapped: a null pointer")
    } else {
        None
    }
}
// ANCHOR_END: guard_page

// ANCHOR: global_allocator
/// The heap's pages: mapped one by one at the next free addresses of the heap region.
/// Virtual addresses are never reused (the region is 64 GiB); frames are.
pub struct HeapPages {
    next: usize,
}

impl Pages for HeapPages {
    fn map(&mut self, count: usize) -> Option<*mut u8> {
        let start = self.next;
        let mut spaces = SPACES.lock();
        let spaces = spaces.as_mut()?;
        let mut frames = FRAMES.lock();
        for page in 0..count {
            if map_fresh(spaces, &mut frames, start + page * PAGE_SIZE).is_err() {
                // Out of frames: give back what this call took.
                drop(frames);
                unmap_pages(spaces, start, page);
                return None;
            }
        }
        self.next += count * PAGE_SIZE;
        Some(start as *mut u8)
    }

    fn unmap(&mut self, pages: *mut u8, count: usize) {
        if let Some(spaces) = SPACES.lock().as_mut() {
            unmap_pages(spaces, pages as usize, count);
        }
    }
}

/// Unmaps `count` pages from `start` and frees their frames (and any table left empty).
fn unmap_pages(spaces: &mut Spaces, start: usize, count: usize) {
    let mut frames = FRAMES.lock();
    for page in 0..count {
        let va = start + page * PAGE_SIZE;
        let mut memory = Linear(&mut frames);
        if let Ok(frame) = spaces.kernel.unmap(&mut memory, va as u64) {
            invalidate_page(va);
            frames.free(frame as usize);
        }
    }
}

/// The kernel heap, behind a lock: `alloc`'s `Box`, `Vec` and `BTreeMap` allocate here.
pub struct KernelHeap(SpinLock<Heap<HeapPages>>);

#[global_allocator]
static HEAP: KernelHeap = KernelHeap(SpinLock::new(Heap::new(HeapPages { next: HEAP_BASE })));

// SAFETY: `Heap` returns blocks of at least the size and alignment asked for, never handed
// out twice until freed (see heap.rs); the lock makes each call exclusive.
unsafe impl GlobalAlloc for KernelHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        self.0.lock().alloc(layout)
    }

    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        self.0.lock().dealloc(block, layout)
    }
}

pub fn heap_stats() -> Stats {
    HEAP.0.lock().stats()
}
// ANCHOR_END: global_allocator
