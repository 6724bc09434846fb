// The oracle harness for user programs (chapter 04 on). Bramble's programs are static Linux
// AArch64 programs, so Linux itself says what each must print and how it must end: under
// qemu-aarch64 (QEMU's user-mode emulator, which runs them on this Linux) and on Bramble, in
// both machines, a program must write the same standard output and end the same way.
//
// A chapter lists its cases in programs.test.json: the command line, and for the few cases
// Linux cannot answer, why not (then the two machines are compared with each other, and the
// ending is given). Masks set aside what legitimately differs (pids, the interleaving of
// processes running at once), each with the reason.
//
// From chapter 05 on, programs work on files: each machine runs them in its initramfs's
// tree, and Linux in a scratch folder holding the same files (build/<chapter>/rootfs/), its
// working directory, so the programs use relative paths. The spec's `tree` program lists the
// tree a case left, on Linux after every case and in the machines after each case that changed
// it on Linux (and after the last), and the lists must match. From
// chapter 06 on, the tree is the SD card's ext2: each machine boots with a copy of the card,
// and Linux's folder holds what the card was made from.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { runKernel, type Backend, type KernelRun, type SdCardFile } from './kernel-run';

/** One program run: `run` is its command line ("hello a b"). */
export interface ProgramCase {
  run: string;
  /** Why qemu-aarch64 cannot be the oracle for this case; the ending is then given instead. */
  noOracle?: string;
  /** The ending when there is no oracle ("exit 0", "killed by SIGSEGV"). */
  ending?: string;
  /** Our emulator follows the architecture where QEMU (both kinds) does not: the ending it must show instead, and why. */
  emulator?: { ending: string; why: string };
  /**
   * Lines the output must hold in both machines (regular expressions, each matched against
   * every line, before the masks): what a case without an oracle must show to be right.
   */
  expect?: string[];
}

/** Text that differs legitimately: each match is replaced by a marker, or its characters sorted (`sort`). */
export interface Mask {
  pattern: string;
  why: string;
  sort?: boolean;
}

export interface ProgramsSpec {
  /** The environment the monitor's `run` gives every program; qemu-aarch64 gets the same. */
  environment: string[];
  masks: Mask[];
  cases: ProgramCase[];
  /** Programs run before the cases, so that the kernel's heap has grown to its size (the default is chapter 04's). */
  warmUp?: string[];
  /**
   * A command that lists the tree (chapter 05 on): run on Linux after every case, and in the
   * machines after each case that changed the list on Linux and after the last.
   */
  tree?: string;
}

/** What a program did: its standard output, and "exit N" or "killed by SIGNAL". */
export interface Outcome {
  stdout: string;
  ending: string;
}

export function loadSpec(file: string): ProgramsSpec {
  return JSON.parse(readFileSync(file, 'utf8')) as ProgramsSpec;
}

/**
 * Runs `command` from `programsDir` under qemu-aarch64, with `environment` alone. With `root`
 * (chapter 05 on), the program's path is inside `root`, which is its working directory.
 */
export function runOnLinux(qemuUser: string, programsDir: string, command: string, environment: string[], root?: string): Promise<Outcome> {
  const [name, ...args] = command.split(' ');
  const program = root ? path.join(root, name!) : path.join(programsDir, name!);
  // qemu-aarch64 7.2 hands the environment to the program in reverse order (it keeps it in a
  // list it prepends to): given reversed, the program sees it in order, as Linux would pass it.
  const env = Object.fromEntries([...environment].reverse().map((variable) => variable.split('=', 2) as [string, string]));
  return new Promise((resolve, reject) => {
    // -0 sets argv[0] to the bare name, as the monitor's run passes it.
    const child = spawn(qemuUser, ['-0', name!, program, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], ...(root ? { cwd: root } : {}) });
    let stdout = '';
    child.stdout.setEncoding('latin1').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.resume();
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ stdout, ending: signal ? `killed by ${signal}` : `exit ${code}` }));
  });
}

/** A monitor session: the transcript, and each command's outcome in order. */
export interface Session {
  run: KernelRun;
  outcomes: Outcome[];
}

/**
 * Boots `image` (with the SD card `sd`, if given) and, at each prompt, types the next of
 * `lines` (monitor commands; `run X` runs program X), then `exit`. Returns the outcome of
 * every `run` line, in order.
 */
export async function runOnBramble(image: Uint8Array, imagePath: string, backend: Backend, lines: string[], prompt: string, timeoutMs: number, sd?: SdCardFile): Promise<Session> {
  const keyboard = new PassThrough();
  const script = [...lines, 'exit'];
  let seen = '';
  let typed = 0;
  const run = await runKernel({
    image,
    imagePath,
    backend,
    input: keyboard,
    // Nothing is typed before the first prompt: QEMU need not wait for the guest to go quiet.
    prompt,
    sd,
    timeoutMs,
    onOutput: (bytes) => {
      seen += Buffer.from(bytes).toString('latin1');
      // Type a line whenever a prompt appears that has not been answered yet.
      while (typed < script.length && seen.split(prompt).length - 1 > typed) keyboard.write(`${script[typed++]}\r`);
    },
  });
  keyboard.end();
  return { run, outcomes: parseRuns(run.output, prompt) };
}

/** The ending line the monitor prints after a program. */
const ENDING = /^(exit \d+|killed by SIG[A-Z]+)$/;
/** The kernel's own reports, which go to the console between a program's lines: not its output. */
const KERNEL_REPORT = /^pid \d+( \(\S+\) killed by |: system call )/;

/** Each `run` in a monitor transcript: the lines the program wrote, and its ending. */
export function parseRuns(transcript: string, prompt: string): Outcome[] {
  const lines = transcript.replace(/\r\n/g, '\n').split('\n');
  const outcomes: Outcome[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]!.startsWith(`${prompt}run `)) continue;
    const output: string[] = [];
    let j = i + 1;
    while (j < lines.length && !ENDING.test(lines[j]!) && !lines[j]!.startsWith(prompt)) {
      if (!KERNEL_REPORT.test(lines[j]!)) output.push(lines[j]!);
      j++;
    }
    const ending = ENDING.test(lines[j] ?? '') ? lines[j]! : `no ending (${lines[j] ?? 'end of transcript'})`;
    outcomes.push({ stdout: output.map((line) => `${line}\n`).join(''), ending });
    i = j;
  }
  return outcomes;
}

/** `text` with every mask applied. */
export function applyMasks(text: string, masks: Mask[]): string {
  return masks.reduce((result, mask) => result.replace(new RegExp(mask.pattern, 'gm'), (match) => (mask.sort ? [...match].sort().join('') : '<masked>')), text);
}
