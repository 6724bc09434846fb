//! The kernel heap: memory for `Box`, `Vec`, `BTreeMap` and the rest of `alloc`.
//!
//! Small requests (up to 2 KiB) come from size classes: blocks of 16, 32, ... 2048 bytes,
//! carved out of whole pages, each class with a list of free blocks threaded through the
//! free blocks themselves. A freed block goes back on its class's list, so there is no
//! searching and no fragmentation within a class. Larger requests get whole pages of their
//! own, mapped when allocated and unmapped when freed.
//!
//! Where pages come from is the caller's business ([`Pages`]): the kernel maps frames into
//! its heap region; the host tests borrow memory from the host's allocator.

use crate::address::PAGE_SIZE;
use core::alloc::Layout;
use core::ptr;

// ANCHOR: heap
/// The smallest block: room for the free list's link, and the alignment `alloc` expects.
const MIN_BLOCK: usize = 16;
/// Block sizes 16, 32, ..., 2048: eight classes.
const CLASSES: usize = 8;
const MAX_BLOCK: usize = MIN_BLOCK << (CLASSES - 1);

/// A source of page-aligned, writable virtual memory.
pub trait Pages {
    /// `count` contiguous fresh pages, or None when memory is exhausted.
    fn map(&mut self, count: usize) -> Option<*mut u8>;
    /// Gives back pages that `map` returned.
    fn unmap(&mut self, pages: *mut u8, count: usize);
}

/// What the heap holds, for the `mem` command.
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
pub struct Stats {
    /// Allocations not yet freed, and the bytes they asked for.
    pub live: usize,
    pub live_bytes: usize,
    /// Allocations since the start.
    pub total: usize,
    /// Pages the heap has mapped and not given back.
    pub pages: usize,
}

pub struct Heap<P: Pages> {
    /// The first free block of each class (null: none), each holding the next one's address.
    free: [*mut u8; CLASSES],
    pages: P,
    stats: Stats,
}

// SAFETY: the raw pointers are blocks of memory the heap owns, not shared with anyone; a
// heap may move between contexts (it lives behind a lock) like any owner of memory.
unsafe impl<P: Pages + Send> Send for Heap<P> {}

/// Which class serves `layout`, or None for a large (page-sized) allocation.
fn class(layout: Layout) -> Option<usize> {
    let size = layout
        .size()
        .max(layout.align())
        .max(MIN_BLOCK)
        .next_power_of_two();
    (size <= MAX_BLOCK).then(|| (size / MIN_BLOCK).trailing_zeros() as usize)
}

const fn block_size(class: usize) -> usize {
    MIN_BLOCK << class
}

impl<P: Pages> Heap<P> {
    pub const fn new(pages: P) -> Self {
        Heap {
            free: [ptr::null_mut(); CLASSES],
            pages,
            stats: Stats {
                live: 0,
                live_bytes: 0,
                total: 0,
                pages: 0,
            },
        }
    }

    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// Memory for `layout`, or null when there is none. Every block is aligned to its size
    /// (a power of two within a page-aligned page), which covers the alignment asked for.
    pub fn alloc(&mut self, layout: Layout) -> *mut u8 {
        let block = match class(layout) {
            Some(class) => self.alloc_small(class),
            None if layout.align() <= PAGE_SIZE => {
                let count = layout.size().div_ceil(PAGE_SIZE);
                let pages = self.pages.map(count).unwrap_or(ptr::null_mut());
                if !pages.is_null() {
                    self.stats.pages += count;
                }
                pages
            }
            None => ptr::null_mut(),
        };
        if !block.is_null() {
            self.stats.live += 1;
            self.stats.live_bytes += layout.size();
            self.stats.total += 1;
        }
        block
    }

    fn alloc_small(&mut self, class: usize) -> *mut u8 {
        if self.free[class].is_null() {
            self.refill(class);
        }
        let block = self.free[class];
        if !block.is_null() {
            // SAFETY: a block on a free list is one of ours, at least 16 bytes, 16-aligned, and
            // holds the address of the next free block (written by `push`).
            self.free[class] = unsafe { block.cast::<*mut u8>().read() };
        }
        block
    }

    /// Cuts a fresh page into blocks of `class`'s size and puts them all on its list.
    fn refill(&mut self, class: usize) {
        let Some(page) = self.pages.map(1) else {
            return;
        };
        self.stats.pages += 1;
        let size = block_size(class);
        // Pushed from the end, so the list hands the page out in address order.
        for offset in (0..PAGE_SIZE).step_by(size).rev() {
            // SAFETY: `page` is a fresh, writable page and `offset` is inside it.
            self.push(class, unsafe { page.add(offset) });
        }
    }

    fn push(&mut self, class: usize, block: *mut u8) {
        // SAFETY: `block` is an unused block of this class (at least 16 bytes, 16-aligned);
        // its first word becomes the list link.
        unsafe { block.cast::<*mut u8>().write(self.free[class]) };
        self.free[class] = block;
    }

    /// Gives back `block`, which `alloc(layout)` returned.
    pub fn dealloc(&mut self, block: *mut u8, layout: Layout) {
        match class(layout) {
            Some(class) => self.push(class, block),
            None => {
                let count = layout.size().div_ceil(PAGE_SIZE);
                self.pages.unmap(block, count);
                self.stats.pages -= count;
            }
        }
        self.stats.live -= 1;
        self.stats.live_bytes -= layout.size();
    }
}
// ANCHOR_END: heap

#[cfg(test)]
mod tests {
    use super::*;
    use std::alloc::{alloc, dealloc};

    /// Pages from the host's allocator, counted.
    #[derive(Default)]
    struct HostPages {
        mapped: usize,
        limit: Option<usize>,
    }

    impl Pages for HostPages {
        fn map(&mut self, count: usize) -> Option<*mut u8> {
            if self.limit.is_some_and(|limit| self.mapped + count > limit) {
                return None;
            }
            self.mapped += count;
            // SAFETY: a non-zero size with a valid alignment.
            Some(unsafe { alloc(Layout::from_size_align(count * PAGE_SIZE, PAGE_SIZE).unwrap()) })
        }
        fn unmap(&mut self, pages: *mut u8, count: usize) {
            self.mapped -= count;
            // SAFETY: `pages` came from `map(count)` with this layout.
            unsafe {
                dealloc(
                    pages,
                    Layout::from_size_align(count * PAGE_SIZE, PAGE_SIZE).unwrap(),
                )
            };
        }
    }

    fn layout(size: usize, align: usize) -> Layout {
        Layout::from_size_align(size, align).unwrap()
    }

    #[test]
    fn sizes_round_up_to_a_class() {
        assert_eq!(class(layout(1, 1)), Some(0));
        assert_eq!(class(layout(16, 8)), Some(0));
        assert_eq!(class(layout(17, 8)), Some(1));
        assert_eq!(class(layout(24, 32)), Some(1), "alignment counts as size");
        assert_eq!(class(layout(2048, 8)), Some(7));
        assert_eq!(class(layout(2049, 8)), None);
    }

    #[test]
    fn small_blocks_share_a_page_and_come_back() {
        let mut heap = Heap::new(HostPages::default());
        let a = heap.alloc(layout(24, 8));
        let b = heap.alloc(layout(30, 8));
        assert_eq!(b as usize - a as usize, 32, "neighbours in one page");
        assert_eq!(
            heap.stats(),
            Stats {
                live: 2,
                live_bytes: 54,
                total: 2,
                pages: 1
            }
        );
        heap.dealloc(a, layout(24, 8));
        assert_eq!(
            heap.alloc(layout(32, 16)),
            a,
            "the freed block is reused first"
        );
        assert_eq!(heap.pages.mapped, 1);
    }

    #[test]
    fn blocks_are_aligned_and_do_not_overlap() {
        let mut heap = Heap::new(HostPages::default());
        let mut blocks: Vec<(usize, usize)> = (1..300)
            .map(|size| {
                let block = heap.alloc(layout(size, 1)) as usize;
                assert_eq!(block % size.next_power_of_two().max(16), 0);
                // SAFETY: the block holds `size` bytes.
                unsafe { core::ptr::write_bytes(block as *mut u8, 0xa5, size) };
                (block, size)
            })
            .collect();
        blocks.sort();
        assert!(
            blocks
                .windows(2)
                .all(|pair| pair[0].0 + pair[0].1 <= pair[1].0)
        );
    }

    #[test]
    fn large_allocations_get_pages_of_their_own() {
        let mut heap = Heap::new(HostPages::default());
        let big = heap.alloc(layout(3 * PAGE_SIZE + 1, 8));
        assert_eq!(big as usize % PAGE_SIZE, 0);
        assert_eq!(heap.stats().pages, 4);
        heap.dealloc(big, layout(3 * PAGE_SIZE + 1, 8));
        assert_eq!(
            (heap.stats().pages, heap.pages.mapped, heap.stats().live),
            (0, 0, 0)
        );
    }

    #[test]
    fn exhaustion_gives_null() {
        let mut heap = Heap::new(HostPages {
            mapped: 0,
            limit: Some(1),
        });
        assert!(heap.alloc(layout(2 * PAGE_SIZE, 8)).is_null());
        assert!(!heap.alloc(layout(2048, 8)).is_null());
        assert!(!heap.alloc(layout(2048, 8)).is_null());
        assert!(
            heap.alloc(layout(2048, 8)).is_null(),
            "the one page holds two 2 KiB blocks"
        );
        assert_eq!(heap.stats().live, 2);
    }
}
