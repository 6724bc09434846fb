//! The disk as the kernel holds it: the SD card, behind the buffer cache, its root
//! partition found in the MBR, and ext2 mounted there. It is mounted on first use: at boot,
//! when the tree is built with the card at its root (fs/mod.rs), or by the monitor's `disk`.
//!
//! The Pi has no clock that keeps the date: until the kernel learns it, changes are stamped
//! with the time the filesystem was last written plus the time since boot.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;

use crate::block::cache::{Cache, CacheStats, LINE_BYTES};
use crate::block::mbr::{self, Partition, PartitionEntry};
use crate::block::{BlockDevice, SECTOR};
use crate::errno::Errno;
use crate::ext2::Ext2;
use crate::sd::{SdCard, SdError};
use crate::spinlock::SpinLock;
use crate::{timer, vm};

// ANCHOR: cache_size
/// The cache takes a sixteenth of the free frames, from 16 lines (64 KiB) to 1,024 (4 MiB).
const CACHE_SHARE: usize = 16;
const CACHE_LINES: (usize, usize) = (16, 1024);
// ANCHOR_END: cache_size

pub type RootFs = Ext2<Partition<Cache<SdCard>>>;

pub struct Disk {
    pub fs: RootFs,
    pub partitions: Vec<PartitionEntry>,
    pub high_capacity: bool,
    /// The filesystem's last write time at mount, and the tick then: the clock's starting point.
    epoch: (u32, u64),
}

static DISK: SpinLock<Option<Disk>> = SpinLock::new(None);

/// Runs `work` on the mounted disk, mounting it first if need be. A failure to mount is a
/// one-line message.
pub fn with_disk<R>(work: impl FnOnce(&mut Disk) -> R) -> Result<R, String> {
    let mut slot = DISK.lock();
    if slot.is_none() {
        *slot = Some(mount()?);
    }
    let disk = slot.as_mut().ok_or_else(String::new)?;
    let now = disk.now();
    disk.fs.set_time(now);
    Ok(work(disk))
}

/// Writes back what the cache holds of the disk, if it is mounted (sync(2)).
pub fn sync() -> Result<(), Errno> {
    match DISK.lock().as_mut() {
        Some(disk) => disk.fs.sync(),
        None => Ok(()),
    }
}

/// What the card last failed with, once, if the disk is mounted: the reason behind an EIO.
pub fn card_error() -> Option<SdError> {
    DISK.lock().as_mut().and_then(Disk::card_error)
}

/// Unmounts the disk if it is mounted: the cache written back and the filesystem marked
/// clean, before the machine stops. The next disk command mounts it again.
pub fn unmount() -> Result<(), Errno> {
    match DISK.lock().take() {
        Some(disk) => disk.fs.unmount().map(|_| ()),
        None => Ok(()),
    }
}

/// The date by the disk's clock (`Disk::now`), or without a disk the seconds since boot:
/// what tmpfs and devfs stamp their files with. It never mounts the disk.
pub fn clock() -> u64 {
    match DISK.lock().as_ref() {
        Some(disk) => u64::from(disk.now()),
        None => timer::ticks() / timer::HZ,
    }
}

// ANCHOR: disk_mount
fn mount() -> Result<Disk, String> {
    let card = SdCard::init().map_err(|error| alloc::format!("SD card: {error}"))?;
    let high_capacity = card.high_capacity;
    let free = vm::frame_counts().0;
    let lines = (free / CACHE_SHARE).clamp(CACHE_LINES.0, CACHE_LINES.1);
    let mut cache = Cache::new(card, lines);
    let mut sector = [0; SECTOR];
    if cache.read(0, &mut sector).is_err() {
        let why = cache.device.last_error.take().map(|error| alloc::format!(": {error}")).unwrap_or_default();
        return Err(alloc::format!("SD card: cannot read sector 0{why}"));
    }
    let partitions = mbr::parse(&sector, cache.sectors()).map_err(|error| alloc::format!("SD card: {error}"))?;
    let Some(&root) = partitions.iter().find(|entry| entry.kind == mbr::TYPE_LINUX) else {
        return Err(String::from("SD card: no Linux partition for the root filesystem"));
    };
    let device = Partition { device: cache, entry: root };
    let fs = Ext2::mount(device, false, 0).map_err(|error| alloc::format!("partition {}: {error}", root.number))?;
    let epoch = (fs.last_write_time(), timer::ticks());
    Ok(Disk { fs, partitions, high_capacity, epoch })
}
// ANCHOR_END: disk_mount

impl Disk {
    /// The filesystem's clock: its last write time at mount, plus the seconds since.
    pub fn now(&self) -> u32 {
        let seconds = (timer::ticks() - self.epoch.1) / timer::HZ;
        self.epoch.0.saturating_add(seconds as u32)
    }

    pub fn cache(&self) -> &Cache<SdCard> {
        &self.fs.device().device
    }

    /// What the card last failed with, once: the reason behind an EIO.
    pub fn card_error(&mut self) -> Option<SdError> {
        self.fs.device_mut().device.device.last_error.take()
    }

    pub fn cache_stats(&self) -> (CacheStats, usize, usize) {
        let cache = self.cache();
        (cache.stats, cache.cached(), cache.capacity() * LINE_BYTES / 1024)
    }
}

/// A size in the largest unit that keeps it whole-ish: "64 MiB", "33 MiB", "512 KiB".
pub fn human_size(bytes: u64) -> String {
    let mut text = String::new();
    let _ = match bytes {
        b if b >= 1 << 20 => write!(text, "{} MiB", b >> 20),
        b => write!(text, "{} KiB", b >> 10),
    };
    text
}
