// Every chapter's kernel: its pure modules pass their unit tests on the host, and the build
// tool turns it into a bootable image.
import { execFile } from 'node:child_process';
import { cpSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { buildChapter, buildKernelCrate } from '../src/build';
import { listChapters, mostComplete, resolveChapter } from '../src/chapters';
import { buildDir, repoRoot } from '../src/paths';
import { hostCargoTest } from './host-cargo';

const execFileAsync = promisify(execFile);
const chapters = listChapters();

describe.each(chapters.map((chapter) => [chapter.name, chapter] as const))('chapter %s', (_name, chapter) => {
  test('its pure modules pass `cargo test` on the host, without warnings', async () => {
    const { stdout, stderr } = await hostCargoTest(chapter.kernelDir);
    const output = stdout + stderr;
    expect(output, output).toMatch(/^test result: ok\. [1-9]\d* passed; 0 failed/m);
    expect(output, output).not.toMatch(/^warning/m);
  });

  test('its kernel builds without warnings', async () => {
    // Forced, so that cargo runs and repeats the warnings of a crate it has already compiled.
    const { warnings } = await buildChapter(chapter.name, { quiet: true, force: true });
    expect(warnings.join('')).toBe('');
  });
});

describe('chapter names', () => {
  test('a chapter answers to its folder name, its number, and its number without the zero', () => {
    const first = chapters[0]!;
    const number = first.name.slice(0, 2);
    expect(resolveChapter(first.name)).toEqual(first);
    expect(resolveChapter(number)).toEqual(first);
    expect(resolveChapter(String(Number(number)))).toEqual(first);
  });

  test('the most complete chapter is the last one', () => {
    expect(mostComplete()).toEqual(chapters.at(-1));
  });

  test('a bad name is a one-line error that lists the valid ones', async () => {
    const expected = chapters.map((chapter) => chapter.name).join(', ');
    expect(() => resolveChapter('99')).toThrow(`no chapter "99"; choose one of: ${expected}`);
    await expect(buildChapter('nonsense', { quiet: true })).rejects.toThrow(`no chapter "nonsense"; choose one of: ${expected}`);
  });

  test('`npm run build` with a bad name prints that one line and fails', async () => {
    const failure = await execFileAsync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'tools/src/build.ts'), 'nonsense'], { cwd: repoRoot }).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toMatch(/^npm run build: no chapter "nonsense"; choose one of: .+\n$/);
  });
});

describe('building chapter 01', () => {
  const chapter = resolveChapter('01');

  test('gives a kernel8.img that starts with the first instruction of boot.s', async () => {
    const { image } = await buildChapter(chapter.name, { quiet: true });
    const bytes = readFileSync(image);
    expect(bytes.length).toBeGreaterThan(0);

    const first = firstInstruction(readFileSync(path.join(chapter.kernelDir, 'src', 'boot.s'), 'utf8'));
    const mrs = /^mrs\s+x(\d+),\s*(\w+)$/i.exec(first);
    if (!mrs) throw new Error(`boot.s now starts with "${first}": teach this test to decode that instruction`);
    expect(decodeMrs(bytes.readUInt32LE(0))).toEqual({ rt: Number(mrs[1]), register: mrs[2]!.toLowerCase() });
  });

  test('gives a kernel.elf whose entry point is where link.ld starts the kernel', async () => {
    const { elf } = await buildChapter(chapter.name, { quiet: true });
    const start = /^\s*\.\s*=\s*(0x[0-9a-f]+)\s*;/im.exec(readFileSync(path.join(chapter.kernelDir, 'link.ld'), 'utf8'));
    if (!start) throw new Error('link.ld no longer sets its start address with ". = 0x...;"');
    // ELF64: e_entry is the 8-byte little-endian field at offset 24.
    expect(readFileSync(elf).readBigUInt64LE(24)).toBe(BigInt(start[1]!));
  });

  test('does nothing when nothing changed', async () => {
    const { image } = await buildChapter(chapter.name, { quiet: true });
    const before = statSync(image).mtimeMs;
    const again = await buildChapter(chapter.name, { quiet: true });
    expect(statSync(image).mtimeMs).toBe(before);
    expect(again.compiled).toEqual([]);
  });

  test("cargo compiles the kernel crate alone (core and alloc come from set-up's sysroot), and nothing when run again", async () => {
    // A copy of the chapter under a package name of its own, so cargo has never built it.
    const name = `build-test-${process.pid}`;
    const dir = path.join(buildDir, 'scratch', name);
    rmSync(dir, { recursive: true, force: true });
    cpSync(chapter.dir, dir, { recursive: true, filter: (source) => path.basename(source) !== 'target' });
    for (const file of ['Cargo.toml', 'Cargo.lock']) {
      const manifest = path.join(dir, 'kernel', file);
      writeFileSync(manifest, readFileSync(manifest, 'utf8').replace(`bramble-${chapter.name}`, `bramble-${name}`));
    }
    try {
      const copy = { name, dir, kernelDir: path.join(dir, 'kernel') };
      const first = await buildKernelCrate(copy, { quiet: true });
      expect(first.compiled).toEqual([`bramble-${name}`]);
      const forced = await buildKernelCrate(copy, { quiet: true, force: true });
      expect(forced.compiled).toEqual([]);
      expect(readFileSync(forced.image)).toEqual(readFileSync(first.image));
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(path.join(buildDir, name), { recursive: true, force: true });
    }
  });
});

/** The first instruction after the `_start:` label, without its comment. */
function firstInstruction(assembly: string): string {
  const lines = assembly.split('\n').map((line) => line.replace(/\/\/.*$/, '').trim());
  const instruction = lines.slice(lines.indexOf('_start:') + 1).find((line) => line !== '');
  if (!instruction) throw new Error('boot.s has no instruction after _start:');
  return instruction.replace(/\s+/g, ' ');
}

/** System registers by their (op0, op1, CRn, CRm, op2) numbers in the Arm ARM. */
const systemRegisters: Record<string, string> = {
  '3,0,0,0,5': 'mpidr_el1',
};

/** Decodes MRS Xt, <system register>: 1101 0101 0011 o0 op1 CRn CRm op2 Rt, with op0 = 2 + o0. */
function decodeMrs(word: number): { rt: number; register: string } {
  if ((word & 0xfff00000) >>> 0 !== 0xd5300000) throw new Error(`0x${word.toString(16)} is not an MRS instruction`);
  const op0 = 2 + ((word >>> 19) & 1);
  const op1 = (word >>> 16) & 0b111;
  const crn = (word >>> 12) & 0b1111;
  const crm = (word >>> 8) & 0b1111;
  const op2 = (word >>> 5) & 0b111;
  const key = [op0, op1, crn, crm, op2].join(',');
  return { rt: word & 0b11111, register: systemRegisters[key] ?? `unknown system register (${key})` };
}
