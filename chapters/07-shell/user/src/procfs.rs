//! Reading Linux's /proc files (pure): `/proc/PID/stat`, `/proc/meminfo` and `/proc/mounts`,
//! in the formats `ps`, `free`, `df` and `mount` read them (Linux's, which Bramble's procfs
//! writes too).

use alloc::string::String;
use alloc::vec::Vec;

/// The fields of `/proc/PID/stat` that `ps` shows (see proc(5) for the rest).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ProcessStat {
    pub pid: u32,
    /// The program's name, up to 15 bytes, without the parentheses around it.
    pub command: String,
    /// R running, S sleeping, T stopped, Z zombie...
    pub state: char,
    pub parent: u32,
    pub group: u32,
    pub session: u32,
    /// The controlling terminal's device number (0: none).
    pub terminal: u32,
    /// Time spent in user mode and in the kernel, in clock ticks (USER_HZ, 100 a second).
    pub user_ticks: u64,
    pub system_ticks: u64,
}

/// Parses a `stat` line: "PID (COMMAND) STATE PPID PGRP SESSION TTY_NR TPGID FLAGS MINFLT
/// CMINFLT MAJFLT CMAJFLT UTIME STIME ...". The command may hold spaces and parentheses, so it
/// runs to the last `)`.
pub fn parse_stat(line: &str) -> Option<ProcessStat> {
    let open = line.find(" (")?;
    let close = line.rfind(')')?;
    let pid = line[..open].parse().ok()?;
    let command = String::from(line.get(open + 2..close)?);
    let fields: Vec<&str> = line[close + 1..].split_whitespace().collect();
    let number = |index: usize| fields.get(index)?.parse::<u64>().ok();
    Some(ProcessStat {
        pid,
        command,
        state: fields.first()?.chars().next()?,
        parent: number(1)? as u32,
        group: number(2)? as u32,
        session: number(3)? as u32,
        terminal: number(4)? as u32,
        user_ticks: number(11)?,
        system_ticks: number(12)?,
    })
}

/// A value of `/proc/meminfo` ("MemTotal:  24684084 kB"), in KiB.
pub fn meminfo(text: &str, name: &str) -> Option<u64> {
    text.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        if key != name {
            return None;
        }
        value.split_whitespace().next()?.parse().ok()
    })
}

/// One line of `/proc/mounts`: what is mounted, where, its type and its options.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Mount {
    pub source: String,
    pub target: String,
    pub kind: String,
    pub options: String,
}

/// The lines of `/proc/mounts` ("SOURCE TARGET TYPE OPTIONS 0 0"), with the octal escapes
/// Linux writes for blanks and backslashes (`\040`) turned back into characters.
pub fn mounts(text: &str) -> Vec<Mount> {
    text.lines()
        .filter_map(|line| {
            let mut fields = line.split(' ');
            Some(Mount { source: unescape(fields.next()?), target: unescape(fields.next()?), kind: unescape(fields.next()?), options: unescape(fields.next()?) })
        })
        .collect()
}

fn unescape(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut text = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let octal = bytes.get(at + 1..at + 4).filter(|digits| bytes[at] == b'\\' && digits.iter().all(|digit| (b'0'..=b'7').contains(digit)));
        match octal {
            Some(digits) => {
                text.push(digits.iter().fold(0u8, |value, digit| value.wrapping_mul(8) + (digit - b'0')));
                at += 4;
            }
            None => {
                text.push(bytes[at]);
                at += 1;
            }
        }
    }
    String::from_utf8_lossy(&text).into_owned()
}

/// A terminal's name from its device number, as `ps` shows it ("?" for none).
pub fn terminal_name(device: u32) -> String {
    let (major, minor) = ((device >> 8) & 0xfff, (device & 0xff) | ((device >> 12) & 0xfff00));
    match major {
        0 => String::from("?"),
        4 if minor < 64 => alloc::format!("tty{minor}"),
        4 => alloc::format!("ttyS{}", minor - 64),
        5 if minor == 1 => String::from("console"),
        136..=143 => alloc::format!("pts/{}", (major - 136) * 256 + minor),
        204 if minor >= 64 => alloc::format!("ttyAMA{}", minor - 64),
        _ => alloc::format!("{major},{minor}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stat_line_with_an_awkward_name() {
        let line = "42 (my (odd) prog) S 1 42 42 34816 42 4194560 100 0 0 0 150 25 0 0 20 0 1 0 300 1000 10";
        let stat = parse_stat(line).unwrap();
        assert_eq!(stat.pid, 42);
        assert_eq!(stat.command, "my (odd) prog");
        assert_eq!((stat.state, stat.parent, stat.group, stat.session, stat.terminal), ('S', 1, 42, 42, 34816));
        assert_eq!((stat.user_ticks, stat.system_ticks), (150, 25));
        assert_eq!(parse_stat("garbage"), None);
    }

    #[test]
    fn memory_values_and_mounts() {
        let text = "MemTotal:       24684084 kB\nMemFree:        19649800 kB\n";
        assert_eq!(meminfo(text, "MemFree"), Some(19_649_800));
        assert_eq!(meminfo(text, "Mem"), None);
        let listed = mounts("/dev/vda / ext4 rw,relatime 0 0\nnone /my\\040disk tmpfs rw 0 0\n");
        assert_eq!(listed.len(), 2);
        assert_eq!(listed[1].target, "/my disk");
        assert_eq!(listed[0], Mount { source: "/dev/vda".into(), target: "/".into(), kind: "ext4".into(), options: "rw,relatime".into() });
    }

    #[test]
    fn terminals_are_named_as_ps_names_them() {
        assert_eq!(terminal_name(0), "?");
        assert_eq!(terminal_name(34816), "pts/0");
        assert_eq!(terminal_name((4 << 8) | 1), "tty1");
        assert_eq!(terminal_name((204 << 8) | 64), "ttyAMA0");
    }
}
