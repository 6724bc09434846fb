// Our own emulator, driven from Node: the same runs as QEMU's, through the same interface.
import type { Readable } from 'node:stream';
import { GdbServer } from '../../emulator/node/gdb-server';
import { openSdImage, type SdImageFile } from '../../emulator/node/sd-image';
import { Machine, startTrace, type StopReason } from '../../emulator/src/index';
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
    wallMs: performance.now() - started,
  });

  let sd: SdImageFile | undefined;
  let gdb: GdbServer | undefined;
  try {
    sd = options.sd === undefined ? undefined : openSdImage(options.sd.path, options.sd.persist);
    machine = new Machine({ kernel: options.image, sdImage: sd?.bytes });
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
  const input = new SerialInput(machine, options.input);
  const deadline = started + (options.timeoutMs ?? Infinity);
  const limit = options.maxInstructions ?? Infinity;
  const clock = options.realTime ? new WallClock(machine) : undefined;

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
      if (clock && clock.ahead(machine) > 0) {
        await sleep(Math.min(clock.ahead(machine), MAX_SLEEP_MS));
        continue;
      }
      const stop = clock ? runPaced(machine, budget, clock) : machine.run(budget);
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
/**
 * Instructions per step of a paced run. A guest that sleeps between 100 Hz timer ticks covers
 * a tick in about a hundred instructions, so a step moves its clock by some tens of
 * milliseconds at most.
 */
const PACED_STEP = 1000;
/** Wall time a paced slice may take before the event loop gets a turn. */
const PACED_SLICE_MS = 20;
/** How far the guest's clock may fall behind the wall clock before the lost time is written off. */
const MAX_BEHIND_MS = 100;

/**
 * Runs up to `budget` instructions in small steps, and stops early once the guest's clock is
 * ahead of the wall clock (or the slice has taken PACED_SLICE_MS). `Machine.run` cannot be told
 * to stop at a moment of guest time, and a sleeping guest skips ahead to its next timer event,
 * so a large budget could carry its clock far past the wall clock in one call.
 */
function runPaced(machine: Machine, budget: number, clock: WallClock): StopReason {
  const sliceEnd = performance.now() + PACED_SLICE_MS;
  const end = machine.instructions + budget;
  for (;;) {
    const stop = machine.run(Math.min(PACED_STEP, end - machine.instructions));
    if (stop.kind !== 'budget' || machine.instructions >= end || clock.ahead(machine) > 0 || performance.now() >= sliceEnd) return stop;
  }
}

/**
 * The guest's clock (`Machine.seconds`, which advances with instructions and jumps over time
 * when every core sleeps) next to the wall clock. A guest that fell behind (it sat idle, or
 * the emulator ran slower than a Pi) is not allowed to race to catch up, which a real Pi never
 * has to: time it lost beyond MAX_BEHIND_MS is written off.
 */
class WallClock {
  private origin: number;

  constructor(machine: Machine) {
    this.origin = performance.now() - machine.seconds * 1000;
  }

  /** Milliseconds the guest's clock is ahead of the wall clock (negative when behind). */
  ahead(machine: Machine): number {
    const ahead = machine.seconds * 1000 - (performance.now() - this.origin);
    if (ahead >= -MAX_BEHIND_MS) return ahead;
    this.origin -= -MAX_BEHIND_MS - ahead;
    return -MAX_BEHIND_MS;
  }
}

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

  close(): void {
    this.detach();
  }
}

/** A latin1 string keeps every byte as one character, so transcripts compare exactly. */
function latin1(chunks: readonly Uint8Array[]): string {
  return Buffer.concat(chunks).toString('latin1');
}
