//! Stopping the machine with an exit status.

use crate::{cpu, semihosting};

// ANCHOR: exit
/// Ends the run with `status` (0 for success). Under QEMU with -semihosting (and under
/// our emulator) the machine stops and `status` becomes the host's exit status; on a
/// real Pi there is nobody to tell, so the core parks.
pub fn exit(status: u32) -> ! {
    semihosting::exit(status);
    cpu::park()
}
// ANCHOR_END: exit
