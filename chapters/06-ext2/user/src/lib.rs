//! ulib: the little library every Bramble program links with. It speaks Linux's AArch64
//! system-call ABI, nothing Bramble-specific, so the same static program runs on Bramble
//! and under Linux (or `qemu-aarch64` on any Linux): the tests compare the two.
//!
//! - `start`: the entry point, which reads the initial stack the kernel built (argc, argv,
//!   envp, auxv) and calls the program's `main`; the panic handler.
//! - `sys`: typed wrappers of the system calls, each returning `Result<_, Errno>`.
//! - `io`: `print!` and `println!` on standard output, `eprintln!` on standard error.
//! - `heap`: a bump allocator on `brk`, so programs may use `alloc`'s `Vec` and `String`.
//! - `dirent` (pure): the records getdents64 fills a buffer with.
//!
//! The modules marked "pure" compute only and are tested on the host with `cargo test`;
//! the others exist only in the programs' own target (`target_os = "none"`).

#![cfg_attr(not(test), no_std)]

extern crate alloc;

pub mod dirent;
pub mod errno;
pub mod heap;
pub mod stack;

#[cfg(target_os = "none")]
pub mod io;
#[cfg(target_os = "none")]
pub mod start;
#[cfg(target_os = "none")]
pub mod sys;

pub use errno::Errno;
#[cfg(target_os = "none")]
pub use start::{args, env};

/// Names the function a program's `_start` calls: `ulib::main!(run)` for `fn run() -> i32`,
/// whose result is the exit status.
#[macro_export]
macro_rules! main {
    ($run:path) => {
        #[unsafe(no_mangle)]
        extern "C" fn bramble_main() -> i32 {
            $run()
        }
    };
}
