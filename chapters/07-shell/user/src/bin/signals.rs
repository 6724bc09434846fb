//! signals [TEST]...: what Linux does with signals, tried one behaviour at a time (all of them
//! without arguments). Each test prints what it saw; the facts are Linux's, so Bramble's kernel
//! must print the same. The exit status is 0 when every fact is the one POSIX asks for.
//!
//! - handler: a handler runs and returns, and the code it interrupted goes on with its values;
//! - info: an SA_SIGINFO handler is told the signal, who sent it and how;
//! - mask: a blocked signal stays pending, and arrives when unblocked;
//! - chld: a parent hears SIGCHLD when its child ends;
//! - reap: a parent that ignores SIGCHLD has its children reaped for it: wait4 fails with
//!   ECHILD once the child has ended;
//! - pipe: writing to a pipe nobody reads kills with SIGPIPE, or fails with EPIPE if ignored;
//! - eintr: a slow call a handler interrupts fails with EINTR, or restarts with SA_RESTART;
//! - stop: wait4 reports a child stopped (WUNTRACED) and continued (WCONTINUED), and SIGKILL
//!   ends a stopped child;
//! - faults: a fault is a signal whose handler is told why (si_code) and where (si_addr): a
//!   read of an address nothing is mapped at and a write to the program's code (SIGSEGV), an
//!   undefined instruction (SIGILL), `brk` (SIGTRAP); a handler that returns runs the faulting
//!   instruction again, which faults again; without a handler, or with the signal blocked, the
//!   fault kills the process.
#![no_std]
#![no_main]

extern crate alloc;

use core::sync::atomic::{AtomicI32, AtomicUsize, Ordering};
use core::arch::asm;
use ulib::signal::{SIGCHLD, SIGCONT, SIGKILL, SIGPIPE, SIGSTOP};
use ulib::sys::{self, Disposition, Fork, SigInfo, Timespec};
use ulib::{Errno, println, tool};

ulib::main!(run);

const SIGUSR1: u32 = 10;

/// How many times a handler ran, and what the last SA_SIGINFO handler was told.
static DELIVERED: AtomicUsize = AtomicUsize::new(0);
static INFO_SIGNAL: AtomicI32 = AtomicI32::new(0);
static INFO_PID: AtomicI32 = AtomicI32::new(0);
static INFO_CODE: AtomicI32 = AtomicI32::new(-1);

extern "C" fn count(_signal: i32) {
    DELIVERED.fetch_add(1, Ordering::SeqCst);
}

extern "C" fn record(signal: i32, info: &SigInfo, _context: usize) {
    INFO_SIGNAL.store(signal, Ordering::SeqCst);
    INFO_PID.store(info.pid, Ordering::SeqCst);
    INFO_CODE.store(info.code, Ordering::SeqCst);
    DELIVERED.fetch_add(1, Ordering::SeqCst);
}

const TESTS: [(&str, fn() -> bool); 9] = [("handler", handler), ("info", info), ("mask", mask), ("chld", chld), ("reap", reap), ("pipe", pipe), ("eintr", eintr), ("stop", stop), ("faults", faults)];

fn run() -> i32 {
    let args = tool::arguments();
    let mut all = true;
    for (name, test) in TESTS {
        if args.is_empty() || args.contains(&name) {
            DELIVERED.store(0, Ordering::SeqCst);
            let passed = test();
            println!("{name}: {}", if passed { "as POSIX says" } else { "NOT as POSIX says" });
            all &= passed;
        }
    }
    if all { 0 } else { 1 }
}

fn handler() -> bool {
    let _ = sys::sigaction(SIGUSR1, Disposition::Handler(count), 0, true);
    // Values live in registers across the signal: the frame must give them back.
    let mut sum = 0u64;
    for step in 1..=10u64 {
        sum += step;
        if step == 5 {
            let _ = sys::kill(sys::getpid() as isize, SIGUSR1);
        }
    }
    let delivered = DELIVERED.load(Ordering::SeqCst);
    println!("handler: ran {delivered} time(s); the interrupted loop summed 1..10 to {sum}");
    delivered == 1 && sum == 55
}

fn info() -> bool {
    let _ = sys::sigaction(SIGUSR1, Disposition::WithInfo(record), 0, true);
    let _ = sys::kill(sys::getpid() as isize, SIGUSR1);
    let (signal, pid, code) = (INFO_SIGNAL.load(Ordering::SeqCst), INFO_PID.load(Ordering::SeqCst), INFO_CODE.load(Ordering::SeqCst));
    let from_self = pid as usize == sys::getpid();
    println!("info: signal {signal}, sent by kill (code {code}) from this process: {from_self}");
    signal == SIGUSR1 as i32 && code == sys::SI_USER && from_self
}

fn mask() -> bool {
    let _ = sys::sigaction(SIGUSR1, Disposition::Handler(count), 0, true);
    let bit = sys::signal_bit(SIGUSR1);
    let _ = sys::sigprocmask(sys::SIG_BLOCK, bit);
    let _ = sys::kill(sys::getpid() as isize, SIGUSR1);
    let while_blocked = DELIVERED.load(Ordering::SeqCst);
    let pending = sys::sigpending().is_ok_and(|set| set & bit != 0);
    let _ = sys::sigprocmask(sys::SIG_UNBLOCK, bit);
    let after = DELIVERED.load(Ordering::SeqCst);
    println!("mask: delivered while blocked {while_blocked}, pending {pending}, delivered once unblocked {after}");
    while_blocked == 0 && pending && after == 1
}

fn chld() -> bool {
    let _ = sys::sigaction(SIGCHLD, Disposition::WithInfo(record), 0, true);
    let child = match sys::fork() {
        Ok(Fork::Child) => sys::exit(3),
        Ok(Fork::Parent { child }) => child,
        Err(_) => return false,
    };
    let exit = sys::wait4(child as isize, 0).ok().flatten().and_then(|waited| waited.exit_code());
    let _ = sys::sigaction(SIGCHLD, Disposition::Default, 0, false);
    let heard = DELIVERED.load(Ordering::SeqCst);
    let about_child = INFO_PID.load(Ordering::SeqCst) as usize == child;
    let code = INFO_CODE.load(Ordering::SeqCst);
    println!("chld: SIGCHLD heard {heard} time(s), about the child: {about_child}, code {code}, exit {exit:?}");
    heard == 1 && about_child && code == sys::CLD_EXITED && exit == Some(3)
}

fn reap() -> bool {
    let _ = sys::sigaction(SIGCHLD, Disposition::Ignore, 0, true);
    let waited = match sys::fork() {
        Ok(Fork::Child) => sys::exit(7),
        // Waits while the child runs; once it has ended, there is no child to report.
        Ok(Fork::Parent { child }) => sys::wait4(child as isize, 0),
        Err(errno) => Err(errno),
    };
    let _ = sys::sigaction(SIGCHLD, Disposition::Default, 0, true);
    let answer = waited.map(|waited| waited.map(|waited| waited.status));
    println!("reap: with SIGCHLD ignored, wait4 for the child gives {:?}", answer.map_err(Errno::name));
    answer == Err(Errno::ECHILD)
}

fn pipe() -> bool {
    // In a child, which the signal kills.
    let killed = match sys::fork() {
        Ok(Fork::Child) => {
            let Ok((read_end, write_end)) = sys::pipe2(0) else { sys::exit(2) };
            let _ = sys::close(read_end);
            let _ = sys::write(write_end, b"x");
            sys::exit(0)
        }
        Ok(Fork::Parent { child }) => sys::wait4(child as isize, 0).ok().flatten().and_then(|waited| waited.signal()),
        Err(_) => return false,
    };
    let _ = sys::sigaction(SIGPIPE, Disposition::Ignore, 0, false);
    let (read_end, write_end) = sys::pipe2(0).unwrap_or((0, 0));
    let _ = sys::close(read_end);
    let ignored = sys::write(write_end, b"x");
    let _ = sys::close(write_end);
    let _ = sys::sigaction(SIGPIPE, Disposition::Default, 0, false);
    println!("pipe: the writer was killed by signal {killed:?}; with SIGPIPE ignored, write gives {:?}", ignored.err().map(Errno::name));
    killed == Some(SIGPIPE) && ignored == Err(Errno::EPIPE)
}

fn eintr() -> bool {
    // A child signals this process while it waits in read on an empty pipe, then writes.
    let run = |restart: bool| -> (Result<usize, Errno>, usize) {
        let _ = sys::sigaction(SIGUSR1, Disposition::Handler(count), 0, restart);
        let Ok((read_end, write_end)) = sys::pipe2(0) else { return (Err(Errno::EIO), 0) };
        let parent = sys::getpid();
        let child = match sys::fork() {
            Ok(Fork::Child) => {
                let _ = sys::nanosleep(&Timespec { seconds: 0, nanoseconds: 200_000_000 });
                let _ = sys::kill(parent as isize, SIGUSR1);
                let _ = sys::nanosleep(&Timespec { seconds: 0, nanoseconds: 200_000_000 });
                let _ = sys::write(write_end, b"late");
                sys::exit(0)
            }
            Ok(Fork::Parent { child }) => child,
            Err(errno) => return (Err(errno), 0),
        };
        let mut buffer = [0u8; 8];
        let result = sys::read(read_end, &mut buffer);
        let _ = sys::wait4(child as isize, 0);
        let _ = sys::close(read_end);
        let _ = sys::close(write_end);
        (result, DELIVERED.swap(0, Ordering::SeqCst))
    };
    let (plain, first) = run(false);
    let (restarted, second) = run(true);
    println!("eintr: without SA_RESTART read gives {:?}; with it, {:?} bytes (handlers ran {first} and {second} times)", plain.map_err(Errno::name), restarted.map_err(Errno::name));
    plain == Err(Errno::EINTR) && restarted == Ok(4) && first == 1 && second == 1
}

fn stop() -> bool {
    let child = match sys::fork() {
        Ok(Fork::Child) => loop {
            let _ = sys::nanosleep(&Timespec { seconds: 1, nanoseconds: 0 });
        },
        Ok(Fork::Parent { child }) => child,
        Err(_) => return false,
    };
    let _ = sys::kill(child as isize, SIGSTOP);
    let stopped = sys::wait4(child as isize, sys::WUNTRACED).ok().flatten().and_then(|waited| waited.stopped_by());
    let _ = sys::kill(child as isize, SIGCONT);
    let continued = sys::wait4(child as isize, sys::WCONTINUED).ok().flatten().is_some_and(|waited| waited.continued());
    let _ = sys::kill(child as isize, SIGSTOP);
    let _ = sys::wait4(child as isize, sys::WUNTRACED);
    let _ = sys::kill(child as isize, SIGKILL);
    let killed = sys::wait4(child as isize, 0).ok().flatten().and_then(|waited| waited.signal());
    println!("stop: stopped by {stopped:?}, continued: {continued}, then killed while stopped by {killed:?}");
    stopped == Some(SIGSTOP) && continued && killed == Some(SIGKILL)
}

const SIGILL: u32 = 4;
const SIGTRAP: u32 = 5;
const SIGSEGV: u32 = 11;
/// How many times a fault's handler must run before it ends the process: the first times it
/// returns, and the faulting instruction runs again.
const FAULTS_BEFORE_EXIT: usize = 3;
/// The address the fault is expected at, and how many times the handler has run.
static EXPECTED: AtomicUsize = AtomicUsize::new(0);
static FAULTS: AtomicUsize = AtomicUsize::new(0);

/// Returns until the fault has come FAULTS_BEFORE_EXIT times, then ends the process with what
/// it was told in the exit status: si_code times 2, plus 1 if si_addr is the address expected.
/// (Not SIGILL's si_code: Linux says ILL_ILLOPC for an undefined instruction, and
/// qemu-aarch64 7.2, the oracle, ILL_ILLOPN.)
extern "C" fn on_fault(signal: i32, info: &SigInfo, _context: usize) {
    if FAULTS.fetch_add(1, Ordering::SeqCst) + 1 < FAULTS_BEFORE_EXIT {
        return;
    }
    let right_place = info.address() == EXPECTED.load(Ordering::SeqCst);
    let code = if signal as u32 == SIGILL { 0 } else { info.code };
    sys::exit(code * 2 + right_place as i32)
}

/// The faulting instructions, each with the address it faults at.
fn read_unmapped() {
    EXPECTED.store(0x10, Ordering::SeqCst);
    // SAFETY: the load faults (nothing is mapped at 0x10), and the handler ends the process.
    unsafe { asm!("ldr {value}, [{at}]", value = out(reg) _, at = in(reg) 0x10usize, options(nostack)) };
}

fn write_code() {
    let code = on_fault as *const () as usize;
    EXPECTED.store(code, Ordering::SeqCst);
    // SAFETY: the program's code is mapped read and execute only: the store faults, and the
    // handler ends the process.
    unsafe { asm!("str wzr, [{at}]", at = in(reg) code, options(nostack)) };
}

fn undefined() {
    // SAFETY: the address of the instruction that faults goes to EXPECTED (adr), then the
    // instruction runs, which the handler ends the process on.
    unsafe { asm!("adr {at}, 2f", "str {at}, [{slot}]", "2: udf #0", at = out(reg) _, slot = in(reg) EXPECTED.as_ptr(), options(nostack)) };
}

fn breakpoint() {
    // SAFETY: as `undefined`, with `brk`.
    unsafe { asm!("adr {at}, 2f", "str {at}, [{slot}]", "2: brk #0", at = out(reg) _, slot = in(reg) EXPECTED.as_ptr(), options(nostack)) };
}

/// Runs `cause` in a child with `on_fault` handling `signal` (or no handler, or the signal
/// blocked) and returns how the child ended: ("exit", status) or ("signal", number).
fn fault_in_child(cause: fn(), signal: u32, handled: bool, blocked: bool) -> Option<(&'static str, u32)> {
    let child = match sys::fork() {
        Ok(Fork::Child) => {
            if handled {
                let _ = sys::sigaction(signal, Disposition::WithInfo(on_fault), 0, true);
            }
            if blocked {
                let _ = sys::sigprocmask(sys::SIG_BLOCK, 1 << (signal - 1));
            }
            cause();
            sys::exit(100)
        }
        Ok(Fork::Parent { child }) => child,
        Err(_) => return None,
    };
    let waited = sys::wait4(child as isize, 0).ok().flatten()?;
    match (waited.exit_code(), waited.signal()) {
        (Some(code), _) => Some(("exit", code)),
        (_, Some(signal)) => Some(("signal", signal)),
        _ => None,
    }
}

fn faults() -> bool {
    let cases: [(&str, fn(), u32, Option<(&str, u32)>); 4] = [
        // SEGV_MAPERR (1) at 0x10; SEGV_ACCERR (2) at the code; SIGILL (its code not
        // counted) and TRAP_BRKPT (1) at the instruction.
        ("read of 0x10", read_unmapped, SIGSEGV, Some(("exit", 3))),
        ("write to the code", write_code, SIGSEGV, Some(("exit", 5))),
        ("udf", undefined, SIGILL, Some(("exit", 1))),
        ("brk", breakpoint, SIGTRAP, Some(("exit", 3))),
    ];
    let mut all = true;
    for (name, cause, signal, expected) in cases {
        FAULTS.store(0, Ordering::SeqCst);
        let ended = fault_in_child(cause, signal, true, false);
        println!("faults: {name}: the handler ran {FAULTS_BEFORE_EXIT} times, then {ended:?} (si_code * 2 + 1 if si_addr is right)");
        all &= ended == expected;
    }
    let unhandled = fault_in_child(read_unmapped, SIGSEGV, false, false);
    let blocked = fault_in_child(read_unmapped, SIGSEGV, true, true);
    println!("faults: without a handler: {unhandled:?}; with the signal blocked: {blocked:?}");
    all && unhandled == Some(("signal", SIGSEGV)) && blocked == Some(("signal", SIGSEGV))
}
