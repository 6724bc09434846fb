//! Bramble's benchmark guest: the same fixed amount of work every run, so the time it takes
//! measures the machine running it (our emulator, or QEMU), not the program. It prints a
//! checksum of its result (which must be the same in every machine) and stops the machine
//! through semihosting with status 0.
//!
//! One program, three builds (cargo features), for the three things `npm run bench` measures:
//! - default: integer work with the MMU off. It mixes what kernel code does most: register
//!   arithmetic, shifts, branches, and loads and stores to a small table, which it stirs with
//!   a xorshift random sequence.
//! - `mmu`: the same work at EL1 with the MMU and caches on (RAM identity-mapped as normal
//!   cacheable memory), as every later chapter runs: every access is then translated.
//! - `memory`: memory-bound work, moving words around a 256 KiB buffer, mostly loads and stores.

#![no_std]
#![no_main]

use core::arch::{asm, global_asm};
use core::hint::black_box;
use core::panic::PanicInfo;

/// Words in the table the workload stirs: 4 KiB, on the stack.
#[cfg(not(feature = "memory"))]
const WORDS: usize = 1024;
/// Passes over the table: about 150 million instructions in all (the compiler unrolls the
/// inner loop to about 9.5 instructions a word).
#[cfg(not(feature = "memory"))]
const ROUNDS: u32 = 15_000;
/// The xorshift sequence's starting value (any non-zero value works).
const SEED: u64 = 0x2545_f491_4f6c_dd1d;

// Core 0 sends cores 1-3 from the firmware's WFE loop to a WFI loop, as the chapters do from 02
// on (QEMU runs WFE as a yield: cores left there would take host processor time from the core
// being measured), gets a stack, clears .bss and calls `bench_main`. The machine stays at EL2,
// where it starts: this program needs no operating-system level.
global_asm!(
    ".section .text.boot, \"ax\"",
    ".global _start",
    "_start:",
    "    mrs x1, mpidr_el1",
    "    and x1, x1, #0xff",
    "    cbnz x1, 1f",
    // The spin-table slots of cores 1-3 (0xd8 + 8 * core), then an event to wake them.
    "    adr x0, 1f",
    "    mov x1, #0xe0",
    "    str x0, [x1]",
    "    str x0, [x1, #8]",
    "    str x0, [x1, #16]",
    "    dsb sy",
    "    sev",
    "    adrp x0, __stack_top",
    "    add x0, x0, :lo12:__stack_top",
    "    mov sp, x0",
    // Zero .bss (the statics Rust expects to start as zero), 16 bytes at a time.
    "    adrp x0, __bss_start",
    "    add x0, x0, :lo12:__bss_start",
    "    adrp x2, __bss_end",
    "    add x2, x2, :lo12:__bss_end",
    "2:  cmp x0, x2",
    "    b.hs 3f",
    "    stp xzr, xzr, [x0], #16",
    "    b 2b",
    "3:  bl bench_main",
    "1:  wfi",
    "    b 1b",
);

#[unsafe(no_mangle)]
extern "C" fn bench_main() -> ! {
    uart::init();
    #[cfg(feature = "mmu")]
    mmu::enter_el1_with_mmu_on();
    // black_box: the compiler must not work the answer out at compile time.
    #[cfg(not(feature = "memory"))]
    let checksum = stir(black_box(SEED), black_box(ROUNDS));
    #[cfg(feature = "memory")]
    let checksum = shuffle(black_box(SEED), black_box(SHUFFLE_ROUNDS));
    uart::print("bench: checksum ");
    uart::print_hex(checksum);
    uart::print("\r\n");
    semihosting_exit(0)
}

/// The workload: each step draws the next xorshift64 number, reads a word chosen by it,
/// and folds it into the current word. Returns a checksum of the whole table.
#[cfg(not(feature = "memory"))]
fn stir(seed: u64, rounds: u32) -> u64 {
    let mut table = [0u32; WORDS];
    let mut x = seed;
    for _ in 0..rounds {
        for i in 0..WORDS {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let other = table[(x as usize) % WORDS];
            table[i] = (table[i].wrapping_add(other) ^ x as u32).rotate_left(5);
        }
    }
    table.iter().fold(0u64, |sum, &word| sum.rotate_left(7) ^ word as u64)
}

/// Words in the memory workload's buffer: 256 KiB, far more than the small table above.
#[cfg(feature = "memory")]
const BUFFER_WORDS: usize = 32 * 1024;
/// Passes of the memory workload: about 150 million instructions in all.
#[cfg(feature = "memory")]
const SHUFFLE_ROUNDS: u32 = 450;

#[cfg(feature = "memory")]
static mut BUFFER: [u64; BUFFER_WORDS] = [0; BUFFER_WORDS];

/// The memory workload: fill the buffer, then on each pass fold every word of its first
/// half into a word of the second half chosen by a stride, and the other way round.
#[cfg(feature = "memory")]
fn shuffle(seed: u64, rounds: u32) -> u64 {
    // SAFETY: one core runs this program and nothing else refers to BUFFER.
    let buffer = unsafe { &mut *core::ptr::addr_of_mut!(BUFFER) };
    for (i, word) in buffer.iter_mut().enumerate() {
        *word = seed ^ (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
    let (front, back) = buffer.split_at_mut(BUFFER_WORDS / 2);
    for round in 0..rounds as usize {
        for i in 0..front.len() {
            let j = (i * 7 + round) % back.len();
            back[j] ^= front[i];
            front[i] = front[i].wrapping_add(back[i]);
        }
    }
    buffer.iter().fold(0u64, |sum, &word| sum.rotate_left(7) ^ word)
}

/// The `mmu` build: leave EL2 for EL1 and turn the MMU and caches on over an identity map.
#[cfg(feature = "mmu")]
mod mmu {
    use core::arch::asm;
    use core::ptr::addr_of_mut;

    /// A translation table: 512 descriptors, aligned to its size.
    #[repr(C, align(4096))]
    struct Table([u64; 512]);

    static mut LEVEL1: Table = Table([0; 512]);
    static mut LEVEL2: Table = Table([0; 512]);

    const VALID_BLOCK: u64 = 0b01;
    const VALID_TABLE: u64 = 0b11;
    const ACCESS_FLAG: u64 = 1 << 10;
    const INNER_SHAREABLE: u64 = 0b11 << 8;
    /// MAIR_EL1 attribute 0: Device-nGnRnE; attribute 1: Normal, write-back cacheable.
    const MAIR: u64 = 0xff << 8;
    const DEVICE: u64 = 0 << 2;
    const NORMAL: u64 = 1 << 2;
    /// Where the peripherals start: RAM below, device memory above.
    const PERIPHERALS: u64 = 0x3f00_0000;

    pub fn enter_el1_with_mmu_on() {
        // SAFETY: runs once, on the only core, before anything else uses these tables.
        let (level1, level2) = unsafe { (&mut *addr_of_mut!(LEVEL1), &mut *addr_of_mut!(LEVEL2)) };
        // The first GiB in 2 MiB blocks (RAM, then the peripherals); the second GiB (the
        // BCM2836 local peripherals at 0x4000_0000) as one device block.
        for (i, entry) in level2.0.iter_mut().enumerate() {
            let address = (i as u64) << 21;
            let kind = if address < PERIPHERALS { NORMAL | INNER_SHAREABLE } else { DEVICE };
            *entry = address | kind | ACCESS_FLAG | VALID_BLOCK;
        }
        level1.0[0] = level2 as *const Table as u64 | VALID_TABLE;
        level1.0[1] = 0x4000_0000 | DEVICE | ACCESS_FLAG | VALID_BLOCK;
        // TCR_EL1: 39-bit addresses through TTBR0 (T0SZ 25: walks start at level 1), 4 KiB
        // granule, write-back walks, inner shareable; no TTBR1 half (EPD1).
        let tcr: u64 = 25 | 1 << 8 | 1 << 10 | 0b11 << 12 | 1 << 23;
        // SCTLR_EL1 as reset (RES1 bits), plus M (MMU), C (data cache) and I (instruction cache).
        let sctlr: u64 = 0x30d0_0800 | 1 << 0 | 1 << 2 | 1 << 12;
        // SAFETY: HCR_EL2.RW makes EL1 AArch64; SPSR_EL2 returns to EL1h with DAIF masked;
        // SP_EL1 is our own stack, so Rust carries on at EL1 after the ERET at label 2. The
        // tables above map all the memory this program touches, identically.
        unsafe {
            asm!(
                "msr hcr_el2, {hcr}",
                "msr spsr_el2, {spsr}",
                "adr {tmp}, 2f",
                "msr elr_el2, {tmp}",
                "mov {tmp}, sp",
                "msr sp_el1, {tmp}",
                "eret",
                "2:",
                "msr mair_el1, {mair}",
                "msr tcr_el1, {tcr}",
                "msr ttbr0_el1, {ttbr0}",
                "isb",
                "msr sctlr_el1, {sctlr}",
                "isb",
                hcr = in(reg) 1u64 << 31,
                spsr = in(reg) 0x3c5u64,
                tmp = out(reg) _,
                mair = in(reg) MAIR,
                tcr = in(reg) tcr,
                ttbr0 = in(reg) level1 as *const Table as u64,
                sctlr = in(reg) sctlr,
            );
        }
    }
}

/// The PL011 serial port, set up just enough to send (the chapters explain it properly).
mod uart {
    const DR: usize = 0x3f20_1000;
    const FR: usize = 0x3f20_1018;
    const LCRH: usize = 0x3f20_102c;
    const CR: usize = 0x3f20_1030;
    /// FR: the transmit FIFO is full.
    const TXFF: u32 = 1 << 5;

    fn write(address: usize, value: u32) {
        // SAFETY: `address` is one of the PL011's registers above, not memory Rust uses.
        unsafe { (address as *mut u32).write_volatile(value) }
    }

    fn read(address: usize) -> u32 {
        // SAFETY: as in `write`.
        unsafe { (address as *const u32).read_volatile() }
    }

    /// 8 data bits with FIFOs (LCRH), then UART, transmitter and receiver on (CR).
    pub fn init() {
        write(CR, 0);
        write(LCRH, 0b11 << 5 | 1 << 4);
        write(CR, 1 << 0 | 1 << 8 | 1 << 9);
    }

    pub fn print(text: &str) {
        for byte in text.bytes() {
            while read(FR) & TXFF != 0 {}
            write(DR, byte as u32);
        }
    }

    /// `value` in hexadecimal, 0x and sixteen digits.
    pub fn print_hex(value: u64) {
        print("0x");
        for shift in (0..16).rev() {
            let digit = (value >> (shift * 4)) as usize & 0xf;
            print(&"0123456789abcdef"[digit..digit + 1]);
        }
    }
}

/// Stops the machine through semihosting (QEMU's -semihosting, or our emulator) with `status`.
fn semihosting_exit(status: u64) -> ! {
    /// SYS_EXIT, and its reason "the application finished".
    const SYS_EXIT: u64 = 0x18;
    const ADP_STOPPED_APPLICATION_EXIT: u64 = 0x20026;
    let block = [ADP_STOPPED_APPLICATION_EXIT, status];
    loop {
        // SAFETY: `hlt #0xf000` asks the semihosting host to read `block` (alive across the
        // call) and end the run. Without a host it would be an undefined instruction; the
        // benchmark only ever runs with one.
        unsafe { asm!("hlt #0xf000", in("x0") SYS_EXIT, in("x1") block.as_ptr(), options(nostack)) };
    }
}

#[panic_handler]
fn panic(_: &PanicInfo) -> ! {
    uart::print("bench: panic\r\n");
    semihosting_exit(101)
}
