//! The initramfs: a cpio archive built into the kernel image, unpacked into tmpfs at
//! boot. The build tool makes it with GNU cpio from the chapter's rootfs/ folder and the
//! built programs (in /bin), and names it to the compiler in BRAMBLE_INITRAMFS (build.rs);
//! `include_bytes!` puts its bytes in the kernel's read-only data. Being part of the image,
//! it boots unchanged on both machines and on a Pi.

use super::cpio::{self, S_IFDIR, S_IFMT, S_IFREG};
use super::vfs::{self, InodeRef, Kind};
use crate::errno::Errno;
use core::fmt;

// ANCHOR: embedded
/// The archive, as the build made it.
pub static ARCHIVE: &[u8] = include_bytes!(env!("BRAMBLE_INITRAMFS"));
// ANCHOR_END: embedded

/// What was unpacked, for the boot message.
pub struct Unpacked {
    pub files: usize,
    pub directories: usize,
    pub bytes: usize,
}

/// Why the archive could not be unpacked.
pub enum Error<'a> {
    Malformed(cpio::Malformed<'a>),
    /// A well-formed entry that cannot be put in the tree: its index and path, and why.
    Entry(usize, &'a [u8], &'static str),
}

// ANCHOR: unpack
/// Creates every directory and file of `archive` under `root`, in the archive's order (cpio
/// lists a directory before what it holds).
pub fn unpack<'a>(archive: &'a [u8], root: &InodeRef) -> Result<Unpacked, Error<'a>> {
    let mut unpacked = Unpacked { files: 0, directories: 0, bytes: 0 };
    for (index, entry) in cpio::entries(archive).enumerate() {
        let entry = entry.map_err(Error::Malformed)?;
        let fail = |why| Error::Entry(index, entry.path, why);
        if entry.path == b"." {
            // The archive's top folder is the root itself: it gives only its permissions.
            root.set_mode(entry.mode).map_err(|_| fail("the root's permissions cannot be set"))?;
            continue;
        }
        let kind = match entry.mode & S_IFMT {
            S_IFREG => Kind::File,
            S_IFDIR => Kind::Directory,
            _ => return Err(fail("it is neither a file nor a directory (the only kinds tmpfs unpacks)")),
        };
        let (parent, name) = vfs::walk_parent(root, entry.path).map_err(|errno| fail(place_error(errno)))?;
        let inode = parent.create(name, kind, entry.mode).map_err(|errno| fail(place_error(errno)))?;
        if kind == Kind::File {
            inode.write_at(0, entry.data).map_err(|_| fail("its data does not fit in memory"))?;
            unpacked.files += 1;
            unpacked.bytes += entry.data.len();
        } else {
            unpacked.directories += 1;
        }
    }
    Ok(unpacked)
}
// ANCHOR_END: unpack

fn place_error(errno: Errno) -> &'static str {
    match errno {
        Errno::EEXIST => "it is in the archive twice",
        Errno::ENOENT | Errno::ENOTDIR => "its folder is not in the archive before it",
        _ => "it cannot be created",
    }
}

impl fmt::Display for Error<'_> {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Error::Malformed(malformed) => write!(f, "{malformed}"),
            Error::Entry(index, path, why) => write!(f, "entry {index} ({}): {why}", core::str::from_utf8(path).unwrap_or("?")),
        }
    }
}

