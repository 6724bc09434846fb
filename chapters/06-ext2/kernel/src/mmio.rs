//! Memory-mapped I/O: the BCM2837's peripherals are registers at fixed physical addresses.

use crate::address::phys_to_virt;

// ANCHOR: mmio
/// Where the peripherals appear to the ARM cores (the Broadcom manual's "bus
/// addresses" 0x7E00_0000 and up) at physical address 0x3F00_0000, as the kernel sees them
/// with the MMU on: through the linear map, as device memory.
pub const PERIPHERAL_BASE: usize = phys_to_virt(0x3F00_0000);

/// The BCM2836 local peripherals (physical 0x4000_0000), outside the peripheral window.
pub const LOCAL_PERIPHERAL_BASE: usize = phys_to_virt(0x4000_0000);

/// Reads the 32-bit device register at `address`.
///
/// # Safety
/// `address` must be a device register whose reading does not change memory that Rust
/// code uses.
pub unsafe fn read(address: usize) -> u32 {
    // SAFETY: the caller promises `address` is a device register. Volatile: the
    // compiler must perform every access, in order, exactly as written.
    unsafe { (address as *const u32).read_volatile() }
}

/// Writes `value` to the 32-bit device register at `address`.
///
/// # Safety
/// `address` must be a device register whose writing does not change memory that Rust
/// code uses.
pub unsafe fn write(address: usize, value: u32) {
    // SAFETY: as in `read`.
    unsafe { (address as *mut u32).write_volatile(value) }
}
// ANCHOR_END: mmio
