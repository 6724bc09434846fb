// The SD card image: an MBR, a FAT32 boot partition and an ext2 root, each checked with the
// real tools (mdir, e2fsck, debugfs) rather than with our own reading of them.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  assembleRoot,
  BIG_DIRECTORY_ENTRIES,
  BOOT_PARTITION_MIB,
  FIRST_PARTITION_SECTOR,
  LARGE_FILE_BYTES,
  largeFileByte,
  makeSdImage,
  masterBootRecord,
  PARTITION_TYPE,
  partitionsOf,
  readPartitions,
  SECTOR,
  type SdImage,
} from '../src/sd-image';
import { buildDir } from '../src/paths';
import { loadToolchain } from '../src/setup';

const tools = loadToolchain();
let scratch: string;

beforeAll(() => {
  mkdirSync(path.join(buildDir, 'scratch'), { recursive: true });
  scratch = mkdtempSync(path.join(buildDir, 'scratch', 'sd-image-test-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A root folder like a chapter's: two programs in /bin, /etc, /home, and the test files. */
function sampleRoot(): string {
  const programs = path.join(scratch, 'programs');
  mkdirSync(programs, { recursive: true });
  writeFileSync(path.join(programs, 'hello'), 'not really a program\n');
  writeFileSync(path.join(programs, 'cat'), 'nor this\n');
  const chapterRoot = path.join(scratch, 'chapter-root');
  mkdirSync(path.join(chapterRoot, 'etc'), { recursive: true });
  mkdirSync(path.join(chapterRoot, 'home', 'reader'), { recursive: true });
  writeFileSync(path.join(chapterRoot, 'etc', 'motd'), 'hello from the card\n');
  const root = path.join(scratch, 'root');
  assembleRoot(root, { programs, chapterRoot });
  return root;
}

/** The partition's bytes as a file of their own, for tools that take a whole filesystem. */
function extract(image: SdImage, which: 'boot' | 'root'): string {
  const partition = image[which];
  const file = path.join(scratch, `${path.basename(image.path)}.${which}`);
  writeFileSync(file, readFileSync(image.path).subarray(partition.start * SECTOR, (partition.start + partition.sectors) * SECTOR));
  return file;
}

function debugfs(filesystem: string, request: string): string {
  return execFileSync(tools.debugfs, ['-R', request, filesystem], { encoding: 'buffer', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 * 1024 * 1024 }).toString('latin1');
}

describe.each([1024, 4096] as const)('an SD card image with %i-byte ext2 blocks', (blockSize) => {
  let image: SdImage;
  let root: string;
  let kernel: Uint8Array;

  beforeAll(() => {
    kernel = new Uint8Array(3000).map((_, index) => (index * 13) & 0xff);
    const kernelFile = path.join(scratch, 'kernel8.img');
    writeFileSync(kernelFile, kernel);
    image = makeSdImage({ output: path.join(scratch, `sd-${blockSize}.img`), kernel: kernelFile, root: sampleRoot(), blockSize });
    root = extract(image, 'root');
  });

  test("is a power of two in size, as QEMU wants, and its MBR lists FAT32 at 1 MiB then Linux up to the card's end", () => {
    const bytes = readFileSync(image.path).length;
    expect(bytes).toBe(64 * 1024 * 1024);
    expect(partitionsOf(image.path)).toEqual([
      { type: PARTITION_TYPE.fat32Lba, start: FIRST_PARTITION_SECTOR, sectors: (BOOT_PARTITION_MIB * 1024 * 1024) / SECTOR },
      { type: PARTITION_TYPE.linux, start: image.root.start, sectors: bytes / SECTOR - image.root.start },
    ]);
  });

  test('its boot partition holds kernel8.img, byte for byte, and config.txt', () => {
    const env = { ...process.env, MTOOLS_SKIP_CHECK: '1' };
    const listing = execFileSync(tools.mdir, ['-b', '-i', `${image.path}@@${FIRST_PARTITION_SECTOR * SECTOR}`, '::'], { encoding: 'utf8', env });
    expect(listing.split('\n').filter(Boolean).sort()).toEqual(['::/config.txt', '::/kernel8.img']);
    const back = path.join(scratch, `kernel-back-${blockSize}`);
    execFileSync(tools.mcopy, ['-n', '-i', `${image.path}@@${FIRST_PARTITION_SECTOR * SECTOR}`, '::kernel8.img', back], { env });
    expect(new Uint8Array(readFileSync(back))).toEqual(kernel);
    execFileSync(tools.mcopy, ['-n', '-i', `${image.path}@@${FIRST_PARTITION_SECTOR * SECTOR}`, '::config.txt', `${back}.txt`], { env });
    expect(readFileSync(`${back}.txt`, 'utf8')).toContain('kernel=kernel8.img');
  });

  test('its root partition is ext2 revision 1 with the block size asked for, and e2fsck -fn finds nothing wrong', () => {
    const check = execFileSync(tools.e2fsck, ['-fn', root], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(check).toMatch(/Pass 5/);
    const stats = debugfs(root, 'stats');
    expect(stats).toMatch(/Filesystem revision #:\s+1 \(dynamic\)/);
    expect(stats).toMatch(new RegExp(`Block size:\\s+${blockSize}\\n`));
    expect(stats).not.toMatch(/has_journal|extent/);
  });

  test('its root holds /bin, /etc, /home and the test files, which read back exactly', () => {
    expect(debugfs(root, 'ls -p /bin')).toContain('/hello/');
    expect(debugfs(root, 'cat /etc/motd')).toBe('hello from the card\n');
    expect(debugfs(root, 'ls -p /home')).toContain('/reader/');
    const large = debugfs(root, 'cat /test/large');
    expect(large.length).toBe(LARGE_FILE_BYTES);
    for (const at of [0, 1023, 1024, 12 * blockSize, (12 + blockSize / 4) * blockSize + 5, LARGE_FILE_BYTES - 1]) {
      expect(large.charCodeAt(at), `byte ${at}`).toBe(largeFileByte(at));
    }
    const names = debugfs(root, 'ls -p /test/many').split('\n').filter((line) => line.includes('/entry-'));
    expect(names.length).toBe(BIG_DIRECTORY_ENTRIES);
    expect(debugfs(root, 'cat /test/many/entry-0999')).toBe('entry 999\n');
  });

  test('its large file reaches the double-indirect blocks, and its big directory spans many blocks', () => {
    expect(debugfs(root, 'stat /test/large')).toContain('(DIND)');
    const directory = /Size: (\d+)/.exec(debugfs(root, 'stat /test/many'));
    expect(Number(directory?.[1])).toBeGreaterThan(4 * blockSize);
  });
});

describe('the root folder of a chapter whose programs include init (chapter 07 on)', () => {
  test('has init at /sbin/init, not in /bin; made for the monitor (FirstProcess), it has no init at all', () => {
    const programs = path.join(scratch, 'programs-with-init');
    mkdirSync(programs, { recursive: true });
    writeFileSync(path.join(programs, 'init'), 'the first process\n');
    writeFileSync(path.join(programs, 'sh'), 'the shell\n');
    const booting = path.join(scratch, 'root-init');
    assembleRoot(booting, { programs });
    expect(readFileSync(path.join(booting, 'sbin', 'init'), 'utf8')).toBe('the first process\n');
    expect(readdirSync(path.join(booting, 'bin')).sort()).toEqual(['sh']);
    const rescue = path.join(scratch, 'root-monitor');
    assembleRoot(rescue, { programs, first: 'monitor' });
    expect(existsSync(path.join(rescue, 'sbin'))).toBe(false);
    expect(readdirSync(path.join(rescue, 'bin')).sort()).toEqual(['sh']);
  });
});

describe('bad requests', () => {
  test('a size that is not a power of two is a one-line error', () => {
    expect(() => makeSdImage({ output: path.join(scratch, 'x.img'), kernel: '/dev/null', root: scratch, sizeMiB: 100 })).toThrow(
      'an SD card image must be a power of two of at least 64 MiB (QEMU refuses other sizes), not 100 MiB',
    );
  });

  test('a missing root folder is a one-line error', () => {
    const kernel = path.join(scratch, 'k');
    writeFileSync(kernel, 'k');
    expect(() => makeSdImage({ output: path.join(scratch, 'x.img'), kernel, root: path.join(scratch, 'nowhere') })).toThrow(/^no root folder at .*nowhere$/);
  });

  test('a sector without the 0x55 0xAA signature is not an MBR', () => {
    const sector = masterBootRecord([{ type: PARTITION_TYPE.linux, start: 2048, sectors: 100 }]);
    expect(readPartitions(sector)).toEqual([{ type: PARTITION_TYPE.linux, start: 2048, sectors: 100 }]);
    sector[511] = 0;
    expect(() => readPartitions(sector)).toThrow('sector 0 is not an MBR: it does not end in 0x55 0xAA');
  });
});
