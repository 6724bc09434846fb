//! Semihosting: asking the program that hosts the machine (QEMU with -semihosting, or a
//! debugger) to do something for us. Chapter 01 uses one request: stop, with a status.

use core::arch::asm;

/// The SYS_EXIT request number.
const SYS_EXIT: u64 = 0x18;
/// SYS_EXIT's reason "the application finished"; the host then uses our exit status.
const ADP_STOPPED_APPLICATION_EXIT: u64 = 0x20026;

// ANCHOR: semihosting_exit
/// Asks the semihosting host to end the run with `status`. Returns only if a host chose
/// to let the program go on.
pub fn exit(status: u32) {
    // On AArch64, SYS_EXIT takes a pointer to two words: the reason and the status.
    let block: [u64; 2] = [ADP_STOPPED_APPLICATION_EXIT, status as u64];
    // SAFETY: `hlt #0xf000` is the semihosting call. A host reads `block` (which lives
    // until after the call) and stops the machine. Without a host, HLT is an undefined
    // instruction and the exception goes to VBAR_EL1, which boot.s set to a table that
    // parks the core.
    unsafe {
        asm!(
            "hlt #0xf000",
            inout("x0") SYS_EXIT => _,
            in("x1") block.as_ptr(),
            options(nostack)
        )
    };
}
// ANCHOR_END: semihosting_exit
