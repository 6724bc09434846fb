// `npm run emu -- <command>`: the emulator from the command line.
//
//   step              JSON lines in, JSON lines out: one instruction each (see src/step.ts)
//   run IMAGE         boot a raw kernel8.img; the guest's output on stdout, its exit status as ours
//                     [--max-instructions N] (default 2e9)
//
// Every failure is one line on stderr and a non-zero exit status.

import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Machine, stepOne, validateStepInput } from '../src/index';

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

function run(args: string[]): void {
  const path = args[0];
  if (path === undefined) fail('usage: emu run IMAGE [--max-instructions N]');
  const limitIndex = args.indexOf('--max-instructions');
  const limit = limitIndex >= 0 ? Number(args[limitIndex + 1]) : 2e9;
  if (!Number.isFinite(limit) || limit <= 0) fail('--max-instructions needs a positive number');
  let image: Uint8Array;
  try {
    image = readFileSync(path);
  } catch (e) {
    fail(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let machine: Machine;
  try {
    machine = new Machine({ kernel: image });
  } catch (e) {
    fail(`${path}: ${(e as Error).message}`);
  }
  machine.onOutput = (bytes) => process.stdout.write(bytes);
  machine.onWarning = (m) => process.stderr.write(`emu: warning: ${m}\n`);
  const stop = machine.run(limit);
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

const [command, ...rest] = process.argv.slice(2);
if (command === 'step') await step();
else if (command === 'run') run(rest);
else fail('usage: emu step | emu run IMAGE [--max-instructions N]');
