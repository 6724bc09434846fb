//! The Pi 3's two interrupt controllers.
//!
//! The BCM2835 controller (from the Pi 1) collects the peripherals' interrupts: 64 "GPU"
//! IRQs, the UART's being number 57. The BCM2836 "local" controller, added for the Pi 2's
//! four ARM cores, sits between it and the cores: it routes the BCM2835's output to one
//! core and adds each core's own sources, among them the ARM generic timer.
//! A core's IRQ line is the local controller's output; its source register says why.

use crate::mmio;

// ANCHOR: intc_registers
/// The BCM2835 interrupt controller.
const BCM2835: usize = mmio::PERIPHERAL_BASE + 0xb200;
/// Pending GPU IRQs 0-31 and 32-63.
const PENDING_1: usize = 0x04;
const PENDING_2: usize = 0x08;
/// Writing a 1 enables that GPU IRQ (0-31, 32-63); writing 0 changes nothing.
const ENABLE_1: usize = 0x10;
const ENABLE_2: usize = 0x14;
/// Writing a 1 disables that GPU IRQ.
const DISABLE_1: usize = 0x1c;
const DISABLE_2: usize = 0x20;
const DISABLE_BASIC: usize = 0x24;

/// The BCM2836 local controller. It is not a BCM2835 peripheral: it has its own address,
/// outside the peripheral window.
const LOCAL: usize = mmio::LOCAL_PERIPHERAL_BASE;
/// Core 0's timer interrupt control: bit n lets generic timer n (0 CNTPS, 1 CNTPNS,
/// 2 CNTHP, 3 CNTV) interrupt core 0.
const CORE0_TIMER_CONTROL: usize = 0x40;
/// Core 0's IRQ source: which local sources are interrupting core 0 (bit 8: the BCM2835).
const CORE0_IRQ_SOURCE: usize = 0x60;
// ANCHOR_END: intc_registers

fn read(address: usize) -> u32 {
    // SAFETY: every address used here is one of the two controllers' registers above;
    // reading them has no effect on memory Rust uses.
    unsafe { mmio::read(address) }
}

fn write(address: usize, value: u32) {
    // SAFETY: as in `read`; writes only change which interrupts reach the core.
    unsafe { mmio::write(address, value) }
}

// ANCHOR: intc_reset
/// Disables every GPU and basic interrupt and core 0's timer interrupts: the firmware
/// promises nothing about them, and an interrupt nobody handles would fire forever. The
/// local controller's other sources (mailboxes, local timer) are off after reset, and
/// nothing in this kernel turns them on.
pub fn reset() {
    write(BCM2835 + DISABLE_1, u32::MAX);
    write(BCM2835 + DISABLE_2, u32::MAX);
    write(BCM2835 + DISABLE_BASIC, u32::MAX);
    write(LOCAL + CORE0_TIMER_CONTROL, 0);
}
// ANCHOR_END: intc_reset

/// Lets GPU IRQ `number` (0-63) through the BCM2835 controller.
pub fn enable_gpu(number: u32) {
    let register = if number < 32 { ENABLE_1 } else { ENABLE_2 };
    write(BCM2835 + register, 1 << (number % 32));
}

/// Lets generic timer `timer` (0-3, see CORE0_TIMER_CONTROL) interrupt core 0.
pub fn enable_core0_timer(timer: u32) {
    let control = read(LOCAL + CORE0_TIMER_CONTROL);
    write(LOCAL + CORE0_TIMER_CONTROL, control | 1 << timer);
}

/// Core 0's local IRQ source bits.
pub fn core0_source() -> u32 {
    read(LOCAL + CORE0_IRQ_SOURCE)
}

/// The pending GPU IRQs: bit n is IRQ n.
pub fn gpu_pending() -> u64 {
    read(BCM2835 + PENDING_1) as u64 | (read(BCM2835 + PENDING_2) as u64) << 32
}
