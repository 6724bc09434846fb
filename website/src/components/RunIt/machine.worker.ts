// The Web Worker that runs a chapter's kernel in our emulator, away from the page's thread.
// Machine.run is synchronous, so the worker runs it in slices of about SLICE_MS of wall time
// and yields between them, which lets the page's messages (keys, Stop) arrive.
//
// The emulator's time is virtual: when every core sleeps until a timer, it jumps straight to
// the deadline. Left alone, a kernel with a 100 Hz tick would see minutes pass in seconds
// (and keep a CPU core busy). In a terminal a reader expects `wait 100` to take a second, so
// the worker keeps virtual time from running ahead of the wall clock: a slice runs the machine
// in small steps and ends once the guest's clock passes the wall clock's, and the worker
// sleeps while the guest is ahead.
import { Machine } from '../../../../emulator/src/index';
import type { FromMachine, MachineState, ToMachine } from './protocol';

/** The parts of a dedicated worker's global scope this file uses (the site's types are the DOM's). */
interface WorkerScope {
  onmessage: ((event: MessageEvent<ToMachine>) => void) | null;
  postMessage(message: FromMachine, transfer?: Transferable[]): void;
}
const scope = self as unknown as WorkerScope;

/** Wall time of one slice: short enough that keys feel immediate, long enough to cost little. */
const SLICE_MS = 15;
/** How often the page hears the instruction count. */
const STATUS_MS = 100;

let machine: Machine | undefined;
let state: MachineState = 'loading';
/**
 * Instructions per step of a slice: grows while steps take little virtual time, shrinks when
 * they take much. A step of a mostly sleeping guest can span a long virtual time (the clock
 * jumps from deadline to deadline, and Machine.seconds moves only between scheduling rounds),
 * so steps stay small: MAX_STEP instructions cost a call of a few microseconds more each.
 */
let step = 1_000;
const MIN_STEP = 100;
const MAX_STEP = 2_000;
/** Wall time spent inside Machine.run. */
let busyMs = 0;
/** The wall-clock moment that virtual time 0 corresponds to; moved forward by pauses. */
let wallOrigin = 0;
let pausedAt = 0;
let sleepTimer: ReturnType<typeof setTimeout> | undefined;
let lastStatus = 0;
let scheduled = false;
const output: number[] = [];
let finishMessage: string | undefined;

// A message to ourselves is the quickest way to yield to the event loop and come back
// (setTimeout is clamped to several milliseconds after a few nested calls).
const tick = new MessageChannel();
tick.port1.onmessage = () => {
  scheduled = false;
  runSlice();
};

/** Runs the next slice soon: at once, or when the wall clock has caught up with the guest's. */
function schedule(): void {
  if (scheduled || state !== 'running') return;
  scheduled = true;
  const ahead = machine ? machine.seconds * 1000 - (performance.now() - wallOrigin) : 0;
  if (ahead > 1) {
    sleepTimer = setTimeout(() => {
      sleepTimer = undefined;
      tick.port2.postMessage(null);
    }, ahead);
  } else {
    tick.port2.postMessage(null);
  }
}

/** A key does not wait for the wall clock: the guest sees it at once (its clock a little ahead). */
function wakeForInput(): void {
  if (sleepTimer !== undefined) {
    clearTimeout(sleepTimer);
    sleepTimer = undefined;
    tick.port2.postMessage(null);
    return;
  }
  schedule();
}

scope.onmessage = (event) => {
  const message = event.data;
  switch (message.type) {
    case 'boot':
      void boot(message.kernelUrl);
      break;
    case 'input':
      if (!machine) return;
      machine.input(message.data);
      if (state === 'waiting') setState('running');
      wakeForInput();
      break;
    case 'pause':
      if (state !== 'running' && state !== 'waiting') return;
      pausedAt = performance.now();
      setState('paused');
      break;
    case 'resume':
      if (state !== 'paused') return;
      // The pause is no time at all for the guest.
      wallOrigin += performance.now() - pausedAt;
      setState('running');
      schedule();
      break;
  }
};

async function boot(kernelUrl: string): Promise<void> {
  try {
    const response = await fetch(kernelUrl);
    if (!response.ok) throw new Error(`cannot load the kernel ${kernelUrl}: HTTP ${response.status}`);
    machine = new Machine({ kernel: new Uint8Array(await response.arrayBuffer()) });
  } catch (error) {
    finish(error instanceof Error ? error.message : String(error));
    return;
  }
  machine.onOutput = (bytes) => {
    for (const byte of bytes) output.push(byte);
  };
  wallOrigin = performance.now();
  setState('running');
  schedule();
}

function runSlice(): void {
  if (!machine || state !== 'running') return;
  const started = performance.now();
  // The guest may run until its clock is SLICE_MS ahead of the wall clock, and for SLICE_MS of wall time.
  const until = started - wallOrigin + SLICE_MS;
  let stop;
  do {
    const before = machine.seconds * 1000;
    stop = machine.run(step);
    const took = machine.seconds * 1000 - before;
    if (took > 4) step = Math.max(MIN_STEP, step >> 1);
    else if (took < 1) step = Math.min(MAX_STEP, step * 2);
  } while (stop.kind === 'budget' && machine.seconds * 1000 < until && performance.now() - started < SLICE_MS);
  busyMs += performance.now() - started;
  flushOutput();
  switch (stop.kind) {
    case 'budget':
      schedule();
      break;
    case 'idle':
      // Every core sleeps and no timer is due: only a key can wake the machine.
      setState('waiting');
      break;
    case 'exit':
      finish(`the kernel exited with status ${stop.code}`);
      return;
    case 'reset':
      finish('the kernel reset the machine');
      return;
    case 'error':
      finish(stop.message);
      return;
  }
  if (performance.now() - lastStatus >= STATUS_MS) sendStatus();
}

function flushOutput(): void {
  if (output.length === 0) return;
  const bytes = Uint8Array.from(output);
  output.length = 0;
  scope.postMessage({ type: 'output', bytes }, [bytes.buffer]);
}

function finish(message: string): void {
  flushOutput();
  finishMessage = message;
  setState('finished');
}

function setState(next: MachineState): void {
  state = next;
  sendStatus();
}

function sendStatus(): void {
  lastStatus = performance.now();
  const instructions = machine?.instructions ?? 0;
  scope.postMessage({
    type: 'status',
    state,
    instructions,
    seconds: machine?.seconds ?? 0,
    mips: busyMs > 0 ? instructions / busyMs / 1000 : 0,
    ...(finishMessage !== undefined ? { message: finishMessage } : {}),
  });
}
