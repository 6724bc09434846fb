//! The system calls of the disk: sync, fsync and fdatasync write the buffer cache back to the
//! card; reboot flushes it too, then stops the machine.

use crate::errno::Errno;
use crate::{disk, exit, filecalls};

type Result = core::result::Result<u64, Errno>;

/// sync: everything dirty reaches the card.
pub fn sync() -> Result {
    disk::sync()?;
    Ok(0)
}

/// fsync and fdatasync: the file's data and inode reach the card. The cache does not track
/// which lines belong to which file, so this writes back all of it, as sync does.
pub fn fsync(fd: u64) -> Result {
    filecalls::file(fd)?;
    disk::sync()?;
    Ok(0)
}

// ANCHOR: reboot
/// reboot's magic numbers (linux/reboot.h): the first, and the second's accepted values
/// (dates in hexadecimal), which keep a stray call from stopping the machine.
const MAGIC: u64 = 0xfee1_dead;
const MAGIC2: [u64; 4] = [0x2812_1969, 0x0512_1996, 0x1604_1998, 0x2011_2000];
const POWER_OFF: u64 = 0x4321_fedc;
const RESTART: u64 = 0x0123_4567;

/// reboot: POWER_OFF and RESTART unmount the disk (the cache written back, the filesystem
/// marked clean) and stop the machine with status 0. The emulators cannot restart a
/// machine, so RESTART stops it too: booting again is the host's `npm start --persist`.
pub fn reboot(magic: u64, magic2: u64, command: u64) -> Result {
    if magic != MAGIC || !MAGIC2.contains(&magic2) || (command != POWER_OFF && command != RESTART) {
        return Err(Errno::EINVAL);
    }
    disk::unmount()?;
    exit::exit(0)
}
// ANCHOR_END: reboot
