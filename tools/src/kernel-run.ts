// Running a kernel image to completion in either machine, with one result shape, so that
// `npm start`, the boot tests and the benchmark all compare like with like.
import { PassThrough, type Readable } from 'node:stream';
import type { SdFault, TraceCategory } from '@bramble/emulator';
import { runInEmulator } from './emulate';
import { runInQemu } from './qemu';

/** Our TypeScript emulator, or QEMU's `raspi3b` machine (the reference). */
export type Backend = 'emulator' | 'qemu';

export interface KernelRunOptions {
  /** The raw `kernel8.img` bytes (QEMU gets them through a file, see `imagePath`). */
  image: Uint8Array;
  /** The same image on disk; QEMU needs a path. Written to a temporary file when absent. */
  imagePath?: string;
  backend: Backend;
  /**
   * What the serial port receives: a string (sent as UTF-8) or bytes given up front, or a
   * stream read as it arrives (e.g. stdin). When a string or bytes run out, the line goes quiet.
   */
  input?: string | Uint8Array | Readable;
  /**
   * The prompt at which the guest first reads its input: the input is held back until the
   * guest has printed it, as a person types once the prompt is there (and typed earlier, while
   * init starts the shell, a line would be echoed twice in QEMU: by the terminal driver, then
   * by the shell's line editor).
   */
  prompt?: string;
  /** Wall-clock limit; the run ends with `ending: 'timeout'` after it. Default: none. */
  timeoutMs?: number;
  /** Emulator only: stop after this many instructions (`ending: 'limit'`). */
  maxInstructions?: number;
  /** Every byte the guest prints, as it prints it (the result holds them all as well). */
  onOutput?: (bytes: Uint8Array) => void;
  /**
   * Emulator only: what the guest did that the emulator reports rather than models, or that
   * a board would not show (an unknown device register, output sent with the transmitter off), each once.
   */
  onWarning?: (message: string) => void;
  /** Aborting it ends the run (`ending: 'stopped'`), e.g. when the user types Ctrl-A x. */
  signal?: AbortSignal;
  /**
   * Emulator only: keep the guest's clock from running ahead of the wall clock, as QEMU's
   * always does; for people at the console, so that a one-second wait takes a second. Without
   * it, a guest asleep until its next timer tick skips ahead to it at once, so runs are as
   * fast as they can be and the same on every computer.
   */
  realTime?: boolean;
  /**
   * An SD card holding this raw image file. The guest's writes reach the file only with
   * `persist` (QEMU otherwise runs the drive with snapshot=on; our emulator writes back when it stops).
   */
  sd?: SdCardFile;
  /**
   * Wait for GDB on localhost:`port`, the machine paused until it says go (QEMU: its own
   * stub, `-gdb tcp::port -S`). `onListening` runs once a debugger can attach; `onMessage`
   * reports the stub's troubles, one line each (emulator only).
   */
  gdb?: GdbOptions;
  /**
   * Trace these kinds of event (int, mmu, unimp; see emulator/src/trace.ts) to `write`, as
   * text; QEMU gets them as `-d` and its log is passed on.
   */
  trace?: { categories: readonly TraceCategory[]; write: (text: string) => void };
}

export interface GdbOptions {
  port: number;
  onListening: () => void;
  onMessage: (line: string) => void;
}

export interface SdCardFile {
  path: string;
  persist: boolean;
  /** A card fault for tests of a driver's error paths; our emulator only (QEMU has no such option, and refuses the run). */
  fault?: SdFault;
}

/**
 * How a run ended:
 * - `exit`: the guest finished (semihosting SYS_EXIT, a watchdog halt, or a watchdog reset,
 *   which counts as exit status 0: QEMU runs with `-no-reboot` and exits 0 on a reset too);
 * - `timeout`: the wall-clock limit passed first;
 * - `waiting`: emulator only: every core sleeps until input arrives, and the input has
 *   ended, so nothing can ever happen again (QEMU would sit there until the timeout);
 * - `limit`: emulator only: `maxInstructions` ran out;
 * - `stopped`: the caller aborted the run;
 * - `error`: the machine could not go on (`message` says why, in one line).
 */
export type Ending = 'exit' | 'timeout' | 'waiting' | 'limit' | 'stopped' | 'error';

export interface KernelRun {
  /** Everything the guest printed, byte for byte: one latin1 character per byte. */
  output: string;
  ending: Ending;
  /** The guest's exit status when `ending` is 'exit', else null. */
  exitCode: number | null;
  /** One line for the user when the run did not end with 'exit'. */
  message?: string;
  /** Emulator only: instructions retired, all cores together. */
  instructions?: number;
  /** Emulator only: the guest's clock when the run ended, in seconds of virtual time. */
  guestSeconds?: number;
  /** Wall-clock time of the run (for QEMU, including its start-up). */
  wallMs: number;
}

/** Runs `options.image` in the chosen machine until it exits, fails or runs out of time. */
export async function runKernel(options: KernelRunOptions): Promise<KernelRun> {
  const { prompt, input } = options;
  if (prompt === undefined || input === undefined) return options.backend === 'qemu' ? runInQemu(options) : runInEmulator(options);
  // The machine reads a line that gets the input once the prompt has been printed, and stays
  // open until the run ends (a stream's end still ends it): the session ends when the guest
  // exits, not when typing stops.
  const line = new PassThrough();
  let seen = '';
  let released = false;
  const onOutput = (bytes: Uint8Array) => {
    options.onOutput?.(bytes);
    if (released) return;
    // Only the tail can still hold a prompt that a later chunk completes.
    seen = (seen + Buffer.from(bytes).toString('latin1')).slice(-(prompt.length + bytes.length));
    if (!seen.includes(prompt)) return;
    released = true;
    if (typeof input === 'string') line.write(new TextEncoder().encode(input));
    else if (input instanceof Uint8Array) line.write(input);
    else input.pipe(line);
  };
  const held = { ...options, input: line, onOutput };
  try {
    return await (options.backend === 'qemu' ? runInQemu(held) : runInEmulator(held));
  } finally {
    if (typeof input !== 'string' && !(input instanceof Uint8Array)) input.unpipe(line);
    line.end();
  }
}

/** The one line the user sees when a run did not end with the guest exiting. */
export function describeEnding(run: KernelRun): string {
  return run.message ?? (run.ending === 'exit' ? `the guest exited with status ${run.exitCode}` : run.ending);
}
