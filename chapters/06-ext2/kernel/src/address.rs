//! Physical and virtual addresses: the page size, and where the kernel's half of the
//! address space puts physical memory.

// ANCHOR: linear_map
/// The size of a page (and of a physical frame): the 4 KiB translation granule.
pub const PAGE_SIZE: usize = 4096;

/// Where the higher half starts: with 48-bit virtual addresses, TTBR1_EL1 translates
/// 0xffff_0000_0000_0000 and up. The kernel maps all of physical memory there, in order,
/// so physical address `pa` is always reachable at `KERNEL_OFFSET + pa` (the linear map).
/// link.ld places the kernel itself at its load address plus this offset.
pub const KERNEL_OFFSET: usize = 0xffff_0000_0000_0000;

/// The linear-map address of physical address `pa`.
pub const fn phys_to_virt(pa: usize) -> usize {
    pa + KERNEL_OFFSET
}

/// The physical address behind a linear-map (or kernel image) address.
pub const fn virt_to_phys(va: usize) -> usize {
    va - KERNEL_OFFSET
}
// ANCHOR_END: linear_map

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_linear_map_is_a_fixed_offset() {
        assert_eq!(phys_to_virt(0x8_0000), 0xffff_0000_0008_0000);
        assert_eq!(virt_to_phys(0xffff_0000_3f20_1000), 0x3f20_1000);
    }
}
