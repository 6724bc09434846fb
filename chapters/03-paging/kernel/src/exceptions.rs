//! Taking exceptions: the vector table (vectors.s) and the Rust handler every entry calls.

use crate::syndrome::{Detail, Syndrome, class};
use crate::backtrace::Backtrace;
use crate::trap::{self, Entry, Kind, Origin, Report, TrapFrame};
use crate::{console, exit, irq, layout, println, vm};

// The vector table, assembled with the trap frame's layout from trap.rs.
core::arch::global_asm!(
    include_str!("vectors.s"),
    FRAME_SIZE = const trap::FRAME_SIZE,
    X30 = const trap::X30_OFFSET,
    ELR = const trap::ELR_OFFSET,
    ESR = const trap::ESR_OFFSET,
);

/// The exit status of a kernel stopped by an exception it did not expect: not 0 (success)
/// and not panic's 101, so a test can tell which happened.
const FATAL_EXCEPTION_STATUS: u32 = 3;

// ANCHOR: handle_exception
/// Called by every vector entry with the saved registers and the entry's index (0-15).
/// Whatever it leaves in `frame` is what the interrupted code resumes with.
#[unsafe(no_mangle)]
extern "C" fn handle_exception(frame: &mut TrapFrame, index: u64) {
    let entry = Entry::from_index(index);
    let syndrome = Syndrome(frame.esr);
    match (entry.origin, entry.kind) {
        (Origin::CurrentElSpx, Kind::Irq) => irq::dispatch(),
        (Origin::CurrentElSpx, Kind::Synchronous) if syndrome.class() == class::BRK => {
            breakpoint(frame, syndrome)
        }
        // A page fault the kernel expects (on-demand paging) is handled, and the faulting
        // instruction runs again.
        (Origin::CurrentElSpx, Kind::Synchronous)
            if vm::handle_page_fault(syndrome, frame.far as usize) => {}
        _ => fatal(entry, frame),
    }
}
// ANCHOR_END: handle_exception

// ANCHOR: breakpoint
/// `brk #n`: a debugger's breakpoint. There is no debugger; say so and carry on. ELR points
/// at the BRK itself (an exception taken *instead of* the instruction), so the kernel
/// resumes 4 bytes further on, after it.
fn breakpoint(frame: &mut TrapFrame, syndrome: Syndrome) {
    if let Detail::Immediate(imm) = syndrome.detail() {
        println!(
            "breakpoint: brk #{imm:#x} at {:#x}; resuming after it",
            frame.elr
        );
    }
    frame.elr += 4;
}
// ANCHOR_END: breakpoint

// ANCHOR: fatal
/// Any other exception means the kernel went wrong: report it and stop the machine. The
/// console's lock is not taken, in case the exception interrupted a message.
fn fatal(entry: Entry, frame: &TrapFrame) -> ! {
    console::print_unlocked(format_args!("\nunexpected {}\n", Report { entry, frame }));
    if entry.kind == Kind::Synchronous && Syndrome(frame.esr).has_fault_address() {
        if let Some(meaning) = vm::explain(frame.far as usize) {
            console::print_unlocked(format_args!("  {meaning}\n"));
        }
    }
    print_backtrace(frame);
    console::print_unlocked(format_args!("halting\n"));
    exit::exit(FATAL_EXCEPTION_STATUS)
}
// ANCHOR_END: fatal

// ANCHOR: print_backtrace
/// The calls that led to the interrupted instruction: it, then the frame records from the
/// interrupted code's frame pointer (x29).
fn print_backtrace(frame: &TrapFrame) {
    let stack = layout::stack_bottom()..layout::stack_top();
    let trace = Backtrace::interrupted(frame.elr as usize, frame.x[29] as usize, stack);
    console::print_unlocked(format_args!("{trace}"));
}
// ANCHOR_END: print_backtrace
