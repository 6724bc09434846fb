//! Addresses that the linker script, link.ld, decides. Only the symbols' addresses mean
//! anything; nothing is ever read through them.

// ANCHOR: linker_symbols
unsafe extern "C" {
    static __kernel_start: u8;
    static __kernel_end: u8;
    static __text_end: u8;
    static __rodata_end: u8;
    static __stack_guard: u8;
    static __stack_bottom: u8;
    static __stack_top: u8;
}

/// The first byte of the kernel image: where the firmware loaded it, plus KERNEL_OFFSET.
pub fn kernel_start() -> usize {
    &raw const __kernel_start as usize
}
// ANCHOR_END: linker_symbols

/// One past the kernel's code (page-aligned): read-only data starts here.
pub fn text_end() -> usize {
    &raw const __text_end as usize
}

/// One past the kernel's read-only data (page-aligned): writable data starts here.
pub fn rodata_end() -> usize {
    &raw const __rodata_end as usize
}

/// The unmapped page below the stack.
pub fn stack_guard() -> usize {
    &raw const __stack_guard as usize
}

/// One past the kernel's last byte: its code, data, .bss and stacks, rounded up to a page.
pub fn kernel_end() -> usize {
    &raw const __kernel_end as usize
}

/// The lowest address of core 0's boot stack.
pub fn stack_bottom() -> usize {
    &raw const __stack_bottom as usize
}

/// The top of core 0's boot stack (the stack grows down from here).
pub fn stack_top() -> usize {
    &raw const __stack_top as usize
}
