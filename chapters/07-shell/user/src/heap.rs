//! The heap, on `brk`: memory is handed out from the end of the program's data upwards (a
//! bump allocator), in blocks of power-of-two sizes; a freed block goes on a free list of its
//! size and is handed out again before the heap grows. A shell runs for hours and allocates
//! for every line typed: its memory must come back. Power-of-two size classes are the simplest
//! scheme that does that in constant time, at the price of up to half of each block. The
//! arithmetic is pure and host-tested.

// ANCHOR: bump
/// The free part of the heap: `[next, end)`; `end` is the current program break.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Bump {
    pub next: usize,
    pub end: usize,
}

impl Bump {
    /// The address for `size` bytes aligned to `align` (a power of two), and the break
    /// needed for it: None if the addresses would overflow.
    pub fn place(&self, size: usize, align: usize) -> Option<(usize, usize)> {
        let start = self.next.checked_add(align - 1)? & !(align - 1);
        let end = start.checked_add(size)?;
        Some((start, end))
    }
}
// ANCHOR_END: bump

// ANCHOR: size_classes
/// The smallest block: room for the free list's link, and a 16-byte alignment for all.
const SMALLEST: usize = 16;
/// Blocks from 16 bytes to 2 GiB.
pub const CLASSES: usize = 28;
/// Blocks are aligned to their size up to a page; larger ones to a page.
const PAGE: usize = 4096;

/// The size class of an allocation: the smallest power of two from 16 that holds `size` and
/// is a multiple of `align`. None if it is too large (or the alignment is more than a page).
pub fn class_of(size: usize, align: usize) -> Option<usize> {
    if align > PAGE {
        return None;
    }
    let block = size.max(align).max(SMALLEST).checked_next_power_of_two()?;
    let class = (block.trailing_zeros() - SMALLEST.trailing_zeros()) as usize;
    (class < CLASSES).then_some(class)
}

/// A class's block size, and the alignment a new block of it gets.
pub fn block_of(class: usize) -> (usize, usize) {
    let size = SMALLEST << class;
    (size, size.min(PAGE))
}
// ANCHOR_END: size_classes

#[cfg(target_os = "none")]
mod global {
    use super::{Bump, CLASSES, block_of, class_of};
    use crate::sys;
    use core::alloc::{GlobalAlloc, Layout};
    use core::cell::Cell;

    /// How much the break grows by at least: fewer system calls.
    const GROWTH: usize = 64 * 1024;

    /// The heap of a program with one thread: `Cell`s suffice, nothing runs concurrently.
    /// `free[c]` is the address of the first free block of class `c` (0: none); each free
    /// block holds the address of the next in its first word.
    pub struct BrkHeap {
        bump: Cell<Option<Bump>>,
        free: [Cell<usize>; CLASSES],
    }

    // SAFETY: ulib programs have one thread (clone is fork only), so the heap is never
    // reached from two threads at once.
    unsafe impl Sync for BrkHeap {}

    impl BrkHeap {
        /// A new block of `size` bytes aligned to `align`, from the end of the heap.
        fn grow(&self, size: usize, align: usize) -> *mut u8 {
            let mut heap = match self.bump.get() {
                Some(heap) => heap,
                None => {
                    let start = sys::brk(0);
                    Bump { next: start, end: start }
                }
            };
            let Some((start, end)) = heap.place(size, align) else {
                return core::ptr::null_mut();
            };
            if end > heap.end {
                let wanted = end.max(heap.end + GROWTH);
                if sys::brk(wanted) < wanted {
                    return core::ptr::null_mut();
                }
                heap.end = wanted;
            }
            heap.next = end;
            self.bump.set(Some(heap));
            start as *mut u8
        }
    }

    // SAFETY: every block handed out is a whole block of its class, from the heap's own
    // memory, aligned as its class aligns (which `class_of` made enough for the layout), and
    // it is handed out again only after `dealloc` gave it back.
    unsafe impl GlobalAlloc for BrkHeap {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            let Some(class) = class_of(layout.size(), layout.align()) else {
                return core::ptr::null_mut();
            };
            let head = self.free[class].get();
            if head == 0 {
                let (size, align) = block_of(class);
                return self.grow(size, align);
            }
            // SAFETY: `head` is a free block of this class, whose first word `dealloc`
            // wrote: the next free block's address.
            self.free[class].set(unsafe { (head as *const usize).read() });
            head as *mut u8
        }

        unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
            let class = class_of(layout.size(), layout.align()).expect("alloc gave this layout a class");
            // SAFETY: the block is at least 16 bytes, aligned to 16, and no longer in use
            // (the caller gives it back): its first word can hold the link.
            unsafe { (block as *mut usize).write(self.free[class].get()) };
            self.free[class].set(block as usize);
        }
    }

    #[global_allocator]
    static HEAP: BrkHeap = BrkHeap { bump: Cell::new(None), free: [const { Cell::new(0) }; CLASSES] };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_aligned_blocks_one_after_another() {
        let heap = Bump { next: 0x1003, end: 0x2000 };
        assert_eq!(heap.place(16, 8), Some((0x1008, 0x1018)));
        assert_eq!(heap.place(1, 1), Some((0x1003, 0x1004)));
        assert_eq!(Bump { next: usize::MAX - 2, end: 0 }.place(8, 8), None);
    }

    #[test]
    fn size_classes_hold_the_size_and_the_alignment() {
        assert_eq!(class_of(1, 1), Some(0));
        assert_eq!(class_of(16, 8), Some(0));
        assert_eq!(class_of(17, 1), Some(1));
        assert_eq!(class_of(24, 32), Some(1), "a 32-aligned block is a 32-byte one");
        assert_eq!(block_of(1), (32, 32));
        assert_eq!(class_of(5000, 8).map(block_of), Some((8192, 4096)), "large blocks are page-aligned");
        assert_eq!(class_of(1 << 31, 8), Some(27));
        assert_eq!(class_of((1 << 31) + 1, 8), None);
        assert_eq!(class_of(64, 8192), None, "no alignment beyond a page");
        assert_eq!(class_of(usize::MAX, 1), None);
    }
}
