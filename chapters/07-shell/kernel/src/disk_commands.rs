//! The monitor's commands that change files: they work on paths from the root of the tree
//! through the VFS, as a program's system calls do (so they change the card's ext2 at the
//! root, tmpfs under /tmp); and `disk` and `sync`, which look at the SD card and its cache
//! themselves. Each prints one line for an error: the command, the path and the errno
//! (`mkdir: /home: EEXIST`), and for EIO what the card said. commands.rs lists them.

use alloc::vec;
use alloc::vec::Vec;

use crate::disk::{self, human_size, Disk};
use crate::errno::Errno;
use crate::fs::vfs::{self, InodeRef, Kind, Last, NewTime};
use crate::monitor::{ArgError, Args};
use crate::println;

/// Runs `work` on the mounted disk; an error (mounting, or the errno `work` returns) is
/// printed as one line starting with `what`.
fn on_disk(what: &str, work: impl FnOnce(&mut Disk) -> Result<(), Errno>) {
    match disk::with_disk(|disk| work(disk).map_err(|errno| (errno, disk.card_error()))) {
        Ok(Ok(())) => {}
        Ok(Err((errno, None))) => println!("{what}: {}", errno.name()),
        Ok(Err((errno, Some(card)))) => println!("{what}: {} (the SD card: {card})", errno.name()),
        Err(message) => println!("{message}"),
    }
}

/// Runs `work` on the tree; an error is printed as one line starting with `what`, with what
/// the card said when it is the card's (EIO).
fn in_tree(what: &str, work: impl FnOnce() -> Result<(), Errno>) {
    if let Err(errno) = work() {
        let card = if errno == Errno::EIO { disk::card_error() } else { None };
        match card {
            Some(card) => println!("{what}: {} (the SD card: {card})", errno.name()),
            None => println!("{what}: {}", errno.name()),
        }
    }
}

fn path<'a>(args: &mut Args<'a>) -> Result<&'a str, ArgError> {
    args.word().ok_or(ArgError::Missing)
}

/// The inode at `path`, from the root.
fn at(path: &str) -> Result<InodeRef, Errno> {
    vfs::walk(&vfs::root()?, path.as_bytes())
}

/// The directory that holds `path`, and the last name.
fn parent(path: &str) -> Result<(InodeRef, &[u8]), Errno> {
    vfs::walk_parent(&vfs::root()?, path.as_bytes())
}

pub fn show_disk(args: &mut Args) -> Result<(), ArgError> {
    args.end()?;
    on_disk("disk", |disk| {
        let sectors = disk.fs.device().device.device.sectors;
        let class = if disk.high_capacity { "SDHC (block addresses)" } else { "SDSC (byte addresses)" };
        println!("SD card: {class}, {sectors} sectors ({})", human_size(sectors * 512));
        for entry in &disk.partitions {
            println!(
                "partition {}: {} (type {:#04x}), sectors {}..{} ({})",
                entry.number,
                entry.type_name(),
                entry.kind,
                entry.first,
                entry.first + entry.sectors,
                human_size(entry.sectors * 512)
            );
        }
        let number = disk.fs.device().entry.number;
        let fs = disk.fs.statfs();
        let mode = if disk.fs.is_read_only() { "read-only" } else { "read-write" };
        println!(
            "root: ext2 on partition {number}, {mode}, {}-byte blocks: {} of {} free, inodes {} of {} free",
            fs.block_size, fs.free_blocks, fs.blocks, fs.free_inodes, fs.inodes
        );
        let (stats, cached, kib) = disk.cache_stats();
        println!(
            "cache: {cached} lines of 4 KiB held (room for {kib} KiB), {} hits, {} misses, {} written back, {} dirty",
            stats.hits,
            stats.misses,
            stats.write_backs,
            disk.cache().dirty()
        );
        Ok(())
    });
    Ok(())
}

/// The file at `path`, created empty if it does not exist.
fn open_or_create(path: &str) -> Result<InodeRef, Errno> {
    match at(path) {
        Err(Errno::ENOENT) => {
            let (directory, name) = parent(path)?;
            directory.create(name, Kind::File, 0o644)
        }
        other => other,
    }
}

pub fn write(args: &mut Args) -> Result<(), ArgError> {
    let path = path(args)?;
    let mut words: Vec<&str> = Vec::new();
    while let Some(word) = args.word() {
        words.push(word);
    }
    let text = words.join(" ") + "\n";
    in_tree(&alloc::format!("write: {path}"), || {
        let file = open_or_create(path)?;
        file.truncate(0)?;
        file.write_at(0, text.as_bytes())?;
        Ok(())
    });
    Ok(())
}

/// The byte at `offset` of what `append` writes: it differs from block to block, so a block
/// written to the wrong place shows in the checksum.
fn pattern_byte(offset: u64) -> u8 {
    (offset.wrapping_mul(7) ^ (offset >> 10)) as u8
}

pub fn append(args: &mut Args) -> Result<(), ArgError> {
    let path = path(args)?;
    let count = args.number()?;
    args.end()?;
    in_tree(&alloc::format!("append: {path}"), || {
        let file = open_or_create(path)?;
        let mut offset = file.metadata().size;
        let end = offset + count;
        let mut chunk = vec![0; 16 * 1024];
        while offset < end {
            let length = chunk.len().min((end - offset) as usize);
            for (index, byte) in chunk[..length].iter_mut().enumerate() {
                *byte = pattern_byte(offset + index as u64);
            }
            offset += file.write_at(offset, &chunk[..length])? as u64;
        }
        Ok(())
    });
    Ok(())
}

pub fn checksum(args: &mut Args) -> Result<(), ArgError> {
    let path = path(args)?;
    args.end()?;
    in_tree(&alloc::format!("checksum: {path}"), || {
        let file = at(path)?;
        let mut buffer = vec![0; 16 * 1024];
        // FNV-1a, 32 bits: a checksum the tests can compute on the host as well.
        let (mut offset, mut sum) = (0u64, 0x811C_9DC5u32);
        loop {
            let count = file.read_at(offset, &mut buffer)?;
            if count == 0 {
                break;
            }
            for &byte in &buffer[..count] {
                sum = (sum ^ byte as u32).wrapping_mul(0x0100_0193);
            }
            offset += count as u64;
        }
        println!("{path}: {offset} bytes, checksum {sum:08x}");
        Ok(())
    });
    Ok(())
}

pub fn mkdir(args: &mut Args) -> Result<(), ArgError> {
    let path = path(args)?;
    args.end()?;
    in_tree(&alloc::format!("mkdir: {path}"), || {
        let (directory, name) = parent(path)?;
        directory.create(name, Kind::Directory, 0o755).map(|_| ())
    });
    Ok(())
}

pub fn rm(args: &mut Args) -> Result<(), ArgError> {
    let path = path(args)?;
    args.end()?;
    in_tree(&alloc::format!("rm: {path}"), || {
        let (directory, name) = parent(path)?;
        directory.unlink(name, false)
    });
    Ok(())
}

pub fn rmdir(args: &mut Args) -> Result<(), ArgError> {
    let path = path(args)?;
    args.end()?;
    in_tree(&alloc::format!("rmdir: {path}"), || {
        let (directory, name) = parent(path)?;
        directory.unlink(name, true)
    });
    Ok(())
}

pub fn mv(args: &mut Args) -> Result<(), ArgError> {
    let from = path(args)?;
    let to = path(args)?;
    args.end()?;
    in_tree(&alloc::format!("mv: {from}"), || {
        let (from_directory, from_name) = parent(from)?;
        let (to_directory, to_name) = parent(to)?;
        from_directory.rename(from_name, &to_directory, to_name)
    });
    Ok(())
}

pub fn ln(args: &mut Args) -> Result<(), ArgError> {
    let mut from = path(args)?;
    let symbolic = from == "-s";
    if symbolic {
        from = path(args)?;
    }
    let to = path(args)?;
    args.end()?;
    in_tree(&alloc::format!("ln: {to}"), || {
        let (directory, name) = parent(to)?;
        if symbolic {
            directory.symlink(name, from.as_bytes())
        } else {
            // A hard link to a link is to the link itself, as ln(1) makes it.
            let target = vfs::walk_to(&vfs::root()?, from.as_bytes(), Last::NoFollow)?;
            directory.link(name, &target)
        }
    });
    Ok(())
}

pub fn truncate(args: &mut Args) -> Result<(), ArgError> {
    let path = path(args)?;
    let size = args.number()?;
    args.end()?;
    in_tree(&alloc::format!("truncate: {path}"), || at(path)?.truncate(size));
    Ok(())
}

pub fn utimes(args: &mut Args) -> Result<(), ArgError> {
    let path = path(args)?;
    args.end()?;
    in_tree(&alloc::format!("utimes: {path}"), || open_or_create(path)?.set_times(Some(NewTime::Now), Some(NewTime::Now)));
    Ok(())
}

/// df [PATH]: the blocks and inodes of the filesystem holding PATH (the root by default).
pub fn df(args: &mut Args) -> Result<(), ArgError> {
    let path = args.word().unwrap_or("/");
    args.end()?;
    in_tree(&alloc::format!("df: {path}"), || {
        let fs = at(path)?.statfs()?;
        println!(
            "blocks of {} KiB: {} used, {} free ({} for others than root); inodes: {} used, {} free",
            fs.block_size / 1024,
            fs.blocks - fs.free_blocks,
            fs.free_blocks,
            fs.available_blocks,
            fs.inodes - fs.free_inodes,
            fs.free_inodes
        );
        Ok(())
    });
    Ok(())
}

pub fn sync(args: &mut Args) -> Result<(), ArgError> {
    args.end()?;
    on_disk("sync", |disk| {
        let before = disk.cache().stats.write_backs;
        disk.fs.sync()?;
        println!("sync: {} lines written back", disk.cache().stats.write_backs - before);
        Ok(())
    });
    Ok(())
}
