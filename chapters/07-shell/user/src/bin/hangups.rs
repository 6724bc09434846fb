//! hangups [TEST]...: what Linux does to process groups that lose their shell, and to
//! background groups that touch the terminal (all the tests without arguments):
//!
//! - orphan: a group left with a stopped member when the process that linked it to its
//!   session exits (it is orphaned: nobody could continue it) gets SIGHUP, then SIGCONT;
//! - ttou: on a controlling terminal, a background process that sets the foreground group
//!   is stopped by SIGTTOU, and so is one that writes when TOSTOP is set; one that ignores
//!   SIGTTOU changes the terminal's settings;
//! - eio: on a controlling terminal, a process of an orphaned background group that reads
//!   it gets EIO, rather than a stop nobody could undo;
//! - hup (only when named: it kills the shell that runs it): when the session leader (the
//!   shell) ends, the terminal's foreground group, this program's, gets SIGHUP.
//!
//! `ttou`, `eio` and `hup` need the terminal to be the session's (run them from the shell);
//! each test prints what it saw, and the exit status is 0 when every fact is POSIX's.
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicUsize, Ordering};
use ulib::signal::{SIGCONT, SIGHUP, SIGKILL, SIGSTOP, SIGTTOU};
use ulib::sys::{self, Disposition, Fork};
use ulib::{Errno, println, tool};

ulib::main!(run);

const TESTS: [(&str, fn() -> bool); 4] = [("orphan", orphan), ("ttou", ttou), ("eio", eio), ("hup", hup)];
/// The tests that run only when named.
const ONLY_WHEN_NAMED: [&str; 1] = ["hup"];

fn run() -> i32 {
    let args = tool::arguments();
    let mut all = true;
    for (name, test) in TESTS {
        if (args.is_empty() && !ONLY_WHEN_NAMED.contains(&name)) || args.contains(&name) {
            let passed = test();
            println!("{name}: {}", if passed { "as POSIX says" } else { "NOT as POSIX says" });
            all &= passed;
        }
    }
    if all { 0 } else { 1 }
}

/// The signals a process received, one bit each.
static RECEIVED: AtomicUsize = AtomicUsize::new(0);

extern "C" fn note(signal: i32) {
    RECEIVED.fetch_or(1 << signal, Ordering::SeqCst);
}

/// Forks a process that moves to a group of its own and forks a member of that group, which
/// runs `member` with the write end of a pipe; the process then exits, leaving its group
/// orphaned. Returns the byte the member wrote (once it has), or None.
fn orphaned_group(member: fn(usize) -> u8) -> Option<u8> {
    let (read_end, write_end) = sys::pipe2(0).ok()?;
    let linker = match sys::fork() {
        Ok(Fork::Child) => {
            let _ = sys::setpgid(0, 0);
            if let Ok(Fork::Child) = sys::fork() {
                let _ = sys::close(read_end);
                let byte = member(write_end);
                let _ = sys::write(write_end, &[byte]);
                sys::exit(0);
            }
            let _ = sys::close(write_end);
            // Let the member get where it is going (a stop, a read) before the group is orphaned.
            let _ = sys::nanosleep(&sys::Timespec { seconds: 0, nanoseconds: 200_000_000 });
            sys::exit(0)
        }
        Ok(Fork::Parent { child }) => child,
        Err(_) => return None,
    };
    let _ = sys::close(write_end);
    let _ = sys::wait4(linker as isize, 0);
    let mut byte = [0u8];
    let got = sys::read(read_end, &mut byte);
    let _ = sys::close(read_end);
    (got == Ok(1)).then_some(byte[0])
}

fn orphan() -> bool {
    let seen = orphaned_group(|_| {
        let _ = sys::sigaction(SIGHUP, Disposition::Handler(note), 0, true);
        let _ = sys::sigaction(SIGCONT, Disposition::Handler(note), 0, true);
        let _ = sys::kill(sys::getpid() as isize, SIGSTOP);
        // Continued: by the SIGCONT that follows the SIGHUP.
        let received = RECEIVED.load(Ordering::SeqCst);
        (received & (1 << SIGHUP) != 0) as u8 | ((received & (1 << SIGCONT) != 0) as u8) << 1
    });
    println!("orphan: the stopped member of the orphaned group got SIGHUP: {}, SIGCONT: {}", seen.is_some_and(|seen| seen & 1 != 0), seen.is_some_and(|seen| seen & 2 != 0));
    seen == Some(3)
}

/// Runs `work` in a background child (a group of its own, not the terminal's foreground) and
/// returns the signal that stopped it, if one did; the child is killed afterwards.
fn stopped_in_background(work: fn()) -> Option<u32> {
    let child = match sys::fork() {
        Ok(Fork::Child) => {
            let _ = sys::setpgid(0, 0);
            work();
            sys::exit(0)
        }
        Ok(Fork::Parent { child }) => child,
        Err(_) => return None,
    };
    let _ = sys::setpgid(child, child);
    let stopped = sys::wait4(child as isize, sys::WUNTRACED).ok().flatten().and_then(|waited| waited.stopped_by());
    let _ = sys::kill(child as isize, SIGKILL);
    let _ = sys::wait4(child as isize, 0);
    stopped
}

fn ttou() -> bool {
    let stopped = stopped_in_background(|| {
        let _ = sys::tcsetpgrp(0, sys::getpid());
    });
    // TOSTOP, set from the foreground (this process), then put back as it was.
    let settings = sys::tcgetattr(0);
    if let Ok(settings) = settings {
        let _ = sys::tcsetattr(0, &sys::Termios { lflag: settings.lflag | sys::TOSTOP, ..settings });
    }
    let stopped_writing = stopped_in_background(|| {
        let _ = sys::write(1, b"written from the background\n");
    });
    if let Ok(settings) = settings {
        let _ = sys::tcsetattr(0, &settings);
    }
    let ignoring = match sys::fork() {
        Ok(Fork::Child) => {
            let _ = sys::setpgid(0, 0);
            let _ = sys::sigaction(SIGTTOU, Disposition::Ignore, 0, true);
            let set = sys::tcgetattr(0).and_then(|termios| sys::tcsetattr(0, &termios));
            sys::exit(if set.is_ok() { 0 } else { 1 })
        }
        Ok(Fork::Parent { child }) => child,
        Err(_) => return false,
    };
    let _ = sys::setpgid(ignoring, ignoring);
    let ended = sys::wait4(ignoring as isize, 0).ok().flatten().and_then(|waited| waited.exit_code());
    println!("ttou: a background tcsetpgrp is stopped by {stopped:?}, a write with TOSTOP set by {stopped_writing:?}; with SIGTTOU ignored, tcsetattr succeeds: {}", ended == Some(0));
    stopped == Some(SIGTTOU) && stopped_writing == Some(SIGTTOU) && ended == Some(0)
}

fn eio() -> bool {
    let seen = orphaned_group(|_| {
        // Wait until the group is orphaned (its linker gone: the parent is someone else).
        let linker = sys::getppid();
        while sys::getppid() == linker {
            let _ = sys::nanosleep(&sys::Timespec { seconds: 0, nanoseconds: 10_000_000 });
        }
        let mut byte = [0u8];
        match sys::read(0, &mut byte) {
            Err(Errno::EIO) => 1,
            _ => 0,
        }
    });
    println!("eio: a read of the terminal from an orphaned background group fails with EIO: {}", seen == Some(1));
    seen == Some(1)
}

fn hup() -> bool {
    let _ = sys::sigaction(SIGHUP, Disposition::Handler(note), 0, true);
    // The shell that started this program leads the session; this program's group is the
    // terminal's foreground while it runs.
    let _ = sys::kill(sys::getppid() as isize, SIGKILL);
    for _ in 0..50 {
        if RECEIVED.load(Ordering::SeqCst) & (1 << SIGHUP) != 0 {
            break;
        }
        let _ = sys::nanosleep(&sys::Timespec { seconds: 0, nanoseconds: 100_000_000 });
    }
    let hung_up = RECEIVED.load(Ordering::SeqCst) & (1 << SIGHUP) != 0;
    println!("hup: the foreground group got SIGHUP when the session's leader ended: {hung_up}");
    hung_up
}
