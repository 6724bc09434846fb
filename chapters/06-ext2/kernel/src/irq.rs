//! Interrupt numbers, handlers registered by number, and the dispatch from the IRQ vector.
//!
//! One number space covers both controllers (see `intc`): 0-63 are the BCM2835's GPU IRQs,
//! and 64 + n is bit n of a core's local source register.

// ANCHOR: irq_numbers
/// The BCM2835's 64 GPU IRQs come first.
const GPU_IRQS: u32 = 64;
/// Local source bit n is IRQ number LOCAL + n.
const LOCAL: u32 = GPU_IRQS;
/// The local source bit that means "the BCM2835 has pending IRQs".
const LOCAL_GPU_BIT: u32 = 8;

/// The PL011 UART (GPU IRQ 57).
pub const UART: u32 = 57;
/// The generic timer's non-secure physical timer, CNTP (local source 1, CNTPNS).
pub const TIMER: u32 = LOCAL + 1;

/// Which local timer source an IRQ number is, if it is one (for the local controller).
pub fn local_timer(number: u32) -> Option<u32> {
    (LOCAL..LOCAL + 4).contains(&number).then(|| number - LOCAL)
}

/// Calls `each` with the number of every pending interrupt: `source` is the core's local
/// source register; `gpu_pending` reads the BCM2835's pending bits, only when bit 8 says so.
pub fn for_each_pending(source: u32, gpu_pending: impl FnOnce() -> u64, mut each: impl FnMut(u32)) {
    let gpu = if source & 1 << LOCAL_GPU_BIT != 0 {
        gpu_pending()
    } else {
        0
    };
    for_each_bit(gpu, |bit| each(bit));
    for_each_bit((source & !(1 << LOCAL_GPU_BIT)) as u64, |bit| {
        each(LOCAL + bit)
    });
}

fn for_each_bit(mut bits: u64, mut each: impl FnMut(u32)) {
    while bits != 0 {
        let bit = bits.trailing_zeros();
        each(bit);
        bits &= bits - 1;
    }
}
// ANCHOR_END: irq_numbers

#[cfg(not(test))]
pub use hardware::{dispatch, register};

#[cfg(not(test))]
mod hardware {
    use super::{LOCAL, for_each_pending, local_timer};
    use crate::intc;
    use crate::spinlock::SpinLock;

    /// How many numbers there are: 64 GPU IRQs and 12 local sources.
    const COUNT: usize = (LOCAL + 12) as usize;

    // ANCHOR: irq_dispatch
    /// The handler for each interrupt number.
    static HANDLERS: SpinLock<[Option<fn()>; COUNT]> = SpinLock::new([None; COUNT]);

    /// Makes `handler` run whenever interrupt `number` is raised, and enables the interrupt
    /// in whichever controller it comes through.
    pub fn register(number: u32, handler: fn()) {
        HANDLERS.lock()[number as usize] = Some(handler);
        match local_timer(number) {
            Some(timer) => intc::enable_core0_timer(timer),
            None => intc::enable_gpu(number),
        }
    }

    /// Runs the handler of every pending interrupt; called by the IRQ vector.
    pub fn dispatch() {
        for_each_pending(intc::core0_source(), intc::gpu_pending, |number| {
            // Copy the handler out, so the lock is not held while it runs.
            let handler = HANDLERS.lock()[number as usize];
            match handler {
                Some(handler) => handler(),
                // Enabled interrupts all have handlers; anything else would fire forever.
                None => panic!("interrupt {number} has no handler"),
            }
        });
    }
    // ANCHOR_END: irq_dispatch
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pending(source: u32, gpu: u64) -> Vec<u32> {
        let mut numbers = Vec::new();
        for_each_pending(source, || gpu, |number| numbers.push(number));
        numbers
    }

    #[test]
    fn timer_and_uart_together() {
        assert_eq!(pending(1 << 1 | 1 << 8, 1 << 57), [UART, TIMER]);
    }

    #[test]
    fn gpu_bits_are_read_only_when_the_local_controller_says_so() {
        assert_eq!(pending(1 << 1, 1 << 57), [TIMER]);
        assert_eq!(pending(0, 0), []);
    }

    #[test]
    fn only_the_four_generic_timers_are_local_timers() {
        assert_eq!(local_timer(TIMER), Some(1));
        assert_eq!(local_timer(UART), None);
        assert_eq!(local_timer(LOCAL + 8), None);
    }
}
