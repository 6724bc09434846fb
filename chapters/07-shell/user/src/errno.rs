//! Linux's error numbers (pure): a system call that fails returns `-errno` in x0.

use core::fmt;

// ANCHOR: errno
/// An error number, as Linux's `errno.h` numbers them (asm-generic, which AArch64 uses).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Errno(pub i32);

impl Errno {
    pub const EPERM: Errno = Errno(1);
    pub const ENOENT: Errno = Errno(2);
    pub const ESRCH: Errno = Errno(3);
    pub const EINTR: Errno = Errno(4);
    pub const EIO: Errno = Errno(5);
    pub const ENXIO: Errno = Errno(6);
    pub const E2BIG: Errno = Errno(7);
    pub const ENOEXEC: Errno = Errno(8);
    pub const EBADF: Errno = Errno(9);
    pub const ECHILD: Errno = Errno(10);
    pub const EAGAIN: Errno = Errno(11);
    pub const ENOMEM: Errno = Errno(12);
    pub const EACCES: Errno = Errno(13);
    pub const EFAULT: Errno = Errno(14);
    pub const EBUSY: Errno = Errno(16);
    pub const EEXIST: Errno = Errno(17);
    pub const EXDEV: Errno = Errno(18);
    pub const ENODEV: Errno = Errno(19);
    pub const ENOTDIR: Errno = Errno(20);
    pub const EISDIR: Errno = Errno(21);
    pub const EINVAL: Errno = Errno(22);
    pub const ENFILE: Errno = Errno(23);
    pub const EMFILE: Errno = Errno(24);
    pub const ENOTTY: Errno = Errno(25);
    pub const ETXTBSY: Errno = Errno(26);
    pub const EFBIG: Errno = Errno(27);
    pub const ENOSPC: Errno = Errno(28);
    pub const ESPIPE: Errno = Errno(29);
    pub const EROFS: Errno = Errno(30);
    pub const EMLINK: Errno = Errno(31);
    pub const EPIPE: Errno = Errno(32);
    pub const ERANGE: Errno = Errno(34);
    pub const ENAMETOOLONG: Errno = Errno(36);
    pub const ENOSYS: Errno = Errno(38);
    pub const ENOTEMPTY: Errno = Errno(39);
    pub const ELOOP: Errno = Errno(40);

    /// The symbolic name, as `strerror`'s man page lists it.
    pub fn name(self) -> &'static str {
        describe(self.0).map_or("E?", |(name, _)| name)
    }

    /// What the error means, in the words of the GNU C library's `strerror` (so that our
    /// programs' messages read exactly as GNU's do).
    pub fn message(self) -> &'static str {
        describe(self.0).map_or("Unknown error", |(_, message)| message)
    }

    /// A system call's raw result: values from -4095 to -1 are `-errno`, anything else
    /// succeeded (an address returned by mmap may be "negative" as a signed number).
    pub fn check(raw: isize) -> Result<usize, Errno> {
        if (-4095..0).contains(&raw) {
            Err(Errno(-raw as i32))
        } else {
            Ok(raw as usize)
        }
    }
}
// ANCHOR_END: errno

/// Every error number ulib names: (number, name, message).
const TABLE: &[(i32, &str, &str)] = &[
    (1, "EPERM", "Operation not permitted"),
    (2, "ENOENT", "No such file or directory"),
    (3, "ESRCH", "No such process"),
    (4, "EINTR", "Interrupted system call"),
    (5, "EIO", "Input/output error"),
    (6, "ENXIO", "No such device or address"),
    (7, "E2BIG", "Argument list too long"),
    (8, "ENOEXEC", "Exec format error"),
    (9, "EBADF", "Bad file descriptor"),
    (10, "ECHILD", "No child processes"),
    (11, "EAGAIN", "Resource temporarily unavailable"),
    (12, "ENOMEM", "Cannot allocate memory"),
    (13, "EACCES", "Permission denied"),
    (14, "EFAULT", "Bad address"),
    (16, "EBUSY", "Device or resource busy"),
    (17, "EEXIST", "File exists"),
    (18, "EXDEV", "Invalid cross-device link"),
    (19, "ENODEV", "No such device"),
    (20, "ENOTDIR", "Not a directory"),
    (21, "EISDIR", "Is a directory"),
    (22, "EINVAL", "Invalid argument"),
    (23, "ENFILE", "Too many open files in system"),
    (24, "EMFILE", "Too many open files"),
    (25, "ENOTTY", "Inappropriate ioctl for device"),
    (26, "ETXTBSY", "Text file busy"),
    (27, "EFBIG", "File too large"),
    (28, "ENOSPC", "No space left on device"),
    (29, "ESPIPE", "Illegal seek"),
    (30, "EROFS", "Read-only file system"),
    (31, "EMLINK", "Too many links"),
    (32, "EPIPE", "Broken pipe"),
    (34, "ERANGE", "Numerical result out of range"),
    (36, "ENAMETOOLONG", "File name too long"),
    (38, "ENOSYS", "Function not implemented"),
    (39, "ENOTEMPTY", "Directory not empty"),
    (40, "ELOOP", "Too many levels of symbolic links"),
];

fn describe(number: i32) -> Option<(&'static str, &'static str)> {
    TABLE.iter().find(|entry| entry.0 == number).map(|entry| (entry.1, entry.2))
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{} ({})", self.name(), self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_negative_results_are_errors() {
        assert_eq!(Errno::check(-14), Err(Errno::EFAULT));
        assert_eq!(Errno::check(5), Ok(5));
        assert_eq!(Errno::check(-4096), Ok(-4096isize as usize), "an address, not an error");
        assert_eq!(Errno::EFAULT.to_string(), "EFAULT (14)");
    }

    #[test]
    fn errors_have_names_and_the_c_librarys_messages() {
        assert_eq!(Errno::ENOENT.message(), "No such file or directory");
        assert_eq!(Errno::ENOTEMPTY.name(), "ENOTEMPTY");
        assert_eq!(Errno(999).name(), "E?");
        assert_eq!(Errno(999).message(), "Unknown error");
        for (number, _, _) in TABLE {
            assert_eq!(TABLE.iter().filter(|entry| entry.0 == *number).count(), 1, "{number} listed twice");
        }
    }
}
