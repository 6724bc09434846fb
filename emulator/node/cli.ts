// `npm run emu -- <command>`: the emulator from the command line.
//
//   step              JSON lines in, JSON lines out: one instruction each (see src/step.ts)
//
// To boot an image, use `npm start -- --kernel FILE [--sd FILE [--persist]]`: one command,
// with the same console, pacing and exit statuses in both machines.
//
// Every failure is one line on stderr and a non-zero exit status.

import { createInterface } from 'node:readline';
import { stepOne, validateStepInput } from '../src/index';

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

// A reader piping our output into `head` closes the pipe early: that ends the run, quietly.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  fail(`cannot write the output: ${e.message}`);
});

const [command] = process.argv.slice(2);
if (command === 'step') await step();
else fail('usage: emu step (to boot an image: npm start -- --kernel FILE)');
