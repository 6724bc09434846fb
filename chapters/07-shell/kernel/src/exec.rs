//! Starting a program: the file at a path, read whole, then a fresh address space with the
//! program's segments, its stack and an empty heap, and the initial stack Linux would
//! build. Used by execve and by the monitor's `run`; execve first copies its arguments out
//! of the old address space, which this replaces only once everything has worked (a failed
//! execve returns to the old program).

use crate::address::PAGE_SIZE;
use crate::elf::{self, Executable};
use crate::errno::Errno;
use crate::fs::vfs::{self, InodeRef};
use crate::initial_stack::{self, AT_ENTRY, AT_PAGESZ, AT_PHDR, AT_PHENT, AT_PHNUM, AT_UID};
use crate::region::{Kind, Protection, Region};
use crate::space::{Access, STACK_LIMIT, STACK_TOP, Space, UserSlice};
use crate::vm;
use alloc::vec::Vec;

const PAGE: u64 = PAGE_SIZE as u64;

// ANCHOR: limits
/// The most bytes of arguments and environment strings (with their NULs and pointers)
/// execve takes: more is E2BIG. Linux allows a quarter of the stack limit; Bramble's
/// stacks are smaller, and so is this.
pub const ARGUMENT_BYTES: usize = 32 * 1024;
// ANCHOR_END: limits

/// A loaded program, ready to run: its space, entry point and initial stack pointer.
pub struct Loaded {
    pub space: Space,
    pub entry: u64,
    pub sp: u64,
    /// The arguments, each ended by a NUL, as /proc/PID/cmdline shows them.
    pub arguments: Vec<u8>,
}

// ANCHOR: load
/// Loads the program at `path` (from directory `cwd` if relative) with these arguments
/// and environment. As on Linux: ENOENT if there is no such file, EACCES if it is not a
/// regular file with an execute bit, ENOEXEC if it is not an ELF program Bramble runs.
pub fn load(cwd: &InodeRef, path: &[u8], args: &[&[u8]], env: &[&[u8]]) -> Result<Loaded, Errno> {
    let file = read_program(cwd, path)?;
    let executable = elf::parse(&file).map_err(|_| Errno::ENOEXEC)?;
    let mut space = Space::new()?;
    match fill(&mut space, &executable, &file, args, env) {
        Ok(sp) => Ok(Loaded { space, entry: executable.entry, sp, arguments: args.iter().flat_map(|arg| arg.iter().copied().chain([0])).collect() }),
        Err(errno) => {
            space.destroy();
            Err(errno)
        }
    }
}

/// The bytes of the executable file at `path`.
fn read_program(cwd: &InodeRef, path: &[u8]) -> Result<alloc::vec::Vec<u8>, Errno> {
    let inode = vfs::walk(cwd, path)?;
    let metadata = inode.metadata();
    if metadata.kind != vfs::Kind::File || metadata.mode & 0o111 == 0 {
        return Err(Errno::EACCES);
    }
    let mut file = alloc::vec![0u8; metadata.size as usize];
    let mut done = 0;
    while done < file.len() {
        match inode.read_at(done as u64, &mut file[done..])? {
            0 => break,
            count => done += count,
        }
    }
    file.truncate(done);
    Ok(file)
}
// ANCHOR_END: load

// ANCHOR: fill
/// Regions and pages for each segment, the heap and stack, then the initial stack.
fn fill(space: &mut Space, executable: &Executable, file: &[u8], args: &[&[u8]], env: &[&[u8]]) -> Result<u64, Errno> {
    let mut heap_start = 0;
    for segment in &executable.segments[..executable.count] {
        let (start, end) = segment.pages();
        let protection = Protection { read: segment.read, write: segment.write, execute: segment.execute };
        space.add_region(Region { start, end, protection, kind: Kind::Program })?;
        heap_start = heap_start.max(end);
        // The bytes from the file, page by page; pages past them fill with zeros on first touch.
        let bytes = &file[segment.offset as usize..(segment.offset + segment.file_size) as usize];
        let mut done = 0;
        while done < bytes.len() {
            let va = segment.vaddr + done as u64;
            let len = ((PAGE - va % PAGE) as usize).min(bytes.len() - done);
            // The kernel writes the bytes even into a read-only segment: it fills the frame
            // directly, as the owner of a frame that no process has seen yet.
            let frame = space.resolve(va, Access::Read).map_err(|_| Errno::ENOMEM)?;
            // SAFETY: the frame was just mapped for this new space, which nothing runs in yet.
            let page = unsafe { vm::frame_bytes(frame as usize) };
            let at = (va % PAGE) as usize;
            page[at..at + len].copy_from_slice(&bytes[done..done + len]);
            done += len;
        }
    }
    space.heap_start = heap_start;
    space.brk = heap_start;
    space.add_region(Region { start: heap_start, end: heap_start, protection: Protection::READ_WRITE, kind: Kind::Heap })?;
    space.add_region(Region { start: STACK_TOP - STACK_LIMIT, end: STACK_TOP, protection: Protection::READ_WRITE, kind: Kind::Stack })?;

    let auxv = [
        (AT_PHDR, executable.phdr),
        (AT_PHENT, 56),
        (AT_PHNUM, executable.phnum),
        (AT_PAGESZ, PAGE),
        (AT_ENTRY, executable.entry),
        (AT_UID, 0),
    ];
    let (sp, image) = initial_stack::build(STACK_TOP, args, env, &auxv, random_bytes());
    space.copy_out(UserSlice::new(sp, image.len()), &image)?;
    Ok(sp)
}
// ANCHOR_END: fill

/// AT_RANDOM's 16 bytes: from the counter, mixed. Not cryptographic (there is no entropy
/// source yet), and on our deterministic emulator the same in every run.
fn random_bytes() -> [u8; 16] {
    let mut state = crate::timer::counter() ^ 0x9e37_79b9_7f4a_7c15;
    let mut bytes = [0u8; 16];
    for chunk in bytes.chunks_mut(8) {
        // splitmix64: a well-mixed sequence from any start.
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        chunk.copy_from_slice(&(z ^ (z >> 31)).to_le_bytes());
    }
    bytes
}
