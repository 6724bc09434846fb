// Chapter 07's coreutils against GNU coreutils and on Bramble: every line of
// chapters/07-shell/coreutils.test.json runs with our programs under qemu-aarch64 and with the
// host's GNU programs, each in a fresh copy of the same fixture, and both must print the same
// (stdout and stderr), end the same and leave the same files behind (tools/src/differential.ts).
// The same lines run on Bramble, in our emulator and in QEMU raspi3b, one boot each for all of
// them, and must do there what our programs do under qemu-aarch64
// (tools/src/differential-bramble.ts); the cards are e2fsck-clean afterwards.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { linkHostPrograms, loadSpec, makeFixture, maskOutcome, runIn, settle, wrapPrograms, type Case, type Outcome } from '../src/differential';
import { brambleCases, makeDifferentialCard, readResults, runScriptOnBramble } from '../src/differential-bramble';
import type { Backend, KernelRun } from '../src/kernel-run';
import { buildDir, repoRoot } from '../src/paths';
import { runOnLinux } from '../src/programs';
import { rootPartitionFile } from '../src/sd-image';
import { loadToolchain } from '../src/setup';
import { buildChapter } from '../src/build';

const chapterDir = path.join(repoRoot, 'chapters', '07-shell');
const work = path.join(buildDir, '07-shell', 'coreutils');
const spec = loadSpec(path.join(chapterDir, 'coreutils.test.json'));
/** Bash's builtins that share a name with a program: off, so that the programs run. */
const BASH_PRELUDE = 'enable -n echo test [ true false pwd kill; ';
/** Generous: the whole script takes well under two minutes in either machine, even on a busy host. */
const SESSION_TIMEOUT_MS = 400_000;
const BACKENDS = ['emulator', 'qemu'] as const;

let programs: string;
const ourPath = path.join(work, 'ours-bin');
const gnuPath = path.join(work, 'gnu-bin');
/** Each machine's run of the script, and its card afterwards. */
type Machines = Record<Backend, { run: KernelRun; card: string }>;
/** The boots, started before any line runs on the host so that they run meanwhile. */
let booting: Promise<Machines> | undefined;

function bothMachines(): Promise<Machines> {
  if (!booting) throw new Error('the machines never booted: the card was not made');
  return booting;
}

beforeAll(async () => {
  const built = await buildChapter('07-shell', { quiet: true });
  programs = built.programs!;
  const names = wrapPrograms(programs, loadToolchain().qemuUser, ourPath);
  linkHostPrograms(names, gnuPath);
  const card = path.join(work, 'cards', 'card.img');
  rmSync(path.dirname(card), { recursive: true, force: true });
  makeDifferentialCard(card, built.image, { programs, chapterRoot: path.join(chapterDir, 'root') }, spec);
  const image = readFileSync(built.image);
  booting = Promise.all(
    BACKENDS.map(async (backend) => {
      const copy = path.join(work, 'cards', `${backend}.img`);
      copyFileSync(card, copy);
      return [backend, { run: await runScriptOnBramble(image, built.image, backend, copy, SESSION_TIMEOUT_MS), card: copy }] as const;
    }),
  ).then((entries) => Object.fromEntries(entries) as Machines);
  // A failed boot is reported by the tests that wait for it, not as an unhandled rejection.
  booting.catch(() => {});
});

afterAll(async () => {
  // The cards go once both machines are done with them (a failed test may not have waited).
  await booting?.catch(() => {});
  rmSync(path.join(work, 'cards'), { recursive: true, force: true });
});

describe('chapter 07 user space', () => {
  test("signals: handlers, masks, SIGCHLD (and children reaped for a parent that ignores it), SIGPIPE, EINTR, stopped children and faults behave as POSIX says (under qemu-aarch64, Linux's)", async () => {
    const outcome = await runOnLinux(loadToolchain().qemuUser, programs, 'signals', []);
    expect(outcome.stdout.match(/^\w+: as POSIX says$/gm)?.length, outcome.stdout).toBe(9);
    expect(outcome.ending, outcome.stdout).toBe('exit 0');
  });
});

/** Runs a case's line in a fresh fixture with the programs PATH finds in `pathDir`. */
async function runCase(programCase: Case, side: string, pathDir: string, index: number): Promise<Outcome> {
  const dir = path.join(work, 'scratch', `${side}-${index}`);
  rmSync(dir, { recursive: true, force: true });
  makeFixture(dir, spec.fixture);
  const ran = await runIn(dir, pathDir, '/bin/bash', ['--norc', '--noprofile', '-c', BASH_PRELUDE + programCase.line], programCase.stdin);
  // Where each side ran, and its PATH, are its own: a line naming them names them alike.
  const outcome = settle(ran, dir, dir, pathDir, spec, programCase);
  rmSync(dir, { recursive: true, force: true });
  return outcome;
}

/** Our programs' outcome for each line under qemu-aarch64, run once for both comparisons that need it. */
const ours = new Map<number, Promise<Outcome>>();
function oursFor(programCase: Case, index: number): Promise<Outcome> {
  if (!ours.has(index)) ours.set(index, runCase(programCase, 'ours', ourPath, index));
  return ours.get(index)!;
}

describe('coreutils against GNU', () => {
  beforeAll(() => mkdirSync(path.join(work, 'scratch'), { recursive: true }));

  test.each(spec.cases.map((programCase, index) => [programCase.line, programCase, index] as const))('%s', async (_line, programCase, index) => {
    const outcome = await oursFor(programCase, index);
    // Every program the line names exists on our side (else both sides could fail alike).
    expect(outcome.stderr).not.toMatch(/command not found/);
    if (programCase.expect) {
      expect({ stdout: outcome.stdout, status: outcome.status }, programCase.expect.why).toEqual({ stdout: programCase.expect.stdout, status: `exit ${programCase.expect.status}` });
      return;
    }
    const gnu = await runCase(programCase, 'gnu', gnuPath, index);
    expect(outcome).toEqual(gnu);
  });
});

describe('coreutils on Bramble, in our emulator and in QEMU raspi3b, against qemu-aarch64', () => {
  let results: Record<Backend, Map<number, Outcome>>;

  beforeAll(async () => {
    const runs = await bothMachines();
    for (const backend of BACKENDS) expect(runs[backend].run.ending, `${backend}: ${runs[backend].run.message ?? ''}\n${runs[backend].run.output}`).toBe('exit');
    results = { emulator: readResults(runs.emulator.card, spec), qemu: readResults(runs.qemu.card, spec) };
  });

  test.each(brambleCases(spec).map(({ programCase, index }) => [programCase.line, programCase, index] as const))('%s', async (_line, programCase, index) => {
    const masks = programCase.brambleMasks ?? [];
    const linux = maskOutcome(await oursFor(programCase, index), spec, masks);
    for (const backend of BACKENDS) {
      const outcome = results[backend].get(index);
      expect(outcome, `${backend}: the script did not get past this line`).toBeDefined();
      expect(maskOutcome(outcome!, spec, masks), backend).toEqual(linux);
    }
  });

  test('the cards the lines ran on are clean for e2fsck -fn afterwards', async () => {
    const runs = await bothMachines();
    for (const backend of BACKENDS) {
      try {
        execFileSync(loadToolchain().e2fsck, ['-fn', rootPartitionFile(runs[backend].card)], { stdio: 'pipe' });
      } catch (error) {
        throw new Error(`e2fsck -fn found problems on ${backend}'s card:\n${(error as { stdout?: Buffer }).stdout?.toString() ?? ''}`);
      }
    }
  });
});
