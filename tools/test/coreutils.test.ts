// Chapter 07's coreutils against GNU coreutils: every line of chapters/07-shell/coreutils.test.json runs with our
// programs under qemu-aarch64 and with the host's GNU programs, each in a fresh copy of the
// same fixture, and both must print the same (stdout and stderr), end the same and leave the
// same files behind. See tools/src/differential.ts.
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { applyMasks, describeTree, linkHostPrograms, loadSpec, makeFixture, runIn, wrapPrograms, type Case, type Outcome } from '../src/differential';
import { buildDir, repoRoot } from '../src/paths';
import { runOnLinux } from '../src/programs';
import { loadToolchain } from '../src/setup';
import { buildChapter } from '../src/build';

const chapterDir = path.join(repoRoot, 'chapters', '07-shell');
const work = path.join(buildDir, '07-shell', 'coreutils');
const spec = loadSpec(path.join(chapterDir, 'coreutils.test.json'));
/** Bash's builtins that share a name with a program: off, so that the programs run. */
const BASH_PRELUDE = 'enable -n echo test [ true false pwd kill; ';

let programs: string;
const ourPath = path.join(work, 'ours-bin');
const gnuPath = path.join(work, 'gnu-bin');

beforeAll(async () => {
  programs = (await buildChapter('07-shell', { quiet: true })).programs!;
  const names = wrapPrograms(programs, loadToolchain().qemuUser, ourPath);
  linkHostPrograms(names, gnuPath);
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
  const neutral = (text: string) => text.replaceAll(dir, '<scratch>').replaceAll(pathDir, '<path>');
  const masks = (programCase.masks ?? []).map((name) => spec.masks[name]!);
  const outcome = { stdout: applyMasks(neutral(ran.stdout), masks), stderr: applyMasks(neutral(ran.stderr), masks), status: ran.status, tree: describeTree(dir) };
  rmSync(dir, { recursive: true, force: true });
  return outcome;
}

describe('coreutils against GNU', () => {
  beforeAll(() => mkdirSync(path.join(work, 'scratch'), { recursive: true }));

  test.each(spec.cases.map((programCase, index) => [programCase.line, programCase, index] as const))('%s', async (_line, programCase, index) => {
    const ours = await runCase(programCase, 'ours', ourPath, index);
    // Every program the line names exists on our side (else both sides could fail alike).
    expect(ours.stderr).not.toMatch(/command not found/);
    if (programCase.expect) {
      expect({ stdout: ours.stdout, status: ours.status }, programCase.expect.why).toEqual({ stdout: programCase.expect.stdout, status: `exit ${programCase.expect.status}` });
      return;
    }
    const gnu = await runCase(programCase, 'gnu', gnuPath, index);
    expect(ours).toEqual(gnu);
  });
});
