//! The first process. Once the files are mounted, the kernel starts `/sbin/init` as pid 1,
//! with descriptors 0, 1 and 2 open on `/dev/console`, as Linux does; init starts the shell
//! (user/src/bin/init.rs). Init is the parent of every orphan, and no signal it has no
//! handler for reaches it (process.rs).
//!
//! The monitor stays, as the kernel's rescue console: on a root without `/sbin/init` (the
//! initramfs, or a card made without it for the tests that type monitor commands), or when
//! init cannot be started, the kernel says why in one line and runs the monitor; when init
//! ends (Linux panics: "Attempted to kill init!"), the kernel says how and runs the monitor
//! too. Either way the machine stays usable and the reason is on the console.

use crate::commands::{self, Ending};
use crate::errno::Errno;
use crate::{println, process};

/// Where init is, as on Linux.
const INIT: &str = "/sbin/init";

// ANCHOR: start_init
/// Starts init and waits for it, as the monitor's `run` waits for a program. Returns when
/// there is no init to run or it has ended; the monitor runs next.
pub fn run() {
    let pid = match commands::start(INIT, &[b"init"], process::spawn_init) {
        Ok(pid) => pid,
        // No init on this root: a rescue root, quietly; anything else is a broken system.
        Err(Errno::ENOENT) => {
            println!("init: no {INIT} on this root; the kernel monitor runs instead");
            return;
        }
        Err(errno) => {
            println!("init: cannot run {INIT}: {}; the kernel monitor runs instead", errno.name());
            return;
        }
    };
    let ended = process::wait(pid as i64, process::WaitFor::default());
    process::end_foreground();
    match ended {
        Ok(Some((_, status))) => println!("init ended ({}): attempted to kill init; the kernel monitor runs instead", Ending(status)),
        _ => println!("init: lost track of pid {pid}; the kernel monitor runs instead"),
    }
}
// ANCHOR_END: start_init
