// The SD card image, laid out the way a Raspberry Pi's card is, and made with the real tools
// rather than our own code (the kernel's ext2 is tested against what they write):
//
//   sector 0           the MBR: boot code (unused by the Pi), four partition entries, 0x55 0xAA
//   1 MiB              partition 1, FAT32 (type 0x0C): kernel8.img and config.txt, which the
//                      Pi's firmware reads; made by dosfstools' mkfs.fat, filled by mtools' mcopy
//   after it           partition 2, Linux (type 0x83): the root filesystem, ext2 revision 1,
//                      made and filled from a folder by e2fsprogs' `mke2fs -t ext2 -d FOLDER`
//
// Neither partition is mounted and nothing needs root: each is made as a file of its own, and
// the image is the MBR followed by the two files. The image's size is a power of two, because
// QEMU refuses an SD card of any other size; the root partition takes what is left.
//
//   tsx tools/src/sd-image.ts --kernel kernel8.img --root FOLDER [--block-size 1024|4096] [--size MiB] -o sd.img
import { spawnSync } from 'node:child_process';
import { chmodSync, closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import type { Chapter } from './chapters';
import { addFiles, type ExtraFile } from './initramfs';
import { buildDir } from './paths';
import { loadToolchain } from './setup';

export const SECTOR = 512;
const MiB = 1024 * 1024;
/** Partition 1 starts 1 MiB in, as the Pi's own images and every partitioning tool align it. */
export const FIRST_PARTITION_SECTOR = MiB / SECTOR;
/**
 * FAT32 needs at least 65,525 clusters; with one 512-byte sector per cluster that is 32 MiB,
 * plus the two FATs and the reserved sectors.
 */
export const BOOT_PARTITION_MIB = 33;
/** MBR partition types: FAT32 addressed by LBA, and a Linux filesystem. */
export const PARTITION_TYPE = { fat32Lba: 0x0c, linux: 0x83 } as const;

export interface Partition {
  type: number;
  /** First sector, counted from the start of the card. */
  start: number;
  /** Length in sectors. */
  sectors: number;
}

export interface SdImageOptions {
  /** The image to write (replaced if it exists). */
  output: string;
  /** The kernel the boot partition carries as kernel8.img. */
  kernel: string;
  /** The folder that becomes the root filesystem's top directory. */
  root: string;
  /** ext2's block size: 1 KiB (mke2fs's choice for small filesystems) or 4 KiB. */
  blockSize?: 1024 | 4096;
  /** The whole image, in MiB: a power of two, at least 64 (default 64). */
  sizeMiB?: number;
}

export interface SdImage {
  path: string;
  bytes: number;
  boot: Partition;
  root: Partition;
}

/** The Pi firmware's settings: a 64-bit kernel, loaded from kernel8.img at 0x80000. */
const CONFIG_TXT = 'arm_64bit=1\nkernel=kernel8.img\n';

/**
 * Makes the image. Any tool's failure, or a size that cannot hold the partitions, is an Error
 * whose message is one line.
 */
export function makeSdImage(options: SdImageOptions): SdImage {
  const sizeMiB = options.sizeMiB ?? 64;
  const blockSize = options.blockSize ?? 1024;
  if (!Number.isInteger(Math.log2(sizeMiB)) || sizeMiB < 64) {
    throw new Error(`an SD card image must be a power of two of at least 64 MiB (QEMU refuses other sizes), not ${sizeMiB} MiB`);
  }
  if (blockSize !== 1024 && blockSize !== 4096) throw new Error(`ext2's block size must be 1024 or 4096, not ${String(blockSize)}`);
  if (!existsSync(options.kernel)) throw new Error(`no kernel at ${options.kernel}`);
  if (!existsSync(options.root) || !statSync(options.root).isDirectory()) throw new Error(`no root folder at ${options.root}`);

  const tools = loadToolchain();
  const boot: Partition = { type: PARTITION_TYPE.fat32Lba, start: FIRST_PARTITION_SECTOR, sectors: (BOOT_PARTITION_MIB * MiB) / SECTOR };
  const rootStart = boot.start + boot.sectors;
  const root: Partition = { type: PARTITION_TYPE.linux, start: rootStart, sectors: (sizeMiB * MiB) / SECTOR - rootStart };

  mkdirSync(path.join(buildDir, 'scratch'), { recursive: true });
  const scratch = mkdtempSync(path.join(buildDir, 'scratch', 'sd-image-'));
  try {
    const fat = path.join(scratch, 'boot.img');
    const ext2 = path.join(scratch, 'root.img');
    writeFileSync(path.join(scratch, 'config.txt'), CONFIG_TXT);
    // --invariant: a fixed volume ID and dates in place of the clock's.
    run(tools.mkfsFat, ['-F', '32', '-s', '1', '-n', 'BOOT', '--invariant', '-C', fat, String((boot.sectors * SECTOR) / 1024)]);
    // MTOOLS_SKIP_CHECK: mtools would otherwise question a FAT that has no partition table of its own.
    const mtoolsEnv = { ...process.env, MTOOLS_SKIP_CHECK: '1' };
    run(tools.mcopy, ['-i', fat, options.kernel, '::kernel8.img'], mtoolsEnv);
    run(tools.mcopy, ['-i', fat, path.join(scratch, 'config.txt'), '::config.txt'], mtoolsEnv);
    // -t ext2 -r 1: revision 1 with mke2fs's default ext2 features; a fixed UUID, hash seed and
    // clock (E2FSPROGS_FAKE_TIME) so that the same folder gives the same filesystem.
    const fakeTime = { ...process.env, E2FSPROGS_FAKE_TIME: '1700000000' };
    run(
      tools.mke2fs,
      ['-q', '-F', '-t', 'ext2', '-r', '1', '-b', String(blockSize), '-L', 'bramble', '-U', '6272616d-626c-6500-0000-000000000006', '-E', 'hash_seed=6272616d-626c-6500-0000-000000000006', '-d', options.root, ext2, `${(root.sectors * SECTOR) / 1024}k`],
      fakeTime,
    );

    // A name of its own: test workers share a process id, and may make the same card at once.
    const partial = `${options.output}.${process.pid}.${Math.random().toString(36).slice(2)}.partial`;
    const fd = openSync(partial, 'w');
    try {
      writeSync(fd, masterBootRecord([boot, root]), 0, SECTOR, 0);
      copyInto(fd, fat, boot.start * SECTOR);
      copyInto(fd, ext2, root.start * SECTOR);
    } finally {
      closeSync(fd);
    }
    // The last byte pins the file's length (the partitions end exactly there).
    const last = openSync(partial, 'r+');
    writeSync(last, new Uint8Array(1), 0, 1, sizeMiB * MiB - 1);
    closeSync(last);
    renameSync(partial, options.output);
    return { path: options.output, bytes: sizeMiB * MiB, boot, root };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * Writes file `from` into the open image at byte `offset`, a MiB at a time. A MiB of zeros is
 * left out: the image is a new file, which reads as zeros where nothing was written, so a large
 * card with an empty filesystem takes little room on the host's disk.
 */
function copyInto(fd: number, from: string, offset: number): void {
  const source = openSync(from, 'r');
  try {
    const chunk = Buffer.alloc(MiB);
    for (let at = 0; ; at += MiB) {
      const read = readSync(source, chunk, 0, chunk.length, at);
      if (read === 0) break;
      if (chunk.subarray(0, read).some((byte) => byte !== 0)) writeSync(fd, chunk, 0, read, offset + at);
    }
  } finally {
    closeSync(source);
  }
}


/** Runs a tool, turning its failure into a one-line error that quotes its first line of complaint. */
function run(program: string, args: string[], env: NodeJS.ProcessEnv = process.env): void {
  const result = spawnSync(program, args, { encoding: 'utf8', env });
  if (result.error) throw new Error(`cannot run ${program}: ${result.error.message}`);
  if (result.status !== 0) {
    const complaint = `${result.stderr}${result.stdout}`.split('\n').find((line) => line.trim() !== '') ?? `exit status ${String(result.status)}`;
    throw new Error(`${path.basename(program)} failed making the SD card image: ${complaint.trim()}`);
  }
}

// ---- The MBR (the partition table of the IBM PC, which the Pi's firmware reads) ----

/** Offset of the first of the four 16-byte partition entries in sector 0. */
const ENTRIES_AT = 446;
/** The signature that ends a valid MBR, at bytes 510 and 511. */
const SIGNATURE = [0x55, 0xaa] as const;

/**
 * Sector 0 with these partitions (at most four). Each entry: status (0x80 bootable), the
 * first sector as cylinder/head/sector (unused by anything that reads LBA; 0xFE 0xFF 0xFF says
 * "too large, use the LBA"), the type, the last sector in CHS likewise, then the first sector and
 * the length as 32-bit little-endian LBA numbers.
 */
export function masterBootRecord(partitions: readonly Partition[]): Uint8Array {
  if (partitions.length > 4) throw new Error(`an MBR holds four partitions, not ${partitions.length}`);
  const sector = new Uint8Array(SECTOR);
  const view = new DataView(sector.buffer);
  partitions.forEach((partition, index) => {
    const entry = ENTRIES_AT + 16 * index;
    sector[entry] = index === 0 ? 0x80 : 0x00;
    sector.set([0xfe, 0xff, 0xff], entry + 1);
    sector[entry + 4] = partition.type;
    sector.set([0xfe, 0xff, 0xff], entry + 5);
    view.setUint32(entry + 8, partition.start, true);
    view.setUint32(entry + 12, partition.sectors, true);
  });
  sector.set(SIGNATURE, 510);
  return sector;
}

/** The partitions sector 0 lists (empty entries left out); an MBR without its signature is an error. */
export function readPartitions(sector: Uint8Array): Partition[] {
  if (sector.length < SECTOR || sector[510] !== SIGNATURE[0] || sector[511] !== SIGNATURE[1]) {
    throw new Error('sector 0 is not an MBR: it does not end in 0x55 0xAA');
  }
  const view = new DataView(sector.buffer, sector.byteOffset, SECTOR);
  const partitions: Partition[] = [];
  for (let index = 0; index < 4; index++) {
    const entry = ENTRIES_AT + 16 * index;
    const type = sector[entry + 4]!;
    if (type !== 0) partitions.push({ type, start: view.getUint32(entry + 8, true), sectors: view.getUint32(entry + 12, true) });
  }
  return partitions;
}

// ---- A chapter's card ----

/** A chapter has a disk when it has a root/ folder: the files its SD card's root filesystem starts with. */
export function hasDisk(chapter: Chapter): boolean {
  return existsSync(path.join(chapter.dir, 'root'));
}

/**
 * What the kernel runs first from a card (chapter 07 on, whose programs include `init`):
 * - `init`: the card has the chapter's `init` program at `/sbin/init`, which the kernel starts
 *   as pid 1 and which starts the shell: the card a reader boots, and the shell's tests;
 * - `monitor`: the card is made without `/sbin/init`, so the kernel says so and runs its
 *   monitor, the rescue console: for the harnesses that type monitor commands (`run PROGRAM`),
 *   such as programs.test.ts.
 * A chapter without an `init` program has one card, on which the kernel runs its monitor.
 */
export type FirstProcess = 'init' | 'monitor';

/** Whether the chapter's kernel has procfs (chapter 07 on), which it mounts on /proc. */
export function hasProcfs(chapter: Chapter): boolean {
  return existsSync(path.join(chapter.kernelDir, 'src', 'fs', 'procfs.rs'));
}

/** The program that goes to /sbin/init rather than /bin. */
const INIT_PROGRAM = 'init';

/** The prompt of the shell that init starts, in the root directory: a shell chapter's input is typed at it. */
export const SHELL_PROMPT = '/ $ ';

/** Whether the chapter's programs include init: then its card boots to init's shell, not the monitor. */
export function hasInitProgram(built: { programs?: string }): boolean {
  return built.programs !== undefined && existsSync(path.join(built.programs, INIT_PROGRAM));
}

/**
 * build/<chapter>/sd.img (sd-monitor.img for a card without /sbin/init, see FirstProcess), made
 * again when the kernel, the programs or the chapter's root/ folder is newer than it. Returns its path.
 */
export function ensureChapterSdImage(chapter: Chapter, built: { image: string; programs?: string }, first: FirstProcess = 'init'): string {
  const chapterRoot = path.join(chapter.dir, 'root');
  // Without an init program, both cards would be the same: there is one.
  const withoutInit = first === 'monitor' && hasInitProgram(built);
  const output = path.join(path.dirname(built.image), withoutInit ? 'sd-monitor.img' : 'sd.img');
  const inputs = [built.image, chapterRoot, ...(built.programs ? [built.programs] : [])];
  if (existsSync(output) && inputs.every((input) => newestIn(input) < statSync(output).mtimeMs)) return output;
  const folder = mkdtempSync(path.join(path.dirname(built.image), '.root-'));
  try {
    assembleRoot(folder, { programs: built.programs, chapterRoot, first, procfs: hasProcfs(chapter) });
    makeSdImage({ output, kernel: built.image, root: folder });
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
  return output;
}

/**
 * build/<chapter>/sd-added.img: the chapter's card made again from its folder with `extra`
 * files in it too (`npm start -- 06 --add FILE`), so that they are in the ext2 root.
 */
export function chapterSdImageWithFiles(chapter: Chapter, built: { image: string; programs?: string }, extra: readonly ExtraFile[]): string {
  const output = path.join(path.dirname(built.image), 'sd-added.img');
  const folder = mkdtempSync(path.join(path.dirname(built.image), '.root-'));
  try {
    assembleRoot(folder, { programs: built.programs, chapterRoot: path.join(chapter.dir, 'root'), procfs: hasProcfs(chapter) });
    addFiles(folder, extra);
    makeSdImage({ output, kernel: built.image, root: folder });
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
  return output;
}

function newestIn(file: string): number {
  const stats = statSync(file);
  if (!stats.isDirectory()) return stats.mtimeMs;
  return readdirSync(file).reduce((newest, entry) => Math.max(newest, newestIn(path.join(file, entry))), stats.mtimeMs);
}

// ---- The root folder ----

/** A file whose blocks reach the double-indirect range with 4 KiB blocks (12 + 1024 blocks = 4.05 MiB), and so also with 1 KiB ones. */
export const LARGE_FILE_BYTES = 5 * MiB;
/** How many entries the big directory has: more than fit in one block, so the directory spans many. */
export const BIG_DIRECTORY_ENTRIES = 1000;

/**
 * The byte at offset `at` of the large test file: a pattern that differs from block to block
 * and within a block, so a block read from the wrong place or a shifted read shows.
 */
export function largeFileByte(at: number): number {
  return (Math.imul(at >>> 10, 31) + (at & 1023) * 7 + (at >>> 20)) & 0xff;
}

/**
 * Fills `dir` (made empty first) with what the card's root holds: `/bin` (the chapter's user
 * programs, when it has them, but `init`, which is `/sbin/init`, unless `first` is `monitor`:
 * then the card has no init, see FirstProcess; and `[` when one of them is test), the chapter's own files (its `root/` folder: `/etc`, `/home`),
 * the mount points `/dev` and `/tmp` (empty folders, which git does not keep; and `/proc` for a
 * kernel with procfs, which mounts it there at boot and would otherwise make it), and the test
 * files: `/test/large` (double-indirect blocks), `/test/many/` (1,000 entries).
 */
export function assembleRoot(dir: string, sources: { programs?: string; chapterRoot?: string; first?: FirstProcess; procfs?: boolean }): void {
  rmSync(dir, { recursive: true, force: true });
  for (const folder of ['bin', 'dev', 'tmp']) mkdirSync(path.join(dir, folder), { recursive: true });
  // As Linux has it: nobody makes files in /proc itself.
  if (sources.procfs) mkdirSync(path.join(dir, 'proc'), { mode: 0o555 });
  // /tmp as every Unix root has it: anyone may make files there, and only a file's owner may
  // remove it (the sticky bit); tmpfs mounted there has the same mode.
  chmodSync(path.join(dir, 'tmp'), 0o1777);
  if (sources.chapterRoot) copyTree(sources.chapterRoot, dir);
  if (sources.programs) {
    const names = readdirSync(sources.programs).filter((name) => !name.startsWith('.'));
    for (const name of names) {
      if (name !== INIT_PROGRAM) {
        copyFileSync(path.join(sources.programs, name), path.join(dir, 'bin', name));
      } else if (sources.first !== 'monitor') {
        mkdirSync(path.join(dir, 'sbin'), { recursive: true });
        copyFileSync(path.join(sources.programs, name), path.join(dir, 'sbin', name));
      }
    }
    // `[` is test by its other name (test then wants a closing `]`): a link, as a shell's PATH finds it.
    if (names.includes('test')) symlinkSync('test', path.join(dir, 'bin', '['));
  }
  const test = path.join(dir, 'test');
  mkdirSync(path.join(test, 'many'), { recursive: true });
  const large = new Uint8Array(LARGE_FILE_BYTES);
  for (let at = 0; at < large.length; at++) large[at] = largeFileByte(at);
  writeFileSync(path.join(test, 'large'), large);
  for (let index = 0; index < BIG_DIRECTORY_ENTRIES; index++) {
    writeFileSync(path.join(test, 'many', `entry-${String(index).padStart(4, '0')}`), `entry ${index}\n`);
  }
}

function copyTree(from: string, to: string): void {
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) {
      mkdirSync(target, { recursive: true });
      copyTree(source, target);
    } else {
      copyFileSync(source, target);
    }
  }
}

/** Reads the image's partition table (for tools and tests). */
export function partitionsOf(image: string): Partition[] {
  return readPartitions(readFileSync(image).subarray(0, SECTOR));
}

/**
 * Writes the image's root partition to a file of its own beside it (`<image>.root`), for the
 * tools that read a bare filesystem (e2fsck, debugfs). Returns its path.
 */
export function rootPartitionFile(image: string): string {
  const root = partitionsOf(image)[1]!;
  const file = `${image}.root`;
  writeFileSync(file, readFileSync(image).subarray(root.start * SECTOR, (root.start + root.sectors) * SECTOR));
  return file;
}

// `tsx tools/src/sd-image.ts ...`: one image from the command line.
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  try {
    const { values } = parseArgs({
      options: { kernel: { type: 'string' }, root: { type: 'string' }, 'block-size': { type: 'string' }, size: { type: 'string' }, output: { type: 'string', short: 'o' } },
    });
    if (!values.kernel || !values.root || !values.output) throw new Error('usage: sd-image --kernel kernel8.img --root FOLDER [--block-size 1024|4096] [--size MiB] -o sd.img');
    const blockSize = Number(values['block-size'] ?? 1024);
    if (blockSize !== 1024 && blockSize !== 4096) throw new Error(`--block-size must be 1024 or 4096, not ${values['block-size']}`);
    const image = makeSdImage({ output: values.output, kernel: values.kernel, root: values.root, blockSize, sizeMiB: Number(values.size ?? 64) });
    console.log(`${image.path}: ${image.bytes / MiB} MiB, FAT32 boot at sector ${image.boot.start}, ext2 root at sector ${image.root.start}`);
  } catch (error) {
    console.error(`sd-image: ${(error as Error).message}`);
    process.exit(1);
  }
}
