//! What the coreutils share: reading the command line with GNU's option syntax and reporting
//! a bad one as GNU's tools do, opening inputs (`-` is standard input), the user and group
//! names of /etc/passwd and /etc/group, and turning the program's words into system calls.

use crate::cli::{self, Parsed};
use crate::errno::Errno;
use crate::{dirent, eprintln, io, program, sys};
use alloc::string::String;
use alloc::vec::Vec;

/// The program's arguments after its name.
pub fn arguments() -> Vec<&'static str> {
    crate::args().skip(1).collect()
}

// ANCHOR: options
/// The command line read with `flags` and `with_value` (see `cli::parse`); a bad option is
/// reported in GNU's two lines and `Err(status)` says how to exit.
pub fn options(flags: &str, with_value: &str, status: i32) -> Result<Parsed<'static>, i32> {
    let args = arguments();
    cli::parse(&args, flags, with_value).map_err(|error| usage(format_args!("{error}"), status))
}

/// A usage error: the message, GNU's pointer to --help, and the status to exit with.
pub fn usage(message: core::fmt::Arguments, status: i32) -> i32 {
    eprintln!("{}: {}\nTry '{} --help' for more information.", program(), message, program());
    status
}
// ANCHOR_END: options

/// Opens `name` for reading; `-` is standard input (which is not closed afterwards).
pub fn open_input(name: &str) -> Result<usize, Errno> {
    if name == "-" {
        return Ok(0);
    }
    let fd = sys::open(name.as_bytes(), sys::O_RDONLY | sys::O_CLOEXEC, 0)?;
    // Reading a directory fails with EISDIR, as Linux's read says; find out now.
    match sys::fstat(fd) {
        Ok(stat) if stat.is_dir() => {
            let _ = sys::close(fd);
            Err(Errno::EISDIR)
        }
        _ => Ok(fd),
    }
}

/// Closes an input `open_input` opened.
pub fn close_input(fd: usize) {
    if fd != 0 {
        let _ = sys::close(fd);
    }
}

/// All of the input `name` (a file, or `-`).
pub fn read_input(name: &str) -> Result<Vec<u8>, Errno> {
    let fd = open_input(name)?;
    let bytes = io::read_all(fd);
    close_input(fd);
    bytes
}

/// The name /etc/passwd (or /etc/group) gives `id`, or the number when it names none.
pub fn id_name(database: &str, id: u32) -> String {
    let found = read_input(database).ok().and_then(|text| {
        text.split(|&byte| byte == b'\n').find_map(|line| {
            let mut fields = line.split(|&byte| byte == b':');
            let name = fields.next()?;
            let number = fields.nth(1)?;
            (core::str::from_utf8(number).ok()?.parse::<u32>().ok()? == id).then(|| String::from_utf8_lossy(name).into_owned())
        })
    });
    found.unwrap_or_else(|| alloc::format!("{id}"))
}

/// Runs `argv[0]` as a program, searched in `PATH` when it has no `/`, with `env`; returns
/// only when that failed, with the error (the last one other than "not found" wins, as in
/// POSIX's shell: a program found but not runnable is reported as such).
pub fn exec(argv: &[&str], env: &[String]) -> Errno {
    let Some(&name) = argv.first() else { return Errno::ENOENT };
    let args: Vec<String> = argv.iter().map(|arg| alloc::format!("{arg}\0")).collect();
    let env: Vec<String> = env.iter().map(|variable| alloc::format!("{variable}\0")).collect();
    let mut argv: Vec<*const u8> = args.iter().map(|arg| arg.as_ptr()).collect();
    argv.push(core::ptr::null());
    let mut envp: Vec<*const u8> = env.iter().map(|variable| variable.as_ptr()).collect();
    envp.push(core::ptr::null());
    if name.contains('/') {
        return sys::execve(alloc::format!("{name}\0").as_bytes(), &argv, &envp);
    }
    let path = env.iter().find_map(|variable| variable.strip_prefix("PATH=")).map_or("/bin:/usr/bin", |path| path.trim_end_matches('\0'));
    let mut error = Errno::ENOENT;
    for folder in path.split(':') {
        let folder = if folder.is_empty() { "." } else { folder };
        let candidate = alloc::format!("{}\0", crate::path::join(folder, name));
        match sys::execve(candidate.as_bytes(), &argv, &envp) {
            Errno::ENOENT | Errno::ENOTDIR => {}
            other => error = other,
        }
    }
    error
}

/// The names in a directory, in the order it holds them; `.` and `..` only if `with_dots`.
pub fn directory(folder: &str, with_dots: bool) -> Result<Vec<String>, Errno> {
    let fd = sys::open(folder.as_bytes(), sys::O_RDONLY | sys::O_DIRECTORY | sys::O_CLOEXEC, 0)?;
    let mut names = Vec::new();
    let mut buffer = [0u8; 4096];
    let listed = loop {
        match sys::getdents64(fd, &mut buffer) {
            Ok(0) => break Ok(()),
            Ok(count) => names.extend(
                dirent::entries(&buffer[..count])
                    .filter(|entry| with_dots || (entry.name != b"." && entry.name != b".."))
                    .map(|entry| String::from_utf8_lossy(entry.name).into_owned()),
            ),
            Err(errno) => break Err(errno),
        }
    };
    let _ = sys::close(fd);
    listed.map(|_| names)
}
