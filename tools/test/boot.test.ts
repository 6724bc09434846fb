// Every chapter boots the same in our emulator as in QEMU's raspi3b: the same bytes on the
// serial port, the same exit status. QEMU is the reference; a difference is a bug in ours.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { buildChapter, buildKernelCrate } from '../src/build';
import { listChapters } from '../src/chapters';
import { runKernel, type KernelRun } from '../src/kernel-run';
import { repoRoot } from '../src/paths';

/** Generous: a boot takes milliseconds in QEMU and well under a second in our emulator. */
const BOOT_TIMEOUT_MS = 60_000;

describe.each(listChapters().map((chapter) => [chapter.name] as const))('chapter %s', (name) => {
  let imagePath: string;
  let ours: KernelRun;
  let qemu: KernelRun;

  beforeAll(async () => {
    imagePath = (await buildChapter(name, { quiet: true })).image;
    const image = readFileSync(imagePath);
    [ours, qemu] = await Promise.all([
      runKernel({ image, imagePath, backend: 'emulator', timeoutMs: BOOT_TIMEOUT_MS }),
      runKernel({ image, imagePath, backend: 'qemu', timeoutMs: BOOT_TIMEOUT_MS }),
    ]);
  });

  test('boots and exits with status 0 in QEMU raspi3b', () => {
    expect(qemu.ending, qemu.message).toBe('exit');
    expect(qemu.exitCode).toBe(0);
  });

  test('boots and exits with status 0 in our emulator', () => {
    expect(ours.ending, ours.message).toBe('exit');
    expect(ours.exitCode).toBe(0);
  });

  test('prints byte for byte what it prints in QEMU', () => {
    expect(JSON.stringify(ours.output)).toBe(JSON.stringify(qemu.output));
  });

  test('says which chapter it is: a line that starts "Bramble <chapter>"', () => {
    // Chapter names are letters, digits and dashes: nothing a regular expression treats specially.
    expect(ours.output).toMatch(new RegExp(`^Bramble ${name}\\b`, 'm'));
  });
});

// 150 million instructions of integer work: any instruction that computes a wrong value, and
// any instruction lost or repeated where the emulator pauses and resumes, changes the checksum.
test('the benchmark guest prints the same checksum in our emulator as in QEMU', async () => {
  const benchDir = path.join(repoRoot, 'tools', 'bench', 'loop');
  const imagePath = (await buildKernelCrate({ name: 'bench-loop', dir: benchDir, kernelDir: benchDir }, { quiet: true })).image;
  const image = readFileSync(imagePath);
  const [ours, qemu] = await Promise.all([
    runKernel({ image, imagePath, backend: 'emulator', timeoutMs: 120_000 }),
    runKernel({ image, imagePath, backend: 'qemu', timeoutMs: 120_000 }),
  ]);
  expect(qemu.output).toMatch(/^bench: checksum 0x[0-9a-f]{16}\r\n$/);
  expect(ours.output).toBe(qemu.output);
  expect([ours.exitCode, qemu.exitCode]).toEqual([0, 0]);
});
