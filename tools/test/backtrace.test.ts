// Backtraces: a kernel prints the addresses of the calls that led to a panic or an
// unexpected exception (backtrace.rs), and `npm start` adds each one's function and source
// line, in both machines.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { beforeAll, describe, expect, test } from 'vitest';
import { buildChapter, buildKernelCrate, type BuiltKernel } from '../src/build';
import { runKernel, type Backend } from '../src/kernel-run';
import { fromRoot, repoRoot } from '../src/paths';
import { loadToolchain } from '../src/setup';
import { BacktraceSymbolizer, symbolizerFor } from '../src/symbolize';

/** A kernel that panics three calls deep (tools/test/kernels/panic). */
const panicDir = path.join(repoRoot, 'tools', 'test', 'kernels', 'panic');
const PANIC_STATUS = 101;
/** Chapter 03 stops with this status after an unexpected exception (exceptions.rs). */
const FATAL_EXCEPTION_STATUS = 3;
const backends: Backend[] = ['emulator', 'qemu'];

let panicKernel: BuiltKernel;
let chapter03: BuiltKernel;
beforeAll(async () => {
  panicKernel = await buildKernelCrate({ name: 'test-panic', dir: panicDir, kernelDir: panicDir }, { quiet: true });
  chapter03 = await buildChapter('03', { quiet: true });
});

/** `npm start --silent -- ...args`, stdin empty. */
function npmStart(args: string[]): Promise<{ status: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['start', '--silent', '--', ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('latin1')));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout }));
  });
}

/**
 * Chapter 03 with `command` typed at its first prompt, its output through the symbolizer
 * npm start uses. (Typed as monitor.test.ts types: a person at npm start types the same way.)
 */
async function chapter03Running(backend: Backend, command: string): Promise<{ exitCode: number | null; output: string }> {
  const keyboard = new PassThrough();
  const symbolizer = new BacktraceSymbolizer(symbolizerFor(chapter03.elf, loadToolchain().llvmSymbolizer));
  let output = '';
  const run = await runKernel({
    image: readFileSync(chapter03.image),
    imagePath: chapter03.image,
    backend,
    input: keyboard,
    timeoutMs: 60_000,
    onOutput: (bytes) => {
      const first = !output.includes('bramble> ');
      output += Buffer.from(symbolizer.feed(bytes)).toString('latin1');
      if (first && output.includes('bramble> ')) keyboard.write(command);
    },
  });
  keyboard.end();
  return { exitCode: run.exitCode, output: output + Buffer.from(symbolizer.flush()).toString('latin1') };
}

/** The line of `file` that holds `marker`, counting from 1. */
function lineOf(file: string, marker: string): number {
  const index = readFileSync(file, 'utf8').split('\n').findIndex((line) => line.includes(marker));
  if (index < 0) throw new Error(`${fromRoot(file)} has no line with "${marker}"`);
  return index + 1;
}

/** The frame numbers of the backtrace lines naming `fn (file:line)`, as a pattern. */
function frame(fn: string, file: string, line: number): RegExp {
  return new RegExp(`^  #(\\d+) 0x[0-9a-f]{16} ${fn.replaceAll('.', '\\.')} \\(${file.replaceAll('.', '\\.')}:${line}\\)\\r?$`, 'm');
}

describe.each(backends.map((backend) => [backend] as const))('npm start in %s', (backend) => {
  const flags = backend === 'qemu' ? ['--qemu'] : [];

  test('a panic three calls deep prints each call with its function and source line, innermost first', async () => {
    const { status, stdout } = await npmStart(['--kernel', fromRoot(panicKernel.image), ...flags]);
    expect(status).toBe(PANIC_STATUS);
    expect(stdout).toMatch(/^panic: deliberately, at depth 1\r?\nbacktrace:\r?\n/);
    const source = path.join(panicDir, 'src', 'main.rs');
    const calls = [
      ['kernel::inner', 'call: inner -> panic'],
      ['kernel::middle', 'call: middle -> inner'],
      ['kernel::outer', 'call: outer -> middle'],
      ['test_main', 'call: test_main -> outer'],
    ] as const;
    const frames = calls.map(([fn, marker]) => {
      const found = frame(fn, 'src/main.rs', lineOf(source, marker)).exec(stdout);
      expect(found, `${fn} in:\n${stdout}`).not.toBeNull();
      return Number(found![1]);
    });
    expect(frames).toEqual([frames[0], frames[0]! + 1, frames[0]! + 2, frames[0]! + 3]);
  });

  test('an unexpected exception in chapter 03 names the faulting instruction and the calls to it', async () => {
    const { exitCode, output: stdout } = await chapter03Running(backend, 'null\r');
    expect(exitCode, stdout).toBe(FATAL_EXCEPTION_STATUS);
    const commands = path.join(repoRoot, 'chapters', '03-paging', 'kernel', 'src', 'commands.rs');
    const fault = frame('kernel::commands::null', 'src/commands.rs', lineOf(commands, 'asm!("ldr {}, [{}]"')).exec(stdout);
    expect(fault?.[1], stdout).toBe('0');
    expect(stdout).toMatch(/^ {2}#\d+ 0x[0-9a-f]{16} kernel_main \(src\/main\.rs:\d+\)\r?$/m);
  });
});

describe('BacktraceSymbolizer', () => {
  const locate = (address: string) => (address === '0xffff000000081000' ? 'kernel::f (src/f.rs:7)' : undefined);

  test('adds the location to a backtrace line, and passes everything else through at once', () => {
    const symbolizer = new BacktraceSymbolizer(locate);
    const shown = (text: string) => Buffer.from(symbolizer.feed(Buffer.from(text, 'latin1'))).toString('latin1');
    expect(shown('bramble> ')).toBe('bramble> ');
    expect(shown('backtrace:\r\n  #0 0xffff0000')).toBe('backtrace:\r\n');
    expect(shown('00081000\r\n  #1 0x0000000000000004\r\n')).toBe('  #0 0xffff000000081000 kernel::f (src/f.rs:7)\r\n  #1 0x0000000000000004\r\n');
    expect(shown('  indented, not a backtrace')).toBe('  indented, not a backtrace');
    // A byte at a time, as a UART prints: the line so far decides, not the byte.
    expect(['\n', 'a', '>', ' ', ' '].map(shown)).toEqual(['\n', 'a', '>', ' ', ' ']);
    expect(shown('\n  #')).toBe('\n');
    expect(Buffer.from(symbolizer.flush()).toString('latin1')).toBe('  #');
  });
});
