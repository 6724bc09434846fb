//! The physical frame allocator: which 4 KiB frames of RAM are free.
//!
//! One bit per frame, 1 = free. A bitmap costs 32 KiB for the Pi 3's whole 1 GiB, needs no
//! memory of its own beyond that (it lives in .bss), and answers "is this frame free?"
//! directly, which catches a frame freed twice.

use crate::address::PAGE_SIZE;

// ANCHOR: frame_allocator
/// Frames `0..64 * WORDS`, at physical addresses `0..64 * WORDS * PAGE_SIZE`.
pub struct FrameAllocator<const WORDS: usize> {
    free_bits: [u64; WORDS],
    /// Frames handed to `add_free`: the RAM this allocator manages.
    total: usize,
    free: usize,
    /// The word to search from next: all words below it were full when last looked at.
    next_word: usize,
}

impl<const WORDS: usize> FrameAllocator<WORDS> {
    /// An allocator with no free frames (all zero bits: a static of it can live in .bss).
    pub const fn new() -> Self {
        FrameAllocator {
            free_bits: [0; WORDS],
            total: 0,
            free: 0,
            next_word: 0,
        }
    }

    /// Makes the whole frames in `[start, end)` (physical addresses) available. Frames
    /// beyond what the bitmap covers are left out.
    pub fn add_free(&mut self, start: usize, end: usize) {
        let first = start.div_ceil(PAGE_SIZE);
        let last = (end / PAGE_SIZE).min(WORDS * 64);
        for frame in first..last {
            let (word, bit) = (frame / 64, frame % 64);
            if self.free_bits[word] & 1 << bit == 0 {
                self.free_bits[word] |= 1 << bit;
                self.total += 1;
                self.free += 1;
            }
        }
        self.next_word = 0;
    }

    /// Takes the frames in `[start, end)` out of use for good: memory something else owns
    /// (the kernel image, the firmware's). They no longer count as RAM to allocate from.
    pub fn reserve(&mut self, start: usize, end: usize) {
        let first = start / PAGE_SIZE;
        let last = end.div_ceil(PAGE_SIZE).min(WORDS * 64);
        for frame in first..last {
            let (word, bit) = (frame / 64, frame % 64);
            if self.free_bits[word] & 1 << bit != 0 {
                self.free_bits[word] &= !(1 << bit);
                self.total -= 1;
                self.free -= 1;
            }
        }
    }

    /// A free frame's physical address, now in use; None when every frame is taken.
    pub fn alloc(&mut self) -> Option<usize> {
        for word in self.next_word..WORDS {
            let bits = self.free_bits[word];
            if bits != 0 {
                let bit = bits.trailing_zeros() as usize;
                self.free_bits[word] &= !(1 << bit);
                self.free -= 1;
                self.next_word = word;
                return Some((word * 64 + bit) * PAGE_SIZE);
            }
        }
        self.next_word = WORDS;
        None
    }

    /// Gives back the frame at physical address `pa`, which `alloc` returned.
    pub fn free(&mut self, pa: usize) {
        let frame = pa / PAGE_SIZE;
        let (word, bit) = (frame / 64, frame % 64);
        assert!(
            pa % PAGE_SIZE == 0 && word < WORDS,
            "freeing {pa:#x}, which is not a frame"
        );
        assert!(
            self.free_bits[word] & 1 << bit == 0,
            "frame {pa:#x} freed twice"
        );
        self.free_bits[word] |= 1 << bit;
        self.free += 1;
        self.next_word = self.next_word.min(word);
    }

    /// Frames free now.
    pub fn free_frames(&self) -> usize {
        self.free
    }

    /// Frames managed: free or in use.
    pub fn total_frames(&self) -> usize {
        self.total
    }
}
// ANCHOR_END: frame_allocator

// ANCHOR: shares
/// How many extra owners each frame has: copy-on-write fork lets parent and child map the
/// same frame, and the frame may go back to the allocator only when its last owner lets go.
/// Zero (the usual case) means one owner. One byte per frame: a frame is shared by at most
/// as many processes as the process table holds.
pub struct Shares<const FRAMES: usize> {
    extra: [u8; FRAMES],
}

impl<const FRAMES: usize> Shares<FRAMES> {
    pub const fn new() -> Self {
        Shares { extra: [0; FRAMES] }
    }

    /// One more owner of the frame at `pa`.
    pub fn share(&mut self, pa: usize) {
        let count = &mut self.extra[pa / PAGE_SIZE];
        *count = count.checked_add(1).expect("a frame shared by more than 255 owners");
    }

    /// One owner lets go: true if it was the last, and the frame is free to reuse.
    pub fn release(&mut self, pa: usize) -> bool {
        let count = &mut self.extra[pa / PAGE_SIZE];
        if *count == 0 {
            return true;
        }
        *count -= 1;
        false
    }

    /// Whether another owner maps the frame too.
    pub fn is_shared(&self, pa: usize) -> bool {
        self.extra[pa / PAGE_SIZE] != 0
    }
}
// ANCHOR_END: shares

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hands_out_only_free_frames_and_takes_them_back() {
        let mut frames = FrameAllocator::<4>::new();
        frames.add_free(0, 64 * PAGE_SIZE);
        frames.reserve(0, 3 * PAGE_SIZE + 1);
        assert_eq!((frames.total_frames(), frames.free_frames()), (60, 60));
        assert_eq!(
            frames.alloc(),
            Some(4 * PAGE_SIZE),
            "frames 0-3 are reserved"
        );
        assert_eq!(frames.alloc(), Some(5 * PAGE_SIZE));
        frames.free(4 * PAGE_SIZE);
        assert_eq!(
            frames.alloc(),
            Some(4 * PAGE_SIZE),
            "a freed frame is used again"
        );
        assert_eq!(frames.free_frames(), 58);
    }

    #[test]
    fn partial_frames_at_the_edges_are_left_out() {
        let mut frames = FrameAllocator::<4>::new();
        frames.add_free(PAGE_SIZE / 2, 3 * PAGE_SIZE - 1);
        assert_eq!(frames.total_frames(), 1);
        assert_eq!(frames.alloc(), Some(PAGE_SIZE));
        assert_eq!(frames.alloc(), None);
    }

    #[test]
    fn runs_dry_then_recovers() {
        let mut frames = FrameAllocator::<2>::new();
        frames.add_free(0, 1 << 30);
        assert_eq!(frames.total_frames(), 128, "the bitmap covers 128 frames");
        let taken: Vec<usize> = (0..128).map(|_| frames.alloc().unwrap()).collect();
        assert_eq!(frames.alloc(), None);
        frames.free(taken[100]);
        assert_eq!(frames.alloc(), Some(taken[100]));
    }

    #[test]
    fn a_shared_frame_is_free_only_after_its_last_owner() {
        let mut shares = Shares::<4>::new();
        let frame = 2 * PAGE_SIZE;
        assert!(!shares.is_shared(frame));
        shares.share(frame);
        shares.share(frame);
        assert!(shares.is_shared(frame));
        assert!(!shares.release(frame));
        assert!(!shares.release(frame));
        assert!(!shares.is_shared(frame));
        assert!(shares.release(frame), "the last owner");
    }

    #[test]
    #[should_panic(expected = "freed twice")]
    fn a_double_free_is_caught() {
        let mut frames = FrameAllocator::<1>::new();
        frames.add_free(0, 8 * PAGE_SIZE);
        let frame = frames.alloc().unwrap();
        frames.free(frame);
        frames.free(frame);
    }
}
