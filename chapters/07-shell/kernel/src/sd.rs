//! The SD card, through the Arasan SD host controller ("EMMC") at 0x3F300000.
//!
//! The controller has the register set of the SD Host Controller Simplified Specification
//! (version 3.00, chapter 2); the card speaks the SD Physical Layer Simplified Specification
//! (version 3.01, chapter 4). The driver polls the interrupt status register rather than
//! taking the controller's interrupt: each command and each block waits for a status bit or
//! an error bit, with a deadline on the generic counter, so a missing or broken card ends
//! in an error, never in a hang.
//!
//! Every failure reaches the caller as an [`SdError`], which the block layer turns into EIO.

use crate::block::{BlockDevice, SECTOR};
use crate::errno::Errno;
use crate::{mmio, timer};
use core::fmt;

const BASE: usize = mmio::PERIPHERAL_BASE + 0x30_0000;

// Registers (SD Host Controller spec 2.1; the BCM2835 manual's names after them).
const BLOCK_SIZE_COUNT: usize = BASE + 0x04; // BLKSIZECNT: size 11:0, count 31:16
const ARGUMENT: usize = BASE + 0x08; // ARG1
const COMMAND: usize = BASE + 0x0C; // CMDTM: transfer mode 15:0, command 31:16
const RESPONSE: usize = BASE + 0x10; // RESP0-3
const DATA: usize = BASE + 0x20;
const PRESENT_STATE: usize = BASE + 0x24; // STATUS
const HOST_CONTROL: usize = BASE + 0x28; // CONTROL0
const CLOCK_CONTROL: usize = BASE + 0x2C; // CONTROL1: clock 15:0, timeout 19:16, resets 26:24
const INTERRUPT: usize = BASE + 0x30; // normal status 15:0, error status 31:16; write 1 to clear
const INTERRUPT_ENABLE: usize = BASE + 0x34; // IRPT_MASK: which statuses are recorded
const INTERRUPT_SIGNAL: usize = BASE + 0x38; // IRPT_EN: which raise the interrupt line
const CAPABILITIES: usize = BASE + 0x40;

// Command register fields (bits 31:16 of CMDTM).
const RESPONSE_NONE: u32 = 0;
const RESPONSE_136: u32 = 1 << 16;
const RESPONSE_48: u32 = 2 << 16;
const RESPONSE_48_BUSY: u32 = 3 << 16;
const CHECK_CRC: u32 = 1 << 19;
const CHECK_INDEX: u32 = 1 << 20;
const DATA_PRESENT: u32 = 1 << 21;
// Transfer mode (bits 15:0).
const BLOCK_COUNT_ENABLE: u32 = 1 << 1;
const AUTO_CMD12: u32 = 1 << 2;
const READ: u32 = 1 << 4;
const MULTI_BLOCK: u32 = 1 << 5;

// Interrupt status bits.
const COMMAND_COMPLETE: u32 = 1 << 0;
const TRANSFER_COMPLETE: u32 = 1 << 1;
const BUFFER_WRITE_READY: u32 = 1 << 4;
const BUFFER_READ_READY: u32 = 1 << 5;
const ERRORS: u32 = 0xFFFF_0000;
const COMMAND_TIMEOUT_ERROR: u32 = 1 << 16;
const DATA_TIMEOUT_ERROR: u32 = 1 << 20;
const CRC_ERRORS: u32 = (1 << 17) | (1 << 21); // command CRC, data CRC

const CARD_INSERTED: u32 = 1 << 16;
const CLOCK_INTERNAL_ENABLE: u32 = 1 << 0;
const CLOCK_INTERNAL_STABLE: u32 = 1 << 1;
const CLOCK_SD_ENABLE: u32 = 1 << 2;
const RESET_ALL: u32 = 1 << 24;
const RESET_LINES: u32 = (1 << 25) | (1 << 26); // the command and data lines
/// Data timeout counter value: TMCLK × 2^27, the longest but one.
const DATA_TIMEOUT: u32 = 0xE << 16;
const HOST_CONTROL_4_BIT: u32 = 1 << 1;

/// Identification runs at 400 kHz at most; transfers at 25 MHz (default speed).
const IDENTIFICATION_HZ: u32 = 400_000;
const TRANSFER_HZ: u32 = 25_000_000;
/// Operating conditions offered in ACMD41: 2.7-3.6 V, and (bit 30) "the host supports SDHC".
const OCR_VOLTAGES: u32 = 0x00FF_8000;
const OCR_HIGH_CAPACITY: u32 = 1 << 30;
const OCR_POWERED_UP: u32 = 1 << 31;
/// CMD8's argument: 2.7-3.6 V (1 in bits 11:8) and a check pattern the card echoes.
const IF_COND: u32 = 0x1AA;

/// How long a command, a block or a reset may take, and how long the card may stay busy
/// powering up (the Physical Layer spec allows a second for ACMD41).
const COMMAND_MS: u64 = 100;
const DATA_MS: u64 = 500;
const POWER_UP_MS: u64 = 1000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SdError {
    /// The controller says no card is in the slot.
    NoCard,
    /// The card did not answer a command (`u8` is its index) in time.
    CommandTimeout(u8),
    /// A block did not arrive or leave in time.
    DataTimeout,
    /// A CRC error on a response or a block.
    Crc,
    /// Any other error bit (`u32`: the error status), or a card that answered wrongly.
    Failed(u32),
    /// The controller did not finish a reset or start its clock.
    Controller,
    /// A sector past the end of the card.
    OutOfRange,
}

impl fmt::Display for SdError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            SdError::NoCard => write!(f, "no card in the slot"),
            SdError::CommandTimeout(index) => write!(f, "the card did not answer CMD{index}"),
            SdError::DataTimeout => write!(f, "a data transfer timed out"),
            SdError::Crc => write!(f, "a CRC error"),
            SdError::Failed(status) => write!(f, "the controller reported error status {status:#x}"),
            SdError::Controller => write!(f, "the host controller did not respond"),
            SdError::OutOfRange => write!(f, "a sector past the end of the card"),
        }
    }
}

/// An initialised card, in the transfer state.
pub struct SdCard {
    /// SDHC/SDXC cards are addressed in 512-byte blocks, SDSC cards in bytes.
    pub high_capacity: bool,
    pub sectors: u64,
    /// The last failure, for the monitor to say what went wrong behind an EIO.
    pub last_error: Option<SdError>,
}

fn read(register: usize) -> u32 {
    // SAFETY: `register` is one of the controller's registers above, mapped as device memory.
    unsafe { mmio::read(register) }
}

fn write(register: usize, value: u32) {
    // SAFETY: as in `read`.
    unsafe { mmio::write(register, value) }
}

/// A deadline `ms` milliseconds from now on the generic counter.
fn deadline(ms: u64) -> u64 {
    timer::counter() + timer::counter_hz() * ms / 1000
}

/// Waits until `done` holds, or the deadline passes.
fn wait_until(ms: u64, done: impl Fn() -> bool) -> bool {
    let until = deadline(ms);
    loop {
        if done() {
            return true;
        }
        if timer::counter() > until {
            return done();
        }
    }
}

// ANCHOR: sd_wait
/// Waits for one of the interrupt status bits in `wanted`, and clears it; an error bit
/// instead ends the wait with that error (cleared too, and the lines reset).
fn wait_for(wanted: u32, ms: u64, timeout: SdError) -> Result<(), SdError> {
    let mut status = 0;
    let arrived = wait_until(ms, || {
        let now = read(INTERRUPT);
        now & (wanted | ERRORS) != 0
    });
    if arrived {
        status = read(INTERRUPT);
    }
    if status & ERRORS != 0 {
        write(INTERRUPT, status);
        reset_lines();
        return Err(match status {
            s if s & COMMAND_TIMEOUT_ERROR != 0 => timeout,
            s if s & DATA_TIMEOUT_ERROR != 0 => SdError::DataTimeout,
            s if s & CRC_ERRORS != 0 => SdError::Crc,
            s => SdError::Failed(s >> 16),
        });
    }
    if !arrived {
        reset_lines();
        return Err(timeout);
    }
    write(INTERRUPT, status & wanted);
    Ok(())
}
// ANCHOR_END: sd_wait

/// Resets the command and data lines after an error, so the next command can go out.
fn reset_lines() {
    write(CLOCK_CONTROL, read(CLOCK_CONTROL) | RESET_LINES);
    wait_until(COMMAND_MS, || read(CLOCK_CONTROL) & RESET_LINES == 0);
}

/// Sends command `index` with `argument` and waits for its completion; returns RESPONSE0.
fn command(index: u8, argument: u32, flags: u32) -> Result<u32, SdError> {
    write(ARGUMENT, argument);
    write(COMMAND, (index as u32) << 24 | flags);
    wait_for(COMMAND_COMPLETE, COMMAND_MS, SdError::CommandTimeout(index))?;
    if flags & RESPONSE_48_BUSY == RESPONSE_48_BUSY && flags & DATA_PRESENT == 0 {
        // R1b: the card signals busy on DAT0 until it is done; the controller says so.
        wait_for(TRANSFER_COMPLETE, DATA_MS, SdError::DataTimeout)?;
    }
    Ok(read(RESPONSE))
}

/// An application command: CMD55 with the card's address first.
fn app_command(index: u8, rca: u32, argument: u32, flags: u32) -> Result<u32, SdError> {
    command(55, rca << 16, RESPONSE_48 | CHECK_CRC | CHECK_INDEX)?;
    command(index, argument, flags)
}

/// R1 (normal response): the card status, with CRC and index checked.
const R1: u32 = RESPONSE_48 | CHECK_CRC | CHECK_INDEX;
/// Card status error bits (Physical Layer spec 4.10.1): out of range, address, block length,
/// erase, write protect, lock, CRC, illegal command, ECC, controller, general errors.
const CARD_STATUS_ERRORS: u32 = 0xFDF9_8008;

/// Sets the SD clock to at most `hz` from the controller's base clock (spec 2.2.14, the
/// 10-bit divided clock mode: SDCLK = base / (2 × divisor), divisor 0 meaning "undivided").
fn set_clock(hz: u32) -> Result<(), SdError> {
    // Capabilities bits 15:8: the base clock in MHz (0x34 = 52 on the Pi's controller as QEMU
    // models it). A controller that reports none gets the Pi's EMMC clock, 200 MHz.
    let base_mhz = (read(CAPABILITIES) >> 8) & 0xFF;
    let base = if base_mhz == 0 { 200_000_000 } else { base_mhz * 1_000_000 };
    let divisor = base.div_ceil(2 * hz).min(0x3FF);
    let select = (divisor & 0xFF) << 8 | (divisor >> 8) << 6;
    let control = read(CLOCK_CONTROL) & !(CLOCK_SD_ENABLE | 0xFFC0 | 0xF_0000);
    write(CLOCK_CONTROL, control | DATA_TIMEOUT | select | CLOCK_INTERNAL_ENABLE);
    if !wait_until(COMMAND_MS, || read(CLOCK_CONTROL) & CLOCK_INTERNAL_STABLE != 0) {
        return Err(SdError::Controller);
    }
    write(CLOCK_CONTROL, read(CLOCK_CONTROL) | CLOCK_SD_ENABLE);
    Ok(())
}

impl SdCard {
    // ANCHOR: sd_init
    /// Resets the controller and brings the card from power-on to the transfer state:
    /// CMD0 (idle), CMD8 (voltage; version 2 cards answer), ACMD41 until powered up (and
    /// whether it is high capacity), CMD2 and CMD3 (identity, address), CMD9 (size), CMD7
    /// (select), ACMD6 (4-bit bus), CMD16 (512-byte blocks), then the clock up to 25 MHz.
    pub fn init() -> Result<SdCard, SdError> {
        write(CLOCK_CONTROL, RESET_ALL);
        if !wait_until(COMMAND_MS, || read(CLOCK_CONTROL) & RESET_ALL == 0) {
            return Err(SdError::Controller);
        }
        // Record every status, signal none: the driver polls.
        write(INTERRUPT_ENABLE, 0xFFFF_FFFF);
        write(INTERRUPT_SIGNAL, 0);
        write(INTERRUPT, 0xFFFF_FFFF);
        if read(PRESENT_STATE) & CARD_INSERTED == 0 {
            return Err(SdError::NoCard);
        }
        set_clock(IDENTIFICATION_HZ)?;

        command(0, 0, RESPONSE_NONE)?;
        // A version 1 card does not know CMD8 and stays silent; a version 2 card echoes it.
        let version_2 = match command(8, IF_COND, R1) {
            Ok(echo) if echo & 0xFFF == IF_COND => true,
            Ok(_) => return Err(SdError::Failed(0)),
            Err(SdError::CommandTimeout(_)) => false,
            Err(error) => return Err(error),
        };
        let offer = OCR_VOLTAGES | if version_2 { OCR_HIGH_CAPACITY } else { 0 };
        let until = deadline(POWER_UP_MS);
        let ocr = loop {
            // R3 (the OCR) has no CRC or index to check.
            let ocr = app_command(41, 0, offer, RESPONSE_48)?;
            if ocr & OCR_POWERED_UP != 0 {
                break ocr;
            }
            if timer::counter() > until {
                return Err(SdError::CommandTimeout(41));
            }
        };
        let high_capacity = ocr & OCR_HIGH_CAPACITY != 0;
        command(2, 0, RESPONSE_136 | CHECK_CRC)?;
        let rca = command(3, 0, R1)? >> 16;
        command(9, rca << 16, RESPONSE_136 | CHECK_CRC)?;
        let csd = [read(RESPONSE), read(RESPONSE + 4), read(RESPONSE + 8), read(RESPONSE + 12)];
        let sectors = capacity_in_sectors(csd);
        command(7, rca << 16, RESPONSE_48_BUSY | CHECK_CRC | CHECK_INDEX)?;
        app_command(6, rca, 2, R1)?;
        write(HOST_CONTROL, read(HOST_CONTROL) | HOST_CONTROL_4_BIT);
        command(16, SECTOR as u32, R1)?;
        set_clock(TRANSFER_HZ)?;
        Ok(SdCard { high_capacity, sectors, last_error: None })
    }
    // ANCHOR_END: sd_init

    /// The argument of a read or write command for `sector`: a block number, or a byte address.
    fn address(&self, sector: u64) -> u32 {
        if self.high_capacity { sector as u32 } else { (sector * SECTOR as u64) as u32 }
    }

    // ANCHOR: sd_transfer
    fn transfer(&mut self, first: u64, count: usize, reading: bool, mut each: impl FnMut(usize)) -> Result<(), SdError> {
        if count == 0 {
            return Ok(());
        }
        if first + count as u64 > self.sectors {
            return Err(SdError::OutOfRange);
        }
        write(BLOCK_SIZE_COUNT, (count as u32) << 16 | SECTOR as u32);
        let (index, mode) = match (reading, count > 1) {
            (true, false) => (17, READ),
            (true, true) => (18, READ | MULTI_BLOCK | BLOCK_COUNT_ENABLE | AUTO_CMD12),
            (false, false) => (24, 0),
            (false, true) => (25, MULTI_BLOCK | BLOCK_COUNT_ENABLE | AUTO_CMD12),
        };
        let status = command(index, self.address(first), R1 | DATA_PRESENT | mode)?;
        if status & CARD_STATUS_ERRORS != 0 {
            reset_lines();
            return Err(SdError::Failed(status));
        }
        let ready = if reading { BUFFER_READ_READY } else { BUFFER_WRITE_READY };
        for block in 0..count {
            wait_for(ready, DATA_MS, SdError::DataTimeout)?;
            each(block);
        }
        wait_for(TRANSFER_COMPLETE, DATA_MS, SdError::DataTimeout)
    }
    // ANCHOR_END: sd_transfer

    fn record<T>(&mut self, result: Result<T, SdError>) -> Result<T, Errno> {
        result.map_err(|error| {
            self.last_error = Some(error);
            Errno::EIO
        })
    }
}

// ANCHOR: sd_block_device
impl BlockDevice for SdCard {
    fn sectors(&self) -> u64 {
        self.sectors
    }

    fn read(&mut self, first: u64, buffer: &mut [u8]) -> Result<(), Errno> {
        let count = buffer.len() / SECTOR;
        let result = self.transfer(first, count, true, |block| {
            for word in buffer[block * SECTOR..(block + 1) * SECTOR].chunks_exact_mut(4) {
                word.copy_from_slice(&read(DATA).to_le_bytes());
            }
        });
        self.record(result)
    }

    fn write(&mut self, first: u64, data: &[u8]) -> Result<(), Errno> {
        let count = data.len() / SECTOR;
        let result = self.transfer(first, count, false, |block| {
            for word in data[block * SECTOR..(block + 1) * SECTOR].chunks_exact(4) {
                write(DATA, u32::from_le_bytes([word[0], word[1], word[2], word[3]]));
            }
        });
        self.record(result)
    }

    fn flush(&mut self) -> Result<(), Errno> {
        // A block is on the card once its write's transfer completed.
        Ok(())
    }
}
// ANCHOR_END: sd_block_device

/// The card's size from its CSD, as the controller stores R2: bits 127:8 of the register in
/// bits 119:0 of RESPONSE0-3, so CSD bit n is response bit n - 8.
fn capacity_in_sectors(response: [u32; 4]) -> u64 {
    let bits = |high: u32, low: u32| -> u64 {
        let mut value = 0u64;
        for bit in (low..=high).rev() {
            let at = bit - 8;
            value = value << 1 | ((response[(at / 32) as usize] >> (at % 32)) & 1) as u64;
        }
        value
    };
    match bits(127, 126) {
        // CSD version 2.0 (SDHC/SDXC): (C_SIZE + 1) × 512 KiB.
        1 => (bits(69, 48) + 1) * 1024,
        // Version 1.0: (C_SIZE + 1) × 2^(C_SIZE_MULT + 2) blocks of 2^READ_BL_LEN bytes.
        _ => {
            let blocks = (bits(73, 62) + 1) << (bits(49, 47) + 2);
            blocks * (1 << bits(83, 80)) / SECTOR as u64
        }
    }
}
