//! dirs: directories: mkdir, chdir and getcwd, `.` and `..`, listing with getdents64,
//! rename of files and directories, unlink and rmdir, fchdir. Leaves a tree under `d`.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::string::String;
use alloc::vec::Vec;
use ulib::dirent::{self, DT_DIR, DT_REG};
use ulib::sys;
use ulib::{Errno, println};

ulib::main!(run);

fn run() -> i32 {
    match steps() {
        Ok(()) => 0,
        Err(errno) => {
            println!("dirs: {errno}");
            1
        }
    }
}

/// The names in directory `path`, sorted (the order getdents64 gives depends on the
/// filesystem), each with / after a directory.
fn list(path: &str) -> Result<String, Errno> {
    let fd = sys::open(path, sys::O_RDONLY | sys::O_DIRECTORY, 0)?;
    let mut names: Vec<String> = Vec::new();
    let mut buffer = [0u8; 256];
    loop {
        let count = sys::getdents64(fd, &mut buffer)?;
        if count == 0 {
            break;
        }
        for entry in dirent::entries(&buffer[..count]) {
            let suffix = match entry.kind {
                DT_DIR => "/",
                DT_REG => "",
                _ => "?",
            };
            names.push(alloc::format!("{}{suffix}", entry.name));
        }
    }
    sys::close(fd)?;
    names.sort();
    Ok(names.join(" "))
}

/// The working directory, relative to where the program started (`base`): the test runs
/// it at / on Bramble and in a scratch folder on Linux.
fn cwd(base: &str) -> Result<String, Errno> {
    let mut buffer = [0u8; 512];
    let path = sys::getcwd(&mut buffer)?;
    let base = base.trim_end_matches('/');
    Ok(String::from(path.strip_prefix(base).unwrap_or(path)))
}

fn steps() -> Result<(), Errno> {
    let mut buffer = [0u8; 512];
    let base = String::from(sys::getcwd(&mut buffer)?);
    sys::mkdir("d", 0o755)?;
    sys::mkdir("d/sub", 0o700)?;
    let stat = sys::stat("d/sub")?;
    println!("mkdir d/sub: a directory {}, permissions {:o}", stat.mode & sys::S_IFMT == sys::S_IFDIR, stat.mode & 0o777);
    sys::chdir("d")?;
    println!("chdir d: cwd {}", cwd(&base)?);
    let fd = sys::open("sub/notes", sys::O_CREAT | sys::O_WRONLY, 0o644)?;
    sys::write(fd, b"notes\n")?;
    sys::close(fd)?;
    sys::chdir("sub/../sub/./")?;
    println!("chdir sub/../sub/./: cwd {}", cwd(&base)?);
    println!("ls .: {}", list(".")?);
    sys::chdir("..")?;
    println!("chdir ..: cwd {}", cwd(&base)?);
    println!("ls sub/..: {}", list("sub/..")?);

    // Renames: a file to another directory, a file over another, a directory.
    sys::rename("sub/notes", "moved")?;
    let fd = sys::open("other", sys::O_CREAT | sys::O_WRONLY, 0o644)?;
    sys::write(fd, b"other\n")?;
    sys::close(fd)?;
    sys::rename("moved", "other")?;
    let mut text = [0u8; 16];
    let fd = sys::open("other", sys::O_RDONLY, 0)?;
    let count = sys::read(fd, &mut text)?;
    sys::close(fd)?;
    println!("rename over a file: other now holds {:?}", core::str::from_utf8(&text[..count]).unwrap_or("?"));
    sys::rename("sub", "sub2")?;
    println!("rename sub sub2: ls . {}", list(".")?);
    sys::mkdir("empty", 0o755)?;
    sys::rename("empty", "sub2")?;
    println!("rename a directory over an empty one: ls . {}", list(".")?);

    // fchdir: back to a directory by a descriptor open on it.
    let here = sys::open(".", sys::O_RDONLY | sys::O_DIRECTORY, 0)?;
    sys::chdir("/")?;
    sys::fchdir(here)?;
    sys::close(here)?;
    println!("fchdir back: cwd {}", cwd(&base)?);

    // Removing: a file, then the directory it was in once empty.
    sys::mkdir("gone", 0o755)?;
    let fd = sys::open("gone/file", sys::O_CREAT | sys::O_WRONLY, 0o644)?;
    sys::close(fd)?;
    sys::unlink("gone/file")?;
    sys::rmdir("gone")?;
    println!("unlink and rmdir: ls . {}", list(".")?);
    sys::chdir("..")?;
    println!("ls d/sub2: {}", list("d/sub2")?);
    Ok(())
}
