// The differential harness for chapter 07's user space: the same command lines run with our
// programs and with a reference, in scratch folders made alike, and give the same standard
// output, standard error, exit status and folder contents afterwards.
//
// Our programs are static Linux AArch64 programs. To let a shell find them through PATH, each
// gets a two-line wrapper in a folder of its own that runs it under qemu-aarch64 with its bare
// name as argv[0] (qemu-user does not follow execve into another AArch64 program; the host
// kernel runs the wrapper, as Bramble's kernel will run the program itself). The references:
//  - GNU coreutils: a folder of links to the host's programs of the same names, so that a
//    command line finds exactly the programs it names, ours or GNU's, and nothing else;
//  - a POSIX shell (dash) for our shell, both using our coreutils.
// The environment is the same on both sides and small: PATH, HOME, LC_ALL=C (GNU's messages
// then quote with '' and sort by bytes, as ours do) and TZ=UTC (Bramble has no time zones).
// The same lines then run on Bramble itself, with our programs on both sides
// (differential-bramble.ts).
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, lutimesSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Files to make in a scratch folder before a case runs: contents by path ("dir/" ends a folder's name), and symbolic links. */
export interface Fixture {
  files: Record<string, string>;
  links?: Record<string, string>;
}

/** Text that differs legitimately between the two sides: each match becomes `<masked>`. */
export interface Mask {
  pattern: string;
  why: string;
}

/** One command line. Without `expect`, the reference must agree; with it, there is no reference (`why` says so). */
export interface Case {
  line: string;
  stdin?: string;
  /** Masks (by name, from the spec's `masks`) for this case alone. */
  masks?: string[];
  expect?: { stdout: string; status: number; why: string };
  /** Why this line does not run on Bramble (what it prints is the machine's own, or it needs what Bramble does not have yet). */
  notOnBramble?: string;
  /** Masks (by name) for the Bramble runs alone: what differs between a host's filesystem and Bramble's card. */
  brambleMasks?: string[];
}

export interface Spec {
  fixture: Fixture;
  masks: Record<string, Mask>;
  cases: Case[];
}

/** What a command line did. `tree` lists the scratch folder afterwards: each path, its kind and mode, and a file's contents. */
export interface Outcome {
  stdout: string;
  stderr: string;
  status: string;
  tree: string;
}

/** Every file's times in a fixture: a fixed moment, so that both sides' `ls -l` and `stat` show the same one. */
const FIXTURE_TIME = new Date('2026-01-02T03:04:05Z');

export function loadSpec(file: string): Spec {
  return JSON.parse(readFileSync(file, 'utf8')) as Spec;
}

/**
 * Makes `dir` a folder of wrappers, one per program in `programsDir` (and `[` for test),
 * each running the program under `qemuUser` with its bare name as argv[0].
 */
export function wrapPrograms(programsDir: string, qemuUser: string, dir: string): string[] {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const names = readdirSync(programsDir).filter((name) => !name.startsWith('.'));
  const wrappers = [...names.map((name) => [name, name] as const), ...(names.includes('test') ? [['[', 'test'] as const] : [])];
  for (const [name, program] of wrappers) {
    const file = path.join(dir, name);
    writeFileSync(file, `#!/bin/sh\nexec ${qemuUser} -0 '${name}' '${path.join(programsDir, program)}' "$@"\n`);
    chmodSync(file, 0o755);
  }
  return wrappers.map(([name]) => name);
}

/** Makes `dir` a folder of links to the host's programs named `names` (those it has). */
export function linkHostPrograms(names: string[], dir: string): string[] {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const linked: string[] = [];
  for (const name of names) {
    const host = ['/usr/bin', '/bin'].map((folder) => path.join(folder, name)).find((file) => existsSync(file));
    if (!host) continue;
    symlinkSync(host, path.join(dir, name));
    linked.push(name);
  }
  return linked;
}

/** Fills an empty folder with the fixture. */
export function makeFixture(dir: string, fixture: Fixture): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, contents] of Object.entries(fixture.files)) {
    const file = path.join(dir, name);
    if (name.endsWith('/')) mkdirSync(file, { recursive: true });
    else {
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, contents);
    }
  }
  for (const [name, target] of Object.entries(fixture.links ?? {})) symlinkSync(target, path.join(dir, name));
  // Deepest first, so that setting a folder's time is not undone by writing inside it; the
  // folder itself last (`ls -la` shows it as `..` of its folders).
  for (const file of [dir, ...walk(dir)].reverse()) (lstatSync(file).isSymbolicLink() ? lutimesSync : utimesSync)(file, FIXTURE_TIME, FIXTURE_TIME);
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    return entry.isDirectory() ? [file, ...walk(file)] : [file];
  });
}

/** The folder's contents, one line per path, for comparing what two runs left behind. */
export function describeTree(dir: string): string {
  return walk(dir)
    .map((file) => {
      const stats = lstatSync(file);
      const name = path.relative(dir, file);
      const mode = (stats.mode & 0o7777).toString(8);
      if (stats.isSymbolicLink()) return `${name} -> ${readlinkSync(file)}`;
      if (stats.isDirectory()) return `${name}/ ${mode}`;
      return `${name} ${mode} ${JSON.stringify(readFileSync(file, 'latin1'))}`;
    })
    .sort()
    .join('\n');
}

/**
 * Runs `program` with `args` in `cwd` with the harness's environment (PATH = `pathDir`) and
 * `stdin` (and `argv0` as its name, if given); what it wrote and how it ended ("exit N" or
 * "killed by SIGNAL").
 */
export function runIn(cwd: string, pathDir: string, program: string, args: string[], stdin = '', argv0?: string): Promise<Omit<Outcome, 'tree'>> {
  const env = { PATH: pathDir, HOME: cwd, LC_ALL: 'C', TZ: 'UTC' };
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { cwd, env, stdio: ['pipe', 'pipe', 'pipe'], ...(argv0 ? { argv0 } : {}) });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('latin1').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('latin1').on('data', (chunk: string) => (stderr += chunk));
    // A program that does not read its input must not make the write fail.
    child.stdin.on('error', () => {});
    child.stdin.end(stdin);
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ stdout, stderr, status: signal ? `killed by ${signal}` : `exit ${code}` }));
  });
}

/**
 * What a line did, made comparable: the folder it ran in (`seenAs`, as the line saw it) named
 * `<scratch>` and its PATH `<path>` wherever they are printed, the case's masks applied, and
 * the tree the line left in `dir`.
 */
export function settle(ran: Omit<Outcome, 'tree'>, dir: string, seenAs: string, pathDir: string, spec: Spec, programCase: Case): Outcome {
  const masks = (programCase.masks ?? []).map((name) => spec.masks[name]!);
  const neutral = (text: string) => applyMasks(text.replaceAll(seenAs, '<scratch>').replaceAll(pathDir, '<path>'), masks);
  return { stdout: neutral(ran.stdout), stderr: neutral(ran.stderr), status: ran.status, tree: describeTree(dir) };
}

/** The outcome with the masks `names` (the spec's) applied to what it printed. */
export function maskOutcome(outcome: Outcome, spec: Spec, names: string[]): Outcome {
  const masks = names.map((name) => spec.masks[name]!);
  return { ...outcome, stdout: applyMasks(outcome.stdout, masks), stderr: applyMasks(outcome.stderr, masks) };
}

/** Replaces what each mask matches. */
export function applyMasks(text: string, masks: Mask[]): string {
  return masks.reduce((result, mask) => result.replace(new RegExp(mask.pattern, 'gm'), '<masked>'), text);
}
