//! The BCM2837's general-purpose I/O pins: which peripheral drives a pin, and its
//! pull-up/pull-down resistors.

// ANCHOR: function_select
/// Offset of GPFSEL0, the first of six function-select registers.
const GPFSEL0: usize = 0x00;

/// Function-select value that connects a pin to its first alternate function. For
/// pins 14 and 15 that is the PL011 UART's TXD0 and RXD0.
pub const ALT0: u32 = 0b100;

/// Where a pin's function is selected: each GPFSELn register holds ten 3-bit fields,
/// so this returns the register's offset and the field's bit position.
pub const fn function_select_field(pin: u32) -> (usize, u32) {
    (GPFSEL0 + (pin / 10) as usize * 4, (pin % 10) * 3)
}

/// `register` with the 3-bit field at `shift` replaced by `function`.
pub const fn with_function(register: u32, shift: u32, function: u32) -> u32 {
    (register & !(0b111 << shift)) | (function << shift)
}
// ANCHOR_END: function_select

#[cfg(not(test))]
pub use hardware::{disable_pulls, select_function};

#[cfg(not(test))]
mod hardware {
    use super::{function_select_field, with_function};
    use crate::{cpu, mmio};

    const BASE: usize = mmio::PERIPHERAL_BASE + 0x20_0000;
    /// Pull-up/down control: the resistor setting to apply (0 = off).
    const GPPUD: usize = 0x94;
    /// Pull-up/down clock for pins 0-31: a 1 bit applies GPPUD's setting to that pin.
    const GPPUDCLK0: usize = 0x98;
    /// The BCM2835 manual asks for 150 cycles between the steps of a pull change.
    const PULL_SETUP_CYCLES: u32 = 150;

    fn read(offset: usize) -> u32 {
        // SAFETY: BASE + offset is one of the GPIO block's registers (offsets above);
        // reading them has no side effect on memory Rust knows about.
        unsafe { mmio::read(BASE + offset) }
    }

    fn write(offset: usize, value: u32) {
        // SAFETY: as in `read`; GPIO registers only change the pins.
        unsafe { mmio::write(BASE + offset, value) }
    }

    /// Connects `pin` to one of its functions (input, output or an alternate function).
    pub fn select_function(pin: u32, function: u32) {
        let (offset, shift) = function_select_field(pin);
        write(offset, with_function(read(offset), shift, function));
    }

    // ANCHOR: disable_pulls
    /// Turns off the pull-up and pull-down resistors of the pins in `pins` (bit n = pin n,
    /// pins 0-31), with the sequence the BCM2835 manual gives: set the control, wait,
    /// clock it into the pins, wait, then remove both.
    pub fn disable_pulls(pins: u32) {
        write(GPPUD, 0);
        cpu::delay_cycles(PULL_SETUP_CYCLES);
        write(GPPUDCLK0, pins);
        cpu::delay_cycles(PULL_SETUP_CYCLES);
        write(GPPUD, 0);
        write(GPPUDCLK0, 0);
    }
    // ANCHOR_END: disable_pulls
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uart_pins_live_in_gpfsel1() {
        // Pins 10-19 are in GPFSEL1 (offset 4); pin 14 is the fifth field, pin 15 the sixth.
        assert_eq!(function_select_field(14), (0x04, 12));
        assert_eq!(function_select_field(15), (0x04, 15));
        assert_eq!(function_select_field(9), (0x00, 27));
        assert_eq!(function_select_field(53), (0x14, 9));
    }

    #[test]
    fn setting_alt0_touches_only_that_field() {
        // ALT0 = 0b100 at bit 12 is 0x4000 and at bit 15 is 0x20000.
        let pin_14 = with_function(0, 12, ALT0);
        assert_eq!(with_function(pin_14, 15, ALT0), 0x0002_4000);
        // From all ones, the field's low bits 12 and 13 (0x3000) clear and bit 14 stays.
        assert_eq!(with_function(0xffff_ffff, 12, ALT0), 0xffff_cfff);
    }
}
