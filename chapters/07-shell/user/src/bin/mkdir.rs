//! mkdir [-p] DIRECTORY...: makes each directory; with -p, its missing parents too, and an
//! existing directory is no error.
#![no_std]
#![no_main]

use ulib::{Errno, complain, sys, tool};

ulib::main!(run);

fn run() -> i32 {
    let options = match tool::options("p", "", 1) {
        Ok(options) => options,
        Err(status) => return status,
    };
    if options.operands.is_empty() {
        return tool::usage(format_args!("missing operand"), 1);
    }
    let mut status = 0;
    for name in &options.operands {
        let made = if options.has('p') { make_with_parents(name) } else { sys::mkdirat(sys::AT_FDCWD, name.as_bytes(), 0o777).map(|_| ()).map_err(|errno| (*name, errno)) };
        if let Err((failed, errno)) = made {
            complain!("cannot create directory '{failed}': {}", errno.message());
            status = 1;
        }
    }
    status
}

/// Makes every missing directory along `path`, from the top down; on failure, the part
/// that failed and why. A part that exists but is not a directory is reported as "Not a
/// directory" (as GNU's mkdir reports it), unless it is the last.
fn make_with_parents(path: &str) -> Result<(), (&str, Errno)> {
    let trimmed = path.trim_end_matches('/');
    let ends = trimmed.match_indices('/').map(|(at, _)| at).filter(|&at| at > 0);
    for at in ends.chain(core::iter::once(trimmed.len())) {
        let prefix = &trimmed[..at];
        match sys::mkdirat(sys::AT_FDCWD, prefix.as_bytes(), 0o777) {
            Ok(_) => {}
            // Already there: fine if it is a directory.
            Err(Errno::EEXIST) if sys::stat(prefix.as_bytes()).is_ok_and(|stat| stat.is_dir()) => {}
            Err(Errno::EEXIST) if at < trimmed.len() => return Err((prefix, Errno::ENOTDIR)),
            Err(errno) => return Err((prefix, errno)),
        }
    }
    Ok(())
}
