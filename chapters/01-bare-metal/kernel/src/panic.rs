//! What happens when Rust code panics: say where, and the calls that led there, then stop
//! the machine with a failure.

use crate::backtrace::Backtrace;
use crate::{exit, layout, print, println};
use core::panic::PanicInfo;

/// The exit status of a panicking kernel: the same number a panicking Rust program
/// returns on an operating system.
const PANIC_EXIT_STATUS: u32 = 101;

// ANCHOR: panic_handler
#[panic_handler]
fn panic(info: &PanicInfo) -> ! {
    match info.location() {
        Some(at) => println!(
            "panic: {} at {}:{}:{}",
            info.message(),
            at.file(),
            at.line(),
            at.column()
        ),
        None => println!("panic: {}", info.message()),
    }
    print!("{}", Backtrace::here(layout::stack_bottom()..layout::stack_top()));
    exit::exit(PANIC_EXIT_STATUS)
}
// ANCHOR_END: panic_handler
