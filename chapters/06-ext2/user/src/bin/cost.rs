//! cost WHAT N: does one thing N times, for `npm run bench`, which counts the instructions
//! our emulator retires for different N: the difference, divided, is the cost of one.
//! WHAT is getpid (a null system call), fork (fork, exit and wait4), exec (fork, then
//! execve of /bin/hello in the child, and wait4), read (a 4 KiB read of a tmpfs file),
//! open (open and close of a file) or pipe (a byte to a child and back through two pipes).
#![no_std]
#![no_main]

use ulib::sys::{self, Fork};
use ulib::{eprintln, println};

ulib::main!(run);

fn run() -> i32 {
    let mut args = ulib::args().skip(1);
    let what = args.next().unwrap_or("");
    let times: u32 = args.next().and_then(|arg| arg.parse().ok()).unwrap_or(0);
    // Set-up that every N pays once, so that it cancels out of the difference.
    let file = match what {
        "read" => match setup_file() {
            Ok(fd) => fd,
            Err(errno) => {
                eprintln!("cost: a 4 KiB file in /tmp: {errno}");
                return 1;
            }
        },
        _ => 0,
    };
    let echo = match what {
        "pipe" => match start_echo() {
            Ok(pipes) => Some(pipes),
            Err(errno) => {
                eprintln!("cost: pipes: {errno}");
                return 1;
            }
        },
        _ => None,
    };
    let mut buffer = [0u8; 4096];
    for _ in 0..times {
        match what {
            "getpid" => {
                sys::getpid();
            }
            "read" => {
                let _ = sys::pread(file, &mut buffer, 0);
            }
            "open" => {
                if let Ok(fd) = sys::open("/etc/motd", sys::O_RDONLY, 0) {
                    let _ = sys::close(fd);
                }
            }
            "pipe" => {
                let (to_child, from_child) = echo.expect("set up above");
                let _ = sys::write(to_child, b"x");
                let _ = sys::read(from_child, &mut buffer[..1]);
            }
            "fork" | "exec" => match sys::fork() {
                Ok(Fork::Child) if what == "exec" => {
                    let argv = [b"/bin/hello\0".as_ptr(), core::ptr::null()];
                    let errno = sys::execve(b"/bin/hello\0", &argv, &[core::ptr::null()]);
                    eprintln!("cost: execve: {errno}");
                    sys::exit(1)
                }
                Ok(Fork::Child) => sys::exit(0),
                Ok(Fork::Parent { .. }) => {
                    let _ = sys::wait4(-1, 0);
                }
                Err(errno) => {
                    eprintln!("cost: fork: {errno}");
                    return 1;
                }
            },
            _ => {
                eprintln!("usage: cost getpid|fork|exec|read|open|pipe N");
                return 2;
            }
        }
    }
    if let Some((to_child, from_child)) = echo {
        // The child sees end of file and exits.
        let _ = sys::close(to_child);
        let _ = sys::close(from_child);
        let _ = sys::wait4(-1, 0);
    }
    if what == "read" {
        let _ = sys::close(file);
        let _ = sys::unlink("/tmp/cost");
    }
    println!("cost: {what} {times} times");
    0
}

/// /tmp/cost, 4 KiB, open for reading.
fn setup_file() -> Result<usize, ulib::Errno> {
    let fd = sys::open("/tmp/cost", sys::O_RDWR | sys::O_CREAT | sys::O_TRUNC, 0o644)?;
    sys::write(fd, &[b'x'; 4096])?;
    Ok(fd)
}

/// A child that sends back every byte it reads: (the pipe to it, the pipe from it).
fn start_echo() -> Result<(usize, usize), ulib::Errno> {
    let (down_read, down_write) = sys::pipe2(0)?;
    let (up_read, up_write) = sys::pipe2(0)?;
    match sys::fork()? {
        Fork::Child => {
            let _ = sys::close(down_write);
            let _ = sys::close(up_read);
            let mut byte = [0u8; 1];
            while let Ok(1) = sys::read(down_read, &mut byte) {
                let _ = sys::write(up_write, &byte);
            }
            sys::exit(0)
        }
        Fork::Parent { .. } => {
            let _ = sys::close(down_read);
            let _ = sys::close(up_write);
            Ok((down_write, up_read))
        }
    }
}
