//! Files. `vfs` is the interface every filesystem implements and the path walk over the
//! mount table; `tmpfs` (the root, filled from the initramfs at boot) and `devfs` (/dev)
//! are this chapter's filesystems; `file` is open files and descriptor tables, `pipe` the
//! pipes. `cpio` and `path` are pure and tested on the host.

pub mod cpio;
pub mod path;

#[cfg(not(test))]
pub mod devfs;
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

// ANCHOR: init
/// Builds the tree: tmpfs as the root, the initramfs unpacked into it, devfs on /dev.
#[cfg(not(test))]
pub fn init() -> Result<initramfs::Unpacked, initramfs::Error<'static>> {
    use alloc::sync::Arc;
    let root = tmpfs::TmpFs::new(0o755);
    let root_dir = vfs::FileSystem::root(&root);
    vfs::mount(Arc::new(root), b"/").expect("the first mount is the root");
    let unpacked = initramfs::unpack(initramfs::ARCHIVE, &root_dir)?;
    // /dev comes from the archive if it has one; a mount point is made otherwise.
    if vfs::walk(&root_dir, b"/dev").is_err() {
        root_dir.create(b"dev", vfs::Kind::Directory, 0o755).expect("the root takes a /dev");
    }
    vfs::mount(Arc::new(devfs::DevFs::new()), b"/dev").expect("/dev is a directory");
    Ok(unpacked)
}
// ANCHOR_END: init
