//! The periodic tick: the ARM generic timer's physical timer (CNTP) interrupts core 0 a
//! hundred times a second, and each interrupt counts one tick of uptime.

use crate::{cpu, irq, process};
use core::arch::asm;
use core::sync::atomic::{AtomicU64, Ordering};

/// Ticks per second.
pub const HZ: u64 = 100;

/// Ticks since `init`. Only the timer's handler writes it, and interrupts do not nest, so
/// a plain load and store suffice (no atomic read-modify-write, see `spinlock`).
static TICKS: AtomicU64 = AtomicU64::new(0);
/// Counter cycles per tick, set once by `init`.
static INTERVAL: AtomicU64 = AtomicU64::new(0);

/// CNTP_CTL_EL0.ENABLE; IMASK (bit 1) stays clear so the timer raises its interrupt.
const CTL_ENABLE: u64 = 1;

/// The counter's frequency in Hz, as the firmware set CNTFRQ_EL0.
pub fn counter_hz() -> u64 {
    let hz: u64;
    // SAFETY: reading CNTFRQ_EL0 has no side effects.
    unsafe { asm!("mrs {}, cntfrq_el0", out(reg) hz, options(nomem, nostack, preserves_flags)) };
    hz
}

// ANCHOR: timer_init
/// Starts the tick: the first interrupt one interval from now, and the timer's IRQ enabled.
pub fn init() {
    let interval = counter_hz() / HZ;
    INTERVAL.store(interval, Ordering::Relaxed);
    // SAFETY: CNTP_TVAL_EL0 counts down from `interval`; when it reaches zero the timer
    // condition is met (CNTP_CVAL_EL0 becomes now + interval). boot.s let EL1 use CNTP.
    unsafe {
        asm!(
            "msr cntp_tval_el0, {interval}",
            "msr cntp_ctl_el0, {ctl}",
            interval = in(reg) interval,
            ctl = in(reg) CTL_ENABLE,
            options(nomem, nostack, preserves_flags)
        )
    };
    irq::register(irq::TIMER, handle_interrupt);
}
// ANCHOR_END: timer_init

// ANCHOR: timer_irq
/// The timer's interrupt handler. The next deadline is the last one plus an interval (not
/// now plus an interval), so however late a handler runs, the ticks do not drift. Moving
/// the deadline into the future is also what ends the interrupt.
fn handle_interrupt() {
    // SAFETY: CNTP_CVAL_EL0 is the timer's deadline; writing it only moves the next interrupt.
    unsafe {
        asm!(
            "mrs {deadline}, cntp_cval_el0",
            "add {deadline}, {deadline}, {interval}",
            "msr cntp_cval_el0, {deadline}",
            deadline = out(reg) _,
            interval = in(reg) INTERVAL.load(Ordering::Relaxed),
            options(nomem, nostack, preserves_flags)
        )
    };
    let now = TICKS.load(Ordering::Relaxed) + 1;
    TICKS.store(now, Ordering::Relaxed);
    process::wake_sleepers(now);
}
// ANCHOR_END: timer_irq

/// Ticks since the timer started.
pub fn ticks() -> u64 {
    TICKS.load(Ordering::Relaxed)
}

/// The generic counter: CNTFRQ_EL0 counts a second.
pub fn counter() -> u64 {
    let count: u64;
    // SAFETY: reading CNTPCT_EL0 has no side effects; boot.s let EL1 read it.
    unsafe { asm!("isb", "mrs {}, cntpct_el0", out(reg) count, options(nomem, nostack, preserves_flags)) };
    count
}

// ANCHOR: sleep
/// Sleeps for `count` ticks, letting other tasks run (or the core halt in WFI) meanwhile.
pub fn sleep(count: u64) {
    let until = ticks() + count;
    loop {
        // As in console::read_byte: check and sleep with IRQs masked, so that the tick
        // that ends the wait cannot come between the two.
        let daif = cpu::mask_irqs();
        let done = ticks() >= until;
        if !done {
            process::sleep(process::Wait::Tick(until));
        }
        cpu::restore_interrupts(daif);
        if done {
            return;
        }
    }
}
// ANCHOR_END: sleep
