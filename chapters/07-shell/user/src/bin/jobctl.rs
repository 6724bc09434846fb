//! jobctl: sessions, process groups and the controlling terminal, as a shell uses them. Run
//! by the monitor it leads a session of its own; it makes the console that session's
//! terminal (TIOCSCTTY, as init does for the shell), starts a child in a group of its own,
//! which is stopped by SIGTTIN when it reads the terminal from the background, and once it
//! is in the foreground (TIOCSPGRP) and continued, a ^C typed on the terminal ends it with
//! SIGINT. Type ^C after the command (`run /bin/jobctl`, then ^C).
#![no_std]
#![no_main]

use ulib::signal::{self, SIGCONT, SIGINT};
use ulib::sys::{self, Disposition, Fork};
use ulib::{Errno, println};

ulib::main!(run);

fn name(signal: Option<u32>) -> &'static str {
    signal.and_then(signal::name).unwrap_or("nothing")
}

fn run() -> i32 {
    let me = sys::getpid();
    println!("jobctl leads its session and its group: {}", sys::getsid(0) == Ok(me) && sys::getpgid(0) == Ok(me));
    println!("its foreground group before TIOCSCTTY: {:?}", sys::tcgetpgrp(0).map_err(Errno::name));
    println!("a second setsid: {:?}", sys::setsid().map_err(Errno::name));
    // ^C is for the reader: this process is in the background when it comes.
    let _ = sys::sigaction(SIGINT, Disposition::Ignore, 0, false);
    if let Err(errno) = sys::set_controlling_terminal(0) {
        println!("jobctl: TIOCSCTTY: {errno}");
        return 1;
    }
    println!("after TIOCSCTTY the foreground group is its own: {}", sys::tcgetpgrp(0) == Ok(me));
    let child = match sys::fork() {
        Ok(Fork::Child) => {
            // The reader: in a group of its own, which begins in the background.
            let _ = sys::setpgid(0, 0);
            let _ = sys::sigaction(SIGINT, Disposition::Default, 0, false);
            let mut buffer = [0u8; 16];
            let read = sys::read(0, &mut buffer);
            println!("the reader read {read:?}, which it should not have");
            sys::exit(0)
        }
        Ok(Fork::Parent { child }) => child,
        Err(errno) => {
            println!("jobctl: fork: {errno}");
            return 1;
        }
    };
    // Both sides set the group, so that it is set whichever runs first.
    let _ = sys::setpgid(child, child);
    println!("the reader's group is its own: {}", sys::getpgid(child) == Ok(child));
    let stopped = sys::wait4(child as isize, sys::WUNTRACED).ok().flatten().and_then(|waited| waited.stopped_by());
    println!("reading from the background, the reader was stopped by {}", name(stopped));
    let _ = sys::tcsetpgrp(0, child);
    println!("TIOCSPGRP: the reader's group is in the foreground: {}", sys::tcgetpgrp(0) == Ok(child));
    let _ = sys::kill(-(child as isize), SIGCONT);
    let ended = sys::wait4(child as isize, 0).ok().flatten().and_then(|waited| waited.signal());
    println!("in the foreground, ^C ended the reader with {}", name(ended));
    // From the background, taking the terminal back is a SIGTTOU (EIO here: a session leader's
    // group, its parent in another session, is orphaned), unless SIGTTOU is blocked, as a
    // shell blocks it for this.
    let unblocked = sys::sigprocmask(sys::SIG_BLOCK, 1 << (signal::SIGTTOU - 1));
    let _ = sys::tcsetpgrp(0, me);
    if let Ok(old) = unblocked {
        let _ = sys::sigprocmask(sys::SIG_SETMASK, old);
    }
    println!("the terminal is back with jobctl's group: {}", sys::tcgetpgrp(0) == Ok(me));
    println!("setpgid into a group of another session: {:?}", sys::setpgid(0, 1).map_err(Errno::name));
    0
}
