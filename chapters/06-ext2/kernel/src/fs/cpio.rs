//! The initramfs's format (pure): a `cpio` archive in the "new ASCII" (newc) format, as
//! GNU `cpio -o -H newc` writes it and Linux's own initramfs reads it.
//!
//! Each entry is a 110-byte header of ASCII text, the path, then the file's bytes:
//!
//! ```text
//! "070701"  then 13 fields of 8 hex digits: ino mode uid gid nlink mtime filesize
//!           devmajor devminor rdevmajor rdevminor namesize check
//! path      namesize bytes, the last a NUL; header and path padded to a multiple of 4
//! data      filesize bytes, padded to a multiple of 4
//! ```
//!
//! The archive ends with an entry named `TRAILER!!!`. The parser trusts nothing: every
//! length is checked against what is left, and a problem is an error naming the entry.

use core::fmt;

// ANCHOR: entry
/// One file of the archive, borrowed from it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Entry<'a> {
    /// The path as the archive has it (`bin/hello`, `.`): relative, no leading slash.
    pub path: &'a [u8],
    /// The file's type and permissions, as `st_mode` has them (S_IFREG | 0o755, say).
    pub mode: u32,
    pub data: &'a [u8],
}

/// The file types of `mode`'s top bits (S_IFMT), as stat(2) defines them.
pub const S_IFMT: u32 = 0o170000;
pub const S_IFREG: u32 = 0o100000;
pub const S_IFDIR: u32 = 0o040000;

/// Why an archive cannot be read: what is wrong, and the entry it is wrong in (its index,
/// and its path when that much could be read).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Malformed<'a> {
    pub index: usize,
    pub path: Option<&'a [u8]>,
    pub problem: Problem,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Problem {
    /// Fewer than 110 bytes where a header should be.
    TruncatedHeader,
    /// The header does not start with "070701".
    BadMagic,
    /// A header field is not 8 hex digits.
    BadNumber,
    /// The path runs past the end of the archive, or has no NUL at its end.
    NameOutOfBounds,
    /// The file's bytes run past the end of the archive.
    DataOutOfBounds,
    /// The archive ends without a TRAILER!!! entry.
    NoTrailer,
}
// ANCHOR_END: entry

const MAGIC: &[u8] = b"070701";
const HEADER: usize = 110;
const TRAILER: &[u8] = b"TRAILER!!!";

// ANCHOR: parse
/// The entries of `archive`, in order, up to the trailer; or the first thing wrong with it.
pub fn entries(archive: &[u8]) -> Entries<'_> {
    Entries { archive, at: 0, index: 0, done: false }
}

pub struct Entries<'a> {
    archive: &'a [u8],
    at: usize,
    index: usize,
    done: bool,
}

impl<'a> Iterator for Entries<'a> {
    type Item = Result<Entry<'a>, Malformed<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let result = self.parse_one();
        self.index += 1;
        match result {
            Ok(Some(entry)) => Some(Ok(entry)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(error) => {
                self.done = true;
                Some(Err(error))
            }
        }
    }
}

impl<'a> Entries<'a> {
    /// The entry at `self.at`, or None at the trailer.
    fn parse_one(&mut self) -> Result<Option<Entry<'a>>, Malformed<'a>> {
        let fail = |path, problem| Malformed { index: self.index, path, problem };
        let rest = &self.archive[self.at..];
        if rest.is_empty() {
            return Err(fail(None, Problem::NoTrailer));
        }
        if rest.len() < HEADER {
            return Err(fail(None, Problem::TruncatedHeader));
        }
        if &rest[..6] != MAGIC {
            return Err(fail(None, Problem::BadMagic));
        }
        let mut fields = [0u32; 13];
        for (n, field) in fields.iter_mut().enumerate() {
            *field = hex(&rest[6 + 8 * n..6 + 8 * (n + 1)]).ok_or(fail(None, Problem::BadNumber))?;
        }
        let (mode, file_size, name_size) = (fields[1], fields[6] as usize, fields[11] as usize);
        // The path, NUL included, must lie inside the archive and end with its NUL.
        let name_end = HEADER.checked_add(name_size).filter(|&end| end <= rest.len() && name_size > 0);
        let Some(name_end) = name_end.filter(|&end| rest[end - 1] == 0) else {
            return Err(fail(None, Problem::NameOutOfBounds));
        };
        let path = &rest[HEADER..name_end - 1];
        if path == TRAILER {
            return Ok(None);
        }
        let data_start = name_end.next_multiple_of(4);
        let data_end = data_start.checked_add(file_size).filter(|&end| end <= rest.len());
        let Some(data_end) = data_end else {
            return Err(fail(Some(path), Problem::DataOutOfBounds));
        };
        self.at += data_end.next_multiple_of(4).min(rest.len());
        Ok(Some(Entry { path, mode, data: &rest[data_start..data_end] }))
    }
}

/// Eight ASCII hex digits as a number.
fn hex(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0u32, |value, &digit| Some(value << 4 | (digit as char).to_digit(16)?))
}
// ANCHOR_END: parse

impl fmt::Display for Malformed<'_> {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let problem = match self.problem {
            Problem::TruncatedHeader => "the archive ends inside its header",
            Problem::BadMagic => "its header does not start with the newc magic 070701",
            Problem::BadNumber => "a header field is not eight hex digits",
            Problem::NameOutOfBounds => "its name runs past the end of the archive",
            Problem::DataOutOfBounds => "its data runs past the end of the archive",
            Problem::NoTrailer => "the archive ends without a TRAILER!!! entry",
        };
        write!(f, "entry {}", self.index)?;
        if let Some(path) = self.path {
            write!(f, " ({})", core::str::from_utf8(path).unwrap_or("?"))?;
        }
        write!(f, ": {problem}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One newc entry, as `cpio -o -H newc` lays it out.
    fn entry(path: &str, mode: u32, data: &[u8]) -> Vec<u8> {
        let mut bytes = format!(
            "070701{:08x}{mode:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}",
            1, 0, 0, 1, 0, data.len(), 0, 0, 0, 0, path.len() + 1, 0
        )
        .into_bytes();
        bytes.extend_from_slice(path.as_bytes());
        bytes.push(0);
        while bytes.len() % 4 != 0 {
            bytes.push(0);
        }
        bytes.extend_from_slice(data);
        while bytes.len() % 4 != 0 {
            bytes.push(0);
        }
        bytes
    }

    fn archive(parts: &[Vec<u8>]) -> Vec<u8> {
        let mut bytes: Vec<u8> = parts.concat();
        bytes.extend(entry("TRAILER!!!", 0, b""));
        bytes
    }

    #[test]
    fn reads_each_entry_up_to_the_trailer() {
        let bytes = archive(&[entry(".", S_IFDIR | 0o755, b""), entry("etc/motd", S_IFREG | 0o644, b"hello\n")]);
        let all: Vec<_> = entries(&bytes).collect::<Result<_, _>>().unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[1], Entry { path: b"etc/motd", mode: S_IFREG | 0o644, data: b"hello\n" });
        assert_eq!(all[0].mode & S_IFMT, S_IFDIR);
    }

    #[test]
    fn a_truncated_header_is_an_error_naming_the_entry() {
        let mut bytes = archive(&[entry("a", S_IFREG | 0o644, b"x")]);
        let first = entry("a", S_IFREG | 0o644, b"x").len();
        bytes.truncate(first + 50);
        let errors: Vec<_> = entries(&bytes).filter_map(Result::err).collect();
        assert_eq!(errors, [Malformed { index: 1, path: None, problem: Problem::TruncatedHeader }]);
        assert_eq!(errors[0].to_string(), "entry 1: the archive ends inside its header");
    }

    #[test]
    fn bad_magic_and_bad_digits_are_errors() {
        let mut bytes = archive(&[entry("a", S_IFREG, b"")]);
        bytes[5] = b'2';
        assert_eq!(entries(&bytes).next(), Some(Err(Malformed { index: 0, path: None, problem: Problem::BadMagic })));
        let mut bytes = archive(&[entry("a", S_IFREG, b"")]);
        bytes[10] = b'g';
        assert_eq!(entries(&bytes).next().unwrap().unwrap_err().problem, Problem::BadNumber);
    }

    #[test]
    fn a_name_or_data_past_the_end_is_an_error() {
        let mut bytes = entry("abc", S_IFREG, b"");
        // namesize 0x100: past the end.
        bytes[94..102].copy_from_slice(b"00000100");
        assert_eq!(entries(&bytes).next().unwrap().unwrap_err().problem, Problem::NameOutOfBounds);
        let mut bytes = entry("abc", S_IFREG, b"data");
        bytes[54..62].copy_from_slice(b"00001000");
        let error = entries(&bytes).next().unwrap().unwrap_err();
        assert_eq!((error.problem, error.path), (Problem::DataOutOfBounds, Some(&b"abc"[..])));
        assert_eq!(error.to_string(), "entry 0 (abc): its data runs past the end of the archive");
    }

    #[test]
    fn an_archive_without_a_trailer_is_an_error() {
        let bytes = entry("a", S_IFREG, b"x");
        let last = entries(&bytes).last().unwrap();
        assert_eq!(last.unwrap_err().problem, Problem::NoTrailer);
    }
}
