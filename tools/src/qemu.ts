// QEMU's `raspi3b` machine as the reference our emulator is measured against.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { KernelRun, KernelRunOptions, SdCardFile } from './kernel-run';
import { loadToolchain } from './setup';

/** Ctrl-A: QEMU's console escape key (Ctrl-A x quits, Ctrl-A Ctrl-A sends one Ctrl-A). */
const CTRL_A = 0x01;
/** How long input waits for a guest that prints nothing before reading it (see firstWords). */
const INPUT_DELAY_MS = 500;

/**
 * The command line for one kernel. The serial port and semihosting's console share one
 * multiplexed stdio character device, so both reach stdout in the order the guest wrote
 * them (without `chardev=` semihosting would print to stderr). The multiplexer is also what
 * gives Ctrl-A x. `-no-reboot` turns a watchdog reset into an exit with status 0.
 */
export function qemuArgs(imagePath: string, sd?: SdCardFile, gdbPort?: number, trace?: readonly string[]): string[] {
  return [
    '-M', 'raspi3b',
    '-kernel', imagePath,
    '-display', 'none',
    '-no-reboot',
    '-chardev', 'stdio,id=console,mux=on,signal=off',
    '-serial', 'chardev:console',
    '-semihosting-config', 'enable=on,target=native,chardev=console',
    // An SD card; without persist QEMU keeps the guest's writes out of the file. A comma in a
    // value is written twice in QEMU's option syntax.
    ...(sd ? ['-drive', `if=sd,format=raw,file=${sd.path.replaceAll(',', ',,')}${sd.persist ? '' : ',snapshot=on'}`] : []),
    // QEMU's own GDB stub on localhost, the machine paused (-S) until the debugger continues it.
    ...(gdbPort === undefined ? [] : ['-gdb', `tcp:127.0.0.1:${gdbPort}`, '-S']),
    // QEMU's own log of the same kinds of event, on its stderr.
    ...(trace === undefined ? [] : ['-d', trace.join(',')]),
  ];
}

/** The QEMU binary found by set-up; a one-line error if set-up found none. */
export function qemuBinary(): string {
  const qemu = loadToolchain().qemu;
  if (!qemu) throw new Error('QEMU (qemu-system-aarch64) is not installed; run `npm start` once to set it up');
  return qemu;
}

/**
 * Input for the multiplexer: every Ctrl-A doubled, so the guest receives the bytes exactly
 * as given instead of QEMU reading them as console commands.
 */
export function escapeForQemu(bytes: Uint8Array): Uint8Array {
  const out: number[] = [];
  for (const byte of bytes) {
    out.push(byte);
    if (byte === CTRL_A) out.push(CTRL_A);
  }
  return Uint8Array.from(out);
}

/** Runs a kernel in QEMU with the serial port on pipes; see `runKernel`. */
export async function runInQemu(options: KernelRunOptions): Promise<KernelRun> {
  const qemu = qemuBinary();
  const scratch = options.imagePath ? undefined : mkdtempSync(join(tmpdir(), 'bramble-qemu-'));
  const imagePath = options.imagePath ?? join(scratch!, 'kernel8.img');
  if (scratch) writeFileSync(imagePath, options.image);
  try {
    const child = spawn(qemu, qemuArgs(imagePath, options.sd, options.gdb?.port, options.trace?.categories), { stdio: ['pipe', 'pipe', 'pipe'] });
    options.gdb?.onListening();
    return await superviseQemu(child, options);
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}

function superviseQemu(child: ChildProcess, options: KernelRunOptions): Promise<KernelRun> {
  const started = performance.now();
  const output: Uint8Array[] = [];
  const errors: Uint8Array[] = [];
  let ending: 'timeout' | 'stopped' | undefined;
  const stop = (why: 'timeout' | 'stopped') => {
    ending ??= why;
    child.kill('SIGKILL');
  };

  child.stdout!.on('data', (chunk: Buffer) => {
    output.push(chunk);
    options.onOutput?.(chunk);
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    if (options.trace) options.trace.write(chunk.toString('latin1'));
    else errors.push(chunk);
  });
  void firstWords(child, options.gdb === undefined ? INPUT_DELAY_MS : Infinity).then(() => feedInput(child, options.input));

  const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => stop('timeout'), options.timeoutMs);
  const onAbort = () => stop('stopped');
  options.signal?.addEventListener('abort', onAbort);

  return new Promise((resolve) => {
    const finish = (run: Omit<KernelRun, 'output' | 'wallMs'>) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      resolve({ ...run, output: latin1(output), wallMs: performance.now() - started });
    };
    child.on('error', (error) => finish({ ending: 'error', exitCode: null, message: `cannot run QEMU: ${error.message}` }));
    // 'close' rather than 'exit': it waits until stdout has been read to the end.
    child.on('close', (code) => {
      if (ending === 'timeout') {
        finish({ ending, exitCode: null, message: `the guest did not exit within ${options.timeoutMs! / 1000} s` });
      } else if (ending === 'stopped') {
        finish({ ending, exitCode: null, message: 'stopped' });
      } else if (code === null) {
        finish({ ending: 'error', exitCode: null, message: 'QEMU was killed by a signal' });
      } else if (code !== 0 && qemuComplaint(errors)) {
        // QEMU itself failed (unreadable image, bad option); its own line says why.
        finish({ ending: 'error', exitCode: null, message: qemuComplaint(errors) });
      } else {
        finish({ ending: 'exit', exitCode: code });
      }
    });
  });
}

/**
 * QEMU hands bytes to the UART the moment they arrive, and a kernel setting up its UART
 * empties the receive FIFO: input typed ahead of that is lost (as on a real Pi). A person
 * types after the kernel has said something, so input waits for the guest's first output,
 * or `delayMs` for a guest that says nothing first (a machine paused for a debugger may say
 * nothing for minutes: then only its first words count).
 */
function firstWords(child: ChildProcess, delayMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = delayMs === Infinity ? undefined : setTimeout(resolve, delayMs);
    child.stdout!.once('data', () => {
      clearTimeout(timer);
      resolve();
    });
    child.once('close', () => clearTimeout(timer));
  });
}

/** Writes the serial input into QEMU's stdin, escaped; a stream is copied as it arrives. */
function feedInput(child: ChildProcess, input: KernelRunOptions['input']): void {
  const stdin = child.stdin!;
  // QEMU may exit before reading everything; a write to its closed pipe is not an error here.
  stdin.on('error', () => {});
  if (input === undefined) return;
  if (typeof input === 'string' || input instanceof Uint8Array) {
    stdin.end(escapeForQemu(typeof input === 'string' ? new TextEncoder().encode(input) : input));
    return;
  }
  copyEscaped(input, child);
}

function copyEscaped(source: Readable, child: ChildProcess): void {
  const onData = (chunk: Buffer) => child.stdin!.write(escapeForQemu(chunk));
  const onEnd = () => child.stdin!.end();
  source.on('data', onData);
  source.on('end', onEnd);
  child.on('close', () => {
    source.off('data', onData);
    source.off('end', onEnd);
  });
}

/** QEMU's own error line ("qemu-system-aarch64: ..."), if it printed one; warnings do not count. */
function qemuComplaint(stderr: readonly Uint8Array[]): string | undefined {
  return latin1(stderr)
    .split('\n')
    .find((line) => line.startsWith('qemu-system-aarch64: ') && !line.includes('warning:'));
}

/**
 * Runs a kernel in QEMU on this terminal: QEMU reads the keys itself (raw mode, Ctrl-A x);
 * the guest's output goes to `onOutput` as it comes (the result carries none of it).
 */
export function runQemuOnTerminal(
  imagePath: string,
  onOutput: (bytes: Uint8Array) => void,
  timeoutMs: number | undefined,
  sd?: SdCardFile,
  gdbPort?: number,
  trace?: readonly string[],
): Promise<KernelRun> {
  const started = performance.now();
  const child = spawn(qemuBinary(), qemuArgs(imagePath, sd, gdbPort, trace), { stdio: ['inherit', 'pipe', 'inherit'] });
  child.stdout!.on('data', (chunk: Buffer) => onOutput(chunk));
  let timedOut = false;
  // SIGTERM, not SIGKILL: QEMU then puts the terminal back the way it found it.
  const timer = timeoutMs === undefined ? undefined : setTimeout(() => {
    timedOut = true;
    child.kill('SIGTERM');
  }, timeoutMs);
  return new Promise((resolve) => {
    const finish = (run: Omit<KernelRun, 'output' | 'wallMs'>) => {
      clearTimeout(timer);
      resolve({ ...run, output: '', wallMs: performance.now() - started });
    };
    child.on('error', (error) => finish({ ending: 'error', exitCode: null, message: `cannot run QEMU: ${error.message}` }));
    child.on('close', (code) => {
      if (timedOut) finish({ ending: 'timeout', exitCode: null, message: `the guest did not exit within ${timeoutMs! / 1000} s` });
      else if (code === null) finish({ ending: 'error', exitCode: null, message: 'QEMU was killed by a signal' });
      else finish({ ending: 'exit', exitCode: code });
    });
  });
}

/** A latin1 string keeps every byte as one character, so transcripts compare exactly. */
function latin1(chunks: readonly Uint8Array[]): string {
  return Buffer.concat(chunks).toString('latin1');
}
