//! Paths as bytes (pure): their components, their limits, and the name a directory's path
//! gets after a `chdir`.

use crate::errno::Errno;
use alloc::vec::Vec;

// ANCHOR: limits
/// The longest path a call takes, its NUL included (Linux's PATH_MAX).
pub const PATH_MAX: usize = 4096;
/// The longest name of one directory entry (Linux's NAME_MAX).
pub const NAME_MAX: usize = 255;
// ANCHOR_END: limits

// ANCHOR: components
/// The components of `path`, in order: empty ones (from `//` or a trailing `/`) are left
/// out, `.` and `..` are kept for the walk to interpret. ENAMETOOLONG for a component
/// longer than NAME_MAX.
pub fn components(path: &[u8]) -> Result<Vec<&[u8]>, Errno> {
    let parts: Vec<&[u8]> = path.split(|&byte| byte == b'/').filter(|part| !part.is_empty()).collect();
    if parts.iter().any(|part| part.len() > NAME_MAX) {
        return Err(Errno::ENAMETOOLONG);
    }
    Ok(parts)
}

/// Whether `path` names a directory by its form: it ends in `/` (or is `/`), `.` or `..`.
pub fn ends_as_directory(path: &[u8]) -> bool {
    path.ends_with(b"/") || path.ends_with(b"/.") || path.ends_with(b"/..") || path == b"." || path == b".."
}
// ANCHOR_END: components

// ANCHOR: joined
/// The absolute, normalised path of `path` seen from directory `cwd` (itself absolute and
/// normalised), `..` undoing the component before it: the name an open file is known by.
/// Through a symbolic link, `..` leads elsewhere: getcwd's path comes from the walk instead
/// (`vfs::walk_named`).
pub fn joined(cwd: &[u8], path: &[u8]) -> Vec<u8> {
    let mut parts: Vec<&[u8]> = if path.starts_with(b"/") { Vec::new() } else { cwd.split(|&b| b == b'/').filter(|p| !p.is_empty()).collect() };
    for part in path.split(|&b| b == b'/') {
        match part {
            b"" | b"." => {}
            b".." => {
                parts.pop();
            }
            name => parts.push(name),
        }
    }
    let mut result = Vec::new();
    for part in parts {
        result.push(b'/');
        result.extend_from_slice(part);
    }
    if result.is_empty() {
        result.push(b'/');
    }
    result
}
// ANCHOR_END: joined

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_skip_empty_parts_and_keep_dots() {
        assert_eq!(components(b"/bin//hello/").unwrap(), [&b"bin"[..], b"hello"]);
        assert_eq!(components(b"./a/../b").unwrap(), [&b"."[..], b"a", b"..", b"b"]);
        assert!(components(b"/").unwrap().is_empty());
    }

    #[test]
    fn a_component_past_name_max_is_enametoolong() {
        let long = [b'a'; 256];
        assert_eq!(components(&long), Err(Errno::ENAMETOOLONG));
        assert!(components(&long[..255]).is_ok());
    }

    #[test]
    fn joined_paths_are_absolute_and_normalised() {
        assert_eq!(joined(b"/", b"tmp"), b"/tmp");
        assert_eq!(joined(b"/tmp", b"../etc/./x/"), b"/etc/x");
        assert_eq!(joined(b"/tmp", b"/bin"), b"/bin");
        assert_eq!(joined(b"/", b".."), b"/");
    }

    #[test]
    fn directory_forms_are_recognised() {
        assert!(ends_as_directory(b"a/"));
        assert!(ends_as_directory(b"a/.."));
        assert!(!ends_as_directory(b"a/b"));
    }
}
