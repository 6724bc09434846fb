//! Directory entries as getdents64 returns them (pure): a run of `struct linux_dirent64`,
//! each `d_ino` (8 bytes), `d_off` (8), `d_reclen` (2), `d_type` (1), then the name and its
//! NUL, padded so that the next starts at a multiple of 8.

/// One entry: its inode number, type (DT_DIR 4, DT_REG 8, DT_CHR 2) and name.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Dirent<'a> {
    pub ino: u64,
    pub kind: u8,
    pub name: &'a str,
}

pub const DT_CHR: u8 = 2;
pub const DT_DIR: u8 = 4;
pub const DT_REG: u8 = 8;

/// The entries in the first `len` bytes a getdents64 call filled.
pub fn entries(bytes: &[u8]) -> impl Iterator<Item = Dirent<'_>> {
    let mut at = 0;
    core::iter::from_fn(move || {
        let record = bytes.get(at..at + 19)?;
        let ino = u64::from_le_bytes(record[..8].try_into().ok()?);
        let len = u16::from_le_bytes(record[16..18].try_into().ok()?) as usize;
        let name_bytes = bytes.get(at + 19..at + len)?;
        let name_len = name_bytes.iter().position(|&byte| byte == 0).unwrap_or(name_bytes.len());
        let entry = Dirent { ino, kind: record[18], name: core::str::from_utf8(&name_bytes[..name_len]).unwrap_or("?") };
        if len == 0 {
            return None;
        }
        at += len;
        Some(entry)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(ino: u64, kind: u8, name: &str) -> Vec<u8> {
        let len = (19 + name.len() + 1).next_multiple_of(8);
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&ino.to_le_bytes());
        bytes.extend_from_slice(&0u64.to_le_bytes());
        bytes.extend_from_slice(&(len as u16).to_le_bytes());
        bytes.push(kind);
        bytes.extend_from_slice(name.as_bytes());
        bytes.resize(len, 0);
        bytes
    }

    #[test]
    fn reads_each_record_by_its_length() {
        let bytes = [record(1, DT_DIR, "."), record(7, DT_REG, "a-longer-name")].concat();
        let all: Vec<_> = entries(&bytes).collect();
        assert_eq!(all, [Dirent { ino: 1, kind: DT_DIR, name: "." }, Dirent { ino: 7, kind: DT_REG, name: "a-longer-name" }]);
    }

    #[test]
    fn a_cut_record_ends_the_list() {
        let bytes = record(1, DT_REG, "abc");
        assert_eq!(entries(&bytes[..20]).count(), 0);
    }
}
