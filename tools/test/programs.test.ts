// User programs (chapter 04 on), against Linux: every case of a chapter's programs.test.json
// runs under qemu-aarch64 and, through the monitor's `run`, in our emulator and in QEMU
// raspi3b; standard output and ending must be the same everywhere once the spec's masks are
// applied. The same sessions show that the kernel survives every program (faults, bad
// pointers, running out of memory, a fork bomb) and gets every frame back.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, test } from 'vitest';
import { buildChapter } from '../src/build';
import { listChapters } from '../src/chapters';
import { buildDir } from '../src/paths';
import { applyMasks, loadSpec, runOnBramble, runOnLinux, type Outcome, type Session } from '../src/programs';
import { loadToolchain } from '../src/setup';

const execFileAsync = promisify(execFile);
const PROMPT = 'bramble> ';
/** Generous: the whole session takes seconds in QEMU and well under a minute in our emulator. */
const SESSION_TIMEOUT_MS = 240_000;
/**
 * Run once before the first `mem`: the kernel's heap keeps the pages it grows to, so the
 * first runs would show up as frames in use that later runs do not take again.
 */
const WARM_UP = ['run forktree 3', 'run cow', 'run exec 1', 'run badptr all'];

const chapters = listChapters()
  .map((chapter) => ({ chapter, specFile: path.join(chapter.dir, 'programs.test.json') }))
  .filter(({ specFile }) => existsSync(specFile));

describe.each(chapters.map(({ chapter, specFile }) => [chapter.name, chapter.dir, specFile] as const))('chapter %s programs', (name, dir, specFile) => {
  const spec = loadSpec(specFile);
  const lines = [...WARM_UP, 'mem', ...spec.cases.map((programCase) => `run ${programCase.run}`), 'mem'];
  let ours: Session;
  let qemu: Session;
  let linux: (Outcome | undefined)[];

  beforeAll(async () => {
    const built = await buildChapter(name, { quiet: true });
    const image = readFileSync(built.image);
    const toolchain = loadToolchain();
    [ours, qemu, linux] = await Promise.all([
      runOnBramble(image, built.image, 'emulator', lines, PROMPT, SESSION_TIMEOUT_MS),
      runOnBramble(image, built.image, 'qemu', lines, PROMPT, SESSION_TIMEOUT_MS),
      Promise.all(spec.cases.map((programCase) => (programCase.noOracle ? undefined : runOnLinux(toolchain.qemuUser, built.programs!, programCase.run, spec.environment)))),
    ]);
  });

  test('ulib passes `cargo test` on the host, without warnings', async () => {
    const cargo = loadToolchain().hostCargo;
    const result = await execFileAsync(cargo, ['test', '--locked'], { cwd: path.join(dir, 'user'), env: { ...process.env, CARGO_TARGET_DIR: path.join(buildDir, 'cargo-host') } });
    expect(result.stderr).not.toMatch(/^warning/m);
  });

  test('both sessions ran every program and exited', () => {
    for (const [machine, session] of [['our emulator', ours], ['QEMU', qemu]] as const) {
      expect(session.run.ending, `${machine}: ${session.run.message ?? ''}\n${session.run.output}`).toBe('exit');
      expect(session.outcomes.length, `${machine}:\n${session.run.output}`).toBe(WARM_UP.length + spec.cases.length);
    }
  });

  test.each(spec.cases.map((programCase, index) => [programCase.run, programCase, index] as const))('%s', (_title, programCase, index) => {
    const mask = (outcome: Outcome) => ({ stdout: applyMasks(outcome.stdout, spec.masks), ending: outcome.ending });
    const inEmulator = mask(ours.outcomes[WARM_UP.length + index]!);
    const inQemu = mask(qemu.outcomes[WARM_UP.length + index]!);
    const oracle = linux[index];
    if (oracle) expect(inQemu, 'QEMU raspi3b against Linux (qemu-aarch64)').toEqual(mask(oracle));
    else expect(inQemu.ending, `no oracle: ${programCase.noOracle}`).toBe(programCase.ending);
    if (programCase.emulator) {
      expect(inEmulator.ending, programCase.emulator.why).toBe(programCase.emulator.ending);
    } else {
      expect(inEmulator, 'our emulator against QEMU raspi3b').toEqual(inQemu);
    }
  });

  test('the kernel survives them all, and every frame and heap allocation comes back', () => {
    for (const [machine, session] of [['our emulator', ours], ['QEMU', qemu]] as const) {
      const output = session.run.output.replace(/\r\n/g, '\n');
      const frames = output.match(/^frames: \d+ free, \d+ in use, of \d+ .*$/gm) ?? [];
      const heap = output.match(/^heap: \d+ allocations live \(\d+ bytes\)/gm) ?? [];
      expect(frames, machine).toHaveLength(2);
      expect(frames[1], `${machine}: frames after every program`).toBe(frames[0]);
      expect(heap, machine).toEqual(['heap: 0 allocations live (0 bytes)', 'heap: 0 allocations live (0 bytes)']);
    }
  });
});
