// The Web Worker that runs a chapter's kernel in our emulator, away from the page's thread.
// Machine.run is synchronous, so the worker runs it in slices of about SLICE_MS of wall time
// and yields between them, which lets the page's messages (keys, Stop) arrive.
//
// A chapter with a disk (06 on) boots with an SD card: the worker fetches its image once,
// unpacks it (the site ships it gzip-compressed), and gives the same bytes to every machine it
// boots, which writes into them. So the reader's writes last across Reset while the page is
// open, and a reload starts from the card as built. Only what the guest wrote back reaches the
// card: a write still in the kernel's cache is lost at Reset, as at a power cut.
//
// In a terminal a reader expects `wait 100` to take a second, so the guest's clock keeps to
// the wall clock: the emulator's Pacer (the same one `npm start` uses) runs each slice, and the
// worker sleeps while the guest is ahead. An idle kernel then costs no CPU.
import { Machine, Pacer } from '@bramble/emulator';
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
let pacer: Pacer | undefined;
/** The SD card's bytes, fetched at the first boot that names one, and kept for the worker's life. */
let card: Uint8Array | undefined;
/** The current boot's number (see protocol.ts). */
let run = 0;
let state: MachineState = 'loading';
/** Wall time spent inside Machine.run. */
let busyMs = 0;
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

/** Runs the next slice after `waitMs`: at once, or when the wall clock has caught up with the guest's. */
function schedule(waitMs = 0): void {
  if (scheduled || state !== 'running') return;
  scheduled = true;
  if (waitMs > 1) {
    sleepTimer = setTimeout(() => {
      sleepTimer = undefined;
      tick.port2.postMessage(null);
    }, waitMs);
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
      void boot(message.run, message.kernelUrl, message.sdUrl);
      break;
    case 'input':
      if (!machine) return;
      machine.input(message.data);
      if (state === 'waiting') setState('running');
      wakeForInput();
      break;
    case 'pause':
      if (state !== 'running' && state !== 'waiting') return;
      pacer?.pause();
      setState('paused');
      break;
    case 'resume':
      if (state !== 'paused') return;
      // The pause is no time at all for the guest.
      pacer?.resume();
      setState('running');
      schedule();
      break;
  }
};

async function boot(number: number, kernelUrl: string, sdUrl: string | undefined): Promise<void> {
  // The earlier machine, if any, stops here: whatever it had not sent yet is dropped.
  run = number;
  machine = undefined;
  pacer = undefined;
  output.length = 0;
  finishMessage = undefined;
  busyMs = 0;
  if (sleepTimer !== undefined) {
    clearTimeout(sleepTimer);
    sleepTimer = undefined;
    scheduled = false;
  }
  setState('loading');
  let booted: Machine;
  try {
    const kernel = await fetchBytes(kernelUrl, 'the kernel');
    if (sdUrl !== undefined && card === undefined) {
      const fetched = await fetchBytes(sdUrl, 'the SD card', 'gzip');
      // A boot that overlapped this one may have fetched the card first, and written to it since.
      card ??= fetched;
    }
    if (number !== run) return; // Reset again while fetching: the later boot goes on.
    booted = new Machine({ kernel, ...(sdUrl !== undefined && card ? { sdImage: card } : {}) });
  } catch (error) {
    if (number === run) finish(error instanceof Error ? error.message : String(error));
    return;
  }
  machine = booted;
  machine.onOutput = (bytes) => {
    for (const byte of bytes) output.push(byte);
  };
  pacer = new Pacer(machine, () => performance.now());
  setState('running');
  schedule();
}

/** The bytes at `url`, unpacked when `encoding` says they are compressed. */
async function fetchBytes(url: string, what: string, encoding?: CompressionFormat): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok || !response.body) throw new Error(`cannot load ${what} ${url}: HTTP ${response.status}`);
  const body = encoding ? response.body.pipeThrough(new DecompressionStream(encoding)) : response.body;
  return new Uint8Array(await new Response(body).arrayBuffer());
}

function runSlice(): void {
  if (!pacer || state !== 'running') return;
  const started = performance.now();
  const { stop, waitMs } = pacer.slice(SLICE_MS);
  busyMs += performance.now() - started;
  flushOutput();
  switch (stop.kind) {
    case 'budget':
    case 'deadline':
      schedule(waitMs);
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
  scope.postMessage({ type: 'output', run, bytes }, [bytes.buffer]);
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
    run,
    state,
    instructions,
    seconds: machine?.seconds ?? 0,
    mips: busyMs > 0 ? instructions / busyMs / 1000 : 0,
    ...(finishMessage !== undefined ? { message: finishMessage } : {}),
  });
}
