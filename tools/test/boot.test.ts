// Every chapter boots the same in our emulator as in QEMU's raspi3b: the same bytes on the
// serial port, the same exit status. QEMU is the reference; a difference is a bug in ours.
//
// A boot gets no input. A kernel that then waits for commands never exits: our emulator runs
// it for a fixed number of instructions (or until it sleeps with nothing left to wake it), and
// QEMU, which has no such limit, is stopped once it has printed as much as ours and then
// stayed quiet for a moment. (Typed commands are not compared: what a kernel prints about
// time differs between our emulator's virtual clock and QEMU's real one.)
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { buildChapter, buildKernelCrate } from '../src/build';
import { listChapters } from '../src/chapters';
import { runKernel, type KernelRun, type KernelRunOptions } from '../src/kernel-run';
import { repoRoot } from '../src/paths';

/** Generous: a boot takes milliseconds in QEMU and well under a second in our emulator. */
const BOOT_TIMEOUT_MS = 60_000;
/** Far more than any boot needs: a kernel still running after this many is waiting for input. */
const BOOT_INSTRUCTIONS = 50_000_000;
/** How long QEMU must stay quiet, after matching our output's length, before it is stopped. */
const QUIET_MS = 500;

/**
 * Runs a kernel in QEMU until it exits, or until it has printed at least `length` bytes and
 * then nothing more for QUIET_MS (ending 'stopped').
 */
function runQemuUntilQuiet(options: Omit<KernelRunOptions, 'backend'>, length: number): Promise<KernelRun> {
  const stop = new AbortController();
  let printed = 0;
  let quiet: NodeJS.Timeout | undefined;
  return runKernel({
    ...options,
    backend: 'qemu',
    signal: stop.signal,
    onOutput: (bytes) => {
      printed += bytes.length;
      clearTimeout(quiet);
      if (printed >= length) quiet = setTimeout(() => stop.abort(), QUIET_MS);
    },
  }).finally(() => clearTimeout(quiet));
}

describe.each(listChapters().map((chapter) => [chapter.name] as const))('chapter %s', (name) => {
  let ours: KernelRun;
  let qemu: KernelRun;

  beforeAll(async () => {
    const imagePath = (await buildChapter(name, { quiet: true })).image;
    const run = { image: readFileSync(imagePath), imagePath, timeoutMs: BOOT_TIMEOUT_MS };
    ours = await runKernel({ ...run, backend: 'emulator', maxInstructions: BOOT_INSTRUCTIONS });
    qemu = ours.ending === 'exit' ? await runKernel({ ...run, backend: 'qemu' }) : await runQemuUntilQuiet(run, ours.output.length);
  });

  test('boots in our emulator: it exits, or waits for input', () => {
    expect(['exit', 'waiting', 'limit'], ours.message).toContain(ours.ending);
  });

  test('prints byte for byte what it prints in QEMU raspi3b', () => {
    expect(JSON.stringify(ours.output)).toBe(JSON.stringify(qemu.output));
  });

  test('exits with the same status as in QEMU, or in neither', () => {
    expect(qemu.exitCode).toBe(ours.exitCode);
    if (ours.ending !== 'exit') expect(qemu.ending, qemu.message).toBe('stopped');
  });

  test('says which chapter it is: a line that starts "Bramble <chapter>"', () => {
    // Chapter names are letters, digits and dashes: nothing a regular expression treats specially.
    expect(ours.output).toMatch(new RegExp(`^Bramble ${name}\\b`, 'm'));
  });
});

const first = listChapters()[0]!;
test(`${first.name}, the first chapter, exits with status 0`, async () => {
  const imagePath = (await buildChapter(first.name, { quiet: true })).image;
  const run = await runKernel({ image: readFileSync(imagePath), imagePath, backend: 'emulator', timeoutMs: BOOT_TIMEOUT_MS });
  expect(run).toMatchObject({ ending: 'exit', exitCode: 0 });
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
