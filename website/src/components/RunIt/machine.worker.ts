// The Web Worker that runs a chapter's kernel in our emulator, away from the page's thread.
// Machine.run is synchronous, so the worker runs it in slices of about SLICE_MS of wall time
// and yields between them, which lets the page's messages (keys, Stop) arrive.
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
const STATUS_MS = 250;

let machine: Machine | undefined;
let state: MachineState = 'loading';
let budget = 1_000_000;
let busyMs = 0;
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

function schedule(): void {
  if (scheduled || state !== 'running') return;
  scheduled = true;
  tick.port2.postMessage(null);
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
      schedule();
      break;
    case 'pause':
      if (state === 'running' || state === 'waiting') setState('paused');
      break;
    case 'resume':
      if (state === 'paused') setState('running');
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
  setState('running');
  schedule();
}

function runSlice(): void {
  if (!machine || state !== 'running') return;
  const started = performance.now();
  const stop = machine.run(budget);
  const elapsed = performance.now() - started;
  busyMs += elapsed;
  // Aim the next slice at SLICE_MS, whatever this computer's speed.
  budget = Math.max(100_000, Math.min(50_000_000, Math.round((budget * SLICE_MS) / Math.max(elapsed, 1))));
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
    mips: busyMs > 0 ? instructions / busyMs / 1000 : 0,
    ...(finishMessage !== undefined ? { message: finishMessage } : {}),
  });
}
