//! Names of files (pure): the last part of a path and the folder before it, as `basename`
//! and `dirname` (POSIX) define them, and joining a folder and a name.

use alloc::string::String;

/// The last part of `path`, trailing slashes ignored: "c" for "/a/b/c/", "/" for "/".
pub fn base_name(path: &str) -> &str {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return if path.is_empty() { "" } else { "/" };
    }
    trimmed.rsplit('/').next().unwrap_or(trimmed)
}

/// Everything before the last part: "/a/b" for "/a/b/c", "." for "c", "/" for "/c".
pub fn dir_name(path: &str) -> &str {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return if path.is_empty() { "." } else { "/" };
    }
    match trimmed.rfind('/') {
        None => ".",
        Some(at) => {
            let folder = trimmed[..at].trim_end_matches('/');
            if folder.is_empty() { "/" } else { folder }
        }
    }
}

/// `name` inside `folder`, with one slash between.
pub fn join(folder: &str, name: &str) -> String {
    let mut joined = String::from(folder);
    if !joined.ends_with('/') {
        joined.push('/');
    }
    joined.push_str(name);
    joined
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_and_dir_names_as_posix_defines_them() {
        for (path, base, dir) in [
            ("/a/b/c", "c", "/a/b"),
            ("/a/b/c/", "c", "/a/b"),
            ("c", "c", "."),
            ("/c", "c", "/"),
            ("/", "/", "/"),
            ("//", "/", "/"),
            ("", "", "."),
            ("a//b", "b", "a"),
        ] {
            assert_eq!((base_name(path), dir_name(path)), (base, dir), "{path:?}");
        }
    }

    #[test]
    fn joins_with_one_slash() {
        assert_eq!(join("a", "b"), "a/b");
        assert_eq!(join("a/", "b"), "a/b");
        assert_eq!(join("/", "b"), "/b");
    }
}
