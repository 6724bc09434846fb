//! A bump allocator on `brk`: memory is handed out from the end of the program's data
//! upwards and never reused. Programs here run briefly; a bump allocator is the smallest
//! that lets them use `Vec` and `String`. The arithmetic is pure and host-tested.

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

#[cfg(target_os = "none")]
mod global {
    use super::Bump;
    use crate::sys;
    use core::alloc::{GlobalAlloc, Layout};
    use core::cell::Cell;

    /// How much the break grows by at least: fewer system calls.
    const GROWTH: usize = 64 * 1024;

    /// The heap of a program with one thread: a `Cell` suffices, nothing runs concurrently.
    pub struct BrkHeap(Cell<Option<Bump>>);

    // SAFETY: ulib programs have one thread (clone is fork only), so the heap is never
    // reached from two threads at once.
    unsafe impl Sync for BrkHeap {}

    // SAFETY: `alloc` hands out each byte between the initial break and the current one at
    // most once, aligned as asked, or returns null when `brk` refuses to grow.
    unsafe impl GlobalAlloc for BrkHeap {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            let mut heap = match self.0.get() {
                Some(heap) => heap,
                None => {
                    let start = sys::brk(0);
                    Bump { next: start, end: start }
                }
            };
            let Some((start, end)) = heap.place(layout.size(), layout.align()) else {
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
            self.0.set(Some(heap));
            start as *mut u8
        }

        unsafe fn dealloc(&self, _block: *mut u8, _layout: Layout) {}
    }

    #[global_allocator]
    static HEAP: BrkHeap = BrkHeap(Cell::new(None));
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
}
