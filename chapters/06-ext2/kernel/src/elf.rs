//! Reading an ELF executable (pure): the checks a kernel must make before it trusts one,
//! and the segments to load. Only what Bramble runs is accepted: 64-bit little-endian
//! AArch64 static executables (ET_EXEC), every loadable segment in the user half,
//! page-aligned in its own pages, W^X. Anything else is `ENOEXEC` to execve, never a panic.
//!
//! The format: System V ABI, "Object Files" (the ELF header) and "Program Loading"
//! (program headers), with the AArch64 supplement's machine number 183.

use core::fmt;

/// Where user programs may be: above page 0 (never mapped, so NULL always faults) and below
/// the top of the user half, where the stack goes.
pub const USER_START: u64 = 0x1000;
pub const USER_END: u64 = 0x0000_8000_0000_0000;
/// A program with more loadable segments than this is refused (ours have three).
pub const MAX_SEGMENTS: usize = 8;
/// More program headers than this is not a program this kernel wrote the tools for.
const MAX_HEADERS: usize = 32;

const PAGE: u64 = 4096;
const HEADER_SIZE: usize = 64;
const PROGRAM_HEADER_SIZE: usize = 56;
const PT_LOAD: u32 = 1;
const PF_X: u32 = 1;
const PF_W: u32 = 2;
const PF_R: u32 = 4;
const EM_AARCH64: u16 = 183;
const ET_EXEC: u16 = 2;

// ANCHOR: segment
/// A loadable segment: `file_size` bytes from `offset` in the file go to `vaddr`; the rest
/// of `mem_size` is zeros (a program's .bss).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Segment {
    pub vaddr: u64,
    pub offset: u64,
    pub file_size: u64,
    pub mem_size: u64,
    pub read: bool,
    pub write: bool,
    pub execute: bool,
}

impl Segment {
    /// The pages the segment occupies: `[first, end)`, page-aligned.
    pub fn pages(&self) -> (u64, u64) {
        (self.vaddr & !(PAGE - 1), (self.vaddr + self.mem_size).div_ceil(PAGE) * PAGE)
    }
}

/// A checked executable: where to start, its segments, and where its program headers are
/// in memory (for the auxiliary vector's AT_PHDR).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Executable {
    pub entry: u64,
    pub segments: [Segment; MAX_SEGMENTS],
    pub count: usize,
    pub phdr: u64,
    pub phnum: u64,
}
// ANCHOR_END: segment

/// Why a file is not an executable Bramble runs.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ElfError {
    Truncated,
    NotElf,
    WrongClass,
    WrongMachine,
    NotExecutable,
    TooManySegments,
    SizeMismatch,
    OutsideUserSpace,
    Overlapping,
    Misaligned,
    WritableAndExecutable,
    EntryNotInCode,
}

impl fmt::Display for ElfError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(match self {
            ElfError::Truncated => "the file ends before its headers or segments do",
            ElfError::NotElf => "no ELF magic number",
            ElfError::WrongClass => "not 64-bit little-endian ELF version 1",
            ElfError::WrongMachine => "not for AArch64",
            ElfError::NotExecutable => "not a static executable (ET_EXEC)",
            ElfError::TooManySegments => "too many segments",
            ElfError::SizeMismatch => "a segment's file size exceeds its memory size",
            ElfError::OutsideUserSpace => "a segment outside the user half",
            ElfError::Overlapping => "segments share a page",
            ElfError::Misaligned => "a segment's address and file offset disagree within a page",
            ElfError::WritableAndExecutable => "a segment both writable and executable",
            ElfError::EntryNotInCode => "the entry point is not in an executable segment",
        })
    }
}

fn u16_at(bytes: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([bytes[at], bytes[at + 1]])
}
fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().expect("four bytes"))
}
fn u64_at(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(bytes[at..at + 8].try_into().expect("eight bytes"))
}

// ANCHOR: parse
/// Checks `file` and finds its loadable segments.
pub fn parse(file: &[u8]) -> Result<Executable, ElfError> {
    if file.len() < HEADER_SIZE {
        return Err(ElfError::Truncated);
    }
    if file[0..4] != *b"\x7fELF" {
        return Err(ElfError::NotElf);
    }
    // EI_CLASS 2 (64-bit), EI_DATA 1 (little-endian), EI_VERSION 1.
    if file[4] != 2 || file[5] != 1 || file[6] != 1 {
        return Err(ElfError::WrongClass);
    }
    if u16_at(file, 18) != EM_AARCH64 {
        return Err(ElfError::WrongMachine);
    }
    if u16_at(file, 16) != ET_EXEC {
        return Err(ElfError::NotExecutable);
    }
    let entry = u64_at(file, 24);
    let phoff = u64_at(file, 32);
    let phentsize = u16_at(file, 54) as usize;
    let phnum = u16_at(file, 56) as usize;
    if phentsize != PROGRAM_HEADER_SIZE || phnum > MAX_HEADERS {
        return Err(ElfError::TooManySegments);
    }
    let table_end = phoff.checked_add((phnum * PROGRAM_HEADER_SIZE) as u64);
    if table_end.is_none_or(|end| end > file.len() as u64) {
        return Err(ElfError::Truncated);
    }

    let mut executable = Executable { entry, segments: [Segment::default(); MAX_SEGMENTS], count: 0, phdr: 0, phnum: phnum as u64 };
    for index in 0..phnum {
        let at = phoff as usize + index * PROGRAM_HEADER_SIZE;
        if u32_at(file, at) != PT_LOAD {
            continue;
        }
        let flags = u32_at(file, at + 4);
        let segment = Segment {
            offset: u64_at(file, at + 8),
            vaddr: u64_at(file, at + 16),
            file_size: u64_at(file, at + 32),
            mem_size: u64_at(file, at + 40),
            read: flags & PF_R != 0,
            write: flags & PF_W != 0,
            execute: flags & PF_X != 0,
        };
        check_segment(file, &segment, &executable.segments[..executable.count])?;
        if executable.count == MAX_SEGMENTS {
            return Err(ElfError::TooManySegments);
        }
        // The program headers are in memory if a segment loads the bytes they are in.
        if segment.offset <= phoff && phoff < segment.offset + segment.file_size {
            executable.phdr = segment.vaddr + (phoff - segment.offset);
        }
        executable.segments[executable.count] = segment;
        executable.count += 1;
    }
    let in_code = executable.segments[..executable.count].iter().any(|s| s.execute && s.vaddr <= entry && entry < s.vaddr + s.mem_size);
    if !in_code {
        return Err(ElfError::EntryNotInCode);
    }
    Ok(executable)
}

/// One segment's checks, against the file and the segments before it.
fn check_segment(file: &[u8], segment: &Segment, before: &[Segment]) -> Result<(), ElfError> {
    if segment.file_size > segment.mem_size {
        return Err(ElfError::SizeMismatch);
    }
    if segment.offset.checked_add(segment.file_size).is_none_or(|end| end > file.len() as u64) {
        return Err(ElfError::Truncated);
    }
    let end = segment.vaddr.checked_add(segment.mem_size);
    if segment.vaddr < USER_START || end.is_none_or(|end| end > USER_END) {
        return Err(ElfError::OutsideUserSpace);
    }
    if segment.vaddr % PAGE != segment.offset % PAGE {
        return Err(ElfError::Misaligned);
    }
    if segment.write && segment.execute {
        return Err(ElfError::WritableAndExecutable);
    }
    let (first, last) = segment.pages();
    if before.iter().any(|other| {
        let (other_first, other_last) = other.pages();
        first < other_last && other_first < last
    }) {
        return Err(ElfError::Overlapping);
    }
    Ok(())
}
// ANCHOR_END: parse

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal executable: the ELF header, `segments` program headers, then 0x100 bytes.
    fn executable(entry: u64, segments: &[(u64, u64, u64, u64, u32)]) -> Vec<u8> {
        let mut file = vec![0u8; HEADER_SIZE];
        file[0..4].copy_from_slice(b"\x7fELF");
        file[4] = 2;
        file[5] = 1;
        file[6] = 1;
        file[16..18].copy_from_slice(&ET_EXEC.to_le_bytes());
        file[18..20].copy_from_slice(&EM_AARCH64.to_le_bytes());
        file[24..32].copy_from_slice(&entry.to_le_bytes());
        file[32..40].copy_from_slice(&(HEADER_SIZE as u64).to_le_bytes());
        file[54..56].copy_from_slice(&(PROGRAM_HEADER_SIZE as u16).to_le_bytes());
        file[56..58].copy_from_slice(&(segments.len() as u16).to_le_bytes());
        for &(offset, vaddr, file_size, mem_size, flags) in segments {
            let mut header = [0u8; PROGRAM_HEADER_SIZE];
            header[0..4].copy_from_slice(&PT_LOAD.to_le_bytes());
            header[4..8].copy_from_slice(&flags.to_le_bytes());
            header[8..16].copy_from_slice(&offset.to_le_bytes());
            header[16..24].copy_from_slice(&vaddr.to_le_bytes());
            header[32..40].copy_from_slice(&file_size.to_le_bytes());
            header[40..48].copy_from_slice(&mem_size.to_le_bytes());
            file.extend_from_slice(&header);
        }
        file.resize(file.len() + 0x100, 0);
        file
    }

    const RX: u32 = PF_R | PF_X;
    const RW: u32 = PF_R | PF_W;

    #[test]
    fn a_good_executable_gives_its_segments() {
        let file = executable(0x400080, &[(0, 0x400000, 0x100, 0x100, RX), (0x100, 0x401100, 0x10, 0x2000, RW)]);
        let found = parse(&file).unwrap();
        assert_eq!(found.count, 2);
        assert_eq!(found.entry, 0x400080);
        assert_eq!(found.phdr, 0x400040);
        assert_eq!(found.segments[1].pages(), (0x401000, 0x404000));
        assert!(found.segments[1].write && !found.segments[1].execute);
    }

    #[test]
    fn bad_headers_are_refused() {
        let good = executable(0x400000, &[(0, 0x400000, 0x100, 0x100, RX)]);
        assert_eq!(parse(&good[..40]), Err(ElfError::Truncated));
        let mut bad = good.clone();
        bad[0] = 0;
        assert_eq!(parse(&bad), Err(ElfError::NotElf));
        let mut bad = good.clone();
        bad[4] = 1;
        assert_eq!(parse(&bad), Err(ElfError::WrongClass));
        let mut bad = good.clone();
        bad[18] = 62; // x86-64
        assert_eq!(parse(&bad), Err(ElfError::WrongMachine));
        let mut bad = good.clone();
        bad[16] = 3; // ET_DYN
        assert_eq!(parse(&bad), Err(ElfError::NotExecutable));
        let mut bad = good.clone();
        bad[56] = 200;
        assert_eq!(parse(&bad), Err(ElfError::TooManySegments));
    }

    #[test]
    fn bad_segments_are_refused() {
        let cases: [(&[(u64, u64, u64, u64, u32)], ElfError); 7] = [
            (&[(0, 0x400000, 0x200, 0x100, RX)], ElfError::SizeMismatch),
            (&[(0, 0x400000, 0x10_0000, 0x10_0000, RX)], ElfError::Truncated),
            (&[(0, 0xffff_0000_0008_0000, 0x100, 0x100, RX)], ElfError::OutsideUserSpace),
            (&[(0, 0, 0x100, 0x100, RX)], ElfError::OutsideUserSpace),
            (&[(0, 0x400000, 0x100, 0x100, RX), (0x100, 0x400100, 0x10, 0x10, RW)], ElfError::Overlapping),
            (&[(0, 0x400000, 0x100, 0x100, RX | PF_W)], ElfError::WritableAndExecutable),
            (&[(0, 0x400010, 0x100, 0x100, RX)], ElfError::Misaligned),
        ];
        for (segments, error) in cases {
            assert_eq!(parse(&executable(0x400000, segments)), Err(error), "{segments:x?}");
        }
        let too_many: Vec<_> = (0..9).map(|i| (0, 0x400000 + i * 0x1000, 0x10, 0x10, RX)).collect();
        assert_eq!(parse(&executable(0x400000, &too_many)), Err(ElfError::TooManySegments));
    }

    #[test]
    fn the_entry_must_be_in_code() {
        let file = executable(0x401000, &[(0, 0x400000, 0x100, 0x100, RX), (0, 0x401000, 0x10, 0x10, RW)]);
        assert_eq!(parse(&file), Err(ElfError::EntryNotInCode));
    }
}
