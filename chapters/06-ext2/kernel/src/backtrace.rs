//! Backtraces: the chain of calls that led to a panic or an unexpected exception.
//!
//! The kernel is built with frame pointers (`-C force-frame-pointers=yes` in
//! .cargo/config.toml). Every function then starts by pushing a *frame record* of two words,
//! its caller's frame pointer (x29) and its own return address (x30), and points x29 at that
//! record (AAPCS64, "The Frame Pointer"). Each record leads to the one before it, so
//! following them from x29 visits every caller in turn, up to `kernel_main`. Its caller,
//! boot.s, pushes no record: the chain ends where a frame pointer leaves the stack (x29 is
//! still zero from reset there). The price is about two instructions per call and one
//! register the compiler may not use for anything else.
//!
//! The kernel prints bare addresses, because it carries no symbol table: `npm start` finds
//! every `  #N 0x...` line in its output and adds the function and the source line, which it
//! reads from kernel.elf's debug information.

use core::fmt;
use core::ops::Range;

/// More calls than any chain in this kernel is deep: a corrupt chain is cut short.
const MAX_FRAMES: usize = 32;
/// A return address is the instruction after the call (BL, BLR): one instruction back is the
/// call itself, whose source line is the one a reader wants.
const INSTRUCTION_SIZE: usize = 4;

// ANCHOR: backtrace
/// The calls to print, newest first: where it happened (if known), then the call of each
/// frame record on the chain that starts at `fp`.
pub struct Backtrace {
    pc: Option<usize>,
    fp: usize,
    /// Where frame records can be: the stack. A frame pointer anywhere else ends the chain.
    stack: Range<usize>,
}

impl Backtrace {
    /// The calls that led to the function calling `here` (inlined, so x29 is that function's).
    #[inline(always)]
    pub fn here(stack: Range<usize>) -> Self {
        let fp: usize;
        // SAFETY: copies the frame pointer register; no memory is touched.
        unsafe { core::arch::asm!("mov {}, x29", out(reg) fp, options(nomem, nostack, preserves_flags)) };
        Backtrace { pc: None, fp, stack }
    }

    /// The calls that led to `pc` in code whose frame pointer was `fp`: the ELR and x29 of a
    /// trap frame.
    pub fn interrupted(pc: usize, fp: usize, stack: Range<usize>) -> Self {
        Backtrace { pc: Some(pc), fp, stack }
    }

    /// The address of the call in each frame record on the chain.
    fn calls(&self) -> impl Iterator<Item = usize> + '_ {
        let mut fp = self.fp;
        core::iter::from_fn(move || {
            // A record is two words, 16-byte aligned, on the stack, and each caller's record
            // lies above its callee's (the stack grows down): anything else is not a record.
            if fp % 16 != 0 || !self.stack.contains(&fp) || !self.stack.contains(&(fp + 15)) {
                return None;
            }
            let record = fp as *const usize;
            // SAFETY: the record lies within the kernel's stack, which is mapped and readable,
            // and it is aligned for both words.
            let (caller_fp, return_address) = unsafe { (record.read(), record.add(1).read()) };
            fp = if caller_fp > fp { caller_fp } else { 0 };
            (return_address >= INSTRUCTION_SIZE).then(|| return_address - INSTRUCTION_SIZE)
        })
        .take(MAX_FRAMES)
    }
}

impl fmt::Display for Backtrace {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        writeln!(f, "backtrace:")?;
        for (n, address) in self.pc.into_iter().chain(self.calls()).enumerate() {
            writeln!(f, "  #{n} {address:#018x}")?;
        }
        Ok(())
    }
}
// ANCHOR_END: backtrace
