//! Where a program starts: `_start`, which the kernel (or Linux) jumps to with SP pointing
//! at the initial stack; and where it ends when it panics.

use crate::stack::Layout;
use crate::sys;
use core::sync::atomic::{AtomicUsize, Ordering};

// ANCHOR: start
// The entry point: the ELF header names `_start`. Nothing has set up a frame yet; SP points
// at argc. Pass that to Rust in x0 and never come back.
core::arch::global_asm!(
    ".section .text.start, \"ax\"",
    ".global _start",
    "_start:",
    "    mov x29, #0",
    "    mov x30, #0",
    "    mov x0, sp",
    "    bl start_rust",
    "    brk #0",
);

unsafe extern "C" {
    /// The program's main, named by `ulib::main!`.
    fn bramble_main() -> i32;
}

/// The initial stack's address, for `args` and `env`.
static STACK: AtomicUsize = AtomicUsize::new(0);

#[unsafe(no_mangle)]
extern "C" fn start_rust(stack: usize) -> ! {
    STACK.store(stack, Ordering::Relaxed);
    // SAFETY: `bramble_main` is the program's main, an ordinary Rust function.
    let status = unsafe { bramble_main() };
    sys::exit(status)
}
// ANCHOR_END: start

/// The initial stack's words from SP up to the end of the auxiliary vector's first pairs:
/// enough to find argv and envp.
fn initial_stack() -> (&'static [usize], Layout) {
    let stack = STACK.load(Ordering::Relaxed) as *const usize;
    // SAFETY: the kernel built argc, argv and envp (each ended by NULL) at `stack`; read
    // the count first, then exactly the words the layout says are there.
    let argc = unsafe { stack.read() };
    let mut len = argc + 2;
    // SAFETY: as above: envp's words run up to and including its NULL.
    while unsafe { stack.add(len).read() } != 0 {
        len += 1;
    }
    // SAFETY: `len + 1` words from SP are argc, argv, NULL, envp and NULL.
    let words = unsafe { core::slice::from_raw_parts(stack, len + 1) };
    (words, Layout::parse(words).expect("the kernel built the initial stack as Linux does"))
}

/// A NUL-terminated string the kernel placed on the initial stack, as text. (The bytes are
/// counted here rather than by `CStr::from_ptr`, which calls C's `strlen`: a program without a
/// C library has one only where the compiler's own helper library brings it.)
fn c_string(address: usize) -> &'static str {
    let start = address as *const u8;
    let mut len = 0;
    // SAFETY: argv and envp strings are NUL-terminated and stay for the program's life, so
    // every byte up to and including the NUL is readable.
    while unsafe { start.add(len).read() } != 0 {
        len += 1;
    }
    // SAFETY: the `len` bytes before the NUL, as above.
    let bytes = unsafe { core::slice::from_raw_parts(start, len) };
    core::str::from_utf8(bytes).unwrap_or("(not UTF-8)")
}

/// The program's arguments, argv[0] first.
pub fn args() -> impl Iterator<Item = &'static str> {
    let (words, layout) = initial_stack();
    words[layout.argv..layout.argv + layout.argc].iter().map(|&address| c_string(address))
}

/// The environment, "NAME=value" each.
pub fn env() -> impl Iterator<Item = &'static str> {
    let (words, layout) = initial_stack();
    words[layout.envp..layout.envp + layout.envc].iter().map(|&address| c_string(address))
}

// ANCHOR: panic
/// A panicking program says why on standard error and exits with 101, as a Rust program
/// on Linux does.
#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    crate::eprintln!("panic: {}", info.message());
    sys::exit(101)
}
// ANCHOR_END: panic
