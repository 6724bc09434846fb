//! What the exception vectors hand to Rust: the interrupted code's registers (a trap frame)
//! and which of the sixteen vector entries was taken.
//!
//! The layout is defined here once. vectors.s gets the frame's size and the offsets of the
//! fields after the registers (x30, ELR, ESR) from this file as `const` operands of
//! `global_asm!`. The one thing it spells itself is where x0-x29 go: in pairs at 0, 16, ...
//! 224, that is at 8 × n for xn, which the first check at the bottom pins down (the registers
//! come first). The other checks make the compiler refuse any layout the assembly's paired
//! loads and stores could not handle.

use crate::syndrome::Syndrome;
use core::fmt;
use core::mem::{offset_of, size_of};

// ANCHOR: trap_frame
/// The state of the code an exception interrupted, saved on the stack by vectors.s and
/// written back to the registers by its return path. A handler may change it: moving `elr`
/// past an instruction makes the interrupted code resume after it.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct TrapFrame {
    /// The general-purpose registers x0-x30 (x29 is the frame pointer, x30 the link register).
    pub x: [u64; 31],
    /// The stack pointer of EL0: unused by the kernel itself, but user programs (a later
    /// chapter) keep their stack there, and a switch between them must save it.
    pub sp_el0: u64,
    /// Exception Link Register: where the interrupted code resumes on return.
    pub elr: u64,
    /// Saved Program Status Register: the interrupted code's flags, interrupt masks and
    /// exception level, restored on return.
    pub spsr: u64,
    /// Exception Syndrome Register: why a synchronous exception was taken.
    pub esr: u64,
    /// Fault Address Register: the address an abort was about.
    pub far: u64,
}
// ANCHOR_END: trap_frame

// ANCHOR: at_entry
/// SPSR for EL0 with every interrupt unmasked: M[3:0] = 0b0000 (EL0t), DAIF clear.
pub const SPSR_EL0: u64 = 0;

impl TrapFrame {
    /// The frame that "returns" to a new program: at `entry` at EL0, its stack at `sp`,
    /// every register zero (Linux's AArch64 entry state, apart from x0, which it leaves 0 too).
    pub fn at_entry(entry: u64, sp: u64) -> TrapFrame {
        TrapFrame { x: [0; 31], sp_el0: sp, elr: entry, spsr: SPSR_EL0, esr: 0, far: 0 }
    }
}
// ANCHOR_END: at_entry

// ANCHOR: trap_frame_checks
/// The numbers vectors.s is assembled with.
pub const FRAME_SIZE: usize = size_of::<TrapFrame>();
pub const X30_OFFSET: usize = offset_of!(TrapFrame, x) + 30 * 8;
pub const ELR_OFFSET: usize = offset_of!(TrapFrame, elr);
pub const ESR_OFFSET: usize = offset_of!(TrapFrame, esr);

// vectors.s stores x0-x29 in pairs at 0, 16, ... 224 and then these pairs with one STP or
// LDP each: x30 and SP_EL0, ELR and SPSR, ESR and FAR. The stack pointer must stay a
// multiple of 16, and STP/LDP reach offsets up to 504 only.
const _: () = assert!(offset_of!(TrapFrame, x) == 0);
const _: () = assert!(offset_of!(TrapFrame, sp_el0) == X30_OFFSET + 8);
const _: () = assert!(offset_of!(TrapFrame, spsr) == ELR_OFFSET + 8);
const _: () = assert!(offset_of!(TrapFrame, far) == ESR_OFFSET + 8);
const _: () = assert!(FRAME_SIZE % 16 == 0);
const _: () = assert!(ESR_OFFSET <= 504 && ELR_OFFSET <= 504 && X30_OFFSET <= 504);
// ANCHOR_END: trap_frame_checks

// ANCHOR: exception_kind
/// What kind of exception a vector entry is for: its position within a group of four.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    /// Caused by the instruction itself (SVC, BRK, an abort, an undefined instruction).
    Synchronous,
    /// An interrupt request from a device.
    Irq,
    /// A fast interrupt request (unused on the Pi 3 here).
    Fiq,
    /// An asynchronous error reported by the memory system.
    SError,
}

/// Where the exception came from: which group of four entries was used.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Origin {
    /// The kernel's own level, running on SP_EL0.
    CurrentElSp0,
    /// The kernel's own level, running on its own stack pointer (SP_EL1): the kernel.
    CurrentElSpx,
    /// A lower level (EL0) running AArch64 code: a user program.
    LowerElAarch64,
    /// A lower level running AArch32 code, which this kernel never runs.
    LowerElAarch32,
}

/// Which of the sixteen vector entries was taken; vectors.s passes its index (0-15).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Entry {
    pub origin: Origin,
    pub kind: Kind,
}

impl Entry {
    /// The entry at `index` in the table: four groups (origins) of four kinds each.
    pub fn from_index(index: u64) -> Entry {
        let origin = match index / 4 {
            0 => Origin::CurrentElSp0,
            1 => Origin::CurrentElSpx,
            2 => Origin::LowerElAarch64,
            _ => Origin::LowerElAarch32,
        };
        let kind = match index % 4 {
            0 => Kind::Synchronous,
            1 => Kind::Irq,
            2 => Kind::Fiq,
            _ => Kind::SError,
        };
        Entry { origin, kind }
    }
}
// ANCHOR_END: exception_kind

impl fmt::Display for Entry {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let kind = match self.kind {
            Kind::Synchronous => "synchronous exception",
            Kind::Irq => "IRQ",
            Kind::Fiq => "FIQ",
            Kind::SError => "SError",
        };
        let origin = match self.origin {
            Origin::CurrentElSp0 => "EL1 on SP_EL0",
            Origin::CurrentElSpx => "EL1 on SP_EL1",
            Origin::LowerElAarch64 => "EL0 (AArch64)",
            Origin::LowerElAarch32 => "EL0 (AArch32)",
        };
        write!(f, "{kind} from {origin}")
    }
}

// ANCHOR: report
/// An exception as a report shows it: what was taken from where, the syndrome decoded,
/// and the registers that say where it happened.
pub struct Report<'a> {
    pub entry: Entry,
    pub frame: &'a TrapFrame,
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        writeln!(f, "{}", self.entry)?;
        // ESR and FAR describe synchronous exceptions only.
        if self.entry.kind == Kind::Synchronous {
            let syndrome = Syndrome(self.frame.esr);
            writeln!(f, "  {syndrome}")?;
            write!(f, "  ESR {:#010x}", self.frame.esr)?;
            if syndrome.has_fault_address() {
                write!(f, "  FAR {:#x}", self.frame.far)?;
            }
            writeln!(f)?;
        }
        write!(
            f,
            "  ELR {:#x}  SPSR {:#010x}",
            self.frame.elr, self.frame.spsr
        )
    }
}
// ANCHOR_END: report

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thirty_one_registers_then_five_system_registers() {
        assert_eq!(FRAME_SIZE, 36 * 8);
        assert_eq!((X30_OFFSET, ELR_OFFSET, ESR_OFFSET), (240, 256, 272));
    }

    #[test]
    fn entries_are_grouped_by_origin() {
        let kernel_irq = Entry::from_index(5);
        assert_eq!(
            kernel_irq,
            Entry {
                origin: Origin::CurrentElSpx,
                kind: Kind::Irq
            }
        );
        assert_eq!(kernel_irq.to_string(), "IRQ from EL1 on SP_EL1");
        let user_sync = Entry::from_index(8);
        assert_eq!(
            user_sync,
            Entry {
                origin: Origin::LowerElAarch64,
                kind: Kind::Synchronous
            }
        );
        assert_eq!(Entry::from_index(15).kind, Kind::SError);
    }

    #[test]
    fn a_report_shows_the_fault_address_only_for_aborts() {
        let mut frame = TrapFrame {
            x: [0; 31],
            sp_el0: 0,
            elr: 0x80123,
            spsr: 0x3c5,
            esr: 0x9600_0045,
            far: 0,
        };
        let entry = Entry::from_index(4);
        assert_eq!(
            Report {
                entry,
                frame: &frame
            }
            .to_string(),
            "synchronous exception from EL1 on SP_EL1\n  class 0x25: data abort from EL1, translation fault at level 1, on a write\n  ESR 0x96000045  FAR 0x0\n  ELR 0x80123  SPSR 0x000003c5"
        );
        frame.esr = 0x0200_0000;
        assert!(
            !Report {
                entry,
                frame: &frame
            }
            .to_string()
            .contains("FAR")
        );
    }
}
