// Our own emulator, driven from Node: the same runs as QEMU's, through the same interface.
import type { Readable } from 'node:stream';
import { GdbServer } from '@bramble/emulator/node/gdb-server';
import { openSdImage, type SdImageFile } from '@bramble/emulator/node/sd-image';
import { tierFromEnvironment } from '@bramble/emulator/node/tier';
import { Machine, Pacer, startTrace } from '@bramble/emulator';
import type { KernelRun, KernelRunOptions } from './kernel-run';

/**
 * Instructions per slice. `Machine.run` is synchronous, so between slices the event loop
 * gets a turn: input arrives, the timeout and Ctrl-A x are noticed. At tens of MIPS a slice
 * takes a few tens of milliseconds: typing stays responsive, and slicing costs no speed.
 */
const SLICE = 2_000_000;

/** Runs a kernel in our emulator; see `runKernel`. */
export async function runInEmulator(options: KernelRunOptions): Promise<KernelRun> {
  const started = performance.now();
  const output: Uint8Array[] = [];
  let machine: Machine | undefined;
  const result = (run: Omit<KernelRun, 'output' | 'wallMs' | 'instructions'>): KernelRun => ({
    ...run,
    output: latin1(output),
    instructions: machine?.instructions,
    guestSeconds: machine?.seconds,
    wallMs: performance.now() - started,
  });

  let sd: SdImageFile | undefined;
  let gdb: GdbServer | undefined;
  try {
    sd = options.sd === undefined ? undefined : openSdImage(options.sd.path, options.sd.persist);
    machine = new Machine({ kernel: options.image, sdImage: sd?.bytes, sdFault: options.sd?.fault, compile: tierFromEnvironment() === 'compiled' });
    // With a debugger the machine starts paused, and runs only when GDB says so.
    if (options.gdb) gdb = await GdbServer.listen(machine, options.gdb.port, options.gdb.onMessage);
  } catch (error) {
    return result({ ending: 'error', exitCode: null, message: (error as Error).message });
  }
  options.gdb?.onListening();
  let exitCode: number | null = null;
  const trace = options.trace;
  if (trace) startTrace(machine, trace.categories, (line) => trace.write(`${line}\n`));
  machine.onOutput = (bytes) => {
    const copy = bytes.slice(); // the machine may reuse its buffer
    output.push(copy);
    options.onOutput?.(copy);
  };
  if (options.onWarning) machine.onWarning = options.onWarning;
  const input = new SerialInput(machine, options.input);
  const deadline = started + (options.timeoutMs ?? Infinity);
  const limit = options.maxInstructions ?? Infinity;
  // Someone may be typing: the guest's clock keeps to the wall clock (emulator/src/pacing.ts).
  const pacer = options.realTime ? new Pacer(machine, () => performance.now()) : undefined;

  try {
    for (;;) {
      if (options.signal?.aborted) return result({ ending: 'stopped', exitCode: null, message: 'stopped' });
      if (performance.now() >= deadline) return result(timedOut(options));
      if (gdb && !(await debuggerLetsRun(gdb, deadline, options.signal))) {
        if (gdb.session.state === 'killed') return result({ ending: 'stopped', exitCode: null, message: 'the debugger ended the run' });
        continue;
      }
      const budget = Math.min(SLICE, limit - machine.instructions);
      if (budget <= 0) {
        return result({ ending: 'limit', exitCode: null, message: `the guest did not exit within ${limit} instructions` });
      }
      const { stop, waitMs } = pacer ? pacer.slice(PACED_SLICE_MS, budget) : { stop: machine.run(budget), waitMs: 0 };
      switch (stop.kind) {
        case 'exit':
          exitCode = stop.code;
          return result({ ending: 'exit', exitCode: stop.code });
        case 'reset':
          exitCode = 0;
          return result({ ending: 'exit', exitCode: 0 });
        case 'error':
          return result({ ending: 'error', exitCode: null, message: stop.message });
        case 'debug':
          gdb?.session.paused(stop.core);
          break;
        case 'budget':
          await nextTurn();
          break;
        case 'deadline':
          // The guest is ahead of the wall clock: wait for it, or for a key, whichever comes first.
          await input.pause(Math.min(waitMs, MAX_SLEEP_MS), options.signal);
          break;
        case 'idle': {
          // Asleep until a byte arrives: wait for one, or for the end of all input (or for
          // the debugger, whose Ctrl-C pauses a sleeping machine too).
          const debuggerCalls = gdb?.attention();
          if (!(await input.arrival(deadline, anyOf(options.signal, debuggerCalls)))) {
            if (options.signal?.aborted || debuggerCalls?.aborted || performance.now() >= deadline) continue;
            return result({ ending: 'waiting', exitCode: null, message: 'the guest is waiting for input, but the input has ended' });
          }
          break;
        }
      }
    }
  } finally {
    gdb?.close(exitCode);
    input.close();
    sd?.save(); // with persist, the card's new contents go back to its file
  }
}

/**
 * With a debugger attached: true when the machine may run now. A Ctrl-C from GDB pauses it
 * here, between slices; while GDB holds it paused this waits (false) until GDB, the deadline
 * or the user's Ctrl-A x needs the loop again.
 */
async function debuggerLetsRun(gdb: GdbServer, deadline: number, quit: AbortSignal | undefined): Promise<boolean> {
  const session = gdb.session;
  if (session.interruptRequested && session.state === 'running') session.interrupted();
  if (session.state === 'running' || session.state === 'detached') return true;
  if (session.state === 'halted') await until(deadline, anyOf(quit, gdb.attention()));
  return false;
}

/** Resolves when `signal` fires or the deadline passes. */
function until(deadline: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = deadline === Infinity ? undefined : setTimeout(done, deadline - performance.now());
    if (signal.aborted) done();
    else signal.addEventListener('abort', done);
  });
}

function anyOf(...signals: (AbortSignal | undefined)[]): AbortSignal {
  return AbortSignal.any(signals.filter((s) => s !== undefined));
}

function timedOut(options: KernelRunOptions): Omit<KernelRun, 'output' | 'wallMs'> {
  return { ending: 'timeout', exitCode: null, message: `the guest did not exit within ${options.timeoutMs! / 1000} s` };
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Longest pause while the guest's clock waits for the wall clock: Ctrl-A x stays prompt. */
const MAX_SLEEP_MS = 50;
/** Wall time a paced slice may take before the event loop gets a turn. */
const PACED_SLICE_MS = 20;

/** Delivers the run's input to the machine's serial receiver and says when more arrives. */
class SerialInput {
  private ended = false;
  private wake: (() => void) | undefined;
  private readonly detach: () => void;

  constructor(machine: Machine, input: KernelRunOptions['input']) {
    if (input === undefined || typeof input === 'string' || input instanceof Uint8Array) {
      if (input !== undefined && input.length > 0) machine.input(typeof input === 'string' ? new TextEncoder().encode(input) : input);
      this.ended = true;
      this.detach = () => {};
      return;
    }
    this.detach = this.follow(input, machine);
  }

  private follow(stream: Readable, machine: Machine): () => void {
    const onData = (chunk: Buffer) => {
      machine.input(new Uint8Array(chunk));
      this.wakeUp();
    };
    const onEnd = () => {
      this.ended = true;
      this.wakeUp();
    };
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('close', onEnd);
    return () => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('close', onEnd);
    };
  }

  private wakeUp(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /**
   * Resolves true when new input has arrived, false when none ever will (the input ended)
   * or the deadline passed or the run was aborted first.
   */
  arrival(deadline: number, signal: AbortSignal | undefined): Promise<boolean> {
    if (this.ended) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = deadline === Infinity ? undefined : setTimeout(() => done(false), deadline - performance.now());
      const onAbort = () => done(false);
      signal?.addEventListener('abort', onAbort);
      const done = (arrived: boolean) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.wake = undefined;
        resolve(arrived);
      };
      this.wake = () => done(!this.ended);
    });
  }

  /** Waits `ms`, or less when input arrives (a key is not held back while the guest is ahead). */
  async pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
    if (this.ended) await sleep(ms);
    else await this.arrival(performance.now() + ms, signal);
  }

  close(): void {
    this.detach();
  }
}

/** A latin1 string keeps every byte as one character, so transcripts compare exactly. */
function latin1(chunks: readonly Uint8Array[]): string {
  return Buffer.concat(chunks).toString('latin1');
}
