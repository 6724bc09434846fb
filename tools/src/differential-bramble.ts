// The differential lines on Bramble: every line of a differential spec that can run there runs
// in both machines, one boot each, and must do what it does with our programs under
// qemu-aarch64 (Linux's answer).
//
// Nothing is typed per line. The harness makes a card holding, besides the chapter's own
// files, a folder CARD_FOLDER with
//  - cases/NNN/: a copy of the fixture for each line, made on the host as the qemu-aarch64 run
//    makes its scratch folder (so its files have the same modes and times);
//  - in/NNN: what the line reads on its standard input, if the spec gives it any;
//  - out/: empty, for what each line writes (out/NNN.stdout, out/NNN.stderr) and, at the end,
//    every line's exit status (out/status);
//  - path: a link to /bin, the PATH the lines run with (a name of its own, so that where it
//    appears in what a line prints it can be told from any other /bin);
//  - run.sh: the script our sh runs, which for each line goes into cases/NNN and runs the
//    line (in `sh -c` when it is more than one command, as the host runs it in `bash -c`).
// The monitor runs `run /bin/sh /coreutils/run.sh`, then exits; the harness reads out/ and
// cases/ off the card with debugfs.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeFixture, settle, type Case, type Outcome, type Spec } from './differential';
import type { Backend, KernelRun } from './kernel-run';
import { runOnBramble } from './programs';
import { assembleRoot, makeSdImage, rootPartitionFile } from './sd-image';
import { loadToolchain } from './setup';

/** Where the lines' folders, inputs, outputs and script are on the card. */
export const CARD_FOLDER = '/coreutils';
const PATH_FOLDER = `${CARD_FOLDER}/path`;
const PROMPT = 'bramble> ';

/** The lines that run on Bramble, with their index in the spec (which names their files). */
export function brambleCases(spec: Spec): { index: number; programCase: Case }[] {
  return spec.cases.map((programCase, index) => ({ index, programCase })).filter(({ programCase }) => programCase.notOnBramble === undefined);
}

function caseName(index: number): string {
  return String(index).padStart(3, '0');
}

/** The shell variable (not exported: the lines do not see it) that keeps a line's status. */
function statusVariable(index: number): string {
  return `status${caseName(index)}`;
}

/** A word for sh: `text` in single quotes (a quote inside ends them, is escaped, and opens them again). */
function quoted(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** The characters that join commands or redirect them: a line with none is one simple command. */
const SHELL_OPERATORS = /[|;&<>]/;

/**
 * The line as the script runs it, redirections to be added after it. One simple command runs
 * as it is, in one process (as `bash -c` runs it: it execs the program in its own place), and
 * saves a shell's start per line; anything else runs in `sh -c`, so that the redirections
 * take in all of it.
 */
function command(line: string): string {
  return SHELL_OPERATORS.test(line) ? `sh -c ${quoted(line)}` : line;
}

/**
 * The script our sh runs: the environment the host gives bash (PATH, HOME, LC_ALL=C, TZ=UTC,
 * nothing else), then each line in its own folder with its own input, its output written to
 * files and its status kept, then the statuses. A last `sync` puts everything on the card
 * before the monitor exits.
 */
export function brambleScript(spec: Spec): string {
  const lines = ['# Made by tools/src/differential-bramble.ts: each line of the spec, in a folder of its own.', 'unset TERM', `export PATH=${PATH_FOLDER} LC_ALL=C TZ=UTC`];
  for (const { index, programCase } of brambleCases(spec)) {
    const name = caseName(index);
    const dir = `${CARD_FOLDER}/cases/${name}`;
    const out = `${CARD_FOLDER}/out/${name}`;
    lines.push(`cd ${dir}; export HOME=${dir}`);
    // The host gives a line its input through a pipe (which some programs look at: wc pads
    // its counts to 7 columns when it cannot know the size), so the card's line gets it so
    // too; a line with none reads /dev/null's end of file, as the host's reads an empty pipe's.
    const input = programCase.stdin === undefined ? '' : `cat ${CARD_FOLDER}/in/${name} | `;
    const fromNull = programCase.stdin === undefined ? ' < /dev/null' : '';
    lines.push(`${input}${command(programCase.line)}${fromNull} > ${out}.stdout 2> ${out}.stderr; ${statusVariable(index)}=$?`);
  }
  // Every status at once: echo is a program, and one run of it per line would cost as much as
  // many of the lines themselves.
  const statuses = brambleCases(spec).map(({ index }) => `${caseName(index)}=$${statusVariable(index)}`);
  lines.push('cd /', `echo ${statuses.join(' ')} > ${CARD_FOLDER}/out/status`, 'sync', '');
  return lines.join('\n');
}

/**
 * Makes the card `output`: the chapter's root (sd-image.ts's assembleRoot) and CARD_FOLDER
 * with the spec's lines, for the kernel `kernel`.
 */
export function makeDifferentialCard(output: string, kernel: string, sources: { programs?: string; chapterRoot?: string }, spec: Spec): void {
  mkdirSync(path.dirname(output), { recursive: true });
  const root = mkdtempSync(`${output}.root-`);
  try {
    // Without /sbin/init: the kernel runs its monitor, whose `run` starts the script (sd-image.ts, FirstProcess).
    assembleRoot(root, { ...sources, first: 'monitor' });
    const folder = path.join(root, CARD_FOLDER);
    for (const sub of ['cases', 'in', 'out']) mkdirSync(path.join(folder, sub), { recursive: true });
    symlinkSync('/bin', path.join(root, PATH_FOLDER));
    for (const { index, programCase } of brambleCases(spec)) {
      makeFixture(path.join(folder, 'cases', caseName(index)), spec.fixture);
      if (programCase.stdin !== undefined) writeFileSync(path.join(folder, 'in', caseName(index)), programCase.stdin);
    }
    writeFileSync(path.join(folder, 'run.sh'), brambleScript(spec));
    makeSdImage({ output, kernel, root });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** Boots `card` (changed in place) in `backend` and runs the script. */
export async function runScriptOnBramble(image: Uint8Array, imagePath: string, backend: Backend, card: string, timeoutMs: number): Promise<KernelRun> {
  const session = await runOnBramble(image, imagePath, backend, [`run /bin/sh ${CARD_FOLDER}/run.sh`], PROMPT, timeoutMs, { path: card, persist: true });
  return session.run;
}

/**
 * What each line did on the card, read with debugfs: its output and status, and its folder's
 * tree, made comparable as on the host (its folder named `<scratch>`, PATH `<path>`, the
 * case's masks applied). A line missing from the map never ended.
 */
export function readResults(card: string, spec: Spec): Map<number, Outcome> {
  const filesystem = rootPartitionFile(card);
  const dump = mkdtempSync(`${card}.dump-`);
  try {
    execFileSync(loadToolchain().debugfs, ['-R', `rdump ${CARD_FOLDER} ${dump}`, filesystem], { stdio: 'pipe' });
    const folder = path.join(dump, path.basename(CARD_FOLDER));
    const results = new Map<number, Outcome>();
    // "000=0 001=1 ...": empty for a line the script never finished, and no file at all if it
    // stopped (or the machine did) before the end.
    const statusFile = path.join(folder, 'out', 'status');
    const statuses = new Map(existsSync(statusFile) ? readFileSync(statusFile, 'latin1').trim().split(' ').map((word) => word.split('=') as [string, string]) : []);
    for (const { index, programCase } of brambleCases(spec)) {
      const name = caseName(index);
      const read = (suffix: string) => readFileSync(path.join(folder, 'out', `${name}.${suffix}`), 'latin1');
      const status = statuses.get(name);
      if (!status) continue;
      const ran = { stdout: read('stdout'), stderr: read('stderr'), status: `exit ${status}` };
      results.set(index, settle(ran, path.join(folder, 'cases', name), `${CARD_FOLDER}/cases/${name}`, PATH_FOLDER, spec, programCase));
    }
    return results;
  } finally {
    rmSync(dump, { recursive: true, force: true });
  }
}
