// Debugging without a debugger. Backtraces: a kernel prints the addresses of the calls that
// led to a panic or an unexpected exception (backtrace.rs), and `npm start` adds each one's
// function and source line, in both machines. Traces: `--trace int,mmu,unimp` logs
// exceptions, table walks and what the emulator does not model (QEMU: its -d log).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { beforeAll, describe, expect, test } from 'vitest';
import { buildChapter, buildKernelCrate, type BuiltKernel } from '../src/build';
import type { TraceCategory } from '@bramble/emulator';
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
async function chapter03Running(
  backend: Backend,
  command: string,
  categories?: TraceCategory[],
): Promise<{ exitCode: number | null; output: string; trace: string }> {
  const keyboard = new PassThrough();
  let trace = '';
  const symbolizer = new BacktraceSymbolizer(symbolizerFor(chapter03.elf, loadToolchain().llvmSymbolizer));
  let output = '';
  const run = await runKernel({
    image: readFileSync(chapter03.image),
    imagePath: chapter03.image,
    backend,
    input: keyboard,
    timeoutMs: 60_000,
    trace: categories && { categories, write: (text) => (trace += text) },
    onOutput: (bytes) => {
      const first = !output.includes('bramble> ');
      output += Buffer.from(symbolizer.feed(bytes)).toString('latin1');
      if (first && output.includes('bramble> ')) keyboard.write(command);
    },
  });
  keyboard.end();
  return { exitCode: run.exitCode, output: output + Buffer.from(symbolizer.flush()).toString('latin1'), trace };
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

describe('--trace', () => {
  test('in our emulator: exceptions taken, the walk that faulted, with the same ELR the backtrace starts at', async () => {
    const { output, trace } = await chapter03Running('emulator', 'null\r', ['int', 'mmu']);
    // The vector table is 2 KiB-aligned: a vector's offset in it is its address's low 11 bits.
    const offsetInTable = (vector: string) => Number(BigInt(vector) & 0x7ffn);
    const fault = /^int: core 0: synchronous exception from EL1 to EL1, vector (0xffff[0-9a-f]{12}), ELR (0x[0-9a-f]{16}), ESR 0x96000004 \(class 0x25\), FAR 0x0$/m.exec(trace);
    expect(fault, trace.slice(-2000)).not.toBeNull();
    expect(offsetInTable(fault![1]!)).toBe(0x200); // current EL with SP_ELx, synchronous
    expect(output).toContain(`  #0 ${fault![2]} kernel::commands::null`);
    expect(trace).toMatch(/^mmu: core 0: 0x0 does not translate: translation fault at level 0$/m);
    expect(trace).toMatch(/^mmu: core 0: 0xffff0000000([0-9a-f]{5}) -> 0x\1 \(4 KiB page at level 3\)$/m); // the kernel's own tables
    const irq = /^int: core 0: IRQ from EL1 to EL1, vector (0xffff[0-9a-f]{12}), ELR 0x[0-9a-f]{16}$/m.exec(trace);
    expect(irq, trace.slice(-2000)).not.toBeNull();
    expect(offsetInTable(irq![1]!)).toBe(0x280); // current EL with SP_ELx, IRQ
  });

  test('in our emulator: unimp reports a read of a device it does not model', async () => {
    let trace = '';
    const run = await runKernel({
      image: unmodelledRead,
      backend: 'emulator',
      timeoutMs: 30_000,
      trace: { categories: ['unimp'], write: (text) => (trace += text) },
    });
    expect(run.exitCode).toBe(0);
    expect(trace).toBe('unimp: BCM2835 peripheral: read of 4 bytes at offset 0x7000 is not modelled, returned 0\n');
  });

  test('in QEMU: the same categories are its -d log', async () => {
    const { exitCode, trace } = await chapter03Running('qemu', 'null\r', ['int']);
    expect(exitCode).toBe(FATAL_EXCEPTION_STATUS);
    expect(trace).toMatch(/^Taking exception 4 \[Data Abort\] on CPU 0\n\.\.\.from EL1 to EL1\n\.\.\.with ESR 0x25\/0x96000004\n\.\.\.with FAR 0x0\n/m);
  });
});

/** Reads a register of the BCM2835's DMA controller (0x3f007000), which the emulator does not model, then exits with status 0. */
const unmodelledRead = (() => {
  const words = [
    0xd2a7e001, // 80000: movz x1, #0x3f00, lsl #16
    0xf28e0001, // 80004: movk x1, #0x7000          x1 = 0x3f007000
    0xb9400022, // 80008: ldr  w2, [x1]
    0xd2a00125, // 8000c: movz x5, #9, lsl #16      parameter block at 0x90000
    0xd28004c6, // 80010: movz x6, #0x26
    0xf2a00046, // 80014: movk x6, #2, lsl #16      ADP_Stopped_ApplicationExit
    0xd2800007, // 80018: movz x7, #0               exit status
    0xa9001ca6, // 8001c: stp  x6, x7, [x5]
    0xaa0503e1, // 80020: mov  x1, x5
    0x52800300, // 80024: mov  w0, #0x18            SYS_EXIT
    0xd45e0000, // 80028: hlt  #0xf000
  ];
  const bytes = new Uint8Array(words.length * 4);
  words.forEach((word, i) => new DataView(bytes.buffer).setUint32(i * 4, word, true));
  return bytes;
})();
