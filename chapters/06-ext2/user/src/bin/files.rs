//! files: reading and writing files, as POSIX says they behave: offsets that move, and that
//! dup and fork share; O_APPEND, O_TRUNC, pread and pwrite, readv and writev, ftruncate,
//! fstat's size and permissions, the umask, fcntl's flags, /dev/null and /dev/zero. Leaves
//! files.txt behind, for the test to compare the tree.
#![no_std]
#![no_main]

extern crate alloc;

use ulib::sys::{self, Fork};
use ulib::{Errno, println};

ulib::main!(run);

fn run() -> i32 {
    match steps() {
        Ok(()) => 0,
        Err(errno) => {
            println!("files: {errno}");
            1
        }
    }
}

/// Reads what is left of `fd`, up to 200 bytes, as text.
fn rest(fd: usize) -> Result<alloc::string::String, Errno> {
    let mut buffer = [0u8; 200];
    let count = sys::read(fd, &mut buffer)?;
    Ok(alloc::string::String::from_utf8_lossy(&buffer[..count]).replace('\n', "|"))
}

fn steps() -> Result<(), Errno> {
    // Create, write, and see the offset move.
    let fd = sys::open("files.txt", sys::O_CREAT | sys::O_WRONLY | sys::O_TRUNC, 0o666)?;
    println!("write: {} bytes", sys::write(fd, b"hello\n")?);
    println!("writev: {} bytes", sys::writev(fd, &[b"second ", b"line\n"])?);
    println!("offset after writing: {}", sys::lseek(fd, 0, sys::SEEK_CUR)?);
    sys::close(fd)?;
    let stat = sys::stat("files.txt")?;
    println!("stat: size {}, regular {}, permissions {:o} (0666 less the umask)", stat.size, stat.mode & sys::S_IFMT == sys::S_IFREG, stat.mode & 0o777);

    // Read it back, with seeks.
    let fd = sys::open("files.txt", sys::O_RDWR, 0)?;
    println!("read: {}", rest(fd)?);
    println!("read at the end: {:?}", rest(fd)?);
    println!("lseek SEEK_SET 6: {}", sys::lseek(fd, 6, sys::SEEK_SET)?);
    let mut word = [0u8; 6];
    sys::read(fd, &mut word)?;
    println!("read 6: {}", core::str::from_utf8(&word).unwrap_or("?"));
    println!("lseek SEEK_END -5: {}", sys::lseek(fd, -5, sys::SEEK_END)?);
    println!("read: {}", rest(fd)?);

    // pread and pwrite leave the offset alone.
    sys::lseek(fd, 2, sys::SEEK_SET)?;
    let mut three = [0u8; 3];
    sys::pread(fd, &mut three, 7)?;
    sys::pwrite(fd, b"J", 0)?;
    println!("pread at 7: {}, offset still {}", core::str::from_utf8(&three).unwrap_or("?"), sys::lseek(fd, 0, sys::SEEK_CUR)?);
    let (mut first, mut second) = ([0u8; 2], [0u8; 3]);
    let count = sys::readv(fd, &mut [&mut first, &mut second])?;
    println!("readv: {count} bytes: {:?} {:?}", core::str::from_utf8(&first).unwrap_or("?"), core::str::from_utf8(&second).unwrap_or("?"));

    // dup shares the offset; the copy is not close-on-exec.
    let copy = sys::dup(fd)?;
    sys::lseek(fd, 0, sys::SEEK_SET)?;
    let mut two = [0u8; 2];
    sys::read(copy, &mut two)?;
    println!("dup: reading the copy moved the original to {}", sys::lseek(fd, 0, sys::SEEK_CUR)?);
    sys::fcntl(fd, sys::F_SETFD, sys::FD_CLOEXEC)?;
    println!("close-on-exec: original {}, copy {}", sys::fcntl(fd, sys::F_GETFD, 0)?, sys::fcntl(copy, sys::F_GETFD, 0)?);
    sys::close(copy)?;

    // fork shares it too: the child's read moves the parent's offset.
    sys::lseek(fd, 0, sys::SEEK_SET)?;
    match sys::fork()? {
        Fork::Child => {
            let mut skip = [0u8; 6];
            let _ = sys::read(fd, &mut skip);
            sys::exit(0)
        }
        Fork::Parent { .. } => {
            sys::wait4(-1, 0)?;
            println!("after the child read 6 bytes: {}", rest(fd)?);
        }
    }

    // O_APPEND writes at the end, wherever the offset is; fcntl sees and sets it.
    let appending = sys::open("files.txt", sys::O_WRONLY | sys::O_APPEND, 0)?;
    sys::write(appending, b"appended\n")?;
    let status = sys::fcntl(appending, sys::F_GETFL, 0)? & (sys::O_ACCMODE | sys::O_APPEND);
    println!("O_APPEND: size now {}, F_GETFL {:#o}", sys::fstat(appending)?.size, status);
    sys::fcntl(appending, sys::F_SETFL, 0)?;
    println!("F_SETFL 0: F_GETFL {:#o}", sys::fcntl(appending, sys::F_GETFL, 0)? & (sys::O_ACCMODE | sys::O_APPEND));
    sys::close(appending)?;

    // ftruncate cuts; writing past the end leaves a hole of zeros.
    sys::ftruncate(fd, 4)?;
    sys::pwrite(fd, b"!", 6)?;
    let mut all = [0xffu8; 8];
    let count = sys::pread(fd, &mut all, 0)?;
    println!("truncated to 4, then a byte at 6: {count} bytes: {:?}", &all[..count]);
    sys::close(fd)?;
    let fd = sys::open("files.txt", sys::O_WRONLY | sys::O_TRUNC, 0)?;
    sys::write(fd, b"the end\n")?;
    sys::close(fd)?;
    println!("O_TRUNC, then rewritten: size {}", sys::stat("files.txt")?.size);

    // The umask takes bits away from a new file's permissions.
    let old = sys::umask(0o077);
    let fd = sys::open("private.txt", sys::O_CREAT | sys::O_WRONLY, 0o666)?;
    println!("umask {old:03o} -> 077: new file's permissions {:o}", sys::fstat(fd)?.mode & 0o777);
    sys::umask(old);
    sys::close(fd)?;
    sys::unlink("private.txt")?;

    // The devices.
    let null = sys::open("/dev/null", sys::O_RDWR, 0)?;
    println!("/dev/null: write {} bytes, read {}", sys::write(null, b"gone")?, sys::read(null, &mut [0u8; 4])?);
    let zero = sys::open("/dev/zero", sys::O_RDONLY, 0)?;
    let mut zeros = [1u8; 5];
    println!("/dev/zero: read {} bytes: {:?}", sys::read(zero, &mut zeros)?, zeros);
    let stat = sys::fstat(null)?;
    println!("/dev/null is a character device: {}", stat.mode & sys::S_IFMT == sys::S_IFCHR);
    sys::close(null)?;
    sys::close(zero)?;
    Ok(())
}
