// Chapter 07's shell against a POSIX shell: every script of
// chapters/07-shell/shell.test.json runs with our sh under qemu-aarch64 and with dash, each in
// a fresh copy of the same fixture and both finding our coreutils through PATH, so that only
// the shells differ. Output, status and the files left behind must be the same.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, expect, test } from 'vitest';
import { describeTree, makeFixture, runIn, wrapPrograms, type Fixture, type Outcome } from '../src/differential';
import { buildDir, repoRoot } from '../src/paths';
import { loadToolchain } from '../src/setup';
import { buildChapter } from '../src/build';

/** One script, and how the shell gets it: as a file (the default), with -c, or on standard input. */
interface ShellCase {
  name: string;
  script: string;
  mode?: 'file' | 'c' | 'stdin';
  args?: string[];
}

const chapterDir = path.join(repoRoot, 'chapters', '07-shell');
const work = path.join(buildDir, '07-shell', 'shell');
const spec = JSON.parse(readFileSync(path.join(chapterDir, 'shell.test.json'), 'utf8')) as { fixture: Fixture; cases: ShellCase[] };
const ourPath = path.join(work, 'ours-bin');
/** The reference: dash, called "sh" as ours is, so that its messages begin alike. */
const DASH = '/usr/bin/dash';

beforeAll(async () => {
  const { programs } = await buildChapter('07-shell', { quiet: true });
  wrapPrograms(programs!, loadToolchain().qemuUser, ourPath);
});

async function runScript(shellCase: ShellCase, side: 'ours' | 'dash', index: number): Promise<Outcome> {
  const dir = path.join(work, 'scratch', `${side}-${index}`);
  rmSync(dir, { recursive: true, force: true });
  makeFixture(dir, spec.fixture);
  const args = shellCase.args ?? [];
  const mode = shellCase.mode ?? 'file';
  if (mode === 'file') writeFileSync(path.join(dir, 'script.sh'), shellCase.script);
  const shellArgs = mode === 'file' ? ['script.sh', ...args] : mode === 'c' ? ['-c', shellCase.script, ...args] : [];
  const stdin = mode === 'stdin' ? shellCase.script : '';
  const ran = side === 'ours' ? await runIn(dir, ourPath, path.join(ourPath, 'sh'), shellArgs, stdin) : await runIn(dir, ourPath, DASH, shellArgs, stdin, 'sh');
  const neutral = (text: string) => text.replaceAll(dir, '<scratch>');
  if (mode === 'file') rmSync(path.join(dir, 'script.sh'));
  const outcome = { stdout: neutral(ran.stdout), stderr: neutral(ran.stderr), status: ran.status, tree: describeTree(dir) };
  rmSync(dir, { recursive: true, force: true });
  return outcome;
}

test.each(spec.cases.map((shellCase, index) => [shellCase.name, shellCase, index] as const))('%s', async (_name, shellCase, index) => {
  const [ours, dash] = await Promise.all([runScript(shellCase, 'ours', index), runScript(shellCase, 'dash', index)]);
  // Every script prints something: two shells that both failed to start would agree on nothing.
  expect(dash.stdout).not.toBe('');
  expect(ours).toEqual(dash);
});
