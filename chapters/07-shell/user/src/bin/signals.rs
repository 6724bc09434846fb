//! signals [TEST]...: what Linux does with signals, tried one behaviour at a time (all of them
//! without arguments). Each test prints what it saw; the facts are Linux's, so Bramble's kernel
//! must print the same. The exit status is 0 when every fact is the one POSIX asks for.
//!
//! - handler: a handler runs and returns, and the code it interrupted goes on with its values;
//! - info: an SA_SIGINFO handler is told the signal, who sent it and how;
//! - mask: a blocked signal stays pending, and arrives when unblocked;
//! - chld: a parent hears SIGCHLD when its child ends;
//! - pipe: writing to a pipe nobody reads kills with SIGPIPE, or fails with EPIPE if ignored;
//! - eintr: a slow call a handler interrupts fails with EINTR, or restarts with SA_RESTART;
//! - stop: wait4 reports a child stopped (WUNTRACED) and continued (WCONTINUED), and SIGKILL
//!   ends a stopped child.
#![no_std]
#![no_main]

extern crate alloc;

use core::sync::atomic::{AtomicI32, AtomicUsize, Ordering};
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

const TESTS: [(&str, fn() -> bool); 7] = [("handler", handler), ("info", info), ("mask", mask), ("chld", chld), ("pipe", pipe), ("eintr", eintr), ("stop", stop)];

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
