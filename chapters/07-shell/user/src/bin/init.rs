//! init: the first process, which the kernel starts as pid 1 from /sbin/init once the root is
//! mounted (kernel/src/init.rs), with the console as descriptors 0, 1 and 2. It starts the
//! shell on the console, and starts it again when it ends. The shell runs in a session of its
//! own with the console as that session's controlling terminal, so that ^C, ^Z and ^\ reach
//! the job in its foreground; init itself waits for its children and reaps them, and the
//! orphans the kernel gives it. `poweroff` or `reboot` ends the system.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::string::String;
use ulib::sys::{self, Fork};
use ulib::{Errno, eprintln, tool};

ulib::main!(run);

const SHELL: &str = "/bin/sh";
/// The shell's environment: where the programs are, the home directory, the terminal's kind.
const ENVIRONMENT: [&str; 3] = ["PATH=/bin", "HOME=/", "TERM=vt100"];

fn run() -> i32 {
    loop {
        let shell = match sys::fork() {
            Ok(Fork::Child) => start_shell(),
            Ok(Fork::Parent { child }) => child,
            Err(errno) => {
                eprintln!("init: fork: {errno}");
                return 1;
            }
        };
        // Every child that ends is reaped; when the shell is one of them, a new one starts.
        loop {
            match sys::wait4(-1, 0) {
                Ok(Some(waited)) if waited.pid == shell => break,
                Ok(_) | Err(Errno::EINTR) => {}
                Err(errno) => {
                    eprintln!("init: wait4: {errno}");
                    return 1;
                }
            }
        }
    }
}

/// In the child: a new session whose controlling terminal is the console, on descriptors 0,
/// 1 and 2; then the shell.
fn start_shell() -> ! {
    let ready = sys::setsid().and_then(|_| {
        let console = sys::open(b"/dev/console", sys::O_RDWR, 0)?;
        for fd in 0..3 {
            if fd != console {
                sys::dup3(console, fd, 0)?;
            }
        }
        if console > 2 {
            sys::close(console)?;
        }
        sys::set_controlling_terminal(0)
    });
    if let Err(errno) = ready {
        eprintln!("init: the console: {errno}");
        sys::exit(1);
    }
    let environment: alloc::vec::Vec<String> = ENVIRONMENT.iter().map(|&variable| String::from(variable)).collect();
    let errno = tool::exec(&[SHELL], &environment);
    eprintln!("init: {SHELL}: {errno}");
    sys::exit(127)
}
