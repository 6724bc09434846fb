//! A lock for data shared between the kernel's code and its interrupt handlers.

use crate::cpu;
use core::cell::UnsafeCell;
use core::ops::{Deref, DerefMut};
use core::sync::atomic::{AtomicBool, Ordering};

// ANCHOR: spin_lock
/// Protects a `T`: `lock()` masks IRQs on this core for as long as the guard lives, then
/// puts the mask back as it was, so an interrupt handler can never find the data half
/// updated, nor wait for a lock that the code it interrupted holds (a deadlock).
///
/// Why no atomic read-modify-write: on AArch64 (v8.0) that is a load-exclusive /
/// store-exclusive loop, and on a Pi 3 exclusives need the MMU and caches on (with the MMU
/// off all memory is Device memory, where the exclusive monitor may never report success).
/// This chapter does not need them: only core 0 runs, and with IRQs masked nothing else
/// can run on it, so a plain load and store of `held` cannot be interleaved. `held` then
/// only catches a bug: taking the same lock twice on one core (from an exception raised
/// while holding it), which with one core could never be released, so spinning would hang.
/// A chapter that starts more cores turns the check into a compare-and-swap spin.
pub struct SpinLock<T> {
    held: AtomicBool,
    value: UnsafeCell<T>,
}

// SAFETY: `lock` gives out one guard at a time (see above), so `T` is reached by one
// context at a time; it must be `Send` to be handed between contexts.
unsafe impl<T: Send> Sync for SpinLock<T> {}

impl<T> SpinLock<T> {
    pub const fn new(value: T) -> Self {
        SpinLock {
            held: AtomicBool::new(false),
            value: UnsafeCell::new(value),
        }
    }

    pub fn lock(&self) -> Guard<'_, T> {
        let daif = cpu::mask_irqs();
        if self.held.load(Ordering::Acquire) {
            panic!("a lock was taken twice on one core");
        }
        self.held.store(true, Ordering::Relaxed);
        Guard { lock: self, daif }
    }
}

/// Access to the locked value; dropping it releases the lock and restores the IRQ mask.
pub struct Guard<'a, T> {
    lock: &'a SpinLock<T>,
    daif: u64,
}

impl<T> Drop for Guard<'_, T> {
    fn drop(&mut self) {
        self.lock.held.store(false, Ordering::Release);
        cpu::restore_interrupts(self.daif);
    }
}
// ANCHOR_END: spin_lock

impl<T> Deref for Guard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard exists, so this context holds the lock (see `SpinLock`).
        unsafe { &*self.lock.value.get() }
    }
}

impl<T> DerefMut for Guard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`, and `&mut self` makes this the only reference.
        unsafe { &mut *self.lock.value.get() }
    }
}
