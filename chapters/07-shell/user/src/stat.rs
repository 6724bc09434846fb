//! Linux's `struct stat` for AArch64 and what programs print from it (pure).

// ANCHOR: stat
/// `struct stat` as AArch64 Linux fills it (the asm-generic layout, 128 bytes), for
/// `fstat` and `newfstatat`.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct Stat {
    pub dev: u64,
    pub ino: u64,
    /// The file's type (the `S_IFMT` bits) and permissions.
    pub mode: u32,
    pub nlink: u32,
    pub uid: u32,
    pub gid: u32,
    /// The device a device file stands for.
    pub rdev: u64,
    pub pad1: u64,
    pub size: i64,
    pub blksize: i32,
    pub pad2: i32,
    /// 512-byte blocks allocated.
    pub blocks: i64,
    pub atime: i64,
    pub atime_nsec: u64,
    pub mtime: i64,
    pub mtime_nsec: u64,
    pub ctime: i64,
    pub ctime_nsec: u64,
    pub unused: [u32; 2],
}
// ANCHOR_END: stat

const _: () = assert!(core::mem::size_of::<Stat>() == 128);

pub const S_IFMT: u32 = 0o170000;
pub const S_IFSOCK: u32 = 0o140000;
pub const S_IFLNK: u32 = 0o120000;
pub const S_IFREG: u32 = 0o100000;
pub const S_IFBLK: u32 = 0o060000;
pub const S_IFDIR: u32 = 0o040000;
pub const S_IFCHR: u32 = 0o020000;
pub const S_IFIFO: u32 = 0o010000;

impl Stat {
    pub fn is_dir(&self) -> bool {
        self.mode & S_IFMT == S_IFDIR
    }
    pub fn is_symlink(&self) -> bool {
        self.mode & S_IFMT == S_IFLNK
    }
    pub fn is_regular(&self) -> bool {
        self.mode & S_IFMT == S_IFREG
    }
}

/// The ten characters `ls -l` prints for a mode: the type, then rwx three times, with the
/// set-user-id, set-group-id and sticky bits shown in the execute places.
pub fn mode_string(mode: u32) -> [u8; 10] {
    let kind = match mode & S_IFMT {
        S_IFDIR => b'd',
        S_IFLNK => b'l',
        S_IFCHR => b'c',
        S_IFBLK => b'b',
        S_IFIFO => b'p',
        S_IFSOCK => b's',
        _ => b'-',
    };
    let mut text = [kind, b'-', b'-', b'-', b'-', b'-', b'-', b'-', b'-', b'-'];
    for (place, letter) in [b'r', b'w', b'x'].iter().cycle().take(9).enumerate() {
        if mode & (0o400 >> place) != 0 {
            text[1 + place] = *letter;
        }
    }
    // Each special bit turns its execute place into s/t, or S/T when execute is off.
    for (bit, place, letter) in [(0o4000, 3, b's'), (0o2000, 6, b's'), (0o1000, 9, b't')] {
        if mode & bit != 0 {
            text[place] = if text[place] == b'x' { letter } else { letter.to_ascii_uppercase() };
        }
    }
    text
}

/// What `stat` calls a file of this mode and size.
pub fn type_name(mode: u32, size: i64) -> &'static str {
    match mode & S_IFMT {
        S_IFREG if size == 0 => "regular empty file",
        S_IFREG => "regular file",
        S_IFDIR => "directory",
        S_IFLNK => "symbolic link",
        S_IFCHR => "character special file",
        S_IFBLK => "block special file",
        S_IFIFO => "fifo",
        S_IFSOCK => "socket",
        _ => "weird file",
    }
}

/// A device number's major and minor parts, as Linux packs them into 64 bits (the C
/// library's `major` and `minor`).
pub fn major_minor(device: u64) -> (u64, u64) {
    (((device >> 8) & 0xfff) | ((device >> 32) & 0xffff_f000), (device & 0xff) | ((device >> 12) & 0xffff_ff00))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_numbers_split_as_linux_packs_them() {
        assert_eq!(major_minor(0xfe00), (254, 0));
        assert_eq!(major_minor(0x0401), (4, 1));
        // Large numbers: the low 12 bits of the major and 8 of the minor sit at the bottom.
        let device = 0x78 | (0x345 << 8) | (0x600 << 12) | (0x12000 << 32);
        assert_eq!(major_minor(device), (0x12345, 0x678));
    }

    #[test]
    fn modes_read_as_ls_prints_them() {
        assert_eq!(&mode_string(S_IFREG | 0o644), b"-rw-r--r--");
        assert_eq!(&mode_string(S_IFDIR | 0o755), b"drwxr-xr-x");
        assert_eq!(&mode_string(S_IFLNK | 0o777), b"lrwxrwxrwx");
        assert_eq!(&mode_string(S_IFDIR | 0o1777), b"drwxrwxrwt");
        assert_eq!(&mode_string(S_IFREG | 0o4644), b"-rwSr--r--");
        assert_eq!(&mode_string(S_IFCHR | 0o620), b"crw--w----");
    }

    #[test]
    fn types_are_named_as_stat_names_them() {
        assert_eq!(type_name(S_IFREG | 0o644, 0), "regular empty file");
        assert_eq!(type_name(S_IFREG | 0o644, 3), "regular file");
        assert_eq!(type_name(S_IFDIR | 0o755, 4096), "directory");
    }
}
