//! The numbers boot.s programs the MMU with before the first table walk: the memory types
//! descriptors choose from (MAIR_EL1), how addresses are translated (TCR_EL1), and the boot
//! tables' descriptors. They are computed here, field by field, and main.rs passes them to
//! boot.s as `const` operands of `global_asm!`, so the assembly cannot disagree with
//! pagetable.rs, which builds every later table.

use crate::pagetable::{ATTR_DEVICE, ATTR_NORMAL, Attributes, leaf_descriptor, table_descriptor};

// ANCHOR: mair
/// MAIR_EL1 holds eight memory types, one byte each; a descriptor's AttrIndx picks one.
/// 0x00: Device-nGnRnE, for registers: no gathering, no reordering, no early write
/// acknowledgement, so every access reaches the device, in order.
const DEVICE_NGNRNE: u64 = 0x00;
/// 0xff: Normal memory, write-back cacheable (allocating on reads and writes) both in the
/// inner caches (the cores' L1 and L2) and in any outer cache.
const NORMAL_WRITE_BACK: u64 = 0xff;

pub const MAIR: u64 = DEVICE_NGNRNE << (8 * ATTR_DEVICE) | NORMAL_WRITE_BACK << (8 * ATTR_NORMAL);
// ANCHOR_END: mair

// ANCHOR: tcr
/// T0SZ (bits 5:0) and T1SZ (21:16): the size of each half is 2^(64 - TxSZ) bytes. 16 gives
/// 48-bit halves: 0x0000_xxxx_xxxx_xxxx through TTBR0, 0xffff_xxxx_xxxx_xxxx through TTBR1.
const T0SZ: u64 = 64 - 48;
const T1SZ: u64 = (64 - 48) << 16;
/// IRGN0/ORGN0 (bits 9:8, 11:10) and IRGN1/ORGN1 (25:24, 27:26): the walker reads the tables
/// as Normal write-back cacheable memory (0b01), inner and outer, so walks hit the caches.
const WALK_CACHEABLE_0: u64 = 0b01 << 8 | 0b01 << 10;
const WALK_CACHEABLE_1: u64 = 0b01 << 24 | 0b01 << 26;
/// SH0 (bits 13:12) and SH1 (29:28): the tables are inner shareable (0b11), coherent with
/// every core's view, like the RAM they lie in.
const WALK_INNER_SHAREABLE_0: u64 = 0b11 << 12;
const WALK_INNER_SHAREABLE_1: u64 = 0b11 << 28;
/// TG0 (bits 15:14) and TG1 (31:30): the granule, 4 KiB for both halves. The same size has
/// different encodings in the two fields: 0b00 in TG0, 0b10 in TG1.
const TG0_4K: u64 = 0b00 << 14;
const TG1_4K: u64 = 0b10 << 30;
/// IPS (bits 34:32), the intermediate physical address size, is left 0 here: boot.s copies
/// the size the processor supports from ID_AA64MMFR0_EL1.PARange into it. Every other field
/// is 0: walks enabled in both halves (EPD0, EPD1), the ASID taken from TTBR0 (A1) and 8 bits
/// wide (AS), the top byte of an address translated like the rest (TBI0, TBI1).
pub const IPS_SHIFT: u64 = 32;

pub const TCR: u64 = T0SZ
    | WALK_CACHEABLE_0
    | WALK_INNER_SHAREABLE_0
    | TG0_4K
    | T1SZ
    | WALK_CACHEABLE_1
    | WALK_INNER_SHAREABLE_1
    | TG1_4K;
// ANCHOR_END: tcr

// ANCHOR: boot_descriptors
/// The boot tables' descriptors, with the address part 0: boot.s ORs each table's or
/// block's physical address in.
pub const BOOT_TABLE: u64 = table_descriptor(0);
/// A 2 MiB block of RAM: Normal, writable and executable by the kernel (boot.s does not yet
/// tell code from data; vm.rs's tables do).
pub const BOOT_RAM_BLOCK: u64 = leaf_descriptor(0, Attributes::BOOT_RAM, 2);
/// A block of device registers (2 MiB at level 2, 1 GiB at level 1): Device, never executed.
pub const BOOT_DEVICE_BLOCK: u64 = leaf_descriptor(0, Attributes::DEVICE, 2);
// ANCHOR_END: boot_descriptors

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mair_has_device_at_index_0_and_normal_at_index_1() {
        assert_eq!(MAIR, 0xff00);
    }

    #[test]
    fn tcr_fields_make_the_value_the_arm_arm_decodes() {
        assert_eq!(TCR, 0xb510_3510);
        assert_eq!(TCR & 0x3f, 16, "T0SZ");
        assert_eq!(TCR >> 16 & 0x3f, 16, "T1SZ");
        assert_eq!(TCR >> IPS_SHIFT & 0b111, 0, "IPS is boot.s's to fill in");
    }

    #[test]
    fn boot_descriptors_match_the_bits_pagetable_writes() {
        // Table: valid (bit 0) and table (bit 1).
        assert_eq!(BOOT_TABLE, 0b11);
        // RAM block: AttrIndx 1, inner shareable, access flag, valid; UXN (bit 54).
        assert_eq!(BOOT_RAM_BLOCK, 1 << 54 | 0x705);
        // Device block: AttrIndx 0, access flag, valid; PXN and UXN (bits 53, 54).
        assert_eq!(BOOT_DEVICE_BLOCK, 0x0060_0000_0000_0401);
    }
}
