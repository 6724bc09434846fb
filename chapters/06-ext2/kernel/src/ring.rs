//! A fixed-size first-in, first-out queue of bytes: where the serial port's interrupt
//! handler leaves received bytes until the monitor reads them.

// ANCHOR: ring
/// Up to `N` bytes waiting to be read. When it is full, new bytes are dropped: an interrupt
/// handler cannot wait for room.
pub struct Ring<const N: usize> {
    bytes: [u8; N],
    /// Index of the oldest byte.
    head: usize,
    /// How many bytes are waiting.
    len: usize,
}

impl<const N: usize> Ring<N> {
    pub const fn new() -> Self {
        Ring {
            bytes: [0; N],
            head: 0,
            len: 0,
        }
    }

    /// Adds `byte` at the back, or drops it if the queue is full.
    pub fn push(&mut self, byte: u8) {
        if self.len == N {
            return;
        }
        self.bytes[(self.head + self.len) % N] = byte;
        self.len += 1;
    }

    /// Takes the oldest byte.
    pub fn pop(&mut self) -> Option<u8> {
        if self.len == 0 {
            return None;
        }
        let byte = self.bytes[self.head];
        self.head = (self.head + 1) % N;
        self.len -= 1;
        Some(byte)
    }
}
// ANCHOR_END: ring

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_in_first_out_across_the_wrap() {
        let mut ring = Ring::<4>::new();
        for round in 0..3u8 {
            ring.push(round * 10);
            ring.push(round * 10 + 1);
            ring.push(round * 10 + 2);
            assert_eq!(
                [ring.pop(), ring.pop(), ring.pop()],
                [Some(round * 10), Some(round * 10 + 1), Some(round * 10 + 2)]
            );
        }
        assert_eq!(ring.pop(), None);
    }

    #[test]
    fn a_full_ring_drops_new_bytes() {
        let mut ring = Ring::<2>::new();
        for byte in b"abcd" {
            ring.push(*byte);
        }
        assert_eq!(
            (ring.pop(), ring.pop(), ring.pop()),
            (Some(b'a'), Some(b'b'), None)
        );
    }
}
