//! ext2 against the real tools: every image is made by e2fsprogs' `mke2fs -t ext2 -d FOLDER`,
//! every test that writes ends with `e2fsck -fn` finding nothing wrong, and what Bramble wrote
//! is read back with `debugfs`.

use std::fs;
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::vec::Vec;

use super::fs::MountError;
use super::*;
use crate::block::{BlockDevice, SECTOR};
use crate::errno::Errno;

const NOW: u32 = 1_750_000_000;

/// A disk held in memory; `failing` makes every access fail, as a removed card does.
struct MemoryDisk {
    bytes: Vec<u8>,
    failing: bool,
}

impl BlockDevice for MemoryDisk {
    fn sectors(&self) -> u64 {
        (self.bytes.len() / SECTOR) as u64
    }
    fn read(&mut self, first: u64, buffer: &mut [u8]) -> Result<(), Errno> {
        let at = first as usize * SECTOR;
        if self.failing || at + buffer.len() > self.bytes.len() {
            return Err(Errno::EIO);
        }
        buffer.copy_from_slice(&self.bytes[at..at + buffer.len()]);
        Ok(())
    }
    fn write(&mut self, first: u64, data: &[u8]) -> Result<(), Errno> {
        let at = first as usize * SECTOR;
        if self.failing || at + data.len() > self.bytes.len() {
            return Err(Errno::EIO);
        }
        self.bytes[at..at + data.len()].copy_from_slice(data);
        Ok(())
    }
    fn flush(&mut self) -> Result<(), Errno> {
        if self.failing { Err(Errno::EIO) } else { Ok(()) }
    }
}

/// e2fsprogs' programs live in /usr/sbin, which a user's PATH may lack.
fn tool(name: &str) -> PathBuf {
    let path = std::env::var("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin"].map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|file| file.is_file())
        .unwrap_or_else(|| panic!("{name} is not installed (e2fsprogs)"))
}

/// A scratch folder of this test's own, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Scratch {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!("bramble-ext2-{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed)));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("root")).unwrap();
        Scratch(dir)
    }
    fn root(&self) -> PathBuf {
        self.0.join("root")
    }
    fn image(&self) -> PathBuf {
        self.0.join("ext2.img")
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// `mke2fs -t ext2 -d` over the scratch root, `kib` KiB with `block_size`-byte blocks.
fn make_image(scratch: &Scratch, block_size: u32, kib: u32) -> MemoryDisk {
    let status = Command::new(tool("mke2fs"))
        .args(["-q", "-F", "-t", "ext2", "-b", &block_size.to_string(), "-d"])
        .arg(scratch.root())
        .arg(scratch.image())
        .arg(format!("{kib}k"))
        .env("E2FSPROGS_FAKE_TIME", "1700000000")
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "mke2fs failed");
    MemoryDisk { bytes: fs::read(scratch.image()).unwrap(), failing: false }
}

/// Writes the disk back to the image file, and asserts that `e2fsck -fn` finds it clean.
fn assert_clean(scratch: &Scratch, disk: &MemoryDisk) {
    fs::write(scratch.image(), &disk.bytes).unwrap();
    let output = Command::new(tool("e2fsck")).arg("-fn").arg(scratch.image()).output().unwrap();
    assert!(
        output.status.success(),
        "e2fsck -fn found problems:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn debugfs(scratch: &Scratch, request: &str) -> Vec<u8> {
    Command::new(tool("debugfs")).args(["-R", request]).arg(scratch.image()).output().unwrap().stdout
}

/// The names `debugfs -R 'ls -p DIR'` lists (its lines are /inode/mode/uid/gid/name/size/).
fn debugfs_names(scratch: &Scratch, dir: &str) -> Vec<String> {
    let listing = String::from_utf8(debugfs(scratch, &format!("ls -p {dir}"))).unwrap();
    // debugfs also lists unused entries (inode 0) that start a block; a directory does not hold them.
    let used = |line: &&str| line.split('/').nth(1).is_some_and(|inode| inode != "0");
    let mut names: Vec<String> = listing.lines().filter(used).filter_map(|line| line.split('/').nth(5).map(String::from)).filter(|name| !name.is_empty()).collect();
    names.sort();
    names
}

/// A pattern that differs in every block and within a block.
fn pattern(length: usize, seed: u32) -> Vec<u8> {
    (0..length).map(|at| ((at as u32 >> 10).wrapping_mul(31).wrapping_add(at as u32 * 7).wrapping_add(seed)) as u8).collect()
}

fn mount(disk: MemoryDisk) -> Ext2<MemoryDisk> {
    Ext2::mount(disk, false, NOW).unwrap_or_else(|error| panic!("mount failed: {error}"))
}

fn path_inode(fs: &mut Ext2<MemoryDisk>, path: &str) -> u32 {
    path.split('/').filter(|part| !part.is_empty()).fold(ROOT_INODE, |dir, part| fs.lookup(dir, part.as_bytes()).unwrap())
}

fn read_all(fs: &mut Ext2<MemoryDisk>, inode: u32) -> Vec<u8> {
    let mut contents = vec![0; fs.stat(inode).unwrap().size as usize];
    assert_eq!(fs.read(inode, 0, &mut contents).unwrap(), contents.len());
    contents
}

fn free_counts(fs: &Ext2<MemoryDisk>) -> (u32, u32) {
    let stat = fs.statfs();
    (stat.free_blocks, stat.free_inodes)
}

// ---- Reading what mke2fs wrote ----

#[test]
fn what_mke2fs_wrote_reads_back_exactly_with_1k_and_4k_blocks() {
    for block_size in [1024, 4096] {
        let scratch = Scratch::new();
        let root = scratch.root();
        fs::create_dir_all(root.join("etc")).unwrap();
        fs::create_dir_all(root.join("many")).unwrap();
        fs::write(root.join("etc/motd"), b"hello from mke2fs\n").unwrap();
        // Through the double-indirect range with either block size.
        let large = pattern(5 * 1024 * 1024 + 123, 1);
        fs::write(root.join("large"), &large).unwrap();
        for index in 0..1000 {
            fs::write(root.join(format!("many/entry-{index:04}")), format!("{index}\n")).unwrap();
        }
        std::os::unix::fs::symlink("etc/motd", root.join("fast-link")).unwrap();
        let long_target = "x/".repeat(50) + "end";
        std::os::unix::fs::symlink(&long_target, root.join("slow-link")).unwrap();
        let disk = make_image(&scratch, block_size, 32 * 1024);

        let mut fs = mount(disk);
        assert_eq!(fs.statfs().block_size, block_size);
        let motd = path_inode(&mut fs, "/etc/motd");
        assert_eq!(read_all(&mut fs, motd), b"hello from mke2fs\n");
        let large_inode = path_inode(&mut fs, "/large");
        assert_eq!(read_all(&mut fs, large_inode), large);
        // A read across block boundaries, from an odd offset.
        let mut middle = vec![0; 3000];
        assert_eq!(fs.read(large_inode, 1_000_001, &mut middle).unwrap(), 3000);
        assert_eq!(middle[..], large[1_000_001..1_003_001]);

        let many = path_inode(&mut fs, "/many");
        let names: Vec<Vec<u8>> = fs.list(many).unwrap().into_iter().map(|entry| entry.name).filter(|name| name[0] != b'.').collect();
        assert_eq!(names.len(), 1000);
        let entry = fs.lookup(many, b"entry-0777").unwrap();
        assert_eq!(read_all(&mut fs, entry), b"777\n");

        let mut target = [0; 200];
        let fast = path_inode(&mut fs, "/fast-link");
        let length = fs.readlink(fast, &mut target).unwrap();
        assert_eq!(&target[..length], b"etc/motd");
        let slow = path_inode(&mut fs, "/slow-link");
        let length = fs.readlink(slow, &mut target).unwrap();
        assert_eq!(&target[..length], long_target.as_bytes());
        assert_eq!(fs.readlink(motd, &mut target), Err(Errno::EINVAL));
        assert_eq!(fs.lookup(ROOT_INODE, b"nothing"), Err(Errno::ENOENT));
        assert_eq!(fs.lookup(motd, b"x"), Err(Errno::ENOTDIR));
    }
}

#[test]
fn a_sparse_file_made_by_mke2fs_reads_its_holes_as_zeros_through_the_triple_indirect_range() {
    let scratch = Scratch::new();
    let file = fs::File::create(scratch.root().join("sparse")).unwrap();
    // With 1 KiB blocks the triple-indirect range starts at block 12 + 256 + 65,536.
    let far = (12 + 256 + 65536 + 1000) * 1024u64;
    use std::os::unix::fs::FileExt;
    file.write_all_at(b"far away", far).unwrap();
    file.write_all_at(b"near", 100).unwrap();
    drop(file);
    let mut fs = mount(make_image(&scratch, 1024, 16 * 1024));
    let sparse = path_inode(&mut fs, "/sparse");
    assert_eq!(fs.stat(sparse).unwrap().size, far + 8);
    let mut bytes = vec![0xAA; 16];
    fs.read(sparse, far - 8, &mut bytes).unwrap();
    assert_eq!(&bytes, b"\0\0\0\0\0\0\0\0far away");
    fs.read(sparse, 96, &mut bytes).unwrap();
    assert_eq!(&bytes, b"\0\0\0\0near\0\0\0\0\0\0\0\0");
    fs.read(sparse, 5_000_000, &mut bytes).unwrap();
    assert_eq!(bytes, [0; 16]);
}

// ---- Writing, checked by e2fsck and debugfs ----

#[test]
fn files_directories_links_and_symlinks_written_here_read_back_with_debugfs() {
    for block_size in [1024, 4096] {
        let scratch = Scratch::new();
        let mut fs = mount(make_image(&scratch, block_size, 8 * 1024));
        let home = fs.mkdir(ROOT_INODE, b"home", 0o755).unwrap();
        let reader = fs.mkdir(home, b"reader", 0o700).unwrap();
        let notes = fs.create(reader, b"notes.txt", 0o644).unwrap();
        assert_eq!(fs.write(notes, 0, b"written on Bramble\n").unwrap(), 19);
        fs.link(notes, home, b"hard-link").unwrap();
        fs.symlink(home, b"fast", b"reader/notes.txt").unwrap();
        let long_target = "y/".repeat(100) + "notes";
        fs.symlink(home, b"slow", long_target.as_bytes()).unwrap();
        assert_eq!(fs.stat(notes).unwrap().links, 2);
        assert_eq!(fs.stat(home).unwrap().links, 3);
        assert_eq!(fs.create(home, b"reader", 0o644), Err(Errno::EEXIST));
        assert_eq!(fs.mkdir(home, b"a/b", 0o755), Err(Errno::EINVAL));
        assert_eq!(fs.create(home, &[b'n'; 256], 0o644), Err(Errno::ENAMETOOLONG));
        let disk = fs.unmount().unwrap();
        assert_clean(&scratch, &disk);

        assert_eq!(debugfs(&scratch, "cat /home/reader/notes.txt"), b"written on Bramble\n");
        assert_eq!(debugfs(&scratch, "cat /home/hard-link"), b"written on Bramble\n");
        assert_eq!(debugfs_names(&scratch, "/home"), [".", "..", "fast", "hard-link", "reader", "slow"]);
        let link = String::from_utf8(debugfs(&scratch, "stat /home/fast")).unwrap();
        assert!(link.contains("Fast link dest: \"reader/notes.txt\""), "{link}");
        let slow = String::from_utf8(debugfs(&scratch, "stat /home/slow")).unwrap();
        assert!(slow.contains("Type: symlink") && !slow.contains("Fast link"), "{slow}");
        let listing = String::from_utf8(debugfs(&scratch, "ls -l /home/reader")).unwrap();
        assert!(listing.contains("100644") && listing.contains("notes.txt"), "{listing}");
    }
}

#[test]
fn a_file_through_the_double_indirect_range_is_written_truncated_and_freed_with_the_counts_back() {
    let scratch = Scratch::new();
    let mut fs = mount(make_image(&scratch, 1024, 16 * 1024));
    let before = free_counts(&fs);
    let file = fs.create(ROOT_INODE, b"big", 0o644).unwrap();
    let contents = pattern(3 * 1024 * 1024 + 77, 9);
    // Written in uneven pieces, so that pieces straddle blocks.
    for (index, piece) in contents.chunks(7777).enumerate() {
        assert_eq!(fs.write(file, (index * 7777) as u64, piece).unwrap(), piece.len());
    }
    // 3,073 data blocks, one single-indirect, one double-indirect and 11 single-indirect below it.
    let data_blocks = contents.len().div_ceil(1024) as u32;
    let indirect = 1 + 1 + (data_blocks - 12 - 256).div_ceil(256);
    assert_eq!(fs.stat(file).unwrap().sectors, 2 * (data_blocks + indirect));
    assert_eq!(read_all(&mut fs, file), contents);
    let disk = fs.unmount().unwrap();
    assert_clean(&scratch, &disk);
    assert_eq!(debugfs(&scratch, "cat /big"), contents);
    assert!(String::from_utf8(debugfs(&scratch, "stat /big")).unwrap().contains("(DIND)"));

    let mut fs = mount(disk);
    fs.truncate(file, 100_000).unwrap();
    assert_eq!(fs.stat(file).unwrap().sectors, 2 * (98 + 1));
    // Growing again leaves a hole that reads as zeros, and the cut block's tail is zero.
    fs.truncate(file, 300_000).unwrap();
    let back = read_all(&mut fs, file);
    assert_eq!(back[..100_000], contents[..100_000]);
    assert!(back[100_000..].iter().all(|&byte| byte == 0));
    let disk = fs.unmount().unwrap();
    assert_clean(&scratch, &disk);
    assert_eq!(debugfs(&scratch, "cat /big"), back);

    let mut fs = mount(disk);
    fs.unlink(ROOT_INODE, b"big").unwrap();
    assert_eq!(free_counts(&fs), before);
    let disk = fs.unmount().unwrap();
    assert_clean(&scratch, &disk);
}

#[test]
fn a_write_far_into_a_file_uses_the_triple_indirect_blocks_and_leaves_the_rest_a_hole() {
    let scratch = Scratch::new();
    let mut fs = mount(make_image(&scratch, 1024, 8 * 1024));
    let before = free_counts(&fs);
    let file = fs.create(ROOT_INODE, b"far", 0o600).unwrap();
    let far = (12 + 256 + 65536 + 70_000) as u64 * 1024 + 10;
    fs.write(file, far, b"the far end").unwrap();
    // One data block and the triple, double and single indirect blocks above it.
    assert_eq!(fs.stat(file).unwrap().sectors, 2 * 4);
    let disk = fs.unmount().unwrap();
    assert_clean(&scratch, &disk);
    assert!(String::from_utf8(debugfs(&scratch, "stat /far")).unwrap().contains("(TIND)"));
    let mut fs = mount(disk);
    let mut bytes = [0xFF; 21];
    fs.read(file, far - 10, &mut bytes).unwrap();
    assert_eq!(&bytes, b"\0\0\0\0\0\0\0\0\0\0the far end");
    fs.truncate(file, 0).unwrap();
    assert_eq!(fs.stat(file).unwrap().sectors, 0);
    fs.unlink(ROOT_INODE, b"far").unwrap();
    assert_eq!(free_counts(&fs), before);
    let disk = fs.unmount().unwrap();
    assert_clean(&scratch, &disk);
}

#[test]
fn a_thousand_entries_are_created_and_deleted_in_one_directory() {
    let scratch = Scratch::new();
    let mut fs = mount(make_image(&scratch, 1024, 8 * 1024));
    let before = free_counts(&fs);
    let dir = fs.mkdir(ROOT_INODE, b"crowd", 0o755).unwrap();
    for index in 0..1000 {
        let file = fs.create(dir, format!("file-number-{index:04}").as_bytes(), 0o644).unwrap();
        fs.write(file, 0, format!("{index}").as_bytes()).unwrap();
    }
    assert!(fs.stat(dir).unwrap().size > 20 * 1024, "the directory spans many blocks");
    let disk = fs.unmount().unwrap();
    assert_clean(&scratch, &disk);
    assert_eq!(debugfs_names(&scratch, "/crowd").len(), 1002);
    assert_eq!(debugfs(&scratch, "cat /crowd/file-number-0500"), b"500");

    let mut fs = mount(disk);
    // Every other one first, so that records merge with used neighbours, then the rest.
    for index in (0..1000).step_by(2).chain((1..1000).step_by(2)) {
        fs.unlink(dir, format!("file-number-{index:04}").as_bytes()).unwrap();
    }
    assert_eq!(fs.list(dir).unwrap().len(), 2);
    let disk = fs.unmount().unwrap();
    assert_clean(&scratch, &disk);
    let mut fs = mount(disk);
    // Entries go into the freed space again.
    fs.create(dir, b"again", 0o644).unwrap();
    fs.unlink(dir, b"again").unwrap();
    fs.rmdir(ROOT_INODE, b"crowd").unwrap();
    assert_eq!(free_counts(&fs), before);
    let disk = fs.unmount().unwrap();
    assert_clean(&scratch, &disk);
}

#[test]
fn a_directory_made_by_mke2fs_with_an_index_can_be_changed() {
    let scratch = Scratch::new();
    fs::create_dir_all(scratch.root().join("many")).unwrap();
    for index in 0..1000 {
        fs::write(scratch.root().join(format!("many/entry-{index:04}")), b"x").unwrap();
    }
    let mut disk = make_image(&scratch, 1024, 8 * 1024);
    // mke2fs -d writes plain directories; e2fsck -D rebuilds them with a hashed index.
    let status = Command::new(tool("e2fsck")).arg("-fyD").arg(scratch.image()).output().unwrap().status;
    assert!(status.code().is_some_and(|code| code <= 1), "e2fsck -fyD failed");
    disk.bytes = fs::read(scratch.image()).unwrap();
    let mut fs = mount(disk);
    let many = path_inode(&mut fs, "/many");
    assert_ne!(fs.read_inode(many).unwrap().flags() & super::layout::FLAG_INDEX, 0);
    assert_eq!(fs.list(many).unwrap().len(), 1002);
    for index in 0..500 {
        fs.unlink(many, format!("entry-{index:04}").as_bytes()).unwrap();
    }
    fs.create(many, b"newcomer", 0o644).unwrap();
    assert_eq!(fs.read_inode(many).unwrap().flags() & super::layout::FLAG_INDEX, 0);
    let disk = fs.unmount().unwrap();
    assert_clean(&scratch, &disk);
    assert_eq!(debugfs_names(&scratch, "/many").len(), 2 + 500 + 1);
}

#[test]
fn create_unlink_rename_and_link_churn_keeps_the_filesystem_clean_and_the_counts_right() {
    let scratch = Scratch::new();
    let mut fs = mount(make_image(&scratch, 1024, 8 * 1024));
    let before = free_counts(&fs);
    let a = fs.mkdir(ROOT_INODE, b"a", 0o755).unwrap();
    let b = fs.mkdir(ROOT_INODE, b"b", 0o755).unwrap();
    for round in 0..40u32 {
        let name = format!("f{round}");
        let file = fs.create(a, name.as_bytes(), 0o644).unwrap();
        fs.write(file, 0, &pattern(500 * round as usize, round)).unwrap();
        match round % 4 {
            0 => fs.unlink(a, name.as_bytes()).unwrap(),
            1 => fs.rename(a, name.as_bytes(), b, name.as_bytes()).unwrap(),
            2 => {
                fs.link(file, b, b"shared").or_else(|_| fs.rename(a, name.as_bytes(), b, b"shared")).unwrap();
            }
            _ => fs.rename(a, name.as_bytes(), b, b"f1").unwrap(),
        }
    }
    let disk = fs.unmount().unwrap();
    assert_clean(&scratch, &disk);
    let mut fs = mount(disk);
    for dir in [a, b] {
        for entry in fs.list(dir).unwrap() {
            if entry.name != b"." && entry.name != b".." {
                fs.unlink(dir, &entry.name).unwrap();
            }
        }
    }
    fs.rmdir(ROOT_INODE, b"a").unwrap();
    fs.rmdir(ROOT_INODE, b"b").unwrap();
    assert_eq!(free_counts(&fs), before);
    let disk = fs.unmount().unwrap();
    assert_clean(&scratch, &disk);
}

#[test]
fn rename_moves_directories_between_parents_and_replaces_as_rename_2_does() {
    let scratch = Scratch::new();
    let mut fs = mount(make_image(&scratch, 1024, 4 * 1024));
    let root_links = fs.stat(ROOT_INODE).unwrap().links;
    let src = fs.mkdir(ROOT_INODE, b"src", 0o755).unwrap();
    let dst = fs.mkdir(ROOT_INODE, b"dst", 0o755).unwrap();
    let child = fs.mkdir(src, b"child", 0o755).unwrap();
    fs.create(child, b"inside", 0o644).unwrap();
    assert_eq!(fs.rename(ROOT_INODE, b"src", child, b"loop"), Err(Errno::EINVAL));
    fs.rename(src, b"child", dst, b"moved").unwrap();
    assert_eq!(fs.lookup(child, b"..").unwrap(), dst);
    assert_eq!(fs.stat(src).unwrap().links, 2);
    assert_eq!(fs.stat(dst).unwrap().links, 3);
    assert_eq!(fs.stat(ROOT_INODE).unwrap().links, root_links + 2);

    // A directory replaces an empty directory, never a file or a full one.
    fs.mkdir(src, b"empty", 0o755).unwrap();
    let file = fs.create(src, b"file", 0o644).unwrap();
    assert_eq!(fs.rename(dst, b"moved", src, b"file"), Err(Errno::ENOTDIR));
    assert_eq!(fs.rename(src, b"file", dst, b"moved"), Err(Errno::EISDIR));
    fs.rename(dst, b"moved", src, b"empty").unwrap();
    assert_eq!(fs.lookup(src, b"empty").unwrap(), child);
    assert_eq!(fs.stat(src).unwrap().links, 3);
    assert_eq!(fs.stat(dst).unwrap().links, 2);
    assert_eq!(fs.rmdir(src, b"empty"), Err(Errno::ENOTEMPTY));
    assert_eq!(fs.unlink(src, b"empty"), Err(Errno::EISDIR));
    assert_eq!(fs.rmdir(src, b"file"), Err(Errno::ENOTDIR));

    // A file replaces a file, whose last link then goes.
    let other = fs.create(dst, b"other", 0o644).unwrap();
    fs.write(other, 0, b"old contents").unwrap();
    fs.rename(src, b"file", dst, b"other").unwrap();
    assert_eq!(fs.lookup(dst, b"other").unwrap(), file);
    assert_eq!(fs.lookup(src, b"file"), Err(Errno::ENOENT));
    // Renaming a name onto another name of the same file changes nothing.
    fs.link(file, dst, b"alias").unwrap();
    fs.rename(dst, b"alias", dst, b"other").unwrap();
    assert_eq!(fs.stat(file).unwrap().links, 2);
    let disk = fs.unmount().unwrap();
    assert_clean(&scratch, &disk);
    assert_eq!(debugfs_names(&scratch, "/src/empty"), [".", "..", "inside"]);
}

#[test]
fn filling_the_disk_ends_in_enospc_and_freeing_it_restores_every_count() {
    let scratch = Scratch::new();
    let mut fs = mount(make_image(&scratch, 1024, 2 * 1024));
    let before = free_counts(&fs);
    let file = fs.create(ROOT_INODE, b"filler", 0o644).unwrap();
    let chunk = pattern(64 * 1024, 3);
    let mut written = 0u64;
    loop {
        match fs.write(file, written, &chunk) {
            Ok(count) => written += count as u64,
            Err(error) => {
                assert_eq!(error, Errno::ENOSPC);
                break;
            }
        }
    }
    assert_eq!(fs.statfs().free_blocks, 0);
    assert_eq!(fs.create(ROOT_INODE, b"one-more", 0o644).and_then(|more| fs.write(more, 0, b"x")), Err(Errno::ENOSPC));
    assert_eq!(fs.mkdir(ROOT_INODE, b"no-room", 0o755), Err(Errno::ENOSPC));
    assert_eq!(fs.lookup(ROOT_INODE, b"no-room"), Err(Errno::ENOENT));
    let disk = fs.unmount().unwrap();
    assert_clean(&scratch, &disk);
    let mut fs = mount(disk);
    let mut back = vec![0; chunk.len()];
    fs.read(file, written - written % chunk.len() as u64 - chunk.len() as u64, &mut back).unwrap();
    assert_eq!(back, chunk);
    fs.unlink(ROOT_INODE, b"filler").unwrap();
    fs.unlink(ROOT_INODE, b"one-more").unwrap();
    assert_eq!(free_counts(&fs), before);
    let disk = fs.unmount().unwrap();
    assert_clean(&scratch, &disk);
}

#[test]
fn times_are_set_on_change_and_by_set_times() {
    let scratch = Scratch::new();
    let mut fs = mount(make_image(&scratch, 1024, 2 * 1024));
    let file = fs.create(ROOT_INODE, b"timed", 0o644).unwrap();
    assert_eq!((fs.stat(file).unwrap().mtime, fs.stat(file).unwrap().ctime), (NOW, NOW));
    fs.set_time(NOW + 100);
    fs.write(file, 0, b"later").unwrap();
    let stat = fs.stat(file).unwrap();
    assert_eq!((stat.mtime, stat.ctime), (NOW + 100, NOW + 100));
    assert_eq!(fs.stat(ROOT_INODE).unwrap().mtime, NOW);
    fs.set_time(NOW + 200);
    let mut bytes = [0; 5];
    fs.read(file, 0, &mut bytes).unwrap();
    assert_eq!(fs.stat(file).unwrap().atime, NOW + 200);
    fs.set_times(file, Some(5), Some(6)).unwrap();
    let stat = fs.stat(file).unwrap();
    assert_eq!((stat.atime, stat.mtime, stat.ctime), (5, 6, NOW + 200));
    let disk = fs.unmount().unwrap();
    assert_clean(&scratch, &disk);
    let stat = String::from_utf8(debugfs(&scratch, "stat /timed")).unwrap();
    assert!(stat.contains("mtime: 0x00000006"), "{stat}");
}

#[test]
fn the_state_is_not_clean_while_mounted_and_statfs_agrees_with_debugfs() {
    let scratch = Scratch::new();
    let disk = make_image(&scratch, 4096, 8 * 1024);
    let state = |disk: &MemoryDisk| u16::from_le_bytes([disk.bytes[1024 + 58], disk.bytes[1024 + 59]]);
    assert_eq!(state(&disk), 1);
    let mut fs = mount(disk);
    assert_eq!(state(&fs.device), 0);
    fs.create(ROOT_INODE, b"x", 0o644).unwrap();
    fs.sync().unwrap();
    let statfs = fs.statfs();
    let disk = fs.unmount().unwrap();
    assert_eq!(state(&disk), 1);
    assert_clean(&scratch, &disk);
    let stats = String::from_utf8(debugfs(&scratch, "stats")).unwrap();
    assert!(stats.contains(&format!("Free blocks:              {}\n", statfs.free_blocks)), "{stats}");
    assert!(stats.contains(&format!("Free inodes:              {}\n", statfs.free_inodes)), "{stats}");
    assert_eq!(statfs.block_size, 4096);
}

// ---- Damage: a clear error, never a panic, and nothing written ----

#[test]
fn a_bad_magic_a_bad_group_descriptor_and_impossible_geometry_refuse_to_mount() {
    let scratch = Scratch::new();
    let good = make_image(&scratch, 1024, 2 * 1024);

    let mut bad_magic = MemoryDisk { bytes: good.bytes.clone(), failing: false };
    bad_magic.bytes[1024 + 56] = 0x12;
    let error = Ext2::mount(bad_magic, false, NOW).err().unwrap();
    assert_eq!(error, MountError::BadMagic(0xEF12));
    assert_eq!(error.to_string(), "not an ext2 filesystem (superblock magic 0xef12, not 0xef53)");

    // Group 0's inode table moved past the end of the disk.
    let mut bad_group = MemoryDisk { bytes: good.bytes.clone(), failing: false };
    bad_group.bytes[2048 + 8..2048 + 12].copy_from_slice(&999_999u32.to_le_bytes());
    let error = Ext2::mount(bad_group, false, NOW).err().unwrap();
    assert_eq!(error, MountError::BadGroupDescriptor(0));

    let mut too_big = MemoryDisk { bytes: good.bytes.clone(), failing: false };
    too_big.bytes[1024 + 4..1024 + 8].copy_from_slice(&999_999u32.to_le_bytes());
    assert!(matches!(Ext2::mount(too_big, false, NOW), Err(MountError::BadGeometry(_))));

    let mut huge_blocks = MemoryDisk { bytes: good.bytes.clone(), failing: false };
    huge_blocks.bytes[1024 + 24] = 9;
    assert!(matches!(Ext2::mount(huge_blocks, false, NOW), Err(MountError::BadGeometry(_))));

    let mut failing = MemoryDisk { bytes: good.bytes, failing: true };
    failing.failing = true;
    assert_eq!(Ext2::mount(failing, false, NOW).err(), Some(MountError::Io));
}

#[test]
fn an_inode_pointing_past_the_disk_reads_as_eio_and_changes_nothing() {
    let scratch = Scratch::new();
    fs::write(scratch.root().join("victim"), pattern(5000, 4)).unwrap();
    let mut fs = mount(make_image(&scratch, 1024, 2 * 1024));
    let victim = fs.lookup(ROOT_INODE, b"victim").unwrap();
    let mut inode = fs.read_inode(victim).unwrap();
    inode.set_pointer(1, 5_000_000);
    fs.write_inode(victim, &inode).unwrap();
    let disk = fs.unmount().unwrap();
    let damaged = disk.bytes.clone();

    let mut fs = Ext2::mount(disk, true, NOW).unwrap();
    let mut bytes = vec![0; 5000];
    assert_eq!(fs.read(victim, 0, &mut bytes), Err(Errno::EIO));
    // The first block, before the bad pointer, still reads.
    assert_eq!(fs.read(victim, 0, &mut bytes[..1024]), Ok(1024));
    assert_eq!(fs.write(victim, 0, b"x"), Err(Errno::EROFS));
    let disk = fs.unmount().unwrap();
    assert!(disk.bytes == damaged, "a read-only mount wrote to the disk");

    // Mounted for writing, freeing the file stops at the bad block with EIO.
    let mut fs = mount(disk);
    assert_eq!(fs.unlink(ROOT_INODE, b"victim"), Err(Errno::EIO));
    assert_eq!(fs.stat(victim).map(|stat| stat.inode), Ok(victim));
}

#[test]
fn unknown_incompatible_features_refuse_to_mount_and_unknown_read_only_ones_mount_read_only() {
    let scratch = Scratch::new();
    let good = make_image(&scratch, 1024, 2 * 1024);

    let mut extents = MemoryDisk { bytes: good.bytes.clone(), failing: false };
    extents.bytes[1024 + 96] |= 0x40;
    let error = Ext2::mount(extents, false, NOW).err().unwrap();
    assert_eq!(error, MountError::UnsupportedFeatures(0x40));
    assert_eq!(error.to_string(), "unsupported incompatible features 0x40: refusing to mount");

    let mut huge_file = MemoryDisk { bytes: good.bytes.clone(), failing: false };
    huge_file.bytes[1024 + 100] |= 0x08;
    let before = huge_file.bytes.clone();
    let mut fs = Ext2::mount(huge_file, false, NOW).unwrap();
    assert!(fs.is_read_only());
    assert_eq!(fs.create(ROOT_INODE, b"x", 0o644), Err(Errno::EROFS));
    assert_eq!(fs.mkdir(ROOT_INODE, b"x", 0o755), Err(Errno::EROFS));
    assert!(fs.lookup(ROOT_INODE, b"lost+found").is_ok());
    assert!(fs.unmount().unwrap().bytes == before);
}

#[test]
fn a_device_that_fails_mid_way_turns_into_eio() {
    let scratch = Scratch::new();
    fs::write(scratch.root().join("file"), b"contents").unwrap();
    let mut fs = mount(make_image(&scratch, 1024, 2 * 1024));
    let file = fs.lookup(ROOT_INODE, b"file").unwrap();
    fs.device.failing = true;
    let mut bytes = [0; 8];
    assert_eq!(fs.read(file, 0, &mut bytes), Err(Errno::EIO));
    assert_eq!(fs.create(ROOT_INODE, b"new", 0o644), Err(Errno::EIO));
    assert_eq!(fs.sync(), Err(Errno::EIO));
}

#[test]
fn a_directory_entry_with_an_impossible_record_length_is_eio() {
    let scratch = Scratch::new();
    let mut fs = mount(make_image(&scratch, 1024, 2 * 1024));
    let root = fs.read_inode(ROOT_INODE).unwrap();
    let block = fs.map(&root, 0).unwrap();
    let mut contents = vec![0; 1024];
    fs.read_block(block, &mut contents).unwrap();
    // The first entry's rec_len: 3 is below the 8-byte header and not a multiple of 4.
    contents[4..6].copy_from_slice(&3u16.to_le_bytes());
    fs.write_block(block, &contents).unwrap();
    assert_eq!(fs.lookup(ROOT_INODE, b"lost+found"), Err(Errno::EIO));
    assert_eq!(fs.read_dir(ROOT_INODE, 0), Err(Errno::EIO));
    assert_eq!(fs.create(ROOT_INODE, b"x", 0o644), Err(Errno::EIO));
}

#[test]
fn a_held_file_outlives_its_last_name_and_is_freed_at_its_last_release() {
    let scratch = Scratch::new();
    let mut fs = mount(make_image(&scratch, 1024, 4 * 1024));
    let before = free_counts(&fs);
    let file = fs.create(ROOT_INODE, b"open", 0o644).unwrap();
    let contents = pattern(20_000, 3);
    fs.write(file, 0, &contents).unwrap();
    // Held twice (two open files, say): the unlink leaves an orphan that still reads back.
    fs.hold(file);
    fs.hold(file);
    fs.unlink(ROOT_INODE, b"open").unwrap();
    assert_eq!(fs.lookup(ROOT_INODE, b"open"), Err(Errno::ENOENT));
    assert_eq!(fs.stat(file).unwrap().links, 0);
    assert_eq!(read_all(&mut fs, file), contents);
    fs.release(file).unwrap();
    assert_eq!(read_all(&mut fs, file), contents);
    assert_ne!(free_counts(&fs), before);
    // The last release frees it: every block and the inode come back.
    fs.release(file).unwrap();
    assert_eq!(free_counts(&fs), before);
    let disk = fs.unmount().unwrap();
    assert_clean(&scratch, &disk);
}
