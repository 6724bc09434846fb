//! What happens when Rust code panics: say where, and the calls that led there, then stop
//! the machine with a failure.

use crate::backtrace::Backtrace;
use crate::{console, exit, process};
use core::panic::PanicInfo;

/// The exit status of a panicking kernel: the same number a panicking Rust program
/// returns on an operating system.
const PANIC_EXIT_STATUS: u32 = 101;

// ANCHOR: panic_handler
#[panic_handler]
fn panic(info: &PanicInfo) -> ! {
    // Unlocked: the panic may have happened while the console's lock was held.
    match info.location() {
        Some(at) => console::print_unlocked(format_args!(
            "panic: {} at {}:{}:{}\n",
            info.message(),
            at.file(),
            at.line(),
            at.column()
        )),
        None => console::print_unlocked(format_args!("panic: {}\n", info.message())),
    }
    console::print_unlocked(format_args!("{}", Backtrace::here(process::kernel_stack())));
    exit::exit(PANIC_EXIT_STATUS)
}
// ANCHOR_END: panic_handler
