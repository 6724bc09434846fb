//! The VideoCore mailbox: asking the firmware (running on the GPU) about the machine.
//!
//! The property channel takes a buffer of tags, each a question the firmware answers in
//! place. This kernel asks one: which part of RAM belongs to the ARM cores (the GPU keeps
//! the top for itself, as much as config.txt's gpu_mem says).

use crate::address::virt_to_phys;
use crate::mmio;
use core::arch::asm;

const BASE: usize = mmio::PERIPHERAL_BASE + 0xb880;
/// Mailbox 0 (GPU to ARM): read a reply, and its status.
const READ: usize = 0x00;
const STATUS: usize = 0x18;
/// Mailbox 1 (ARM to GPU): write a request.
const WRITE: usize = 0x20;
const STATUS_FULL: u32 = 1 << 31;
const STATUS_EMPTY: u32 = 1 << 30;
/// Channel 8: property tags, ARM to VideoCore.
const PROPERTY_CHANNEL: u32 = 8;

const REQUEST: u32 = 0;
const RESPONSE_OK: u32 = 0x8000_0000;
/// Tag "get ARM memory": answers with a base address and a size in bytes.
const TAG_ARM_MEMORY: u32 = 0x0001_0005;
/// The GPU sees RAM at bus address 0xC000_0000 + physical address: the alias that
/// bypasses the GPU's own cache, which the ARM's writes do not go through.
const BUS_ALIAS: u32 = 0xc000_0000;
/// One cache line: the buffer is aligned to it so cache maintenance covers it exactly.
const CACHE_LINE: usize = 64;

/// A property buffer: its size, a request/response code, one tag (id, value size, tag
/// request/response code, two words of value), and the end tag.
#[repr(C, align(64))]
struct Buffer([u32; 8]);

fn read(offset: usize) -> u32 {
    // SAFETY: BASE + offset is one of the mailbox's registers; reading them touches no
    // memory Rust uses.
    unsafe { mmio::read(BASE + offset) }
}

fn write(offset: usize, value: u32) {
    // SAFETY: as in `read`.
    unsafe { mmio::write(BASE + offset, value) }
}

/// Writes the buffer's cache lines back to RAM and drops them from the cache: the GPU reads
/// and writes RAM directly, past the ARM's data cache. (The buffer fits in one line today; the
/// loop keeps that true of any size.)
fn clean_and_invalidate(buffer: &Buffer) {
    let start = buffer as *const Buffer as usize;
    for line in (start..start + core::mem::size_of::<Buffer>()).step_by(CACHE_LINE) {
        // SAFETY: DC CIVAC on a line that holds part of `buffer` only moves data between the
        // cache and RAM.
        unsafe { asm!("dc civac, {}", in(reg) line, options(nostack, preserves_flags)) };
    }
    // SAFETY: DSB only waits until the maintenance above has finished.
    unsafe { asm!("dsb sy", options(nostack, preserves_flags)) };
}

// ANCHOR: arm_memory
/// The ARM's share of RAM as (physical base, size in bytes), or None if the firmware did
/// not answer. Runs once, at boot, before interrupts are on.
pub fn arm_memory() -> Option<(usize, usize)> {
    let mut buffer = Buffer([32, REQUEST, TAG_ARM_MEMORY, 8, REQUEST, 0, 0, 0]);
    clean_and_invalidate(&buffer);
    let address = virt_to_phys(&raw const buffer as usize) as u32 | BUS_ALIAS;
    while read(STATUS) & STATUS_FULL != 0 {}
    write(WRITE, address | PROPERTY_CHANNEL);
    // Replies on other channels are not ours; this kernel sends nothing else.
    loop {
        while read(STATUS) & STATUS_EMPTY != 0 {}
        if read(READ) == address | PROPERTY_CHANNEL {
            break;
        }
    }
    clean_and_invalidate(&buffer);
    // SAFETY: the firmware wrote the buffer behind the compiler's back: read it afresh.
    let words = unsafe { (&raw mut buffer.0).read_volatile() };
    (words[1] == RESPONSE_OK && words[4] & RESPONSE_OK != 0)
        .then_some((words[5] as usize, words[6] as usize))
}
// ANCHOR_END: arm_memory
