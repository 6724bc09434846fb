//! links: hard links, symbolic links, holes, times and statfs, in the working directory, printing
//! what each call answers; the tests compare it with what Linux answers. It removes what it
//! made, so the tree is as it found it.
//!
//! links mounts: what only Bramble's tree can answer (Linux's test folder is not a root with
//! filesystems mounted in it): each filesystem's f_type, mount and umount2 with their errors,
//! absolute links and links across mounts.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::string::String;
use ulib::stat::{S_IFCHR, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG};
use ulib::sys;
use ulib::{Errno, println};

ulib::main!(run);

fn run() -> i32 {
    match ulib::args().nth(1) {
        None => {
            links();
            holes();
            times_and_dates();
            statfs();
            0
        }
        Some("mounts") => {
            mounts();
            0
        }
        Some(other) => {
            println!("links: unknown test {other} (links [mounts])");
            2
        }
    }
}

/// A call's answer as one word: "ok" or the errno's name.
fn said<T>(result: Result<T, Errno>) -> &'static str {
    match result {
        Ok(_) => "ok",
        Err(errno) => errno.name(),
    }
}

fn write_file(path: &str, text: &str) -> Result<(), Errno> {
    let fd = sys::open(path.as_bytes(), sys::O_CREAT | sys::O_WRONLY | sys::O_TRUNC, 0o644)?;
    sys::write(fd, text.as_bytes())?;
    sys::close(fd)?;
    Ok(())
}

/// The first line of a file, or the errno's name.
fn read_file(path: &str) -> String {
    let fd = match sys::open(path.as_bytes(), sys::O_RDONLY, 0) {
        Ok(fd) => fd,
        Err(errno) => return String::from(errno.name()),
    };
    let mut buffer = [0u8; 128];
    let count = sys::read(fd, &mut buffer).unwrap_or(0);
    let _ = sys::close(fd);
    String::from(core::str::from_utf8(&buffer[..count]).unwrap_or("?").trim_end())
}

fn kind(mode: u32) -> &'static str {
    match mode & S_IFMT {
        S_IFREG => "file",
        S_IFDIR => "directory",
        S_IFLNK => "link",
        _ => "other",
    }
}

fn show_readlink(path: &str) {
    let mut buffer = [0u8; 256];
    match sys::readlinkat(sys::AT_FDCWD, path.as_bytes(), &mut buffer) {
        Ok(length) => println!("readlink {path}: {}", core::str::from_utf8(&buffer[..length]).unwrap_or("?")),
        Err(errno) => println!("readlink {path}: {}", errno.name()),
    }
}

fn links() {
    let _ = write_file("links-a.txt", "alpha\n");
    println!("link a b: {}", said(sys::link(b"links-a.txt", b"links-b.txt")));
    if let (Ok(a), Ok(b)) = (sys::stat(b"links-a.txt"), sys::stat(b"links-b.txt")) {
        println!("a and b: one inode {}, links {} and {}", a.ino == b.ino, a.nlink, b.nlink);
    }
    println!("link again: {}", said(sys::link(b"links-a.txt", b"links-b.txt")));
    println!("link a missing file: {}", said(sys::link(b"links-none", b"links-c.txt")));
    println!("link into a missing directory: {}", said(sys::link(b"links-a.txt", b"links-none/c")));
    let _ = sys::mkdir(b"links-d", 0o755);
    println!("link a directory: {}", said(sys::link(b"links-d", b"links-e")));

    println!("symlink: {}", said(sys::symlink(b"links-a.txt", b"links-s")));
    println!("symlink again: {}", said(sys::symlink(b"links-b.txt", b"links-s")));
    println!("symlink to nothing: {}", said(sys::symlink(b"", b"links-empty")));
    show_readlink("links-s");
    show_readlink("links-a.txt");
    if let (Ok(link), Ok(file)) = (sys::lstat(b"links-s"), sys::stat(b"links-s")) {
        println!("lstat links-s: {} of {} bytes, permissions {:o}", kind(link.mode), link.size, link.mode & 0o7777);
        println!("stat links-s: {} of {} bytes, the inode of a {}", kind(file.mode), file.size, sys::stat(b"links-a.txt").map_or(false, |a| a.ino == file.ino));
    }
    println!("read through links-s: {}", read_file("links-s"));
    println!("open links-s O_NOFOLLOW: {}", said(sys::open(b"links-s", sys::O_RDONLY | sys::O_NOFOLLOW, 0)));
    println!("link links-s itself: {}", said(sys::link(b"links-s", b"links-s2")));
    if let (Ok(first), Ok(second)) = (sys::lstat(b"links-s"), sys::lstat(b"links-s2")) {
        println!("links-s2 is links-s: {}, {} links", first.ino == second.ino, second.nlink);
    }
    println!("link what links-s names: {}", said(sys::linkat(sys::AT_FDCWD, b"links-s", sys::AT_FDCWD, b"links-f.txt", sys::AT_SYMLINK_FOLLOW)));
    if let (Ok(a), Ok(f)) = (sys::stat(b"links-a.txt"), sys::lstat(b"links-f.txt")) {
        println!("links-f.txt: a {}, the inode of a {}, {} links", kind(f.mode), a.ino == f.ino, f.nlink);
    }

    // A target longer than the 60 bytes ext2 keeps in the inode gets a block of its own.
    let long = "links-d/../links-d/../links-d/../links-d/../links-d/../links-a.txt";
    println!("long symlink ({} bytes): {}", long.len(), said(sys::symlink(long.as_bytes(), b"links-long")));
    show_readlink("links-long");
    println!("read through links-long: {}", read_file("links-long"));

    println!("symlink to a directory: {}", said(sys::symlink(b"links-d", b"links-ds")));
    println!("create through it: {}", said(write_file("links-ds/inner.txt", "inner\n")));
    println!("read links-d/inner.txt: {}", read_file("links-d/inner.txt"));
    println!("stat links-ds/: {}", sys::stat(b"links-ds/").map_or("error", |stat| kind(stat.mode)));
    println!("lstat links-ds: {}", sys::lstat(b"links-ds").map_or("error", |stat| kind(stat.mode)));
    println!("rmdir links-ds: {}", said(sys::rmdir(b"links-ds")));
    // The working directory is where the link leads: getcwd names the directory, not the link.
    if sys::chdir(b"links-ds").is_ok() {
        let mut buffer = [0u8; 512];
        let length = sys::getcwd(&mut buffer).unwrap_or(0);
        let cwd = core::str::from_utf8(&buffer[..length]).unwrap_or("?");
        println!("getcwd after chdir links-ds: ends in {}", cwd.rsplit('/').next().unwrap_or("?"));
        let _ = sys::chdir(b"..");
    }
    println!("link chain: {}", said(sys::symlink(b"links-ds/../links-s", b"links-chain")));
    println!("read through links-chain: {}", read_file("links-chain"));

    println!("dangling symlink: {}", said(sys::symlink(b"links-nowhere", b"links-dangle")));
    println!("stat links-dangle: {}", said(sys::stat(b"links-dangle")));
    println!("lstat links-dangle: {}", said(sys::lstat(b"links-dangle")));
    println!("open links-dangle: {}", said(sys::open(b"links-dangle", sys::O_RDONLY, 0)));
    println!("create through links-dangle, O_EXCL: {}", said(sys::open(b"links-dangle", sys::O_CREAT | sys::O_EXCL | sys::O_WRONLY, 0o644)));
    println!("create through links-dangle: {}", said(write_file("links-dangle", "made through a link\n")));
    println!("read links-nowhere: {}", read_file("links-nowhere"));
    println!("open links-s O_CREAT|O_NOFOLLOW: {}", said(sys::open(b"links-s", sys::O_CREAT | sys::O_NOFOLLOW | sys::O_RDONLY, 0o644)));

    let _ = sys::symlink(b"links-loop2", b"links-loop1");
    let _ = sys::symlink(b"links-loop1", b"links-loop2");
    println!("stat a loop: {}", said(sys::stat(b"links-loop1")));
    println!("open a loop: {}", said(sys::open(b"links-loop1/x", sys::O_RDONLY, 0)));
    println!("lstat a loop: {}", said(sys::lstat(b"links-loop1")));

    println!("unlink links-s: {}", said(sys::unlink(b"links-s")));
    println!("links-a.txt after: {}", read_file("links-a.txt"));
    println!("unlink links-a.txt: {}", said(sys::unlink(b"links-a.txt")));
    println!("read links-b.txt: {}", read_file("links-b.txt"));
    println!("links-b.txt links: {}", sys::stat(b"links-b.txt").map_or(0, |stat| stat.nlink));
    println!("rename links-f.txt over links-b.txt: {}", said(sys::rename(b"links-f.txt", b"links-b.txt")));
    println!("links-b.txt links: {}", sys::stat(b"links-b.txt").map_or(0, |stat| stat.nlink));
    println!("read links-s2 (a link to the removed links-a.txt): {}", read_file("links-s2"));

    for name in ["links-b.txt", "links-f.txt", "links-s2", "links-long", "links-ds", "links-chain", "links-dangle", "links-nowhere", "links-loop1", "links-loop2", "links-d/inner.txt"] {
        if let Err(errno) = sys::unlink(name.as_bytes()) {
            println!("unlink {name}: {}", errno.name());
        }
    }
    if let Err(errno) = sys::rmdir(b"links-d") {
        println!("rmdir links-d: {}", errno.name());
    }
}

/// A file with a hole: it reads as zeros there, and takes less room than its size (st_blocks).
fn holes() {
    let Ok(fd) = sys::open(b"links-hole", sys::O_CREAT | sys::O_RDWR | sys::O_TRUNC, 0o644) else {
        println!("holes: cannot make links-hole");
        return;
    };
    println!("pwrite past a hole: {}", said(sys::pwrite(fd, b"x", 1_000_000)));
    let mut byte = [0xffu8; 1];
    println!("the hole reads as {:?}", sys::pread(fd, &mut byte, 500_000).map(|_| byte[0]));
    if let Ok(stat) = sys::fstat(fd) {
        println!("size {}, fewer blocks than the size needs: {}", stat.size, stat.blocks * 512 < stat.size);
    }
    let _ = sys::close(fd);
    let _ = sys::unlink(b"links-hole");
}

/// utimensat's [access, modification] pair from (seconds, nanoseconds) pairs.
fn times(access: (i64, i64), modification: (i64, i64)) -> [sys::Timespec; 2] {
    [
        sys::Timespec { seconds: access.0, nanoseconds: access.1 },
        sys::Timespec { seconds: modification.0, nanoseconds: modification.1 },
    ]
}

fn times_and_dates() {
    let _ = write_file("links-t.txt", "time\n");
    let _ = sys::symlink(b"links-t.txt", b"links-ts");
    let show = |what: &str| match sys::stat(b"links-t.txt") {
        Ok(stat) => println!("{what}: atime {} mtime {}", stat.atime, stat.mtime),
        Err(errno) => println!("{what}: {}", errno.name()),
    };
    println!("utimensat: {}", said(sys::utimensat(sys::AT_FDCWD, b"links-t.txt", Some(&times((1_000_000_000, 0), (1_234_567_890, 0))), 0)));
    show("set both");
    println!("utimensat omitting atime: {}", said(sys::utimensat(sys::AT_FDCWD, b"links-t.txt", Some(&times((5, sys::UTIME_OMIT), (1_300_000_000, 0))), 0)));
    show("set mtime");
    println!("utimensat through the link: {}", said(sys::utimensat(sys::AT_FDCWD, b"links-ts", Some(&times((1_100_000_000, 0), (1_200_000_000, 0))), 0)));
    show("set through the link");
    println!("utimensat on the link itself: {}", said(sys::utimensat(sys::AT_FDCWD, b"links-ts", Some(&times((1_400_000_000, 0), (1_400_000_000, 0))), sys::AT_SYMLINK_NOFOLLOW)));
    show("the target after");
    if let Ok(link) = sys::lstat(b"links-ts") {
        println!("the link after: atime {} mtime {}", link.atime, link.mtime);
    }
    println!("utimensat now for mtime: {}", said(sys::utimensat(sys::AT_FDCWD, b"links-t.txt", Some(&times((0, sys::UTIME_OMIT), (0, sys::UTIME_NOW))), 0)));
    if let Ok(stat) = sys::stat(b"links-t.txt") {
        // Bramble's clock is the card's last write time plus the time since boot: later than 2001.
        println!("atime kept {}, mtime is now (after 2001) {}", stat.atime == 1_100_000_000, stat.mtime > 1_000_000_000);
    }
    println!("utimensat NULL: {}", said(sys::utimensat(sys::AT_FDCWD, b"links-t.txt", None, 0)));
    if let Ok(stat) = sys::stat(b"links-t.txt") {
        println!("both now (after 2001): {}", stat.atime > 1_000_000_000 && stat.mtime > 1_000_000_000);
    }
    println!("utimensat bad nanoseconds: {}", said(sys::utimensat(sys::AT_FDCWD, b"links-t.txt", Some(&times((0, 1_000_000_000), (0, 0))), 0)));
    println!("utimensat bad flags: {}", said(sys::utimensat(sys::AT_FDCWD, b"links-t.txt", None, 0x8000)));
    println!("utimensat a missing file: {}", said(sys::utimensat(sys::AT_FDCWD, b"links-none", None, 0)));
    println!("utimensat omitting both, a missing file: {}", said(sys::utimensat(sys::AT_FDCWD, b"links-none", Some(&times((0, sys::UTIME_OMIT), (0, sys::UTIME_OMIT))), 0)));
    for name in ["links-ts", "links-t.txt"] {
        let _ = sys::unlink(name.as_bytes());
    }
}

fn statfs() {
    match sys::statfs(b".") {
        Ok(fs) => {
            println!("statfs .: names up to {} bytes, blocks counted {}, free within them {}", fs.name_length, fs.blocks > 0 && fs.block_size > 0, fs.blocks_free <= fs.blocks && fs.blocks_available <= fs.blocks_free);
        }
        Err(errno) => println!("statfs .: {}", errno.name()),
    }
    println!("statfs a missing file: {}", said(sys::statfs(b"links-none")));
    if let Ok((reading, writing)) = sys::pipe2(0) {
        match sys::fstatfs(reading) {
            Ok(fs) => println!("fstatfs a pipe: f_type {:#x}", fs.kind),
            Err(errno) => println!("fstatfs a pipe: {}", errno.name()),
        }
        let _ = sys::close(reading);
        let _ = sys::close(writing);
    }
    println!("fstatfs a bad descriptor: {}", said(sys::fstatfs(99)));
}

fn show_statfs(path: &str) {
    match sys::statfs(path.as_bytes()) {
        Ok(fs) => {
            let name = match fs.kind {
                sys::EXT2_SUPER_MAGIC => "ext2",
                sys::TMPFS_MAGIC => "tmpfs",
                _ => "unknown",
            };
            println!("statfs {path}: f_type {:#x} ({name}), {}-byte blocks, {} of {} free", fs.kind, fs.block_size, fs.blocks_free, fs.blocks);
        }
        Err(errno) => println!("statfs {path}: {}", errno.name()),
    }
}

/// MS_RDONLY, which Bramble does not implement; MNT_DETACH likewise.
const MS_RDONLY: usize = 1;
const MNT_DETACH: usize = 2;

fn mounts() {
    show_statfs("/");
    show_statfs("/tmp");
    if let Ok(fs) = sys::statfs(b"/dev") {
        println!("statfs /dev: f_type {:#x}", fs.kind);
    }
    let _ = sys::mkdir(b"/tmp/m", 0o755);
    let _ = write_file("/tmp/file", "a file\n");
    println!("mount an unknown type: {}", said(sys::mount(b"none", b"/tmp/m", b"nofs", 0)));
    println!("mount on a missing directory: {}", said(sys::mount(b"none", b"/tmp/none", b"tmpfs", 0)));
    println!("mount on a file: {}", said(sys::mount(b"none", b"/tmp/file", b"tmpfs", 0)));
    println!("mount read-only: {}", said(sys::mount(b"none", b"/tmp/m", b"tmpfs", MS_RDONLY)));

    println!("mount tmpfs: {}", said(sys::mount(b"none", b"/tmp/m", b"tmpfs", 0)));
    println!("mount it again: {}", said(sys::mount(b"none", b"/tmp/m", b"tmpfs", 0)));
    let _ = write_file("/tmp/m/inside", "inside\n");
    println!("read /tmp/m/inside: {}", read_file("/tmp/m/inside"));
    let fd = sys::open(b"/tmp/m/inside", sys::O_RDONLY, 0);
    println!("umount2 with a file open: {}", said(sys::umount2(b"/tmp/m", 0)));
    if let Ok(fd) = fd {
        let _ = sys::close(fd);
    }
    let _ = sys::chdir(b"/tmp/m");
    println!("umount2 with the working directory there: {}", said(sys::umount2(b"/tmp/m", 0)));
    let _ = sys::chdir(b"/");
    println!("umount2 lazily: {}", said(sys::umount2(b"/tmp/m", MNT_DETACH)));
    println!("umount2: {}", said(sys::umount2(b"/tmp/m", 0)));
    println!("read /tmp/m/inside after: {}", read_file("/tmp/m/inside"));
    println!("umount2 again: {}", said(sys::umount2(b"/tmp/m", 0)));

    println!("mount ext2: {}", said(sys::mount(b"/dev/mmcblk0p2", b"/tmp/m", b"ext2", 0)));
    show_statfs("/tmp/m");
    println!("read /tmp/m/etc/hostname: {}", read_file("/tmp/m/etc/hostname"));
    if let (Ok(there), Ok(here)) = (sys::stat(b"/tmp/m/etc/hostname"), sys::stat(b"/etc/hostname")) {
        println!("the same file as /etc/hostname: {}", there.ino == here.ino && there.dev == here.dev);
    }
    println!("umount2 ext2: {}", said(sys::umount2(b"/tmp/m", 0)));
    println!("mount devtmpfs: {}", said(sys::mount(b"none", b"/tmp/m", b"devtmpfs", 0)));
    println!("stat /tmp/m/null: {}", sys::stat(b"/tmp/m/null").map_or("error", |stat| if stat.mode & S_IFMT == S_IFCHR { "a character device" } else { "not a device" }));
    println!("umount2 devtmpfs: {}", said(sys::umount2(b"/tmp/m", 0)));
    println!("umount2 /: {}", said(sys::umount2(b"/", 0)));
    println!("umount2 a directory nothing is mounted on: {}", said(sys::umount2(b"/etc", 0)));

    // Links: absolute targets start at the root; `..` in a target crosses back out of a mount.
    println!("absolute symlink: {}", said(sys::symlink(b"/etc/hostname", b"/tmp/abs")));
    println!("read /tmp/abs: {}", read_file("/tmp/abs"));
    println!("symlink out of tmpfs: {}", said(sys::symlink(b"../etc", b"/tmp/up")));
    println!("read /tmp/up/hostname: {}", read_file("/tmp/up/hostname"));
    println!("hard link across filesystems: {}", said(sys::link(b"/etc/hostname", b"/tmp/hard")));
    println!("hard link in tmpfs: {}", said(sys::link(b"/tmp/file", b"/tmp/hard")));
    println!("/tmp/file links: {}", sys::stat(b"/tmp/file").map_or(0, |stat| stat.nlink));
    println!("hard link in devfs: {}", said(sys::link(b"/dev/null", b"/dev/null2")));
    println!("symlink in devfs: {}", said(sys::symlink(b"null", b"/dev/nothing")));
    println!("utimensat /dev/null: {}", said(sys::utimensat(sys::AT_FDCWD, b"/dev/null", None, 0)));
    for name in ["/tmp/abs", "/tmp/up", "/tmp/hard", "/tmp/file"] {
        let _ = sys::unlink(name.as_bytes());
    }
    let _ = sys::rmdir(b"/tmp/m");
}
