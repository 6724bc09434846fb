//! The monitor's disk commands: look at the SD card, and change its ext2 with paths from
//! its root, which is the tree's root (ls and cat, which read any filesystem, are the VFS's:
//! commands.rs). They call ext2 directly, for what the VFS does not offer yet (links,
//! times, free space, sync). Each prints one line for an error: the command, the path and
//! the errno (`mkdir: /home: EEXIST`). commands.rs lists them.

use alloc::vec;
use alloc::vec::Vec;

use crate::disk::{self, human_size, Disk};
use crate::errno::Errno;
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

fn path<'a>(args: &mut Args<'a>) -> Result<&'a str, ArgError> {
    args.word().ok_or(ArgError::Missing)
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

/// The mode as `ls -l` shows it: a type letter and the permission bits in octal.
/// The file at `path`, created empty if it does not exist.
fn open_or_create(disk: &mut Disk, path: &str) -> Result<u32, Errno> {
    match disk.resolve(path) {
        Err(Errno::ENOENT) => {
            let (dir, name) = disk.parent(path)?;
            disk.fs.create(dir, name.as_bytes(), 0o644)
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
    on_disk(&alloc::format!("write: {path}"), |disk| {
        let file = open_or_create(disk, path)?;
        disk.fs.truncate(file, 0)?;
        disk.fs.write(file, 0, text.as_bytes())?;
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
    on_disk(&alloc::format!("append: {path}"), |disk| {
        let file = open_or_create(disk, path)?;
        let mut offset = disk.fs.stat(file)?.size;
        let end = offset + count;
        let mut chunk = vec![0; 16 * 1024];
        while offset < end {
            let length = chunk.len().min((end - offset) as usize);
            for (index, byte) in chunk[..length].iter_mut().enumerate() {
                *byte = pattern_byte(offset + index as u64);
            }
            offset += disk.fs.write(file, offset, &chunk[..length])? as u64;
        }
        Ok(())
    });
    Ok(())
}

pub fn checksum(args: &mut Args) -> Result<(), ArgError> {
    let path = path(args)?;
    args.end()?;
    on_disk(&alloc::format!("checksum: {path}"), |disk| {
        let file = disk.resolve(path)?;
        let mut buffer = vec![0; 16 * 1024];
        // FNV-1a, 32 bits: a checksum the tests can compute on the host as well.
        let (mut offset, mut sum) = (0u64, 0x811C_9DC5u32);
        loop {
            let count = disk.fs.read(file, offset, &mut buffer)?;
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
    on_disk(&alloc::format!("mkdir: {path}"), |disk| {
        let (dir, name) = disk.parent(path)?;
        disk.fs.mkdir(dir, name.as_bytes(), 0o755).map(|_| ())
    });
    Ok(())
}

pub fn rm(args: &mut Args) -> Result<(), ArgError> {
    let path = path(args)?;
    args.end()?;
    on_disk(&alloc::format!("rm: {path}"), |disk| {
        let (dir, name) = disk.parent(path)?;
        disk.fs.unlink(dir, name.as_bytes())
    });
    Ok(())
}

pub fn rmdir(args: &mut Args) -> Result<(), ArgError> {
    let path = path(args)?;
    args.end()?;
    on_disk(&alloc::format!("rmdir: {path}"), |disk| {
        let (dir, name) = disk.parent(path)?;
        disk.fs.rmdir(dir, name.as_bytes())
    });
    Ok(())
}

pub fn mv(args: &mut Args) -> Result<(), ArgError> {
    let from = path(args)?;
    let to = path(args)?;
    args.end()?;
    on_disk(&alloc::format!("mv: {from}"), |disk| {
        let (from_dir, from_name) = disk.parent(from)?;
        let (to_dir, to_name) = disk.parent(to)?;
        disk.fs.rename(from_dir, from_name.as_bytes(), to_dir, to_name.as_bytes())
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
    on_disk(&alloc::format!("ln: {to}"), |disk| {
        let (dir, name) = disk.parent(to)?;
        if symbolic {
            disk.fs.symlink(dir, name.as_bytes(), from.as_bytes()).map(|_| ())
        } else {
            let target = disk.resolve(from)?;
            disk.fs.link(target, dir, name.as_bytes())
        }
    });
    Ok(())
}

pub fn truncate(args: &mut Args) -> Result<(), ArgError> {
    let path = path(args)?;
    let size = args.number()?;
    args.end()?;
    on_disk(&alloc::format!("truncate: {path}"), |disk| {
        let file = disk.resolve(path)?;
        disk.fs.truncate(file, size)
    });
    Ok(())
}

pub fn utimes(args: &mut Args) -> Result<(), ArgError> {
    let path = path(args)?;
    args.end()?;
    on_disk(&alloc::format!("utimes: {path}"), |disk| {
        let file = open_or_create(disk, path)?;
        let now = disk.now();
        disk.fs.set_times(file, Some(now), Some(now))
    });
    Ok(())
}

pub fn df(args: &mut Args) -> Result<(), ArgError> {
    args.end()?;
    on_disk("df", |disk| {
        let fs = disk.fs.statfs();
        let kib = fs.block_size as u64 / 1024;
        println!(
            "blocks of {} KiB: {} used, {} free ({} for others than root); inodes: {} used, {} free",
            kib,
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
