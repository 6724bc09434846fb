//! procfs, mounted on /proc: a filesystem made of functions. Nothing is stored: each file's
//! text is made from the kernel's live state (the process table, the frame allocator, the
//! mount table) in the formats Linux writes (proc(5), fs/proc/array.c), which `ps`, `free`,
//! `df` and `mount` read.
//!
//! ```text
//! /proc/meminfo  mounts  uptime     memory, the mount table, the time since boot
//! /proc/self                        a symbolic link to the caller's own directory
//! /proc/PID/stat  status  cmdline  maps   one directory per process
//! ```
//!
//! The formatting is pure (plain structs in, text out) and tested on the host; the inodes
//! below it are the kernel's side. A file's text is made at its first read and kept by the
//! inode, and each lookup makes a new inode, so each open sees one consistent text, however
//! small its reads, as a seq_file on Linux does; the next open sees the state of then.

use crate::region::{Kind, Region};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;

// ANCHOR: snapshot
/// What procfs shows of a process, copied out of the process table in one go.
pub struct Snapshot {
    pub pid: u32,
    pub parent: u32,
    pub group: u32,
    pub session: u32,
    /// The program's name (15 bytes at most, as Linux's comm).
    pub name: Vec<u8>,
    pub state: RunState,
    /// Its user and system time, and its collected children's, in USER_HZ ticks; its
    /// memory high-water mark in pages.
    pub times: [u64; 4],
    pub max_pages: u64,
    /// When it started, in ticks since boot.
    pub started: u64,
    /// Its address space: regions, pages mapped now, where the heap starts. A zombie has none.
    pub regions: Vec<Region>,
    pub pages: u64,
    pub heap_start: u64,
    /// Its arguments, each ended by a NUL.
    pub arguments: Vec<u8>,
    /// Signal sets: pending, blocked, ignored, caught (bit n - 1 for signal n).
    pub signals: [u64; 4],
    pub umask: u32,
    /// A zombie's wait status (0 for the living).
    pub exit_status: u32,
    /// Its controlling terminal: the device number Linux's tty_nr encodes, and the
    /// terminal's foreground group; None without one.
    pub terminal: Option<(u32, u32)>,
}

/// The states /proc shows, with the letter and the word Linux gives each.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum RunState {
    Running,
    Sleeping,
    Stopped,
    Zombie,
}

impl RunState {
    fn letter(self) -> char {
        match self {
            RunState::Running => 'R',
            RunState::Sleeping => 'S',
            RunState::Stopped => 'T',
            RunState::Zombie => 'Z',
        }
    }

    fn word(self) -> &'static str {
        match self {
            RunState::Running => "running",
            RunState::Sleeping => "sleeping",
            RunState::Stopped => "stopped",
            RunState::Zombie => "zombie",
        }
    }
}
// ANCHOR_END: snapshot

const PAGE_KIB: u64 = 4;
/// The console's number as tty_nr encodes it (major 5, minor 1: `(major << 8) | minor` for
/// minors below 256).
pub const CONSOLE_TTY_NR: u32 = 5 << 8 | 1;
/// SIGCHLD: the signal a process's parent gets when it ends (stat's exit_signal).
const SIGCHLD: u64 = 17;
/// Linux's nice 0 as stat shows it (priority 20).
const PRIORITY: u64 = 20;

impl Snapshot {
    /// The region of the program's code (the executable one), and of its data.
    fn program_region(&self, write: bool) -> Option<&Region> {
        self.regions.iter().find(|region| region.kind == Kind::Program && region.protection.write == write && region.protection.execute != write)
    }

    fn bytes_of(&self, kinds: &[Kind]) -> u64 {
        self.regions.iter().filter(|region| kinds.contains(&region.kind)).map(|region| region.end - region.start).sum()
    }
}

// ANCHOR: stat
/// /proc/PID/stat: one line of 52 fields (proc(5) lists them). What Bramble does not have
/// (page-fault counts, nice values, real-time priorities, guest time) is 0, as Linux shows
/// it for a task that never had any; the addresses of the code, data and heap are the
/// process's own.
pub fn stat(process: &Snapshot) -> String {
    let (terminal, foreground) = match process.terminal {
        Some((device, group)) => (device as i64, group as i64),
        None => (0, -1),
    };
    let [user, system, children_user, children_system] = process.times;
    let code = process.program_region(false).map_or((0, 0), |region| (region.start, region.end));
    let data = process.program_region(true).map_or((0, 0), |region| (region.start, region.end));
    let vsize = process.bytes_of(&[Kind::Program, Kind::Heap, Kind::Stack, Kind::Mapping]);
    let [pending, blocked, ignored, caught] = process.signals;
    let wchan = u64::from(process.state == RunState::Sleeping);
    let mut line = format!("{} ({}) {} ", process.pid, String::from_utf8_lossy(&process.name), process.state.letter());
    // pid (comm) state | ppid pgrp session tty_nr tpgid flags
    let _ = write!(line, "{} {} {} {terminal} {foreground} 0 ", process.parent, process.group, process.session);
    // minflt cminflt majflt cmajflt utime stime cutime cstime priority nice num_threads
    // itrealvalue starttime vsize rss rsslim
    let _ = write!(
        line,
        "0 0 0 0 {user} {system} {children_user} {children_system} {PRIORITY} 0 1 0 {} {vsize} {} {} ",
        process.started,
        process.pages,
        u64::MAX
    );
    // startcode endcode startstack kstkesp kstkeip signal blocked sigignore sigcatch wchan
    // nswap cnswap exit_signal processor rt_priority policy delayacct_blkio_ticks guest_time
    // cguest_time start_data end_data start_brk arg_start arg_end env_start env_end exit_code
    let _ = writeln!(
        line,
        "{} {} 0 0 0 {pending} {blocked} {ignored} {caught} {wchan} 0 0 {SIGCHLD} 0 0 0 0 0 0 {} {} {} 0 0 0 0 {}",
        code.0,
        code.1,
        data.0,
        data.1,
        if process.regions.is_empty() { 0 } else { process.heap_start },
        process.exit_status
    );
    line
}
// ANCHOR_END: stat

// ANCHOR: status
/// /proc/PID/status: the same facts for people, one `Name:\tvalue` per line. Everyone is
/// root (uid and gid 0); a process has one thread.
pub fn status(process: &Snapshot) -> String {
    let name: String = String::from_utf8_lossy(&process.name).replace('\\', "\\\\").replace('\n', "\\n");
    let (pid, group, session) = (process.pid, process.group, process.session);
    let mut text = format!("Name:\t{name}\nUmask:\t{:04o}\nState:\t{} ({})\n", process.umask, process.state.letter(), process.state.word());
    let _ = write!(text, "Tgid:\t{pid}\nNgid:\t0\nPid:\t{pid}\nPPid:\t{}\nTracerPid:\t0\n", process.parent);
    let _ = write!(text, "Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nFDSize:\t64\nGroups:\t\n");
    let _ = write!(text, "NStgid:\t{pid}\nNSpid:\t{pid}\nNSpgid:\t{group}\nNSsid:\t{session}\n");
    // The memory lines only for a process that has memory (not a zombie), as on Linux.
    if !process.regions.is_empty() {
        let kib = |bytes: u64| bytes / 1024;
        let writable_program = process.program_region(true).map_or(0, |region| region.end - region.start);
        let executable = process.program_region(false).map_or(0, |region| region.end - region.start);
        let lines = [
            ("VmSize", kib(process.bytes_of(&[Kind::Program, Kind::Heap, Kind::Stack, Kind::Mapping]))),
            ("VmHWM", process.max_pages.max(process.pages) * PAGE_KIB),
            ("VmRSS", process.pages * PAGE_KIB),
            ("VmData", kib(process.bytes_of(&[Kind::Heap, Kind::Mapping]) + writable_program)),
            ("VmStk", kib(process.bytes_of(&[Kind::Stack]))),
            ("VmExe", kib(executable)),
        ];
        for (key, value) in lines {
            let _ = writeln!(text, "{key}:\t{value:8} kB");
        }
    }
    let [pending, blocked, ignored, caught] = process.signals;
    let _ = write!(text, "Threads:\t1\nSigPnd:\t{pending:016x}\nShdPnd:\t{:016x}\n", 0);
    let _ = write!(text, "SigBlk:\t{blocked:016x}\nSigIgn:\t{ignored:016x}\nSigCgt:\t{caught:016x}\n");
    text
}
// ANCHOR_END: status

// ANCHOR: maps
/// /proc/PID/maps: one line per region, "start-end perms offset dev inode", then the name
/// from column 74 on for the heap and the stack. Bramble copies a program's segments into
/// anonymous memory at exec (it maps no files), so every region is anonymous: offset 0,
/// device 00:00, inode 0. An empty heap (no brk yet) is not shown, as Linux does not.
pub fn maps(process: &Snapshot) -> String {
    let mut text = String::new();
    for region in process.regions.iter().filter(|region| region.end > region.start) {
        let protection = region.protection;
        let flag = |on: bool, letter: char| if on { letter } else { '-' };
        let mut line = format!("{:08x}-{:08x} {}{}{}p 00000000 00:00 0", region.start, region.end, flag(protection.read, 'r'), flag(protection.write, 'w'), flag(protection.execute, 'x'));
        let name = match region.kind {
            Kind::Heap => Some("[heap]"),
            Kind::Stack => Some("[stack]"),
            Kind::Program | Kind::Mapping => None,
        };
        if let Some(name) = name {
            // Linux pads the fields to 25 + 6 * sizeof(void *) - 1 columns, then a space.
            while line.len() < 72 {
                line.push(' ');
            }
            line.push(' ');
            line.push_str(name);
        }
        line.push('\n');
        text.push_str(&line);
    }
    text
}
// ANCHOR_END: maps

// ANCHOR: meminfo
/// /proc/meminfo from the frame allocator's counts (4 KiB frames): every value in KiB, its
/// name padded to 16 columns with the colon, the number to 8, as Linux writes them. The
/// frames are all the RAM the kernel manages (the kernel's own image and the firmware's
/// part are not in it). Bramble has no swap, and its block cache lives on the kernel's heap,
/// which counts as used: no buffers or page cache to give back, so what is available is
/// what is free.
pub fn meminfo(total_frames: u64, free_frames: u64) -> String {
    let (total, free) = (total_frames * PAGE_KIB, free_frames * PAGE_KIB);
    let lines = [("MemTotal", total), ("MemFree", free), ("MemAvailable", free), ("Buffers", 0), ("Cached", 0), ("SwapCached", 0), ("SwapTotal", 0), ("SwapFree", 0), ("Shmem", 0)];
    let mut text = String::new();
    for (name, kib) in lines {
        let _ = writeln!(text, "{:<16}{kib:8} kB", format!("{name}:"));
    }
    text
}
// ANCHOR_END: meminfo

// ANCHOR: mounts
/// One line of /proc/mounts: "device directory type options 0 0". The device is what was
/// mounted: the SD card's partition for ext2 (named /dev/root, as Linux names the root
/// device it mounted itself), and the type's own name for the others, which have no
/// device. Every mount is read-write. Blanks and backslashes in a path are written as
/// octal escapes (`\040`), so that the fields stay separated by spaces.
pub fn mount_line(kind: &str, directory: &[u8]) -> String {
    let device = if kind == "ext2" { "/dev/root" } else { kind };
    let mut escaped = String::new();
    for &byte in directory {
        match byte {
            b' ' | b'\t' | b'\n' | b'\\' => {
                let _ = write!(escaped, "\\{byte:03o}");
            }
            _ => escaped.push(byte as char),
        }
    }
    format!("{device} {escaped} {kind} rw 0 0\n")
}
// ANCHOR_END: mounts

/// /proc/uptime: the seconds since boot and the seconds the processor was idle, each with
/// two decimals (from USER_HZ ticks).
pub fn uptime(ticks: u64, idle_ticks: u64) -> String {
    format!("{}.{:02} {}.{:02}\n", ticks / 100, ticks % 100, idle_ticks / 100, idle_ticks % 100)
}

/// The pid a name in /proc stands for: digits only, without a leading zero (as Linux's
/// lookup reads them), never 0 (the monitor is no process of /proc's).
pub fn pid_of(name: &[u8]) -> Option<u32> {
    if name.first() == Some(&b'0') || name.is_empty() || !name.iter().all(u8::is_ascii_digit) {
        return None;
    }
    core::str::from_utf8(name).ok()?.parse().ok()
}

#[cfg(not(test))]
pub use inodes::ProcFs;

#[cfg(not(test))]
mod inodes {
    use super::{meminfo, mount_line, pid_of, stat, status, uptime, maps};
    use crate::errno::Errno;
    use crate::fs::vfs::{self, DirEntry, FileSystem, Inode, InodeRef, Kind, Metadata, NewTime, StatFs, next_device};
    use crate::spinlock::SpinLock;
    use crate::{process, rusage, timer, vm};
    use alloc::sync::{Arc, Weak};
    use alloc::vec::Vec;
    use core::any::Any;

    /// procfs's f_type (linux/magic.h).
    pub const PROC_SUPER_MAGIC: u64 = 0x9fa0;

    // ANCHOR: files
    /// What a file of procfs shows.
    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    enum What {
        Meminfo,
        Mounts,
        Uptime,
        Stat(u32),
        Status(u32),
        Cmdline(u32),
        Maps(u32),
    }

    /// The files of /proc itself, in the order a listing gives them, with `self` among them.
    const TOP: [&[u8]; 4] = [b"meminfo", b"mounts", b"self", b"uptime"];
    /// The files of a process's directory.
    const PER_PROCESS: [&[u8]; 4] = [b"cmdline", b"maps", b"stat", b"status"];

    impl What {
        fn named(name: &[u8], pid: Option<u32>) -> Option<What> {
            Some(match (pid, name) {
                (None, b"meminfo") => What::Meminfo,
                (None, b"mounts") => What::Mounts,
                (None, b"uptime") => What::Uptime,
                (Some(pid), b"cmdline") => What::Cmdline(pid),
                (Some(pid), b"maps") => What::Maps(pid),
                (Some(pid), b"stat") => What::Stat(pid),
                (Some(pid), b"status") => What::Status(pid),
                _ => return None,
            })
        }

        /// The file's text, made now; ESRCH when its process has gone since it was opened
        /// (Linux's answer then).
        fn generate(self) -> Result<Vec<u8>, Errno> {
            let of = |pid: u32| process::snapshot(pid).ok_or(Errno::ESRCH);
            Ok(match self {
                What::Meminfo => {
                    let (free, total) = vm::frame_counts();
                    meminfo(total as u64, free as u64).into_bytes()
                }
                What::Mounts => {
                    let mut text = Vec::new();
                    vfs::mounts(|directory, kind| text.extend_from_slice(mount_line(kind, directory).as_bytes()));
                    text
                }
                What::Uptime => {
                    // From the counter, which started at power-on, as the log's times do.
                    let hz = timer::counter_hz();
                    uptime(rusage::ticks(timer::counter(), hz), rusage::ticks(process::idle_cycles(), hz)).into_bytes()
                }
                What::Stat(pid) => stat(&of(pid)?).into_bytes(),
                What::Status(pid) => status(&of(pid)?).into_bytes(),
                What::Cmdline(pid) => of(pid)?.arguments,
                What::Maps(pid) => maps(&of(pid)?).into_bytes(),
            })
        }

        fn ino(self) -> u64 {
            match self {
                What::Meminfo => 2,
                What::Mounts => 3,
                What::Uptime => 5,
                What::Cmdline(pid) => pid_ino(pid) + 1,
                What::Maps(pid) => pid_ino(pid) + 2,
                What::Stat(pid) => pid_ino(pid) + 3,
                What::Status(pid) => pid_ino(pid) + 4,
            }
        }
    }

    /// The inode numbers of process `pid`: its directory's, and its files' just after.
    fn pid_ino(pid: u32) -> u64 {
        0x1000 + pid as u64 * 8
    }
    const SELF_INO: u64 = 4;

    /// A file: its text is made at the first read and kept for the next ones.
    struct ProcFile {
        what: What,
        dev: u64,
        text: SpinLock<Option<Vec<u8>>>,
    }

    impl ProcFile {
        fn new(what: What, dev: u64) -> InodeRef {
            Arc::new(ProcFile { what, dev, text: SpinLock::new(None) })
        }
    }
    // ANCHOR_END: files

    /// /proc itself. It holds a reference to itself, to hand out as `..` of its directories.
    struct ProcRoot {
        dev: u64,
        me: Weak<ProcRoot>,
    }

    /// /proc/PID.
    struct ProcessDirectory {
        pid: u32,
        root: Arc<ProcRoot>,
    }

    /// /proc/self: a link to the caller's own directory.
    struct SelfLink {
        dev: u64,
    }

    pub struct ProcFs {
        root: Arc<ProcRoot>,
    }

    impl ProcFs {
        pub fn new() -> ProcFs {
            let dev = next_device();
            ProcFs { root: Arc::new_cyclic(|me| ProcRoot { dev, me: me.clone() }) }
        }
    }

    impl FileSystem for ProcFs {
        fn root(&self) -> InodeRef {
            self.root.clone()
        }

        fn name(&self) -> &'static str {
            "proc"
        }
    }

    fn metadata(kind: Kind, mode: u32, ino: u64, dev: u64) -> Metadata {
        let links = if kind == Kind::Directory { 2 } else { 1 };
        Metadata { kind, mode, size: 0, blocks: 0, links, ino, dev, rdev: 0, atime: 0, mtime: 0, ctime: 0 }
    }

    fn statfs() -> StatFs {
        StatFs { magic: PROC_SUPER_MAGIC, block_size: 4096, blocks: 0, free_blocks: 0, available_blocks: 0, inodes: 0, free_inodes: 0, name_max: 255, read_only: false }
    }

    /// Lists `names` after `.` and `..`, from `position` (an index into that list).
    fn list(position: u64, names: &[(&[u8], u64, Kind)], each: &mut dyn FnMut(DirEntry, u64) -> bool) -> bool {
        for (index, &(name, ino, kind)) in names.iter().enumerate().skip(position as usize) {
            if !each(DirEntry { name: name.to_vec(), ino, kind }, index as u64 + 1) {
                return false;
            }
        }
        true
    }

    // ANCHOR: proc_root
    /// Where the processes start among /proc's positions: the entry of pid N is at
    /// FIRST_PID + N, so a listing taken up again later continues after the last pid it
    /// gave, whichever processes came and went meanwhile.
    const FIRST_PID: u64 = 16;

    impl ProcRoot {
        fn lookup_name(&self, name: &[u8]) -> Result<InodeRef, Errno> {
            if name == b"self" {
                return Ok(Arc::new(SelfLink { dev: self.dev }));
            }
            if let Some(what) = What::named(name, None) {
                return Ok(ProcFile::new(what, self.dev));
            }
            match pid_of(name) {
                Some(pid) if process::exists(pid) => {
                    let root = self.me.upgrade().expect("a mounted procfs's root is alive");
                    Ok(Arc::new(ProcessDirectory { pid, root }))
                }
                _ => Err(Errno::ENOENT),
            }
        }
    }
    // ANCHOR_END: proc_root

    /// What every procfs inode refuses: no file is written, none created, renamed or
    /// removed (EACCES, as for a file one may not write), and no mode or time is set (EPERM).
    macro_rules! read_only {
        () => {
            fn write_at(&self, _offset: u64, _bytes: &[u8]) -> Result<usize, Errno> {
                Err(Errno::EACCES)
            }

            fn truncate(&self, _size: u64) -> Result<(), Errno> {
                Err(Errno::EACCES)
            }

            fn create(&self, _name: &[u8], _kind: Kind, _mode: u32) -> Result<InodeRef, Errno> {
                Err(Errno::EACCES)
            }

            fn unlink(&self, name: &[u8], _directory: bool) -> Result<(), Errno> {
                self.lookup(name)?;
                Err(Errno::EACCES)
            }

            fn rename(&self, _from: &[u8], _target: &InodeRef, _to: &[u8]) -> Result<(), Errno> {
                Err(Errno::EACCES)
            }

            fn link(&self, _name: &[u8], _target: &InodeRef) -> Result<(), Errno> {
                Err(Errno::EACCES)
            }

            fn symlink(&self, _name: &[u8], _target: &[u8]) -> Result<(), Errno> {
                Err(Errno::EACCES)
            }

            fn set_mode(&self, _mode: u32) -> Result<(), Errno> {
                Err(Errno::EPERM)
            }

            fn set_times(&self, _atime: Option<NewTime>, _mtime: Option<NewTime>) -> Result<(), Errno> {
                Err(Errno::EPERM)
            }

            fn statfs(&self) -> Result<StatFs, Errno> {
                Ok(statfs())
            }

            fn as_any(&self) -> &dyn Any {
                self
            }
        };
    }

    impl Inode for ProcRoot {
        fn metadata(&self) -> Metadata {
            metadata(Kind::Directory, 0o555, 1, self.dev)
        }

        fn read_at(&self, _offset: u64, _buffer: &mut [u8]) -> Result<usize, Errno> {
            Err(Errno::EISDIR)
        }

        fn lookup(&self, name: &[u8]) -> Result<InodeRef, Errno> {
            self.lookup_name(name)
        }

        fn entries(&self, position: u64, each: &mut dyn FnMut(DirEntry, u64) -> bool) -> Result<(), Errno> {
            let mut names: Vec<(&[u8], u64, Kind)> = Vec::from([(&b"."[..], 1, Kind::Directory), (&b".."[..], 1, Kind::Directory)]);
            for name in TOP {
                let (ino, kind) = if name == b"self" { (SELF_INO, Kind::Symlink) } else { (What::named(name, None).expect("a top file").ino(), Kind::File) };
                names.push((name, ino, kind));
            }
            if position < FIRST_PID && !list(position, &names, each) {
                return Ok(());
            }
            let first = position.saturating_sub(FIRST_PID);
            for pid in process::pids().into_iter().filter(|&pid| pid as u64 >= first) {
                let name = alloc::format!("{pid}");
                if !each(DirEntry { name: name.into_bytes(), ino: pid_ino(pid), kind: Kind::Directory }, FIRST_PID + pid as u64 + 1) {
                    break;
                }
            }
            Ok(())
        }

        fn readlink(&self) -> Result<Vec<u8>, Errno> {
            Err(Errno::EINVAL)
        }

        read_only!();
    }

    impl Inode for ProcessDirectory {
        fn metadata(&self) -> Metadata {
            metadata(Kind::Directory, 0o555, pid_ino(self.pid), self.root.dev)
        }

        fn read_at(&self, _offset: u64, _buffer: &mut [u8]) -> Result<usize, Errno> {
            Err(Errno::EISDIR)
        }

        fn lookup(&self, name: &[u8]) -> Result<InodeRef, Errno> {
            if name == b".." {
                return Ok(self.root.clone());
            }
            let what = What::named(name, Some(self.pid)).ok_or(Errno::ENOENT)?;
            if !process::exists(self.pid) {
                return Err(Errno::ENOENT);
            }
            Ok(ProcFile::new(what, self.root.dev))
        }

        fn entries(&self, position: u64, each: &mut dyn FnMut(DirEntry, u64) -> bool) -> Result<(), Errno> {
            let mut names: Vec<(&[u8], u64, Kind)> = Vec::from([(&b"."[..], pid_ino(self.pid), Kind::Directory), (&b".."[..], 1, Kind::Directory)]);
            for name in PER_PROCESS {
                names.push((name, What::named(name, Some(self.pid)).expect("a process's file").ino(), Kind::File));
            }
            list(position, &names, each);
            Ok(())
        }

        fn readlink(&self) -> Result<Vec<u8>, Errno> {
            Err(Errno::EINVAL)
        }

        read_only!();
    }

    // ANCHOR: read_at
    impl Inode for ProcFile {
        fn metadata(&self) -> Metadata {
            // Size 0, as Linux says of its /proc files: the text does not exist until read.
            metadata(Kind::File, 0o444, self.what.ino(), self.dev)
        }

        /// The text is made at the first read (from any offset) and kept: reads in small
        /// pieces see one text, not pieces of several.
        fn read_at(&self, offset: u64, buffer: &mut [u8]) -> Result<usize, Errno> {
            if self.text.lock().is_none() {
                // Made without this file's lock held: it takes the process table's.
                let text = self.what.generate()?;
                self.text.lock().get_or_insert(text);
            }
            let text = self.text.lock();
            let text = text.as_deref().unwrap_or_default();
            let start = (offset as usize).min(text.len());
            let count = buffer.len().min(text.len() - start);
            buffer[..count].copy_from_slice(&text[start..start + count]);
            Ok(count)
        }

        fn lookup(&self, _name: &[u8]) -> Result<InodeRef, Errno> {
            Err(Errno::ENOTDIR)
        }

        fn entries(&self, _position: u64, _each: &mut dyn FnMut(DirEntry, u64) -> bool) -> Result<(), Errno> {
            Err(Errno::ENOTDIR)
        }

        fn readlink(&self) -> Result<Vec<u8>, Errno> {
            Err(Errno::EINVAL)
        }

        read_only!();
    }
    // ANCHOR_END: read_at

    // ANCHOR: self_link
    impl Inode for SelfLink {
        fn metadata(&self) -> Metadata {
            metadata(Kind::Symlink, 0o777, SELF_INO, self.dev)
        }

        fn read_at(&self, _offset: u64, _buffer: &mut [u8]) -> Result<usize, Errno> {
            Err(Errno::EINVAL)
        }

        fn lookup(&self, _name: &[u8]) -> Result<InodeRef, Errno> {
            Err(Errno::ENOTDIR)
        }

        fn entries(&self, _position: u64, _each: &mut dyn FnMut(DirEntry, u64) -> bool) -> Result<(), Errno> {
            Err(Errno::ENOTDIR)
        }

        /// The caller's pid: a relative target, so the walk finds it in /proc. A link whose
        /// target depends on who reads it: the one thing here a stored filesystem cannot do.
        fn readlink(&self) -> Result<Vec<u8>, Errno> {
            let (pid, _) = process::ids();
            Ok(alloc::format!("{pid}").into_bytes())
        }

        read_only!();
    }
    // ANCHOR_END: self_link
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::region::Protection;

    fn region(start: u64, end: u64, protection: u64, kind: Kind) -> Region {
        Region { start, end, protection: Protection::from_prot(protection), kind }
    }

    fn shell() -> Snapshot {
        Snapshot {
            pid: 42,
            parent: 1,
            group: 42,
            session: 7,
            name: b"sh".to_vec(),
            state: RunState::Sleeping,
            times: [150, 25, 3, 4],
            max_pages: 30,
            started: 300,
            regions: Vec::from([
                region(0x40_0000, 0x41_2000, 5, Kind::Program),
                region(0x42_2000, 0x42_4000, 3, Kind::Program),
                region(0x42_4000, 0x42_6000, 3, Kind::Heap),
                region(0x7f_ff80_0000, 0x80_0000_0000, 3, Kind::Stack),
            ]),
            pages: 20,
            heap_start: 0x42_4000,
            arguments: b"sh\0-c\0ls\0".to_vec(),
            signals: [0, 1 << 1, 1 << 2, 1 << 16],
            umask: 0o022,
            exit_status: 0,
            terminal: Some((CONSOLE_TTY_NR, 42)),
        }
    }

    #[test]
    fn stat_has_the_52_fields_in_procs_order() {
        let line = stat(&shell());
        assert!(line.ends_with('\n'));
        let fields: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(fields.len(), 52);
        assert_eq!(&fields[..8], ["42", "(sh)", "S", "1", "42", "7", "1281", "42"]);
        // utime stime cutime cstime (14-17), starttime (22), vsize (23), rss (24)
        assert_eq!(&fields[13..17], ["150", "25", "3", "4"]);
        assert_eq!(fields[21], "300");
        assert_eq!(fields[22], (0x12000 + 0x2000 + 0x2000 + 0x80_0000).to_string());
        assert_eq!(fields[23], "20");
        // startcode endcode (26, 27), the signal sets (31-34), start_data end_data start_brk (45-47)
        assert_eq!(&fields[25..27], ["4194304", "4268032"]);
        assert_eq!(&fields[30..34], ["0", "2", "4", "65536"]);
        assert_eq!(&fields[44..47], ["4333568", "4341760", "4341760"]);
    }

    #[test]
    fn status_lines_are_linuxs() {
        let text = status(&shell());
        assert!(text.starts_with("Name:\tsh\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t42\n"));
        assert!(text.contains("\nPPid:\t1\n"));
        assert!(text.contains("\nVmRSS:\t      80 kB\n"));
        assert!(text.contains("\nVmHWM:\t     120 kB\n"));
        assert!(text.contains("\nVmStk:\t    8192 kB\n"));
        assert!(text.contains("\nSigCgt:\t0000000000010000\n"));
        let zombie = Snapshot { state: RunState::Zombie, regions: Vec::new(), ..shell() };
        let text = status(&zombie);
        assert!(text.contains("State:\tZ (zombie)\n") && !text.contains("VmRSS"));
    }

    #[test]
    fn maps_lists_the_regions_with_linuxs_columns() {
        let text = maps(&shell());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4);
        assert_eq!(lines[0], "00400000-00412000 r-xp 00000000 00:00 0");
        assert_eq!(lines[1], "00422000-00424000 rw-p 00000000 00:00 0");
        assert_eq!(lines[2].find("[heap]"), Some(73));
        assert!(lines[3].starts_with("7fff800000-8000000000 rw-p 00000000 00:00 0 ") && lines[3].ends_with(" [stack]"));
    }

    #[test]
    fn meminfo_mounts_and_uptime_are_padded_as_linux_pads_them() {
        let text = meminfo(1000, 250);
        assert!(text.starts_with("MemTotal:           4000 kB\nMemFree:            1000 kB\nMemAvailable:       1000 kB\n"));
        assert_eq!(mount_line("ext2", b"/"), "/dev/root / ext2 rw 0 0\n");
        assert_eq!(mount_line("tmpfs", b"/my disk\\"), "tmpfs /my\\040disk\\134 tmpfs rw 0 0\n");
        assert_eq!(uptime(12_345, 7), "123.45 0.07\n");
    }

    #[test]
    fn only_canonical_numbers_name_processes() {
        assert_eq!(pid_of(b"42"), Some(42));
        assert_eq!(pid_of(b"042"), None);
        assert_eq!(pid_of(b"0"), None);
        assert_eq!(pid_of(b"self"), None);
        assert_eq!(pid_of(b""), None);
    }
}
