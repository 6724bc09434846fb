//! Reading the Exception Syndrome Register (ESR_EL1): why a synchronous exception happened.
//!
//! ESR holds the exception class (EC, bits 31:26), the instruction length (IL, bit 25) and
//! an instruction-specific syndrome (ISS, bits 24:0) whose meaning depends on the class.

use core::fmt;

// ANCHOR: exception_classes
/// Exception classes (ESR.EC) this kernel names; the Arm ARM lists the rest.
pub mod class {
    pub const UNKNOWN: u8 = 0x00;
    pub const TRAPPED_WFI_WFE: u8 = 0x01;
    pub const ILLEGAL_STATE: u8 = 0x0e;
    pub const SVC: u8 = 0x15;
    pub const HVC: u8 = 0x16;
    pub const SMC: u8 = 0x17;
    pub const TRAPPED_SYSTEM_REGISTER: u8 = 0x18;
    pub const INSTRUCTION_ABORT_LOWER: u8 = 0x20;
    pub const INSTRUCTION_ABORT_SAME: u8 = 0x21;
    pub const PC_ALIGNMENT: u8 = 0x22;
    pub const DATA_ABORT_LOWER: u8 = 0x24;
    pub const DATA_ABORT_SAME: u8 = 0x25;
    pub const SP_ALIGNMENT: u8 = 0x26;
    pub const SERROR: u8 = 0x2f;
    pub const BRK: u8 = 0x3c;
}

/// A class's name, as a report shows it.
pub fn class_name(ec: u8) -> &'static str {
    match ec {
        class::UNKNOWN => "unknown reason (an undefined instruction)",
        class::TRAPPED_WFI_WFE => "trapped WFI or WFE",
        class::ILLEGAL_STATE => "illegal execution state",
        class::SVC => "SVC instruction (system call)",
        class::HVC => "HVC instruction",
        class::SMC => "SMC instruction",
        class::TRAPPED_SYSTEM_REGISTER => "trapped system register access",
        class::INSTRUCTION_ABORT_LOWER => "instruction abort from EL0",
        class::INSTRUCTION_ABORT_SAME => "instruction abort from EL1",
        class::PC_ALIGNMENT => "PC alignment fault",
        class::DATA_ABORT_LOWER => "data abort from EL0",
        class::DATA_ABORT_SAME => "data abort from EL1",
        class::SP_ALIGNMENT => "SP alignment fault",
        class::SERROR => "SError",
        class::BRK => "BRK instruction (breakpoint)",
        _ => "an exception class this kernel does not name",
    }
}
// ANCHOR_END: exception_classes

// ANCHOR: fault_status
/// What went wrong in an instruction or data abort: the fault status code (ISS bits 5:0,
/// DFSC or IFSC). Translation-table faults also say at which level of the walk they happened.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum FaultStatus {
    /// An address, or a table address, wider than the configured address size.
    AddressSize { level: u8 },
    /// No valid descriptor: the address is not mapped.
    Translation { level: u8 },
    /// The descriptor's access flag is clear: the page has not been used since it was mapped.
    AccessFlag { level: u8 },
    /// The descriptor forbids this access (a write to read-only memory, say).
    Permission { level: u8 },
    /// The memory system reported an error for the access.
    SynchronousExternal,
    /// An unaligned access where alignment is required.
    Alignment,
    /// A code this kernel does not name.
    Other(u8),
}

impl FaultStatus {
    pub fn from_code(code: u8) -> FaultStatus {
        let level = code & 0b11;
        match code {
            0x00..=0x03 => FaultStatus::AddressSize { level },
            0x04..=0x07 => FaultStatus::Translation { level },
            0x08..=0x0b => FaultStatus::AccessFlag { level },
            0x0c..=0x0f => FaultStatus::Permission { level },
            0x10 => FaultStatus::SynchronousExternal,
            0x21 => FaultStatus::Alignment,
            other => FaultStatus::Other(other),
        }
    }
}

impl fmt::Display for FaultStatus {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            FaultStatus::AddressSize { level } => write!(f, "address size fault at level {level}"),
            FaultStatus::Translation { level } => write!(f, "translation fault at level {level}"),
            FaultStatus::AccessFlag { level } => write!(f, "access flag fault at level {level}"),
            FaultStatus::Permission { level } => write!(f, "permission fault at level {level}"),
            FaultStatus::SynchronousExternal => f.write_str("synchronous external abort"),
            FaultStatus::Alignment => f.write_str("alignment fault"),
            FaultStatus::Other(code) => write!(f, "fault status {code:#04x}"),
        }
    }
}
// ANCHOR_END: fault_status

// ANCHOR: syndrome
/// A decoded ESR value.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Syndrome(pub u64);

/// What the ISS says for the classes this kernel looks into.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Detail {
    /// SVC, HVC or BRK: the instruction's 16-bit immediate.
    Immediate(u16),
    /// An instruction abort: the fault status.
    InstructionAbort(FaultStatus),
    /// A data abort: the fault status and whether the access was a write (WnR, bit 6).
    DataAbort { status: FaultStatus, write: bool },
    /// Nothing this kernel decodes.
    None,
}

impl Syndrome {
    /// The exception class, bits 31:26.
    pub fn class(self) -> u8 {
        ((self.0 >> 26) & 0x3f) as u8
    }

    /// The class's name (see `class_name`).
    pub fn class_name(self) -> &'static str {
        class_name(self.class())
    }

    /// The instruction-specific syndrome, bits 24:0.
    pub fn iss(self) -> u32 {
        (self.0 & 0x1ff_ffff) as u32
    }

    pub fn detail(self) -> Detail {
        let iss = self.iss();
        let status = FaultStatus::from_code((iss & 0x3f) as u8);
        match self.class() {
            class::SVC | class::HVC | class::BRK => Detail::Immediate(iss as u16),
            class::INSTRUCTION_ABORT_LOWER | class::INSTRUCTION_ABORT_SAME => {
                Detail::InstructionAbort(status)
            }
            class::DATA_ABORT_LOWER | class::DATA_ABORT_SAME => Detail::DataAbort {
                status,
                write: iss & (1 << 6) != 0,
            },
            _ => Detail::None,
        }
    }

    /// Whether FAR_EL1 holds a meaningful address for this exception; for the other
    /// classes its value is architecturally UNKNOWN, so a report leaves it out.
    pub fn has_fault_address(self) -> bool {
        matches!(
            self.class(),
            class::INSTRUCTION_ABORT_LOWER
                | class::INSTRUCTION_ABORT_SAME
                | class::PC_ALIGNMENT
                | class::DATA_ABORT_LOWER
                | class::DATA_ABORT_SAME
        )
    }
}

impl fmt::Display for Syndrome {
    /// One line: the class by name and number, then what its ISS says.
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "class {:#04x}: {}",
            self.class(),
            class_name(self.class())
        )?;
        match self.detail() {
            Detail::Immediate(imm) => write!(f, ", immediate {imm:#x}"),
            Detail::InstructionAbort(status) => write!(f, ", {status}"),
            Detail::DataAbort { status, write } => write!(
                f,
                ", {status}, on a {}",
                if write { "write" } else { "read" }
            ),
            Detail::None => Ok(()),
        }
    }
}
// ANCHOR_END: syndrome

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brk_carries_its_immediate() {
        // `brk #1`: EC 0x3c, IL 1, ISS 1.
        let brk = Syndrome(0xf200_0001);
        assert_eq!(brk.class(), class::BRK);
        assert_eq!(brk.detail(), Detail::Immediate(1));
        assert_eq!(
            brk.to_string(),
            "class 0x3c: BRK instruction (breakpoint), immediate 0x1"
        );
    }

    #[test]
    fn svc_as_qemu_reports_it() {
        // `svc #0x42` gives ESR 0x56000042 in QEMU.
        assert_eq!(Syndrome(0x5600_0042).detail(), Detail::Immediate(0x42));
    }

    #[test]
    fn data_abort_names_status_level_and_direction() {
        // EC 0x25, IL, WnR set, DFSC 0x0f: permission fault at level 3 on a write.
        let abort = Syndrome(0x9600_004f);
        assert_eq!(
            abort.detail(),
            Detail::DataAbort {
                status: FaultStatus::Permission { level: 3 },
                write: true
            }
        );
        assert_eq!(
            abort.to_string(),
            "class 0x25: data abort from EL1, permission fault at level 3, on a write"
        );
        assert!(abort.has_fault_address());
    }

    #[test]
    fn fault_status_codes() {
        assert_eq!(
            FaultStatus::from_code(0x04),
            FaultStatus::Translation { level: 0 }
        );
        assert_eq!(
            FaultStatus::from_code(0x0b),
            FaultStatus::AccessFlag { level: 3 }
        );
        assert_eq!(FaultStatus::from_code(0x21), FaultStatus::Alignment);
        assert_eq!(
            FaultStatus::from_code(0x3f).to_string(),
            "fault status 0x3f"
        );
    }

    #[test]
    fn undefined_instruction_has_no_fault_address() {
        let undefined = Syndrome(0x0200_0000);
        assert_eq!(
            undefined.to_string(),
            "class 0x00: unknown reason (an undefined instruction)"
        );
        assert!(!undefined.has_fault_address());
    }
}
