//! Files. `vfs` is the interface every filesystem implements and the path walk over the
//! mount table; `ext2fs` (the root: the SD card's ext2), `tmpfs` (/tmp, or the rescue root),
//! `devfs` (/dev) and `procfs` (/proc) are the filesystems; `file` is open files and
//! descriptor tables, `pipe` the pipes. `cpio`, `path` and procfs's formats are pure and
//! tested on the host.

pub mod cpio;
pub mod path;
pub mod procfs;

#[cfg(not(test))]
pub mod devfs;
#[cfg(not(test))]
pub mod ext2fs;
#[cfg(not(test))]
pub mod file;
#[cfg(not(test))]
pub mod initramfs;
#[cfg(not(test))]
pub mod pipe;
#[cfg(not(test))]
pub mod tmpfs;
#[cfg(not(test))]
pub mod vfs;

/// Where the root came from.
#[cfg(not(test))]
pub enum Root {
    /// The SD card's ext2, with tmpfs on /tmp.
    Card,
    /// The card could not be mounted (the reason, in one line): the initramfs in tmpfs
    /// instead, chapter 05's root, so that the machine is still usable without a card.
    Rescue(alloc::string::String, initramfs::Unpacked),
}

// ANCHOR: init
/// Builds the tree: the SD card's ext2 as the root, tmpfs on /tmp, devfs on /dev, procfs on
/// /proc; or, when the card cannot be mounted, the initramfs in tmpfs as the root.
#[cfg(not(test))]
pub fn init() -> Result<Root, initramfs::Error<'static>> {
    use alloc::sync::Arc;
    let (root_dir, rescue) = match ext2fs::Ext2Fs::mount() {
        Ok(card) => {
            let root_dir = vfs::FileSystem::root(&card);
            vfs::mount(Arc::new(card), b"/").expect("the first mount is the root");
            (root_dir, None)
        }
        Err(why) => {
            let ram = tmpfs::TmpFs::new(0o755);
            let root_dir = vfs::FileSystem::root(&ram);
            vfs::mount(Arc::new(ram), b"/").expect("the first mount is the root");
            let unpacked = initramfs::unpack(initramfs::ARCHIVE, &root_dir)?;
            (root_dir, Some((why, unpacked)))
        }
    };
    // The mount points come with the card (and the archive); one is made if missing.
    let mount_point = |name: &[u8], mode: u32| {
        if root_dir.lookup(name).is_err() {
            let _ = root_dir.create(name, vfs::Kind::Directory, mode);
        }
    };
    mount_point(b"dev", 0o755);
    vfs::mount(Arc::new(devfs::DevFs::new()), b"/dev").expect("/dev is a directory");
    mount_point(b"proc", 0o555);
    vfs::mount(Arc::new(procfs::ProcFs::new()), b"/proc").expect("/proc is a directory");
    match rescue {
        None => {
            mount_point(b"tmp", 0o1777);
            vfs::mount(Arc::new(tmpfs::TmpFs::new(0o1777)), b"/tmp").expect("/tmp is a directory");
            Ok(Root::Card)
        }
        Some((why, unpacked)) => Ok(Root::Rescue(why, unpacked)),
    }
}
// ANCHOR_END: init
