//! Chapter 04's monitor commands: chapter 02's (the tick, exceptions on demand), chapter
//! 03's look at virtual memory (frames, the heap, page tables and page faults), and
//! processes: run a program, list the processes; files: list a directory, show a file; and
//! the disk's (disk_commands.rs).

use crate::address::PAGE_SIZE;
use crate::monitor::{ArgError, Args, Command};
use crate::pagetable::Descriptor;
use crate::process::{self, Signal};
use crate::fs::vfs::{self, Kind};
use crate::{console, disk, disk_commands, exec, exit, filecalls, println, timer, vm};
use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use core::arch::asm;
use core::hint::black_box;

// ANCHOR: commands
pub const COMMANDS: [Command; 31] = [
    Command {
        name: "uptime",
        args: "",
        help: "time since the timer started",
        run: uptime,
    },
    Command {
        name: "exit",
        args: "[code]",
        help: "stop the machine with exit status code (default 0)",
        run: exit,
    },
    Command {
        name: "ticks",
        args: "",
        help: "timer interrupts taken so far",
        run: ticks,
    },
    Command {
        name: "wait",
        args: "N",
        help: "sleep for N ticks, halted (WFI) between them",
        run: wait,
    },
    Command {
        name: "brk",
        args: "",
        help: "execute brk #1: the handler reports it and resumes",
        run: brk,
    },
    Command {
        name: "undef",
        args: "",
        help: "execute an undefined instruction: report and halt",
        run: undef,
    },
    Command {
        name: "mem",
        args: "",
        help: "free and used frames, heap statistics",
        run: mem,
    },
    Command {
        name: "map",
        args: "VA",
        help: "walk the page tables for VA, one descriptor per level",
        run: map,
    },
    Command {
        name: "touch",
        args: "VA N",
        help: "write N pages of the on-demand region from VA, counting faults",
        run: touch,
    },
    Command {
        name: "heap-test",
        args: "",
        help: "fill a BTreeMap with 10000 entries and check them",
        run: heap_test,
    },
    Command {
        name: "wx",
        args: "",
        help: "write to kernel code: a permission fault (report and halt)",
        run: wx,
    },
    Command {
        name: "null",
        args: "",
        help: "read address 0: a translation fault (report and halt)",
        run: null,
    },
    Command {
        name: "overflow",
        args: "",
        help: "recurse into the kernel stack's guard page (report and halt)",
        run: overflow,
    },
    Command {
        name: "run",
        args: "PATH ARG..",
        help: "run a program in the foreground; then its exit status or signal",
        run: run,
    },
    Command {
        name: "ps",
        args: "",
        help: "list the processes: pid, parent, state, pages, name",
        run: ps,
    },
    Command {
        name: "ls",
        args: "[PATH]",
        help: "list a directory (default /): type, permissions, size, name",
        run: ls,
    },
    Command {
        name: "mounts",
        args: "",
        help: "list the mounted filesystems",
        run: mounts,
    },
    Command {
        name: "cat",
        args: "PATH",
        help: "print a file",
        run: cat,
    },
    Command {
        name: "disk",
        args: "",
        help: "the SD card: its partitions, the ext2 root, the cache",
        run: disk_commands::show_disk,
    },
    Command {
        name: "write",
        args: "PATH TEXT..",
        help: "make PATH hold TEXT and a newline (creating it)",
        run: disk_commands::write,
    },
    Command {
        name: "append",
        args: "PATH N",
        help: "append N bytes of a pattern to PATH",
        run: disk_commands::append,
    },
    Command {
        name: "mkdir",
        args: "PATH",
        help: "make a directory",
        run: disk_commands::mkdir,
    },
    Command {
        name: "rm",
        args: "PATH",
        help: "remove a name of a file",
        run: disk_commands::rm,
    },
    Command {
        name: "rmdir",
        args: "PATH",
        help: "remove an empty directory",
        run: disk_commands::rmdir,
    },
    Command {
        name: "mv",
        args: "FROM TO",
        help: "rename, replacing TO",
        run: disk_commands::mv,
    },
    Command {
        name: "ln",
        args: "[-s] FROM TO",
        help: "a hard link (or with -s a symbolic link) TO",
        run: disk_commands::ln,
    },
    Command {
        name: "truncate",
        args: "PATH N",
        help: "set a file's size to N bytes",
        run: disk_commands::truncate,
    },
    Command {
        name: "utimes",
        args: "PATH",
        help: "set a file's access and modification times to now (creating it)",
        run: disk_commands::utimes,
    },
    Command {
        name: "df",
        args: "[PATH]",
        help: "blocks and inodes, used and free, where PATH is (default /)",
        run: disk_commands::df,
    },
    Command {
        name: "sync",
        args: "",
        help: "write the cache's dirty lines to the card",
        run: disk_commands::sync,
    },
    Command {
        name: "checksum",
        args: "PATH",
        help: "a file's size and a checksum of its bytes",
        run: disk_commands::checksum,
    },
];
// ANCHOR_END: commands

fn uptime(args: &mut Args) -> Result<(), ArgError> {
    args.end()?;
    let ticks = timer::ticks();
    let hundredths = ticks * 100 / timer::HZ;
    println!(
        "up {}.{:02} s ({ticks} ticks at {} Hz)",
        hundredths / 100,
        hundredths % 100,
        timer::HZ
    );
    Ok(())
}

fn exit(args: &mut Args) -> Result<(), ArgError> {
    let code = args.optional_number()?.unwrap_or(0);
    args.end()?;
    let code = u32::try_from(code).map_err(|_| ArgError::NotANumber)?;
    // What the cache holds reaches the card, and the filesystem is marked clean, before the machine stops.
    if let Err(errno) = disk::unmount() {
        println!("exit: the disk could not be unmounted: {}", errno.name());
    }
    exit::exit(code)
}

fn ticks(args: &mut Args) -> Result<(), ArgError> {
    args.end()?;
    println!("{} ticks", timer::ticks());
    Ok(())
}

fn wait(args: &mut Args) -> Result<(), ArgError> {
    let count = args.number()?;
    args.end()?;
    timer::sleep(count);
    // At least `count` ticks have passed (more if the machine was too busy to look at
    // every one): how many more depends on timing, so it is not shown.
    println!("waited {count} ticks");
    Ok(())
}

// ANCHOR: brk_command
fn brk(args: &mut Args) -> Result<(), ArgError> {
    args.end()?;
    // SAFETY: BRK raises a synchronous exception; exceptions::breakpoint reports it and
    // resumes at the next instruction, with every register as it was.
    unsafe { asm!("brk #1", options(nomem, nostack)) };
    println!("back from the breakpoint");
    Ok(())
}
// ANCHOR_END: brk_command

fn undef(args: &mut Args) -> Result<(), ArgError> {
    args.end()?;
    // SAFETY: UDF is permanently undefined: the exception handler reports it and stops
    // the machine, so nothing after it runs.
    unsafe { asm!("udf #0", options(nomem, nostack, noreturn)) }
}

fn mem(args: &mut Args) -> Result<(), ArgError> {
    args.end()?;
    let (free, total) = vm::frame_counts();
    println!(
        "frames: {free} free, {} in use, of {total} ({} KiB each)",
        total - free,
        PAGE_SIZE / 1024
    );
    let heap = vm::heap_stats();
    println!(
        "heap: {} allocations live ({} bytes), {} since boot, {} pages mapped",
        heap.live, heap.live_bytes, heap.total, heap.pages
    );
    println!(
        "on demand: {} pages mapped by page faults",
        vm::on_demand_pages()
    );
    Ok(())
}

// ANCHOR: map_command
fn map(args: &mut Args) -> Result<(), ArgError> {
    let va = args.number()? as usize;
    args.end()?;
    let Some((tree, walk)) = vm::walk(va) else {
        println!("map: {va:#x} is in neither half: bits 63:48 must be all zeros or all ones");
        return Ok(());
    };
    println!("{va:#x} through {tree}:");
    for &(level, index, raw) in &walk.steps[..walk.len] {
        println!(
            "  L{level}[{index:3}] {raw:#018x}  {}",
            Descriptor::decode(raw, level)
        );
    }
    match vm::translate(va) {
        Some(found) => println!("  = physical {:#x} ({})", found.pa, found.attributes),
        None => println!("  = not mapped"),
    }
    Ok(())
}
// ANCHOR_END: map_command

// ANCHOR: touch_command
fn touch(args: &mut Args) -> Result<(), ArgError> {
    let va = args.number()? as usize & !(PAGE_SIZE - 1);
    let count = args.number()? as usize;
    args.end()?;
    let region = vm::ON_DEMAND_BASE..vm::ON_DEMAND_BASE + vm::ON_DEMAND_SIZE;
    let end = count
        .checked_mul(PAGE_SIZE)
        .and_then(|size| va.checked_add(size));
    if !region.contains(&va) || end.is_none_or(|end| end > region.end) {
        println!(
            "touch: the pages must lie in the on-demand region {:#x}..{:#x}",
            region.start, region.end
        );
        return Ok(());
    }
    let before = vm::on_demand_pages();
    for page in 0..count {
        let word = (va + page * PAGE_SIZE) as *mut usize;
        // SAFETY: the on-demand region belongs to this command; a page not mapped yet faults
        // and the handler maps a zeroed frame there, then the write runs again.
        unsafe { word.write_volatile(page) };
    }
    let intact = (0..count).all(|page| {
        // SAFETY: as above; every page is mapped now.
        unsafe { ((va + page * PAGE_SIZE) as *const usize).read_volatile() == page }
    });
    let faults = vm::on_demand_pages() - before;
    let plural = if faults == 1 { "" } else { "s" };
    println!(
        "touched {count} pages from {va:#x}: {faults} page fault{plural}, each mapped a zeroed frame"
    );
    println!("read back: {}", if intact { "ok" } else { "WRONG" });
    Ok(())
}
// ANCHOR_END: touch_command

// ANCHOR: heap_test
fn heap_test(args: &mut Args) -> Result<(), ArgError> {
    args.end()?;
    const ENTRIES: u64 = 10_000;
    let before = vm::heap_stats();
    let mut map = BTreeMap::new();
    // Keys in a scrambled order (7919 is prime, so i * 7919 mod 10000 visits every key once).
    for i in 0..ENTRIES {
        let key = i * 7919 % ENTRIES;
        map.insert(key, key * key);
    }
    let found = (0..ENTRIES).all(|key| map.get(&key) == Some(&(key * key)));
    let in_order = map.keys().copied().eq(0..ENTRIES);
    let during = vm::heap_stats();
    drop(map);
    let after = vm::heap_stats();
    let verdict = if found && in_order {
        "verified"
    } else {
        "WRONG"
    };
    println!("BTreeMap with {ENTRIES} entries: every key found, keys in order: {verdict}");
    println!(
        "heap: {} allocations live with the map, {} after dropping it (before: {})",
        during.live, after.live, before.live
    );
    Ok(())
}
// ANCHOR_END: heap_test

fn wx(args: &mut Args) -> Result<(), ArgError> {
    args.end()?;
    let code = wx as *const () as usize;
    println!("writing to kernel code at {code:#x}");
    // SAFETY: kernel code is mapped read-only, so this store faults and the exception
    // handler stops the machine before anything is overwritten.
    unsafe { asm!("str wzr, [{}]", in(reg) code, options(nostack)) };
    println!("the write went through: kernel code is writable!");
    Ok(())
}

fn null(args: &mut Args) -> Result<(), ArgError> {
    args.end()?;
    let value: u64;
    // SAFETY: address 0 is in the lower half, which maps nothing in this chapter: the load
    // faults and the exception handler stops the machine. (In assembly, because in Rust a
    // read through a null pointer is undefined behaviour, not a fault.)
    unsafe { asm!("ldr {}, [{}]", out(reg) value, in(reg) 0usize, options(nostack, readonly)) };
    println!("read {value:#x} from address 0: page 0 is mapped!");
    Ok(())
}

// ANCHOR: overflow_command
fn overflow(args: &mut Args) -> Result<(), ArgError> {
    args.end()?;
    println!("recursing with 1 KiB of stack per call");
    println!("returned {}: the stack never overflowed!", recurse(0));
    Ok(())
}

/// Uses 1 KiB of stack and calls itself; `black_box` keeps the compiler from shrinking the
/// frame or turning the recursion into a loop.
fn recurse(depth: u64) -> u64 {
    let mut frame = [0u8; 1024];
    frame[(depth % 1024) as usize] = depth as u8;
    if black_box(depth) == u64::MAX {
        return 0;
    }
    recurse(depth + 1) + black_box(&frame)[0] as u64
}
// ANCHOR_END: overflow_command

// ANCHOR: run
/// The environment every program `run` starts gets (the tests give qemu-aarch64 the same).
const ENVIRONMENT: [&[u8]; 2] = [b"HOME=/", b"TERM=vt100"];
/// The most arguments `run` passes.
const MAX_ARGS: usize = 16;

/// Runs a program as a child of the monitor, with the console as its input and output,
/// waits for it, and says how it ended: `exit N`, or `killed by SIGNAL`.
fn run(args: &mut Args) -> Result<(), ArgError> {
    let name = args.word().ok_or(ArgError::Missing)?;
    let mut argv: [&[u8]; MAX_ARGS] = [&[]; MAX_ARGS];
    argv[0] = name.as_bytes();
    let mut argc = 1;
    while let Some(word) = args.word() {
        *argv.get_mut(argc).ok_or(ArgError::TooMany)? = word.as_bytes();
        argc += 1;
    }
    let pid = match start(name, &argv[..argc], process::spawn) {
        Ok(pid) => pid,
        Err(errno) => {
            println!("run: {name}: {}", errno.name());
            return Ok(());
        }
    };
    let ended = process::wait(pid as i64, process::WaitFor::default());
    process::end_foreground();
    match ended {
        Ok(Some((_, status))) => println!("{}", Ending(status)),
        _ => println!("run: lost track of pid {pid}"),
    }
    Ok(())
}

/// Loads the program at `path` (from the root) and starts it with `spawn` as a child of the
/// monitor, in a session of its own, with the console as its descriptors 0, 1 and 2. Its pid.
pub fn start(path: &str, argv: &[&[u8]], spawn: process::Spawn) -> Result<u32, crate::errno::Errno> {
    let cwd = process::root_cwd();
    exec::load(&cwd.inode, path.as_bytes(), argv, &ENVIRONMENT).and_then(|loaded| {
        let files = filecalls::console_descriptors()?;
        let inherited = process::Inherited { files, cwd, umask: process::DEFAULT_UMASK, signals: crate::signal::Signals::new(), group: None };
        spawn(program_name(path).as_bytes(), loaded.arguments, loaded.space, inherited, loaded.entry, loaded.sp)
    })
}

/// How a process ended, from its wait status: `exit N`, or `killed by SIGNAL`.
pub struct Ending(pub u32);

impl core::fmt::Display for Ending {
    fn fmt(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
        let status = self.0;
        if status & 0x7f == 0 {
            return write!(f, "exit {}", status >> 8);
        }
        match Signal::from_number(status & 0x7f) {
            Some(signal) => write!(f, "killed by {}", signal.name()),
            None => write!(f, "killed by signal {}", status & 0x7f),
        }
    }
}
// ANCHOR_END: run

fn ps(args: &mut Args) -> Result<(), ArgError> {
    args.end()?;
    println!("  pid  ppid  state       pages  name");
    process::list(|p| {
        let pages = p.space.as_ref().map_or(0, |space| space.pages);
        println!("{:5} {:5}  {:10} {:6}  {}", p.pid, p.parent, p.state, pages, p.name());
    });
    Ok(())
}

// ANCHOR: ls
/// ls PATH: one line per entry of a directory (or the file itself): its type and
/// permissions as `ls -l` shows them, its size and name.
fn ls(args: &mut Args) -> Result<(), ArgError> {
    let path = args.word().unwrap_or("/");
    args.end()?;
    let found = vfs::root().and_then(|root| vfs::walk(&root, path.as_bytes()));
    let inode = match found {
        Ok(inode) => inode,
        Err(errno) => {
            println!("ls: {path}: {}", errno.name());
            return Ok(());
        }
    };
    if inode.metadata().kind != Kind::Directory {
        show(&inode, path);
        return Ok(());
    }
    let mut names = Vec::new();
    let listed = inode.entries(0, &mut |entry, _| {
        if entry.name != b"." && entry.name != b".." {
            names.push(entry.name);
        }
        true
    });
    if let Err(errno) = listed {
        println!("ls: {path}: {}", errno.name());
    }
    // Each entry as itself: a link is shown as a link, with its target.
    for name in names {
        if let Ok(child) = vfs::walk_to(&inode, &name, vfs::Last::NoFollow) {
            show(&child, core::str::from_utf8(&name).unwrap_or("?"));
        }
    }
    Ok(())
}

fn show(inode: &vfs::InodeRef, name: &str) {
    let metadata = inode.metadata();
    let kind = match metadata.kind {
        Kind::File => '-',
        Kind::Directory => 'd',
        Kind::CharDevice => 'c',
        Kind::Symlink => 'l',
    };
    let mut permissions = [b'-'; 9];
    for (bit, letter) in b"rwxrwxrwx".iter().enumerate() {
        if metadata.mode & (0o400 >> bit) != 0 {
            permissions[bit] = *letter;
        }
    }
    let permissions = core::str::from_utf8(&permissions).unwrap_or("?");
    match inode.readlink() {
        Ok(target) => println!("{kind}{permissions} {:8} {name} -> {}", metadata.size, core::str::from_utf8(&target).unwrap_or("?")),
        Err(_) => println!("{kind}{permissions} {:8} {name}", metadata.size),
    }
}
// ANCHOR_END: ls

fn mounts(args: &mut Args) -> Result<(), ArgError> {
    args.end()?;
    vfs::mounts(|path, kind| println!("{kind} on {}", core::str::from_utf8(path).unwrap_or("?")));
    Ok(())
}

/// cat PATH: the file's bytes on the console, each "\n" sent as "\r\n".
fn cat(args: &mut Args) -> Result<(), ArgError> {
    let path = args.word().ok_or(ArgError::Missing)?;
    args.end()?;
    let found = vfs::root().and_then(|root| vfs::walk(&root, path.as_bytes()));
    let inode = match found {
        Ok(inode) if inode.metadata().kind == Kind::File => inode,
        Ok(_) => {
            println!("cat: {path}: {}", crate::errno::Errno::EISDIR.name());
            return Ok(());
        }
        Err(errno) => {
            println!("cat: {path}: {}", errno.name());
            return Ok(());
        }
    };
    let mut chunk = [0u8; 256];
    let mut offset = 0;
    // A disk can fail mid-file: the error ends the output with one line.
    loop {
        let count = match inode.read_at(offset, &mut chunk) {
            Ok(0) => break,
            Ok(count) => count,
            Err(errno) => {
                println!("cat: {path}: {}", errno.name());
                break;
            }
        };
        for piece in chunk[..count].split_inclusive(|&byte| byte == b'\n') {
            match piece.strip_suffix(b"\n") {
                Some(line) => {
                    console::write_raw(line);
                    console::write_raw(b"\r\n");
                }
                None => console::write_raw(piece),
            }
        }
        offset += count as u64;
    }
    Ok(())
}

/// The last component of a path: what `ps` shows as the process's name.
pub fn program_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}
