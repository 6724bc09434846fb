//! Reading what `getdents64` returns (pure): a buffer of `struct linux_dirent64` records,
//! each `d_ino` (8 bytes), `d_off` (8), `d_reclen` (2), `d_type` (1), then the name, NUL
//! terminated and padded so that the next record is 8-byte aligned.

/// One directory entry.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Entry<'a> {
    pub inode: u64,
    /// `DT_DIR`, `DT_REG`, ... (or `DT_UNKNOWN`, when the file system does not say).
    pub kind: u8,
    pub name: &'a [u8],
}

pub const DT_UNKNOWN: u8 = 0;
pub const DT_DIR: u8 = 4;
pub const DT_REG: u8 = 8;
pub const DT_LNK: u8 = 10;

/// The records in `buffer` (the bytes one `getdents64` filled). A malformed record ends
/// the iteration rather than reading out of bounds.
pub fn entries(buffer: &[u8]) -> impl Iterator<Item = Entry<'_>> {
    let mut rest = buffer;
    core::iter::from_fn(move || {
        let header = rest.get(..19)?;
        let inode = u64::from_le_bytes(header[0..8].try_into().ok()?);
        let length = u16::from_le_bytes([header[16], header[17]]) as usize;
        let record = rest.get(..length).filter(|_| length >= 19)?;
        let name = &record[19..];
        let name = &name[..name.iter().position(|&byte| byte == 0).unwrap_or(name.len())];
        rest = &rest[length..];
        Some(Entry { inode, kind: header[18], name })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(inode: u64, kind: u8, name: &[u8]) -> Vec<u8> {
        let length = (19 + name.len() + 1).next_multiple_of(8);
        let mut bytes = Vec::new();
        bytes.extend(inode.to_le_bytes());
        bytes.extend(0u64.to_le_bytes());
        bytes.extend((length as u16).to_le_bytes());
        bytes.push(kind);
        bytes.extend(name);
        bytes.resize(length, 0);
        bytes
    }

    #[test]
    fn reads_each_record_and_stops_at_a_bad_one() {
        let mut buffer = record(2, DT_DIR, b".");
        buffer.extend(record(12, DT_REG, b"a-longer-name.txt"));
        let found: Vec<Entry> = entries(&buffer).collect();
        assert_eq!(found, [Entry { inode: 2, kind: DT_DIR, name: b"." }, Entry { inode: 12, kind: DT_REG, name: b"a-longer-name.txt" }]);
        buffer.extend([1, 2, 3]);
        assert_eq!(entries(&buffer).count(), 2, "a truncated header ends the list");
        let mut bad = record(3, DT_REG, b"x");
        bad[16] = 4;
        assert_eq!(entries(&bad).count(), 0, "a record shorter than its header ends the list");
    }
}
