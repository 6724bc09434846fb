// The transcripts of the appendix "When it doesn't work" (docs/appendix-debugging.md),
// generated like every other (`npm run transcripts`), never typed by hand:
//   debugging-gdb-emulator, debugging-gdb-qemu   one GDB session, the same commands, against
//                                                chapter 03 in each machine
//   debugging-fault     chapter 03 reading address 0: the fault report, its backtrace symbolised
//   debugging-trace     the same with --trace int,mmu: the terminal from the command on
// The GDB session types `brk` at the monitor's first prompt and `exit` at its second, so it
// stops in the breakpoint handler once and ends with the kernel's own exit.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { buildChapter, type BuiltKernel } from './build';
import { freePort } from './free-port';
import { describeEnding, runKernel, type Backend } from './kernel-run';
import { loadToolchain } from './setup';
import { BacktraceSymbolizer, symbolizerFor } from './symbolize';

export const DEBUGGING_TRANSCRIPTS = ['debugging-gdb-emulator', 'debugging-gdb-qemu', 'debugging-fault', 'debugging-trace'] as const;
export type DebuggingTranscript = (typeof DEBUGGING_TRANSCRIPTS)[number];

/** The chapter the appendix debugs, and its monitor's prompt. */
const CHAPTER = '03';
const PROMPT = 'bramble> ';
/** The port a reader uses (npm start's default), whatever free port the session really had. */
const SHOWN_PORT = 1234;
const WALL_LIMIT_MS = 120_000;

/** The session: attach, step through boot.s, stop at kernel_main, look at a trap frame, go on. */
const GDB_SESSION = [
  `target remote :${SHOWN_PORT}`,
  'info threads',
  'break *0x80000',
  'continue',
  'x/4i $pc',
  'stepi',
  'info registers x1 pc cpsr',
  'delete',
  'break *kernel_main',
  'continue',
  'bt',
  'x/8i $pc',
  'info registers sp pc cpsr',
  'break kernel::exceptions::breakpoint',
  'continue',
  'p/x *frame',
  'list *frame.elr',
  'delete',
  'continue',
];

export async function makeDebuggingTranscript(name: DebuggingTranscript): Promise<string> {
  const kernel = await buildChapter(CHAPTER, { quiet: true });
  switch (name) {
    case 'debugging-gdb-emulator':
      return gdbSession(kernel, 'emulator');
    case 'debugging-gdb-qemu':
      return gdbSession(kernel, 'qemu');
    case 'debugging-fault':
      return faultReport(kernel, undefined);
    case 'debugging-trace':
      return faultReport(kernel, ['int', 'mmu']);
  }
}

/**
 * Chapter 03 in `backend`, waiting for GDB; gdb-multiarch runs GDB_SESSION against it, and
 * its output (each command echoed after a `(gdb) ` prompt) is the transcript.
 */
async function gdbSession(kernel: BuiltKernel, backend: Backend): Promise<string> {
  const port = await freePort();
  const keyboard = new PassThrough();
  let output = '';
  let listening!: () => void;
  const ready = new Promise<void>((resolve) => (listening = resolve));
  const run = runKernel({
    image: readFileSync(kernel.image),
    imagePath: kernel.image,
    backend,
    input: keyboard,
    timeoutMs: WALL_LIMIT_MS,
    gdb: { port, onListening: () => listening(), onMessage: () => {} },
    onOutput: (bytes) => {
      const prompts = output.split(PROMPT).length;
      output += Buffer.from(bytes).toString('latin1');
      const now = output.split(PROMPT).length;
      if (now > prompts) keyboard.write(now === 2 ? 'brk\r' : 'exit\r');
    },
  });
  await ready;
  const session = await gdbBatch(kernel.elf, GDB_SESSION.map((command) => command.replace(`:${SHOWN_PORT}`, `:${port}`)));
  keyboard.end();
  const ended = await run;
  if (ended.ending !== 'exit') throw new Error(`GDB session in ${backend}: ${describeEnding(ended)}`);
  return session.replaceAll(`:${port}`, `:${SHOWN_PORT}`);
}

/** gdb-multiarch --batch on `elf`; commands are echoed as `(gdb) command`. */
function gdbBatch(elf: string, commands: string[]): Promise<string> {
  const args = ['--batch', '-nx', '-ex', 'set pagination off', '-ex', 'set confirm off', '-ex', 'set trace-commands on'];
  // GDB's errors (a variable optimised out) go to its stderr: given the same pipe as its
  // stdout, which GDB flushes before it reports an error, they land after the command that
  // caused them. Two pipes read side by side would put them anywhere.
  const gdb = spawn('/bin/sh', ['-c', 'exec "$0" "$@" 2>&1', loadToolchain().gdb, ...args, ...commands.flatMap((command) => ['-ex', command]), elf], { stdio: ['ignore', 'pipe', 'inherit'] });
  let text = '';
  gdb.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return new Promise((resolve, reject) => {
    gdb.on('error', reject);
    gdb.on('close', () => resolve(text.replace(/^\+/gm, '(gdb) ')));
  });
}

/**
 * Chapter 03 in our emulator reading address 0 (`null` at the prompt): what the terminal
 * shows from the command on, backtrace symbolised as npm start does it, and with `trace` the
 * trace's lines among the output, as they came.
 */
async function faultReport(kernel: BuiltKernel, trace: ('int' | 'mmu')[] | undefined): Promise<string> {
  const symbolizer = new BacktraceSymbolizer(symbolizerFor(kernel.elf, loadToolchain().llvmSymbolizer));
  const keyboard = new PassThrough();
  let terminal = '';
  let typed = false;
  const run = await runKernel({
    image: readFileSync(kernel.image),
    imagePath: kernel.image,
    backend: 'emulator',
    input: keyboard,
    timeoutMs: WALL_LIMIT_MS,
    trace: trace && { categories: trace, write: (text) => (terminal += typed ? text.replaceAll('\n', '\r\n') : '') },
    onOutput: (bytes) => {
      terminal += Buffer.from(symbolizer.feed(bytes)).toString('latin1');
      if (!typed && terminal.endsWith(PROMPT)) {
        typed = true;
        terminal = PROMPT;
        keyboard.write('null\r');
      }
    },
  });
  keyboard.end();
  if (run.ending !== 'exit') throw new Error(`fault report: ${describeEnding(run)}`);
  // As every transcript: the bytes read as UTF-8, CR LF turned into LF.
  return Buffer.from(terminal + Buffer.from(symbolizer.flush()).toString('latin1'), 'latin1')
    .toString('utf8')
    .replace(/\r\n/g, '\n');
}

