//! Baud-rate divisors for the PL011 UART.
//!
//! The UART samples each bit 16 times, so it divides its clock by 16 × baud rate. The
//! divisor is a fixed-point number: a 16-bit integer part (IBRD) and a 6-bit fraction
//! in 64ths (FBRD).

/// The two halves of a PL011 baud-rate divisor.
pub struct BaudDivisor {
    /// Integer part, for the IBRD register.
    pub integer: u32,
    /// Fractional part in 64ths, for the FBRD register.
    pub fraction: u32,
}

// ANCHOR: baud_divisor
/// The divisor that makes a UART clocked at `clock_hz` run at `baud` bits per second,
/// rounded to the nearest 64th.
pub const fn baud_divisor(clock_hz: u32, baud: u32) -> BaudDivisor {
    // clock / (16 × baud) counted in 64ths is 4 × clock / baud; adding half of `baud`
    // before dividing rounds to the nearest 64th instead of down.
    let in_64ths = (4 * clock_hz as u64 + baud as u64 / 2) / baud as u64;
    BaudDivisor {
        integer: (in_64ths / 64) as u32,
        fraction: (in_64ths % 64) as u32,
    }
}
// ANCHOR_END: baud_divisor

#[cfg(test)]
mod tests {
    use super::*;

    /// The divisor as (integer, fraction in 64ths).
    fn parts(clock_hz: u32, baud: u32) -> (u32, u32) {
        let divisor = baud_divisor(clock_hz, baud);
        (divisor.integer, divisor.fraction)
    }

    #[test]
    fn pi3_default_uart_clock_at_115200() {
        // 48 MHz / (16 × 115200) = 26.0417; 0.0417 × 64 = 2.67, which rounds to 3.
        assert_eq!(parts(48_000_000, 115_200), (26, 3));
    }

    #[test]
    fn old_firmware_uart_clock_at_115200() {
        // 3 MHz / (16 × 115200) = 1.6276; 0.6276 × 64 = 40.2, which rounds to 40.
        assert_eq!(parts(3_000_000, 115_200), (1, 40));
    }

    #[test]
    fn exact_half_at_9600() {
        // 48 MHz / (16 × 9600) = 312.5 exactly: half of 64 is 32.
        assert_eq!(parts(48_000_000, 9_600), (312, 32));
    }

    #[test]
    fn rounds_to_the_nearest_64th() {
        // 1 MHz / (16 × 62000) = 1.00806; 0.00806 × 64 = 0.516, which rounds to 1.
        assert_eq!(parts(1_000_000, 62_000), (1, 1));
        // 1 MHz / (16 × 62600) = 0.99840; × 64 = 63.898 in 64ths, which rounds to 64:
        // exactly one, so the rounding carries into the integer part.
        assert_eq!(parts(1_000_000, 62_600), (1, 0));
    }
}
