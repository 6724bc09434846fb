//! Taking exceptions: the vector table (vectors.s) and the Rust handler every entry calls.

use crate::backtrace::Backtrace;
use crate::process::{self, Signal, Spent};
use crate::space::{Access, Fault};
use crate::syndrome::{Detail, FaultStatus, Syndrome, class};
use crate::trap::{self, Entry, Kind, Origin, Report, TrapFrame};
use crate::{console, exit, irq, println, signal, syscall, vm};

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
    // A process's time at EL0 ends here, and its time in the kernel where this returns
    // (rusage.rs).
    let from_user = entry.origin == Origin::LowerElAarch64;
    if from_user {
        process::account(Spent::User);
    }
    match (entry.origin, entry.kind) {
        (Origin::CurrentElSpx, Kind::Irq) => irq::dispatch(),
        (Origin::CurrentElSpx, Kind::Synchronous) if syndrome.class() == class::BRK => {
            breakpoint(frame, syndrome)
        }
        // A page fault the kernel expects (on-demand paging) is handled, and the faulting
        // instruction runs again.
        (Origin::CurrentElSpx, Kind::Synchronous)
            if vm::handle_page_fault(syndrome, frame.far as usize) => {}
        // A user program: its system calls and faults, and interrupts that arrived while it
        // ran, after which it may have to give up the processor (preemption).
        (Origin::LowerElAarch64, Kind::Synchronous) => user_exception(frame, syndrome),
        // Back to the program after an interrupt: the signals that arrived meanwhile (^C
        // from the terminal, a kill from another process) are delivered.
        (Origin::LowerElAarch64, Kind::Irq) => {
            irq::dispatch();
            process::preempt();
            signal::deliver(frame, None);
        }
        _ => fatal(entry, frame),
    }
    if from_user {
        process::account(Spent::System);
    }
}
// ANCHOR_END: handle_exception

// ANCHOR: user_exception
/// A synchronous exception from EL0: a system call, a page fault to resolve (on-demand
/// pages, copy on write), or a fault that is the signal Linux sends for it, with its si_code
/// and address (see `fault`).
fn user_exception(frame: &mut TrapFrame, syndrome: Syndrome) {
    // System calls first: they are by far the most frequent, and need nothing decoded.
    // (dispatch delivers the signals that arrived during the call itself.)
    if syndrome.class() == class::SVC {
        return syscall::dispatch(frame);
    }
    let (far, pc) = (frame.far, frame.elr);
    let access = match (syndrome.class(), syndrome.detail()) {
        (class::DATA_ABORT_LOWER, Detail::DataAbort { status, write }) => {
            (status, if write { Access::Write } else { Access::Read })
        }
        (class::INSTRUCTION_ABORT_LOWER, Detail::InstructionAbort(status)) => (status, Access::Execute),
        // Linux's addresses: the misaligned stack pointer, or the PC (which FAR holds).
        (class::SP_ALIGNMENT, _) => {
            let sp = frame.sp_el0;
            return fault(frame, Signal::Bus, signal::BUS_ADRALN, sp, format_args!("{}, PC {pc:#x}", syndrome.class_name()));
        }
        (class::PC_ALIGNMENT, _) => {
            return fault(frame, Signal::Bus, signal::BUS_ADRALN, far, format_args!("{}, PC {pc:#x}", syndrome.class_name()));
        }
        (class::BRK, _) => return fault(frame, Signal::Trap, signal::TRAP_BRKPT, pc, format_args!("brk at PC {pc:#x}")),
        _ => return fault(frame, Signal::Ill, signal::ILL_ILLOPC, pc, format_args!("{}, PC {pc:#x}", syndrome.class_name())),
    };
    let (status, access) = access;
    let kind = if access == Access::Execute { "instruction abort" } else { "data abort" };
    // The report's words, written out where each `fault` needs them: what `format_args!`
    // builds borrows values that live only until the end of the statement that uses it.
    macro_rules! why {
        () => {
            format_args!("{}, {}, FAR {:#x}, PC {:#x}", kind, status, far, pc)
        };
    }
    match status {
        FaultStatus::Translation { .. } | FaultStatus::Permission { .. } | FaultStatus::AccessFlag { .. } => {
            // Whether a region covers the address tells Linux's two kinds of SIGSEGV apart:
            // nothing mapped there (SEGV_MAPERR), or an access the mapping forbids (SEGV_ACCERR).
            let (resolved, mapped) = process::with_current(|process| match process.space.as_mut() {
                Some(space) => (space.resolve(far, access), space.regions.find(far).is_some()),
                None => (Err(Fault::Forbidden), false),
            });
            let code = if mapped { signal::SEGV_ACCERR } else { signal::SEGV_MAPERR };
            match resolved {
                Ok(_) => {}
                Err(Fault::Forbidden) => fault(frame, Signal::Segv, code, far, why!()),
                Err(Fault::OutOfMemory) => process::kill(Signal::Kill, format_args!("out of memory; {}", why!())),
            }
        }
        FaultStatus::Alignment => fault(frame, Signal::Bus, signal::BUS_ADRALN, far, why!()),
        _ => fault(frame, Signal::Segv, signal::SEGV_MAPERR, far, why!()),
    }
}

/// A fault of the program's is a signal: if it has a handler for it (and does not block
/// it), the handler runs now, with the fault's si_code and address; a handler that returns
/// without fixing anything runs the faulting instruction again, as on Linux. Otherwise the
/// process is killed by the signal, after the kernel's report of the fault.
fn fault(frame: &mut TrapFrame, signal: Signal, code: i32, addr: u64, why: core::fmt::Arguments) {
    process::fault(signal, code, addr, why);
    signal::deliver(frame, None);
}
// ANCHOR_END: user_exception

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
    // The stack the interrupted code ran on: the boot stack or a process's kernel stack.
    let trace = Backtrace::interrupted(frame.elr as usize, frame.x[29] as usize, process::kernel_stack());
    console::print_unlocked(format_args!("{trace}"));
}
// ANCHOR_END: print_backtrace
