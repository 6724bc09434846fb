//! The PL011 UART: the Pi 3's serial port, on header pins 8 (GPIO 14, transmit) and
//! 10 (GPIO 15, receive). QEMU connects it to `-serial stdio`.

use crate::baud::baud_divisor;
use crate::ring::Ring;
use crate::spinlock::SpinLock;
use crate::{gpio, mmio};

// ANCHOR: registers
const BASE: usize = mmio::PERIPHERAL_BASE + 0x20_1000;

// Registers (offsets from BASE), as the PL011 manual names them.
/// Data: write a byte to send it, read one to receive it.
const DR: usize = 0x00;
/// Flags: the state of the FIFOs and the line.
const FR: usize = 0x18;
/// Integer part of the baud-rate divisor.
const IBRD: usize = 0x24;
/// Fractional part of the baud-rate divisor, in 64ths.
const FBRD: usize = 0x28;
/// Line control: frame format and FIFO enable.
const LCRH: usize = 0x2c;
/// Control: enables the UART, its transmitter and its receiver.
const CR: usize = 0x30;
/// Interrupt mask set/clear: a 1 bit lets that interrupt reach the interrupt controller.
const IMSC: usize = 0x38;
/// Interrupt clear: a 1 bit clears that interrupt.
const ICR: usize = 0x44;

const FR_BUSY: u32 = 1 << 3;
const FR_RXFE: u32 = 1 << 4;
const FR_TXFF: u32 = 1 << 5;
const LCRH_FEN: u32 = 1 << 4;
const LCRH_WLEN_8: u32 = 0b11 << 5;
const CR_UARTEN: u32 = 1 << 0;
const CR_TXE: u32 = 1 << 8;
const CR_RXE: u32 = 1 << 9;
/// Receive: the receive FIFO has reached its trigger level (IFLS; half full by default).
const INT_RX: u32 = 1 << 4;
/// Receive timeout: bytes wait in the FIFO below the trigger level and the line has been
/// quiet for 32 bit times. Without it a single keypress would wait for seven more.
const INT_RT: u32 = 1 << 6;
/// Every interrupt the PL011 has (bits 0-10 of ICR).
const ALL_INTERRUPTS: u32 = 0x7ff;
// ANCHOR_END: registers

/// The clock the firmware gives the UART. The Pi 3's firmware sets 48 MHz unless
/// config.txt says otherwise with `init_uart_clock=` (old firmware used 3 MHz). QEMU
/// ignores the divisors; a real terminal needs them right.
const UART_CLOCK_HZ: u32 = 48_000_000;
const BAUD_RATE: u32 = 115_200;

const TX_PIN: u32 = 14;
const RX_PIN: u32 = 15;

fn read(offset: usize) -> u32 {
    // SAFETY: BASE + offset is one of the PL011's registers (offsets above); reading
    // them touches no memory Rust uses.
    unsafe { mmio::read(BASE + offset) }
}

fn write(offset: usize, value: u32) {
    // SAFETY: as in `read`.
    unsafe { mmio::write(BASE + offset, value) }
}

// ANCHOR: uart_init
/// Sets the UART up for 115200 baud, 8 data bits, no parity, 1 stop bit (8N1), and
/// connects it to GPIO pins 14 and 15.
pub fn init() {
    // Switch the UART off while it is reprogrammed, let a character still being sent
    // finish, and empty the transmit FIFO (clearing FEN flushes it).
    write(CR, 0);
    while read(FR) & FR_BUSY != 0 {}
    write(LCRH, 0);

    // Route pins 14 and 15 to the UART, with no pull-up or pull-down: the line idles high
    // on its own, driven by the other end.
    gpio::select_function(TX_PIN, gpio::ALT0);
    gpio::select_function(RX_PIN, gpio::ALT0);
    gpio::disable_pulls(1 << TX_PIN | 1 << RX_PIN);

    write(ICR, ALL_INTERRUPTS);

    let divisor = baud_divisor(UART_CLOCK_HZ, BAUD_RATE);
    write(IBRD, divisor.integer);
    write(FBRD, divisor.fraction);
    // The divisors take effect when LCRH is written, so LCRH comes after them.
    write(LCRH, LCRH_WLEN_8 | LCRH_FEN);

    write(CR, CR_UARTEN | CR_TXE | CR_RXE);
}
// ANCHOR_END: uart_init

// ANCHOR: write_byte
/// Sends one byte, waiting while the transmit FIFO is full.
pub fn write_byte(byte: u8) {
    while read(FR) & FR_TXFF != 0 {}
    write(DR, byte as u32);
}
// ANCHOR_END: write_byte

// ANCHOR: uart_irq
/// Bytes received and not yet read. The FIFO in the UART holds 16; this holds a few lines
/// typed ahead while a command runs.
static RECEIVED: SpinLock<Ring<256>> = SpinLock::new(Ring::new());

/// Lets the UART interrupt the processor when bytes arrive (the interrupt controller must
/// pass IRQ 57 on as well: see `irq`), and takes the bytes already waiting. Keys pressed
/// while the kernel booted sit in the FIFO, fewer than the trigger level, their receive
/// timeout come and gone while it was masked (and cleared by `init`): no interrupt would
/// announce them until the next key. Called with IRQs masked, so the handler runs alone.
pub fn enable_receive_interrupt() {
    write(IMSC, INT_RX | INT_RT);
    handle_interrupt();
}

/// The UART's interrupt handler: moves every byte waiting in the receive FIFO to `RECEIVED`.
/// It clears RX and RT *before* emptying the FIFO: a byte that arrives after the loop has
/// found the FIFO empty then raises the interrupt afresh. Cleared afterwards, that byte's
/// interrupt would be lost, and a UART that raises RX only as the FIFO reaches its trigger
/// level (QEMU's does) would never interrupt again while the byte sits there.
pub fn handle_interrupt() {
    write(ICR, INT_RX | INT_RT);
    let mut received = RECEIVED.lock();
    while read(FR) & FR_RXFE == 0 {
        // Bits 11:8 of DR are error flags (framing, parity, break, overrun); the byte is 7:0.
        received.push(read(DR) as u8);
    }
}
// ANCHOR_END: uart_irq

/// The oldest byte received and not yet taken, if any.
pub fn take_received() -> Option<u8> {
    RECEIVED.lock().pop()
}
