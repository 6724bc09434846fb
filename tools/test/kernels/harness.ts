// Test kernels: small guests that exercise what instruction vectors cannot (exceptions,
// system registers, the MMU, devices), each run in QEMU's raspi3b (the reference) and in
// our emulator, so a test can require the same output and exit status from both.
//
// A kernel is the folder tools/test/kernels/<name>/: its `*.s` files are assembled with
// llvm-mc together with the shared routines in common/ (semihosting output, hex printing,
// exit, exception vectors; macros in common/macros.inc) and linked at 0x80000 by
// common/kernel.ld into build/test-kernels/<name>/kernel8.img.
//
// Where QEMU 7.2 departs from the Arm ARM, a test lists the lines that differ as
// `Difference`s (QEMU's line, ours, and why); `undocumentedDifferences` checks that
// nothing else differs and that each listed difference really occurs.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { loadToolchain } from '../../src/setup';
import { buildDir, fromRoot } from '../../src/paths';
import { runKernel, type KernelRun } from '../../src/kernel-run';
import { Machine } from '@bramble/emulator';

const kernelsDir = path.dirname(new URL(import.meta.url).pathname);
const commonDir = path.join(kernelsDir, 'common');

/** Assembles and links kernel `name`; returns the path of its kernel8.img. */
export function buildTestKernel(name: string): string {
  const toolchain = loadToolchain();
  const source = path.join(kernelsDir, name);
  const out = path.join(buildDir, 'test-kernels', name);
  mkdirSync(out, { recursive: true });
  // Each build works in its own scratch folder and renames the image into place, so test
  // runs in parallel never read a half-written object or image.
  const scratch = mkdtempSync(path.join(out, 'build-'));
  try {
    const sources = [...assemblyIn(commonDir), ...assemblyIn(source)];
    const objects = sources.map((file) => {
      const object = path.join(scratch, `${path.basename(path.dirname(file))}-${path.basename(file, '.s')}.o`);
      run(toolchain.llvmMc, ['-triple=aarch64', '-mattr=+v8a', '-filetype=obj', `-I${commonDir}`, '-o', object, file]);
      return object;
    });
    const elf = path.join(scratch, 'kernel.elf');
    run(toolchain.ldLld, ['-T', path.join(commonDir, 'kernel.ld'), '-o', elf, ...objects]);
    run(toolchain.llvmObjcopy, ['-O', 'binary', elf, path.join(scratch, 'kernel8.img')]);
    renameSync(elf, path.join(out, 'kernel.elf'));
    renameSync(path.join(scratch, 'kernel8.img'), path.join(out, 'kernel8.img'));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return path.join(out, 'kernel8.img');
}

function assemblyIn(dir: string): string[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.s'))
    .sort()
    .map((file) => path.join(dir, file));
}

function run(program: string, args: string[]): void {
  const result = spawnSync(program, args, { encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`${path.basename(program)} failed: ${(result.stderr || result.error?.message || '').trim().replaceAll(kernelsDir + '/', '')}`);
  }
}

/** How a run in our emulator ended, plus what it reported about unmodelled accesses. */
export interface EmulatorRun {
  output: string;
  /** 'exit' (semihosting or watchdog), 'error' (the emulator met something it does not implement), 'idle', 'limit'. */
  ending: 'exit' | 'error' | 'idle' | 'limit';
  exitCode: number | null;
  message?: string;
  /** Machine.onWarning reports, in order (each distinct one once). */
  warnings: string[];
}

export interface RunOptions {
  /** Bytes for the serial port's receiver, given up front (QEMU gets them on stdin). */
  input?: string;
  /** Emulator: instruction limit (default 200 million). */
  maxInstructions?: number;
  /** QEMU: wall-clock limit in ms (default 20 s). */
  timeoutMs?: number;
  /** An SD card holding this raw image file; neither machine writes the guest's changes back to it. */
  sdImage?: string;
}

/** Runs an image in our emulator, driving Machine directly so its warnings can be seen. */
export function runInOurEmulator(imagePath: string, options: RunOptions = {}): EmulatorRun {
  const sdImage = options.sdImage === undefined ? undefined : new Uint8Array(readFileSync(options.sdImage));
  const machine = new Machine({ kernel: new Uint8Array(readFileSync(imagePath)), sdImage });
  const chunks: Uint8Array[] = [];
  const warnings: string[] = [];
  machine.onOutput = (bytes) => chunks.push(bytes.slice());
  machine.onWarning = (message) => warnings.push(message);
  if (options.input) machine.input(options.input);
  const limit = options.maxInstructions ?? 200_000_000;
  const output = () => Buffer.concat(chunks).toString('latin1');
  while (machine.instructions < limit) {
    const stop = machine.run(Math.min(5_000_000, limit - machine.instructions));
    if (stop.kind === 'exit') return { output: output(), ending: 'exit', exitCode: stop.code, warnings };
    if (stop.kind === 'reset') return { output: output(), ending: 'exit', exitCode: 0, warnings };
    if (stop.kind === 'error') return { output: output(), ending: 'error', exitCode: null, message: stop.message, warnings };
    if (stop.kind === 'idle') return { output: output(), ending: 'idle', exitCode: null, message: 'every core sleeps and nothing can wake it', warnings };
  }
  return { output: output(), ending: 'limit', exitCode: null, message: `no exit within ${limit} instructions`, warnings };
}

/** Runs an image in QEMU's raspi3b with -semihosting and the serial port on stdio. */
export function runInQemu(imagePath: string, options: RunOptions = {}): Promise<KernelRun> {
  return runKernel({
    backend: 'qemu',
    image: new Uint8Array(readFileSync(imagePath)),
    imagePath,
    input: options.input,
    timeoutMs: options.timeoutMs ?? 20_000,
    sd: options.sdImage === undefined ? undefined : { path: options.sdImage, persist: false },
  });
}

/** Builds kernel `name` and runs it in both machines. */
export async function runBoth(name: string, options: RunOptions = {}): Promise<{ qemu: KernelRun; ours: EmulatorRun; image: string }> {
  const image = buildTestKernel(name);
  const qemu = await runInQemu(image, options);
  const ours = runInOurEmulator(image, options);
  return { qemu, ours, image: fromRoot(image) };
}

/**
 * A line where QEMU 7.2 and the Arm ARM disagree: QEMU prints `qemu`, our emulator prints
 * `ours`, the architecture's value; `why` cites the Arm ARM and says what QEMU does.
 */
export interface Difference {
  qemu: string;
  ours: string;
  why: string;
}

/**
 * Compares the two transcripts line by line. Every line that differs must be one of the
 * documented differences (QEMU's line against ours), and every documented difference
 * must occur. Returns what does not hold, one line each; empty when the transcripts agree.
 */
export function undocumentedDifferences(qemu: string, ours: string, documented: readonly Difference[]): string[] {
  const q = qemu.split('\n');
  const o = ours.split('\n');
  const problems: string[] = [];
  if (q.length !== o.length) problems.push(`QEMU printed ${q.length} lines, our emulator ${o.length}`);
  const seen = new Set<Difference>();
  for (let i = 0; i < Math.min(q.length, o.length); i++) {
    if (q[i] === o[i]) continue;
    const known = documented.find((d) => d.qemu === q[i] && d.ours === o[i]);
    if (known) seen.add(known);
    else problems.push(`line ${i + 1}: QEMU ${JSON.stringify(q[i])}, ours ${JSON.stringify(o[i])}`);
  }
  for (const d of documented) if (!seen.has(d)) problems.push(`documented difference did not occur: QEMU ${JSON.stringify(d.qemu)}, ours ${JSON.stringify(d.ours)}`);
  return problems;
}
