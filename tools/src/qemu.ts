// QEMU's `raspi3b` machine as the reference our emulator is measured against.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import type { KernelRun, KernelRunOptions, SdCardFile } from './kernel-run';
import { loadToolchain } from './setup';

/** Ctrl-A: QEMU's console escape key (Ctrl-A x quits, Ctrl-A Ctrl-A sends one Ctrl-A). */
const CTRL_A = 0x01;
/** How long the guest must have printed nothing before input is typed (see untilQuiet). */
const QUIET_MS = 500;
/** When input is typed anyway, for a guest that never stops printing. */
const LONGEST_HOLD_MS = 5_000;
/** A terminal's pace: bytes per millisecond on a 115200-baud line (10 bit times a byte). */
const BYTES_PER_MS = 115_200 / 10 / 1000;
/** How often the typist hands QEMU the bytes the line would have carried since. */
const TYPE_INTERVAL_MS = 1;

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
  if (options.sd?.fault) return { ending: 'error', exitCode: null, message: `QEMU cannot make an SD card ${options.sd.fault}: that fault is our emulator's`, output: '', wallMs: 0 };
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
  // Input that runKernel held until the guest printed its prompt comes when the guest reads
  // it, and is typed as it arrives; any other waits for the guest to go quiet (untilQuiet).
  const ready = options.prompt === undefined ? untilQuiet(child, options.gdb !== undefined) : Promise.resolve();
  void ready.then(() => feedInput(child, options.input));

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
 * QEMU hands bytes to the UART the moment they arrive, and loses what comes too early: a
 * kernel setting up its UART empties the receive FIFO (toggling LCRH.FEN), and a FIFO that
 * fills before the kernel enables its receive interrupt never raises it again once the kernel
 * clears it (QEMU's RX is an event, not the FIFO's level). A person types once the kernel has
 * printed its prompt and waits, so piped input waits for the guest to go quiet: QUIET_MS
 * with no output (counting from the start, for a guest that prints nothing), or at most
 * LONGEST_HOLD_MS. A machine paused for a debugger may say nothing for minutes: then the
 * clocks start at its first words.
 */
function untilQuiet(child: ChildProcess, pausedForDebugger: boolean): Promise<void> {
  return new Promise((resolve) => {
    let quiet: NodeJS.Timeout | undefined;
    let longest: NodeJS.Timeout | undefined;
    const startClocks = () => {
      quiet = setTimeout(done, QUIET_MS);
      longest = setTimeout(done, LONGEST_HOLD_MS);
    };
    if (pausedForDebugger) child.stdout!.once('data', startClocks);
    else startClocks();
    function restart() {
      if (quiet === undefined) return;
      clearTimeout(quiet);
      quiet = setTimeout(done, QUIET_MS);
    }
    function stopWatching() {
      clearTimeout(quiet);
      clearTimeout(longest);
      child.stdout!.off('data', restart);
    }
    function done() {
      stopWatching();
      resolve();
    }
    child.stdout!.on('data', restart);
    child.once('close', stopWatching);
  });
}

/** Types the serial input into QEMU's stdin, escaped, at a terminal's pace; a stream as it arrives. */
function feedInput(child: ChildProcess, input: KernelRunOptions['input']): void {
  const stdin = child.stdin!;
  // QEMU may exit before reading everything; a write to its closed pipe is not an error here.
  stdin.on('error', () => {});
  const typist = new Typist(stdin);
  child.once('close', () => typist.stop());
  if (input === undefined) return;
  if (typeof input === 'string' || input instanceof Uint8Array) {
    typist.type(typeof input === 'string' ? new TextEncoder().encode(input) : input);
    typist.end();
    return;
  }
  const onData = (chunk: Buffer) => typist.type(chunk);
  const onEnd = () => typist.end();
  input.on('data', onData);
  input.on('end', onEnd);
  child.on('close', () => {
    input.off('data', onData);
    input.off('end', onEnd);
  });
}

/**
 * Writes bytes no faster than a 115200-baud line carries them, so that the guest drains its
 * receive FIFO as it fills, as it would from a terminal (a pipe would fill it at once).
 */
class Typist {
  private pending: number[] = [];
  private ended = false;
  private timer: ReturnType<typeof setInterval> | undefined;
  private last = 0;

  constructor(private readonly stdin: Writable) {}

  type(bytes: Uint8Array): void {
    for (const byte of escapeForQemu(bytes)) this.pending.push(byte);
    if (this.timer === undefined) {
      this.last = performance.now();
      this.timer = setInterval(() => this.tick(), TYPE_INTERVAL_MS);
    }
  }

  /** No more input: QEMU's stdin closes once everything typed so far has been written. */
  end(): void {
    this.ended = true;
    if (this.timer === undefined) this.stdin.end();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    const now = performance.now();
    const count = Math.max(1, Math.floor((now - this.last) * BYTES_PER_MS));
    this.last = now;
    this.stdin.write(Uint8Array.from(this.pending.splice(0, count)));
    if (this.pending.length > 0) return;
    this.stop();
    if (this.ended) this.stdin.end();
  }
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
