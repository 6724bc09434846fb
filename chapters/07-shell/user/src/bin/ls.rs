//! ls [-l] [-a] [-A] [-1] [-R] [-d] [FILE]...: lists directories' contents and files, sorted
//! by name (byte by byte, as GNU's ls in the C locale). -l long form (mode, links, owner,
//! group, size, time, name); -a with names starting with "." (-A without . and ..); -1 one
//! name a line (the default when the output is not a terminal; on one, names go in columns
//! as wide as the terminal); -R into every subdirectory; -d the directories themselves.
//! Exit status 2 when a named file cannot be reached, 1 when something inside one cannot.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;
use ulib::cli::Parsed;
use ulib::io::Output;
use ulib::stat::{self, Stat};
use ulib::time::{DateTime, HALF_YEAR};
use ulib::{complain, path, sys, tool};

ulib::main!(run);

/// A name to show, and what the file system says about it.
struct Listed {
    name: String,
    /// Where the file is, for reading a link.
    path: String,
    info: Stat,
}

struct Settings {
    long: bool,
    all: bool,
    almost_all: bool,
    recursive: bool,
    /// Columns fit to this width; None: one name a line.
    columns: Option<usize>,
    now: i64,
}

fn run() -> i32 {
    let options = match tool::options("laA1Rd", "", 2) {
        Ok(options) => options,
        Err(status) => return status,
    };
    let settings = settings(&options);
    let operands = if options.operands.is_empty() { alloc::vec!["."] } else { options.operands.clone() };
    let mut status = 0;
    let mut files = Vec::new();
    let mut folders = Vec::new();
    for &name in &operands {
        // A link named on the command line is followed, unless it is to be shown itself.
        let followed = if settings.long || options.has('d') { sys::lstat(name.as_bytes()) } else { sys::stat(name.as_bytes()).or_else(|_| sys::lstat(name.as_bytes())) };
        match followed {
            Ok(info) if info.is_dir() && !options.has('d') => folders.push(String::from(name)),
            Ok(info) => files.push(Listed { name: String::from(name), path: String::from(name), info }),
            Err(errno) => {
                complain!("cannot access '{name}': {}", errno.message());
                status = 2;
            }
        }
    }
    files.sort_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
    folders.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    let mut out = Output::stdout();
    show(&mut out, &files, &settings, false);
    let headed = operands.len() > 1 || settings.recursive;
    let mut first = files.is_empty();
    for folder in folders {
        if list_folder(&mut out, &folder, &settings, headed, &mut first) {
            status = status.max(1);
        }
    }
    status
}

fn settings(options: &Parsed) -> Settings {
    // Columns only for a terminal, and only without -l or -1 (GNU's default).
    let terminal = sys::window_size(1).ok();
    let columns = terminal.filter(|_| !options.has('l') && !options.has('1')).map(|size| if size.columns == 0 { 80 } else { size.columns as usize });
    Settings {
        long: options.has('l'),
        all: options.has('a'),
        almost_all: options.has('A'),
        recursive: options.has('R'),
        columns,
        now: sys::clock_gettime(sys::CLOCK_REALTIME).map_or(0, |now| now.seconds),
    }
}

/// Lists one folder (and with -R those inside it); true if something could not be read.
fn list_folder(out: &mut Output, folder: &str, settings: &Settings, headed: bool, first: &mut bool) -> bool {
    let mut trouble = false;
    if headed {
        let _ = write!(out, "{}{folder}:\n", if *first { "" } else { "\n" });
    }
    *first = false;
    let names = match tool::directory(folder, settings.all) {
        Ok(names) => names,
        Err(errno) => {
            out.flush();
            complain!("cannot open directory '{folder}': {}", errno.message());
            return true;
        }
    };
    let mut entries: Vec<Listed> = Vec::new();
    for name in names {
        if name.starts_with('.') && !settings.all && !settings.almost_all {
            continue;
        }
        let path = path::join(folder, &name);
        match sys::lstat(path.as_bytes()) {
            Ok(info) => entries.push(Listed { name, path, info }),
            Err(errno) => {
                out.flush();
                complain!("cannot access '{path}': {}", errno.message());
                trouble = true;
            }
        }
    }
    entries.sort_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
    show(out, &entries, settings, true);
    if settings.recursive {
        for entry in entries.iter().filter(|entry| entry.info.is_dir() && entry.name != "." && entry.name != "..") {
            trouble |= list_folder(out, &entry.path, settings, true, first);
        }
    }
    trouble
}

/// Shows a list of entries: long lines, columns, or one name a line.
fn show(out: &mut Output, entries: &[Listed], settings: &Settings, with_total: bool) {
    if settings.long {
        long_lines(out, entries, settings, with_total);
    } else if let Some(width) = settings.columns {
        columns(out, entries, width);
    } else {
        for entry in entries {
            out.write(entry.name.as_bytes());
            out.write(b"\n");
        }
    }
}

fn long_lines(out: &mut Output, entries: &[Listed], settings: &Settings, with_total: bool) {
    if with_total {
        // st_blocks counts 512-byte blocks; ls counts kibibytes.
        let blocks: i64 = entries.iter().map(|entry| entry.info.blocks).sum();
        let _ = writeln!(out, "total {}", (blocks + 1) / 2);
    }
    let owners: Vec<String> = entries.iter().map(|entry| tool::id_name("/etc/passwd", entry.info.uid)).collect();
    let groups: Vec<String> = entries.iter().map(|entry| tool::id_name("/etc/group", entry.info.gid)).collect();
    let sizes: Vec<String> = entries.iter().map(|entry| size_text(&entry.info)).collect();
    let width = |texts: &[String]| texts.iter().map(String::len).max().unwrap_or(0);
    let links = entries.iter().map(|entry| alloc::format!("{}", entry.info.nlink).len()).max().unwrap_or(0);
    let (owner_width, group_width, size_width) = (width(&owners), width(&groups), width(&sizes));
    for (index, entry) in entries.iter().enumerate() {
        let mode = stat::mode_string(entry.info.mode);
        let _ = write!(
            out,
            "{} {:>links$} {:<owner_width$} {:<group_width$} {:>size_width$} {} {}",
            core::str::from_utf8(&mode).unwrap_or("?"),
            entry.info.nlink,
            owners[index],
            groups[index],
            sizes[index],
            when(entry.info.mtime, settings.now),
            entry.name
        );
        if entry.info.is_symlink() {
            let mut target = [0u8; 4096];
            if let Ok(length) = sys::readlinkat(sys::AT_FDCWD, entry.path.as_bytes(), &mut target) {
                let _ = write!(out, " -> {}", String::from_utf8_lossy(&target[..length]));
            }
        }
        out.write(b"\n");
    }
}

/// The size column: bytes, or a device file's "major, minor".
fn size_text(info: &Stat) -> String {
    let kind = info.mode & stat::S_IFMT;
    if kind == stat::S_IFCHR || kind == stat::S_IFBLK {
        let (major, minor) = stat::major_minor(info.rdev);
        alloc::format!("{major}, {minor}")
    } else {
        alloc::format!("{}", info.size)
    }
}

/// "Nov 29 11:22" for a time in the last six months, "Nov 29  2025" otherwise (as GNU's ls).
fn when(seconds: i64, now: i64) -> String {
    let time = DateTime::from_unix(seconds);
    if seconds > now - HALF_YEAR && seconds <= now {
        alloc::format!("{} {:>2} {:02}:{:02}", time.month_name(), time.day, time.hour, time.minute)
    } else {
        alloc::format!("{} {:>2}  {}", time.month_name(), time.day, time.year)
    }
}

/// Names in columns, filled top to bottom then left to right: as few rows as fit `width`
/// (with the last character place left free, as GNU's ls leaves it), each column as wide as
/// its longest name and two spaces.
fn columns(out: &mut Output, entries: &[Listed], width: usize) {
    if entries.is_empty() {
        return;
    }
    let lengths: Vec<usize> = entries.iter().map(|entry| entry.name.chars().count()).collect();
    let layout = (1..=entries.len())
        .map(|rows| {
            let widths: Vec<usize> = lengths.chunks(rows).map(|column| column.iter().max().copied().unwrap_or(0) + 2).collect();
            (rows, widths)
        })
        .find(|(_, widths)| widths.iter().sum::<usize>() - 2 < width)
        .unwrap_or_else(|| (entries.len(), alloc::vec![0]));
    let (rows, widths) = layout;
    for row in 0..rows {
        let mut line = String::new();
        // Where the line has got to, and where the next column starts, in characters.
        let (mut at, mut start) = (0, 0);
        for (column, width) in widths.iter().enumerate() {
            let Some(entry) = entries.get(column * rows + row) else { continue };
            pad(&mut line, at, start);
            line.push_str(&entry.name);
            at = start + lengths[column * rows + row];
            start += width;
        }
        out.write(line.as_bytes());
        out.write(b"\n");
    }
}

/// Blanks from column `from` to column `to`: tabs (stops every 8) where a tab fits, then
/// spaces, as GNU's ls pads its columns on a terminal.
fn pad(line: &mut String, mut from: usize, to: usize) {
    const TAB: usize = 8;
    while from < to {
        if to / TAB > (from + 1) / TAB {
            line.push('\t');
            from += TAB - from % TAB;
        } else {
            line.push(' ');
            from += 1;
        }
    }
}
