//! errors: the errors the file system calls give, each in a case where Linux gives it,
//! printed by name. `errors` runs the cases any Linux answers the same way; `errors
//! mounts` the ones that need Bramble's tree (devfs mounted on /dev).
#![no_std]
#![no_main]

extern crate alloc;

use alloc::string::String;
use alloc::vec::Vec;
use ulib::sys;
use ulib::{Errno, println};

ulib::main!(run);

fn show(what: &str, result: Result<usize, Errno>) {
    match result {
        Ok(value) => println!("{what}: no error ({value})"),
        Err(errno) => println!("{what}: {}", errno.name()),
    }
}

fn execve(path: &str) -> Result<usize, Errno> {
    let path = alloc::format!("{path}\0");
    let argv = [path.as_ptr(), core::ptr::null()];
    Err(sys::execve(path.as_bytes(), &argv, &[core::ptr::null()]))
}

fn run() -> i32 {
    if ulib::args().nth(1) == Some("mounts") {
        show("rename across filesystems (EXDEV)", sys::rename("/etc/motd", "/dev/motd"));
        show("rmdir of a mount point (EBUSY)", sys::rmdir("/dev"));
        show("mkdir in devfs (EPERM)", sys::mkdir("/dev/new", 0o755));
        show("rmdir / (EBUSY)", sys::rmdir("/"));
        return 0;
    }
    let file = sys::open("etc/motd", sys::O_RDONLY, 0).unwrap_or(usize::MAX);
    let directory = sys::open("etc", sys::O_RDONLY | sys::O_DIRECTORY, 0).unwrap_or(usize::MAX);

    show("open of a missing file", sys::open("missing", sys::O_RDONLY, 0));
    show("open under a missing directory", sys::open("missing/file", sys::O_CREAT | sys::O_WRONLY, 0o644));
    show("stat of a missing file", sys::stat("missing").map(|_| 0));
    show("chdir to a missing directory", sys::chdir("missing"));
    show("unlink of a missing file", sys::unlink("missing"));
    show("rename of a missing file", sys::rename("missing", "other"));
    show("execve of a missing file", execve("missing"));

    show("open under a file", sys::open("etc/motd/x", sys::O_RDONLY, 0));
    show("mkdir under a file", sys::mkdir("etc/motd/x", 0o755));
    show("open O_DIRECTORY of a file", sys::open("etc/motd", sys::O_RDONLY | sys::O_DIRECTORY, 0));
    show("open of a file with a trailing /", sys::open("etc/motd/", sys::O_RDONLY, 0));
    show("chdir to a file", sys::chdir("etc/motd"));
    show("rmdir of a file", sys::rmdir("etc/motd"));

    show("open of a directory for writing", sys::open("etc", sys::O_WRONLY, 0));
    show("open of a directory O_RDWR", sys::open("etc", sys::O_RDWR, 0));
    show("read of a directory", sys::read(directory, &mut [0u8; 8]));
    show("unlink of a directory", sys::unlink("etc"));
    show("O_CREAT of a name ending in /", sys::open("newfile/", sys::O_CREAT | sys::O_WRONLY, 0o644));

    show("mkdir of an existing directory", sys::mkdir("etc", 0o755));
    show("mkdir of .", sys::mkdir(".", 0o755));
    show("O_CREAT | O_EXCL of an existing file", sys::open("etc/motd", sys::O_CREAT | sys::O_EXCL | sys::O_WRONLY, 0o644));

    show("rmdir of a directory with files", sys::rmdir("etc"));
    let _ = sys::mkdir("scratch-a", 0o755);
    let _ = sys::mkdir("scratch-b", 0o755);
    let _ = sys::mkdir("scratch-b/inside", 0o755);
    show("rename of a directory over a full one", sys::rename("scratch-a", "scratch-b"));
    show("rename of a directory under itself", sys::rename("scratch-b", "scratch-b/inside/deeper"));
    show("rename of a file over a directory", sys::rename("etc/motd", "scratch-a"));
    show("rename of a directory over a file", sys::rename("scratch-a", "etc/motd"));
    let _ = sys::rmdir("scratch-b/inside");
    let _ = sys::rmdir("scratch-b");
    let _ = sys::rmdir("scratch-a");

    show("read of a descriptor never opened", sys::read(99, &mut [0u8; 1]));
    show("write of a descriptor never opened", sys::write(99, b"x"));
    show("close of a descriptor never opened", sys::close(99));
    show("fstat of a descriptor never opened", sys::fstat(99).map(|_| 0));
    show("write to a file open for reading", sys::write(file, b"x"));
    let writing = sys::open("etc/motd", sys::O_WRONLY, 0).unwrap_or(usize::MAX);
    show("read of a file open for writing", sys::read(writing, &mut [0u8; 1]));
    let _ = sys::close(writing);
    show("close twice", sys::close(writing));
    show("dup3 onto a descriptor past the limit", sys::dup3(file, 1 << 20, 0));

    let mut copies = Vec::new();
    let full = loop {
        match sys::dup(file) {
            Ok(fd) => copies.push(fd),
            Err(errno) => break errno,
        }
    };
    println!("dup until the table is full: {}", full.name());
    for fd in copies {
        let _ = sys::close(fd);
    }

    let long_name: String = core::iter::repeat_n('n', 256).collect();
    show("open of a 256-byte name", sys::open(&long_name, sys::O_RDONLY, 0));
    let long_path: String = core::iter::repeat_n("a/", 2100).collect();
    show("open of a 4200-byte path", sys::open(&long_path, sys::O_RDONLY, 0));

    show("lseek to before the start", sys::lseek(file, -1, sys::SEEK_SET));
    show("lseek with an unknown whence", sys::lseek(file, 0, 7));
    show("rmdir of .", sys::rmdir("."));
    show("dup3 of a descriptor onto itself", sys::dup3(file, file, 0));
    show("fcntl with an unknown command", sys::fcntl(file, 9999, 0));
    show("ftruncate of a file open for reading", sys::ftruncate(file, 0));

    show("execve of a file without an execute bit", execve("etc/motd"));
    show("access X_OK of a file without an execute bit", sys::access("etc/motd", sys::X_OK));
    if let Ok(fd) = sys::open("script", sys::O_CREAT | sys::O_WRONLY | sys::O_TRUNC, 0o755) {
        let _ = sys::write(fd, b"not a program\n");
        let _ = sys::close(fd);
    }
    show("execve of a file that is not a program", execve("script"));
    let _ = sys::unlink("script");

    show("TCGETS on a file", sys::tcgetattr(file).map(|_| 0));
    show("getcwd into 1 byte", sys::getcwd(&mut [0u8; 1]).map(|_| 0));
    // SAFETY: deliberately a bad pointer, which the kernel must refuse with EFAULT.
    show("open of a path at a bad address", Errno::check(unsafe { sys::syscall(sys::nr::OPENAT, [sys::AT_FDCWD as usize, 16, 0, 0, 0, 0]) }));
    let _ = sys::close(file);
    let _ = sys::close(directory);
    0
}
