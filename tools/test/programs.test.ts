// User programs (chapter 04 on), against Linux: every case of a chapter's programs.test.json
// runs under qemu-aarch64 and, through the monitor's `run`, in our emulator and in QEMU
// raspi3b; standard output and ending must be the same everywhere once the spec's masks are
// applied. The same sessions show that the kernel survives every program (faults, bad
// pointers, running out of memory, a fork bomb) and gets every frame back. From chapter 05
// on the programs work on files: the spec's `tree` program lists the tree a case left, on
// Linux (in a scratch copy of the initramfs's folder) after every case, and in both machines
// after each case that changed it on Linux and after the last. Listing the tree in an emulator
// means reading every file on it, seconds each time, and most cases write nothing; a case that
// wrote on Bramble alone still shows in the next listing, which the last case always has. From
// chapter 06 on the tree is the SD card's: each machine boots with a copy of the card, Linux
// runs in a folder made as the card's was, and the cards must be e2fsck-clean afterwards. From
// chapter 07 on, a card's kernel starts /sbin/init rather than its monitor: the sessions boot a
// card made without it, on which the kernel runs the monitor (sd-image.ts, FirstProcess).
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildChapter } from '../src/build';
import { listChapters } from '../src/chapters';
import type { Backend, SdCardFile } from '../src/kernel-run';
import { buildDir } from '../src/paths';
import { applyMasks, loadSpec, runOnBramble, runOnLinux, type Outcome, type ProgramCase as ProgramsCase, type Session } from '../src/programs';
import { assembleRoot, ensureChapterSdImage, rootPartitionFile } from '../src/sd-image';
import { loadToolchain } from '../src/setup';
import { hostCargoTest } from './host-cargo';

const PROMPT = 'bramble> ';
/**
 * Generous: a session takes seconds in QEMU and a minute or two in our emulator, but chapter
 * 07's (some eighty runs) took five minutes on a 2-core machine shared with other builds.
 * Under the hook's own limit (vitest.config.ts's 600 s).
 */
const SESSION_TIMEOUT_MS = 540_000;
/**
 * Run once before the first `mem`: the kernel's heap keeps the pages it grows to, so the
 * first runs would show up as frames in use that later runs do not take again.
 */
const WARM_UP = ['forktree 3', 'cow', 'exec 1', 'badptr all'];

const chapters = listChapters()
  .map((chapter) => ({ chapter, specFile: path.join(chapter.dir, 'programs.test.json') }))
  .filter(({ specFile }) => existsSync(specFile));

describe.each(chapters.map(({ chapter, specFile }) => [chapter.name, chapter.dir, specFile, chapter] as const))('chapter %s programs', (name, dir, specFile, chapter) => {
  const spec = loadSpec(specFile);
  const warmUp = (spec.warmUp ?? WARM_UP).map((command) => `run ${command}`);
  let ours: Session;
  let qemu: Session;
  let linux: (Outcome | undefined)[];
  let linuxTrees: Outcome[];
  /** Where each case's own run is among a session's outcomes, and its tree's run if it has one. */
  let caseAt: number[];
  let treeAt: (number | undefined)[];
  /** How many `run` lines a session types: the warm-up, the cases and the tree's listings. */
  let runCount: number;
  let hasInitramfs: boolean;
  /** Each machine's copy of the card, for chapters with a disk. */
  let cards: Record<Backend, SdCardFile> | undefined;

  beforeAll(async () => {
    const built = await buildChapter(name, { quiet: true });
    const image = readFileSync(built.image);
    const toolchain = loadToolchain();
    hasInitramfs = built.rootfs !== undefined;
    if (built.sd) {
      mkdirSync(path.join(buildDir, 'scratch'), { recursive: true });
      const folder = mkdtempSync(path.join(buildDir, 'scratch', 'programs-'));
      cards = { emulator: { path: path.join(folder, 'emulator.img'), persist: true }, qemu: { path: path.join(folder, 'qemu.img'), persist: true } };
      const monitorCard = ensureChapterSdImage(chapter, built, 'monitor');
      for (const card of Object.values(cards)) copyFileSync(monitorCard, card.path);
    }
    const makeLinuxRoot = (scratch: string) => {
      if (!built.sd) return cpSync(built.rootfs!, scratch, { recursive: true });
      // What the card's ext2 was made from, and the folder mke2fs adds (lost+found, 0700).
      assembleRoot(scratch, { programs: built.programs, chapterRoot: path.join(dir, 'root'), first: 'monitor' });
      mkdirSync(path.join(scratch, 'lost+found'), { mode: 0o700 });
    };
    // Linux first: which cases change the tree there decides where the machines list it.
    [linux, linuxTrees] = await runOnLinuxInTurn(toolchain.qemuUser, built.programs!, built.rootfs ? makeLinuxRoot : undefined);
    // The session's outcomes are its `run` lines' ('mem' has no ending), so a run's index counts those.
    const runs = [...warmUp];
    caseAt = [];
    treeAt = [];
    spec.cases.forEach((programCase, index) => {
      caseAt.push(runs.push(`run ${programCase.run}`) - 1);
      const last = index === spec.cases.length - 1;
      const listed = spec.tree !== undefined && (last || linuxTrees[index + 1]!.stdout !== linuxTrees[index]!.stdout);
      treeAt.push(listed ? runs.push(`run ${spec.tree}`) - 1 : undefined);
    });
    runCount = runs.length;
    const lines = [...warmUp, 'mem', ...runs.slice(warmUp.length), 'mem'];
    [ours, qemu] = await Promise.all([
      runOnBramble(image, built.image, 'emulator', lines, PROMPT, SESSION_TIMEOUT_MS, cards?.emulator),
      runOnBramble(image, built.image, 'qemu', lines, PROMPT, SESSION_TIMEOUT_MS, cards?.qemu),
    ]);
  });

  afterAll(() => {
    if (cards) rmSync(path.dirname(cards.emulator.path), { recursive: true, force: true });
  });

  /**
   * Each case under qemu-aarch64. Without files they are independent and run at once; with
   * them they run in order in one scratch folder that `makeRoot` fills (a copy of the
   * initramfs's folder, or of the card's), as the machines run them in one tree; the tree is
   * listed before the first and after each, so `trees[i + 1]` is what case i left.
   */
  async function runOnLinuxInTurn(qemuUser: string, programsDir: string, makeRoot: ((scratch: string) => void) | undefined): Promise<[(Outcome | undefined)[], Outcome[]]> {
    const oracle = (programCase: ProgramsCase, root?: string) => (programCase.noOracle ? undefined : runOnLinux(qemuUser, programsDir, programCase.run, spec.environment, root));
    if (!makeRoot || !spec.tree) return [await Promise.all(spec.cases.map((programCase) => oracle(programCase))), []];
    const scratch = mkdtempSync(path.join(os.tmpdir(), `bramble-${name}-`));
    try {
      makeRoot(scratch);
      const outcomes: (Outcome | undefined)[] = [];
      const listTree = () => runOnLinux(qemuUser, programsDir, spec.tree!, spec.environment, scratch);
      const trees: Outcome[] = [await listTree()];
      for (const programCase of spec.cases) {
        outcomes.push(await oracle(programCase, scratch));
        trees.push(await listTree());
      }
      return [outcomes, trees];
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }

  test('ulib passes `cargo test` on the host, without warnings', async () => {
    const result = await hostCargoTest(path.join(dir, 'user'));
    expect(result.stderr).not.toMatch(/^warning/m);
  });

  test('both sessions ran every program and exited', () => {
    for (const [machine, session] of [['our emulator', ours], ['QEMU', qemu]] as const) {
      expect(session.run.ending, `${machine}: ${session.run.message ?? ''}\n${session.run.output}`).toBe('exit');
      expect(session.outcomes.length, `${machine}:\n${session.run.output}`).toBe(runCount);
    }
  });

  test.each(spec.cases.map((programCase, index) => [programCase.run, programCase, index] as const))('%s', (_title, programCase, index) => {
    const mask = (outcome: Outcome) => ({ stdout: applyMasks(outcome.stdout, spec.masks), ending: outcome.ending });
    const at = caseAt[index]!;
    const inEmulator = mask(ours.outcomes[at]!);
    const inQemu = mask(qemu.outcomes[at]!);
    const oracle = linux[index];
    if (oracle) expect(inQemu, 'QEMU raspi3b against Linux (qemu-aarch64)').toEqual(mask(oracle));
    else expect(inQemu.ending, `no oracle: ${programCase.noOracle}`).toBe(programCase.ending);
    for (const [machine, outcome] of [['our emulator', ours.outcomes[at]!], ['QEMU raspi3b', qemu.outcomes[at]!]] as const) {
      for (const line of programCase.expect ?? []) expect(outcome.stdout, `${machine}: a line matching ${line}`).toMatch(new RegExp(line, 'm'));
    }
    if (programCase.emulator) {
      expect(inEmulator.ending, programCase.emulator.why).toBe(programCase.emulator.ending);
    } else {
      expect(inEmulator, 'our emulator against QEMU raspi3b').toEqual(inQemu);
    }
    const listed = treeAt[index];
    if (listed !== undefined) {
      const tree = linuxTrees[index + 1]!;
      expect(qemu.outcomes[listed], `the tree after ${programCase.run}: QEMU raspi3b against Linux`).toEqual(tree);
      expect(ours.outcomes[listed], `the tree after ${programCase.run}: our emulator against Linux`).toEqual(tree);
    }
  });

  test('the cards the programs ran on are clean for e2fsck -fn afterwards (chapters with a disk)', () => {
    for (const card of Object.values(cards ?? {})) {
      try {
        execFileSync(loadToolchain().e2fsck, ['-fn', rootPartitionFile(card.path)], { stdio: 'pipe' });
      } catch (error) {
        throw new Error(`e2fsck -fn found problems on ${card.path}:\n${(error as { stdout?: Buffer }).stdout?.toString() ?? ''}`);
      }
    }
  });

  test('the kernel survives them all, and every frame and heap allocation comes back', () => {
    for (const [machine, session] of [['our emulator', ours], ['QEMU', qemu]] as const) {
      const output = session.run.output.replace(/\r\n/g, '\n');
      const frames = output.match(/^frames: \d+ free, \d+ in use, of \d+ .*$/gm) ?? [];
      const heap = output.match(/^heap: \d+ allocations live \(\d+ bytes\)/gm) ?? [];
      expect(frames, machine).toHaveLength(2);
      expect(frames[1], `${machine}: frames after every program`).toBe(frames[0]);
      expect(heap, machine).toHaveLength(2);
      expect(heap[1], `${machine}: heap after every program`).toBe(heap[0]);
      // Without files, nothing of the kernel's own stays on the heap between programs.
      if (!hasInitramfs) expect(heap[0], machine).toBe('heap: 0 allocations live (0 bytes)');
    }
  });
});
