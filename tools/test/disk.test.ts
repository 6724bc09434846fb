// The disk of every chapter that has one (a root/ folder; chapter 06 on), driven through the
// monitor's commands (ls and cat, the disk's own, and programs run from the card) in our
// emulator and in QEMU, each machine with a copy of the chapter's
// SD card kept after the run (--persist): both must print the same transcript, what they read
// must be what mke2fs wrote, and what they write must leave the card's ext2 clean for `e2fsck
// -fn` and readable by `debugfs`. Damaged cards must give a one-line error and stay unchanged.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildChapter } from '../src/build';
import { listChapters, resolveChapter } from '../src/chapters';
import { describeEnding, runKernel, type Backend, type KernelRun, type SdCardFile } from '../src/kernel-run';
import { buildDir } from '../src/paths';
import { chapterSdImageWithFiles, ensureChapterSdImage, hasDisk, LARGE_FILE_BYTES, largeFileByte, partitionsOf, SECTOR } from '../src/sd-image';
import { loadToolchain } from '../src/setup';

const tools = loadToolchain();
const PROMPT = 'bramble> ';
const chaptersWithDisks = listChapters().filter(hasDisk);

/** FNV-1a over `length` bytes given by `byte`, as the monitor's `checksum` computes it. */
function fnv1a(length: number, byte: (at: number) => number): string {
  let sum = 0x811c9dc5;
  for (let at = 0; at < length; at++) sum = Math.imul(sum ^ byte(at), 0x01000193) >>> 0;
  return sum.toString(16).padStart(8, '0');
}

/** What the monitor's `append` writes at offset `at`. */
function appendByte(at: number): number {
  return ((at * 7) ^ Math.floor(at / 1024)) & 0xff;
}

describe.each(chaptersWithDisks.map((chapter) => [chapter.name] as const))('chapter %s disk', (name) => {
  let scratch: string;
  let kernel: { image: string; sd: string };

  beforeAll(async () => {
    const built = await buildChapter(name, { quiet: true });
    if (!built.sd) throw new Error(`${name} has a root/ folder but no sd.img was built`);
    // The monitor's commands are typed: from chapter 07 on, at a card without /sbin/init, on
    // which the kernel runs its monitor (sd-image.ts, FirstProcess).
    kernel = { image: built.image, sd: ensureChapterSdImage(resolveChapter(name), built, 'monitor') };
    mkdirSync(path.join(buildDir, 'scratch'), { recursive: true });
    scratch = mkdtempSync(path.join(buildDir, 'scratch', 'disk-test-'));
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  /** A copy of the chapter's card per machine, kept after each run. */
  function cards(label: string, change?: (image: Buffer) => void): Record<Backend, SdCardFile> {
    const made = {} as Record<Backend, SdCardFile>;
    for (const backend of ['emulator', 'qemu'] as const) {
      const file = path.join(scratch, `${label}-${backend}.img`);
      copyFileSync(kernel.sd, file);
      if (change) {
        const image = readFileSync(file);
        change(image);
        writeFileSync(file, image);
      }
      made[backend] = { path: file, persist: true };
    }
    return made;
  }

  /**
   * Boots the chapter in `backend` and types each line (then `exit`) once the monitor's prompt
   * has come back, as a person would: a disk command can keep the kernel busy long enough for
   * QEMU's serial line to drop what was typed ahead.
   */
  async function converse(backend: Backend, lines: string[], sd?: SdCardFile): Promise<KernelRun> {
    const keyboard = new PassThrough();
    const script = [...lines, 'exit'];
    let seen = '';
    let searched = 0;
    let typed = 0;
    const run = await runKernel({
      image: readFileSync(kernel.image),
      imagePath: kernel.image,
      backend,
      input: keyboard,
      // Nothing is typed before the first prompt: QEMU need not wait for the guest to go quiet.
      prompt: PROMPT,
      sd,
      timeoutMs: 120_000,
      onOutput: (bytes) => {
        seen += Buffer.from(bytes).toString('latin1');
        for (let at = seen.indexOf(PROMPT, searched); at >= 0 && typed < script.length; at = seen.indexOf(PROMPT, searched)) {
          searched = at + PROMPT.length;
          keyboard.write(`${script[typed++]}\r`);
        }
      },
    });
    keyboard.end();
    return run;
  }

  /** Both machines, each with its own card: they must exit 0, print a line matching each of `expect`, and print the same. */
  async function session(lines: string[], expect: string[], sd?: Record<Backend, SdCardFile>): Promise<Record<Backend, KernelRun>> {
    const [emulator, qemu] = await Promise.all((['emulator', 'qemu'] as const).map((backend) => converse(backend, lines, sd?.[backend])));
    const runs = { emulator: emulator!, qemu: qemu! };
    const problems: string[] = [];
    for (const [backend, run] of Object.entries(runs)) {
      if (run.ending !== 'exit') problems.push(`${backend}: ${describeEnding(run)}`);
      else if (run.exitCode !== 0) problems.push(`${backend}: exit status ${run.exitCode}`);
      const printed = run.output.split(/\r?\n/);
      for (const pattern of expect) if (!printed.some((line) => new RegExp(pattern).test(line))) problems.push(`${backend}: no line matches /${pattern}/`);
    }
    if (runs.emulator.output !== runs.qemu.output) problems.push('the machines printed different transcripts');
    if (problems.length > 0) throw new Error(`${problems.join('\n')}\n\nour emulator:\n${runs.emulator.output}\n\nQEMU:\n${runs.qemu.output}`);
    return runs;
  }

  /** The card's root partition as a file of its own, for e2fsck and debugfs. */
  function rootOf(card: SdCardFile): string {
    const root = partitionsOf(card.path)[1]!;
    const file = `${card.path}.root`;
    writeFileSync(file, readFileSync(card.path).subarray(root.start * SECTOR, (root.start + root.sectors) * SECTOR));
    return file;
  }

  /** Runs `edit` on the card image's root partition, as a file of its own, and puts the result back. */
  function editRoot(image: Buffer, edit: (root: string) => void): void {
    const root = partitionsOf(kernel.sd)[1]!;
    const file = path.join(scratch, 'edited-root.img');
    writeFileSync(file, image.subarray(root.start * SECTOR, (root.start + root.sectors) * SECTOR));
    edit(file);
    readFileSync(file).copy(image, root.start * SECTOR);
  }

  function assertClean(filesystem: string): void {
    try {
      execFileSync(tools.e2fsck, ['-fn', filesystem], { stdio: 'pipe' });
    } catch (error) {
      const failed = error as { stdout?: Buffer };
      throw new Error(`e2fsck -fn found problems in ${filesystem}:\n${failed.stdout?.toString() ?? ''}`);
    }
  }

  function debugfs(filesystem: string, request: string): string {
    return execFileSync(tools.debugfs, ['-R', request, filesystem], { stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 16 << 20 }).toString('latin1');
  }

  test('reads what mke2fs wrote, and writes files, links and directories that e2fsck finds clean and debugfs reads back; a second boot sees them and frees them all', async () => {
    const sd = cards('write');
    const large = fnv1a(LARGE_FILE_BYTES, largeFileByte);
    const big = fnv1a(400_000, appendByte);
    const first = await session(
      [
        'df',
        'disk',
        'cat /etc/motd',
        'cat /test/many/entry-0999',
        'checksum /test/large',
        'mkdir /home/reader/notes',
        'write /home/reader/notes/today.txt written on Bramble',
        'ln /home/reader/notes/today.txt /home/reader/hard',
        'ln -s notes/today.txt /home/reader/soft',
        'append /home/reader/big 400000',
        'checksum /home/reader/big',
        'mv /home/reader/notes /moved',
        'ls /home/reader',
        'cat /nothing',
        'rmdir /home',
      ],
      [
        '^root: ext2 on partition 2, read-write, 1024-byte blocks: \\d+ of \\d+ free, inodes \\d+ of \\d+ free$',
        '^partition 1: FAT32 \\(type 0x0c\\), sectors 2048\\.\\.69632 \\(33 MiB\\)$',
        '^entry 999$',
        `^/test/large: ${LARGE_FILE_BYTES} bytes, checksum ${large}$`,
        `^/home/reader/big: 400000 bytes, checksum ${big}$`,
        '^lrwxrwxrwx +15 soft -> notes/today.txt$',
        '^cat: /nothing: ENOENT$',
        '^rmdir: /home: ENOTEMPTY$',
      ],
      sd,
    );
    const freeAtFirst = /^blocks of .*$/m.exec(first.emulator.output)?.[0];
    for (const card of Object.values(sd)) {
      const root = rootOf(card);
      assertClean(root);
      expect(debugfs(root, 'cat /moved/today.txt')).toBe('written on Bramble\n');
      expect(debugfs(root, 'stat /moved/today.txt')).toMatch(/Links: 2/);
      expect(debugfs(root, 'stat /home/reader/big')).toContain('(DIND)');
      expect(debugfs(root, 'stat /home/reader/soft')).toContain('Fast link dest: "notes/today.txt"');
      expect(debugfs(root, 'ls -p /moved')).toContain('/today.txt/');
    }

    const second = await session(
      ['cat /moved/today.txt', 'rm /home/reader/hard', 'rm /home/reader/soft', 'rm /home/reader/big', 'rm /moved/today.txt', 'rmdir /moved', 'df'],
      ['^written on Bramble$'],
      sd,
    );
    // Every block and inode the first boot took is free again.
    expect(/^blocks of .*$/m.exec(second.emulator.output)?.[0]).toBe(freeAtFirst);
    for (const card of Object.values(sd)) assertClean(rootOf(card));
  });

  test('mount and umount2 put tmpfs, devtmpfs and the card again in the tree and take them out, with their errors; statfs tells the filesystems apart; links cross mounts; the card is clean after', async () => {
    const sd = cards('mounts');
    await session(
      ['run /bin/links mounts', 'mounts'],
      [
        '^statfs /: f_type 0xef53 \\(ext2\\), 1024-byte blocks, \\d+ of 30720 free$',
        '^statfs /tmp: f_type 0x1021994 \\(tmpfs\\), 4096-byte blocks, \\d+ of \\d+ free$',
        '^statfs /dev: f_type 0x1021994$',
        '^mount an unknown type: ENODEV$',
        '^mount on a missing directory: ENOENT$',
        '^mount on a file: ENOTDIR$',
        '^mount read-only: EINVAL$',
        '^mount tmpfs: ok$',
        '^mount it again: EBUSY$',
        '^read /tmp/m/inside: inside$',
        '^umount2 with a file open: EBUSY$',
        '^umount2 with the working directory there: EBUSY$',
        '^umount2 lazily: EINVAL$',
        '^umount2: ok$',
        '^read /tmp/m/inside after: ENOENT$',
        '^umount2 again: EINVAL$',
        '^mount ext2: ok$',
        '^statfs /tmp/m: f_type 0xef53 \\(ext2\\)',
        '^read /tmp/m/etc/hostname: bramble$',
        '^the same file as /etc/hostname: true$',
        '^umount2 ext2: ok$',
        '^mount devtmpfs: ok$',
        '^stat /tmp/m/null: a character device$',
        '^umount2 devtmpfs: ok$',
        '^umount2 /: EBUSY$',
        '^umount2 a directory nothing is mounted on: EINVAL$',
        '^read /tmp/abs: bramble$',
        '^read /tmp/up/hostname: bramble$',
        '^hard link across filesystems: EXDEV$',
        '^hard link in tmpfs: ok$',
        '^/tmp/file links: 2$',
        '^hard link in devfs: EPERM$',
        '^symlink in devfs: EPERM$',
        '^utimensat /dev/null: EPERM$',
      ],
      sd,
    );
    for (const card of Object.values(sd)) assertClean(rootOf(card));
  });

  test("--add's card holds the added files in its ext2, a program executable, and is clean", async () => {
    const built = await buildChapter(name, { quiet: true });
    const text = path.join(scratch, 'added.txt');
    writeFileSync(text, 'added on the host\n');
    const card = chapterSdImageWithFiles(resolveChapter(name), built, [
      { host: path.join(built.programs!, 'hello'), guestPath: '/bin/mine' },
      { host: text, guestPath: '/home/reader/new/added.txt' },
    ]);
    const root = rootOf({ path: card, persist: false });
    assertClean(root);
    expect(debugfs(root, 'cat /home/reader/new/added.txt')).toBe('added on the host\n');
    expect(debugfs(root, 'stat /bin/mine')).toMatch(/Mode: +0755/);
    expect(debugfs(root, 'cat /bin/mine')).toBe(readFileSync(path.join(built.programs!, 'hello')).toString('latin1'));
  });

  test('a program writes a file, fsyncs, syncs and powers off with reboot(2): the card is clean and the next boot reads the file; readlink reads a link', async () => {
    const sd = cards('reboot');
    await session(
      ['ln -s notes/x /home/reader/link', 'run /bin/persist -l /home/reader/link', 'run /bin/persist /home/reader/kept.txt kept across boots'],
      ['^/home/reader/link -> notes/x$', '^persist: /home/reader/kept.txt written, fsync and sync done; powering off$'],
      sd,
    );
    for (const card of Object.values(sd)) {
      const root = rootOf(card);
      assertClean(root);
      expect(debugfs(root, 'stats')).toMatch(/Filesystem state: +clean/);
      expect(debugfs(root, 'cat /home/reader/kept.txt')).toBe('kept across boots\n');
    }
    await session(['cat /home/reader/kept.txt'], ['^kept across boots$'], sd);
  });

  test('filling the disk ends in ENOSPC, and removing the file frees every block', async () => {
    // Most of the free space is taken on the host first (debugfs -w), so that the guest fills
    // the last megabyte or so rather than spending a minute on 20.
    const sd = cards('fill', (image) =>
      editRoot(image, (root) => {
        const free = Number(/Free blocks:\s+(\d+)/.exec(debugfs(root, 'stats'))?.[1]);
        const ballast = path.join(scratch, 'ballast');
        writeFileSync(ballast, Buffer.alloc((free - 1500) * 1024, 0x5a));
        execFileSync(tools.debugfs, ['-w', '-R', `write ${ballast} ballast`, root], { stdio: 'ignore' });
      }),
    );
    const runs = await session(['df', 'append /fill 40000000', 'df', 'rm /fill', 'df'], ['^append: /fill: ENOSPC$', '^blocks of 1 KiB: \\d+ used, 0 free'], sd);
    const counts = runs.emulator.output.match(/^blocks of .*$/gm) ?? [];
    expect(counts).toHaveLength(3);
    expect(counts[2]).toBe(counts[0]);
    for (const card of Object.values(sd)) assertClean(rootOf(card));
  });

  test.each([
    ['a bad superblock magic', (root: Buffer) => root.writeUInt16LE(0xef00, 1024 + 56), 'partition 2: not an ext2 filesystem \\(superblock magic 0xef00, not 0xef53\\)'],
    // Group 0's inode table (in the descriptor table, block 2 with 1 KiB blocks) moved past the disk.
    ['a group descriptor outside its group', (root: Buffer) => root.writeUInt32LE(0x7fff_ffff, 2048 + 8), "partition 2: a corrupt group descriptor: group 0's bitmaps or inode table lie outside it"],
  ])('%s is a clear mount error, and the card is left as it was', async (what, damage, message) => {
    const root = partitionsOf(kernel.sd)[1]!;
    const sd = cards(what.replaceAll(' ', '-'), (image) => damage(image.subarray(root.start * SECTOR)));
    const before = readFileSync(sd.emulator.path);
    await session(['disk', 'ls /'], [`^${message}$`], sd);
    for (const card of Object.values(sd)) expect(readFileSync(card.path).equals(before)).toBe(true);
  });

  test('a partition table without its signature is a clear error', async () => {
    const sd = cards('mbr', (image) => {
      image[511] = 0;
    });
    await session(['disk'], ['^SD card: no partition table: sector 0 does not end in 0x55 0xAA$'], sd);
  });

  test('an inode pointing past the disk reads as EIO, and only the superblock changes', async () => {
    const sd = cards('inode', (image) =>
      editRoot(image, (root) => execFileSync(tools.debugfs, ['-w', '-R', 'sif /etc/motd block[0] 9999999', root], { stdio: 'ignore' })),
    );
    const before = readFileSync(sd.emulator.path);
    await session(['cat /etc/motd', 'cat /etc/hostname'], ['^cat: /etc/motd: EIO$', '^bramble$'], sd);
    const superblock = partitionsOf(kernel.sd)[1]!.start * SECTOR + 1024;
    for (const card of Object.values(sd)) {
      const after = readFileSync(card.path);
      // Mounting writes the superblock (its state and times); nothing else may change.
      expect(Buffer.compare(after.subarray(0, superblock), before.subarray(0, superblock))).toBe(0);
      expect(Buffer.compare(after.subarray(superblock + 1024), before.subarray(superblock + 1024))).toBe(0);
    }
  });

  test('with no card, or in our emulator a removed or failing one, the disk commands say what is wrong', async () => {
    const none = await session(['disk'], ['^SD card: no card in the slot$']);
    expect(none.emulator.exitCode).toBe(0);
    const card = (fault: 'removed' | 'failing'): SdCardFile => {
      const file = path.join(scratch, `${fault}.img`);
      copyFileSync(kernel.sd, file);
      return { path: file, persist: false, fault };
    };
    const removed = await converse('emulator', ['disk'], card('removed'));
    expect(removed.output).toContain('SD card: no card in the slot\r\n');
    const failing = await converse('emulator', ['disk', 'ls /'], card('failing'));
    expect(failing.output).toContain('SD card: cannot read sector 0: a data transfer timed out\r\n');
    expect(failing.exitCode).toBe(0);
  });
});
