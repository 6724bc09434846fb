// `npm run emu -- <command>`: the emulator from the command line.
//
//   step              JSON lines in, JSON lines out: one instruction each (see src/step.ts)
//   run IMAGE         boot a raw kernel8.img; the guest's output on stdout, its exit status as ours
//                     [--max-instructions N] (default 2e9)
//                     [--sd FILE [--persist]]: an SD card with this image; --persist writes the
//                     guest's changes back to FILE when the machine stops
//
// Every failure is one line on stderr and a non-zero exit status.

import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Machine, stepOne, validateStepInput } from '../src/index';
import { openSdImage, type SdImageFile } from './sd-image';

function fail(message: string): never {
  process.stderr.write(`emu: ${message}\n`);
  process.exit(2);
}

async function step(): Promise<void> {
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber++;
    if (line.trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      fail(`line ${lineNumber}: not JSON`);
    }
    try {
      process.stdout.write(JSON.stringify(stepOne(validateStepInput(parsed))) + '\n');
    } catch (e) {
      fail(`line ${lineNumber}: ${(e as Error).message}`);
    }
  }
}

const RUN_USAGE = 'usage: emu run IMAGE [--max-instructions N] [--sd FILE [--persist]]';

function run(args: string[]): void {
  const path = args[0];
  if (path === undefined || path.startsWith('--')) fail(RUN_USAGE);
  const limitIndex = args.indexOf('--max-instructions');
  const limit = limitIndex >= 0 ? Number(args[limitIndex + 1]) : 2e9;
  if (!Number.isFinite(limit) || limit <= 0) fail('--max-instructions needs a positive number');
  const sdIndex = args.indexOf('--sd');
  const sdPath = sdIndex >= 0 ? args[sdIndex + 1] : undefined;
  if (sdIndex >= 0 && (sdPath === undefined || sdPath.startsWith('--'))) fail('--sd needs an image file');
  const persist = args.includes('--persist');
  if (persist && sdPath === undefined) fail('--persist needs --sd FILE');
  let sd: SdImageFile | undefined;
  try {
    sd = sdPath === undefined ? undefined : openSdImage(sdPath, persist);
  } catch (e) {
    fail((e as Error).message);
  }
  let image: Uint8Array;
  try {
    image = readFileSync(path);
  } catch (e) {
    fail(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let machine: Machine;
  try {
    machine = new Machine({ kernel: image, sdImage: sd?.bytes });
  } catch (e) {
    fail(`${path}: ${(e as Error).message}`);
  }
  machine.onOutput = (bytes) => process.stdout.write(bytes);
  machine.onWarning = (m) => process.stderr.write(`emu: warning: ${m}\n`);
  const stop = machine.run(limit);
  try {
    sd?.save();
  } catch (e) {
    fail((e as Error).message);
  }
  switch (stop.kind) {
    case 'exit':
      process.exitCode = stop.code;
      return;
    case 'reset':
      return;
    case 'error':
      fail(stop.message);
      break;
    case 'budget':
      fail(`no exit after ${limit} instructions`);
      break;
    case 'idle':
      fail(`every core is asleep waiting for input after ${machine.instructions} instructions`);
  }
}

// A reader piping our output into `head` closes the pipe early: that ends the run, quietly.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  fail(`cannot write the output: ${e.message}`);
});

const [command, ...rest] = process.argv.slice(2);
if (command === 'step') await step();
else if (command === 'run') run(rest);
else fail(`usage: emu step | ${RUN_USAGE.slice('usage: '.length)}`);
