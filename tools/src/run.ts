// `npm start [-- <chapter>] [--qemu] [--timeout N] [--kernel FILE] [--add FILE[:/PATH]]... [--sd FILE [--persist]] [--trace LIST] [--gdb [PORT]]`:
// build a chapter and boot it, in our emulator or in QEMU, with this terminal (or this
// command's stdin and stdout) as the Pi's serial console.
//
// Exit status: the guest's own (semihosting SYS_EXIT; a watchdog reset counts as 0),
// 124 when the guest did not finish within --timeout seconds (or, in our emulator, when it
// sleeps waiting for input after stdin has ended, so could never finish), 0 after Ctrl-A x,
// 1 when the emulator or QEMU failed, 2 for a usage error.
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { TRACE_CATEGORIES, type TraceCategory } from '@bramble/emulator';
import { buildChapter, buildWithFiles } from './build';
import { parseExtraFile, type ExtraFile } from './initramfs';
import { mostComplete, resolveChapter } from './chapters';
import { describeEnding, runKernel, type Backend, type KernelRun, type SdCardFile } from './kernel-run';
import { runQemuOnTerminal } from './qemu';
import { chapterSdImageWithFiles, hasDisk, hasInitProgram, SHELL_PROMPT } from './sd-image';
import { loadToolchain } from './setup';
import { BacktraceSymbolizer, symbolizerFor } from './symbolize';
import { QUIT_HINT, rawConsole } from './terminal';

/** With stdin not a terminal nobody can quit by hand, so a hung guest must not hang forever. */
const DEFAULT_TIMEOUT_SECONDS = 30;
/** Status for a guest that did not finish in time, as timeout(1) uses. */
const TIMED_OUT = 124;

/** Where --gdb waits for a debugger unless told otherwise: GDB's and QEMU's usual port. */
const DEFAULT_GDB_PORT = 1234;

const USAGE = `Usage: npm start [-- [chapter] [--qemu] [--timeout seconds] [--kernel file] [--add file[:/path]]... [--sd file [--persist]] [--gdb [port]]]

Builds a chapter's kernel and boots it in Bramble's emulator, with this terminal as the
Raspberry Pi's serial console. Without a chapter, boots the most complete one.

  chapter          a chapter folder name or its number: 01, 1, 01-bare-metal
  --qemu           boot the same kernel8.img in qemu-system-aarch64 -M raspi3b instead
  --timeout N      give up after N seconds (default: none at a terminal, ${DEFAULT_TIMEOUT_SECONDS} s
                   when stdin is not a terminal), exit status 124
  --kernel FILE    boot this kernel8.img instead of building a chapter
  --add FILE[:/PATH]
                   put this host file in the initramfs (chapter 05) or the SD card's ext2 root
                   (chapter 06 on) at /PATH (default /bin/NAME, executable), for this run only:
                   your own static AArch64 Linux program, say (may be given more than once)
  --sd FILE        insert an SD card holding this raw image
  --persist        write the guest's changes to the SD card back to FILE (default: discard them)
  --trace LIST     log events to stderr, as QEMU's -d does (QEMU gets -d LIST): int (exceptions
                   taken), mmu (table walks and translation faults), unimp (what the emulator
                   does not model), comma-separated
  --gdb [PORT]     start paused and wait for GDB on localhost:PORT (default ${DEFAULT_GDB_PORT}; a port
                   from 1024 up, or --gdb=PORT); prints the command that attaches
  --help           this text

At a terminal, Ctrl-A x quits. Otherwise all of stdin goes to the serial port, only the
guest's output goes to stdout, and the exit status is the guest's.`;

class UsageError extends Error {}

interface Options {
  chapter: string | undefined;
  backend: Backend;
  timeoutSeconds: number | undefined;
  kernel: string | undefined;
  add: ExtraFile[];
  sd: SdCardFile | undefined;
  gdbPort: number | undefined;
  trace: TraceCategory[] | undefined;
  help: boolean;
}

function parseCommandLine(argv: string[]): Options {
  let parsed;
  try {
    parsed = parseArgs({
      args: gdbWithPort(argv),
      allowPositionals: true,
      options: {
        qemu: { type: 'boolean' },
        timeout: { type: 'string' },
        kernel: { type: 'string' },
        add: { type: 'string', multiple: true },
        sd: { type: 'string' },
        persist: { type: 'boolean' },
        gdb: { type: 'string' },
        trace: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    // Node's own message for an unknown option is a paragraph; the option's name is enough.
    const unknown = /^Unknown option '([^']+)'/.exec((error as Error).message);
    throw new UsageError(unknown ? `unknown option ${unknown[1]}` : (error as Error).message.split('\n')[0]!);
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) throw new UsageError(`one chapter at a time, not ${positionals.join(' ')}`);
  if (positionals.length > 0 && values.kernel !== undefined) throw new UsageError('a chapter or --kernel, not both');
  if (values.persist && values.sd === undefined) throw new UsageError('--persist needs --sd FILE');
  if (values.add !== undefined && values.kernel !== undefined) throw new UsageError('--add builds a chapter: it cannot change a --kernel image');
  if (values.add !== undefined && values.sd !== undefined) throw new UsageError('--add builds the chapter\'s own card: it cannot change an --sd image');
  let add: ExtraFile[];
  try {
    add = (values.add ?? []).map(parseExtraFile);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  let timeoutSeconds: number | undefined;
  if (values.timeout !== undefined) {
    timeoutSeconds = Number(values.timeout);
    if (!(timeoutSeconds > 0)) throw new UsageError(`--timeout needs a positive number of seconds, not '${values.timeout}'`);
  }
  let gdbPort: number | undefined;
  if (values.gdb !== undefined) {
    gdbPort = Number(values.gdb);
    if (!Number.isInteger(gdbPort) || gdbPort < 1 || gdbPort > 65535) throw new UsageError(`--gdb needs a TCP port (1-65535), not '${values.gdb}'`);
  }
  const trace = values.trace === undefined ? undefined : traceCategories(values.trace);
  return {
    chapter: positionals[0],
    backend: values.qemu ? 'qemu' : 'emulator',
    timeoutSeconds,
    kernel: values.kernel,
    add,
    sd: values.sd === undefined ? undefined : { path: values.sd, persist: values.persist ?? false },
    gdbPort,
    trace,
    help: values.help ?? false,
  };
}

function traceCategories(list: string): TraceCategory[] {
  const categories = list.split(',');
  for (const category of categories) {
    if (!(TRACE_CATEGORIES as readonly string[]).includes(category)) {
      throw new UsageError(`--trace takes ${TRACE_CATEGORIES.join(', ')} (comma-separated), not '${category}'`);
    }
  }
  return categories as TraceCategory[];
}

/**
 * `--gdb` alone means the default port, so it becomes `--gdb=1234`; `--gdb N` takes N as the
 * port when N is a number from 1024 up, and leaves a smaller one to be the chapter (`--gdb 3`).
 */
function gdbWithPort(argv: readonly string[]): string[] {
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] !== '--gdb') args.push(argv[i]!);
    else if (/^\d+$/.test(argv[i + 1] ?? '') && Number(argv[i + 1]) >= 1024) args.push(`--gdb=${argv[++i]}`);
    else args.push(`--gdb=${DEFAULT_GDB_PORT}`);
  }
  return args;
}

async function main(argv: string[]): Promise<number> {
  const options = parseCommandLine(argv);
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const { name, image, elf, disk, prompt } = await kernelToBoot(options);
  const bytes = readKernel(image);
  if (options.sd) checkSdImage(options.sd.path);
  // A chapter with a disk boots from its own card unless --sd names another (its writes discarded: --persist needs --sd).
  const sd = options.sd ?? (disk === undefined ? undefined : { path: disk, persist: false });
  const interactive = process.stdin.isTTY === true;

  if (interactive) {
    process.stderr.write(`Booting ${name} in ${options.backend === 'qemu' ? 'QEMU' : 'the Bramble emulator'}. ${QUIT_HINT}\n`);
  }
  // The guest's output, with the backtraces it prints turned into functions and source lines.
  const symbolizer = elf === undefined ? undefined : new BacktraceSymbolizer(symbolizerFor(elf, loadToolchain().llvmSymbolizer));
  const show = (bytes: Uint8Array) => process.stdout.write(symbolizer ? symbolizer.feed(bytes) : bytes);
  const gdbPort = options.gdbPort;
  const waitingForGdb = () => process.stderr.write(`${attachCommand(elf, gdbPort!)}\n`);
  if (interactive && options.backend === 'qemu') {
    // QEMU drives the terminal itself (raw mode, Ctrl-A x), so it gets it directly.
    if (gdbPort !== undefined) waitingForGdb();
    const run = await runQemuOnTerminal(image, show, secondsToMs(options.timeoutSeconds), sd, gdbPort, options.trace);
    if (symbolizer) process.stdout.write(symbolizer.flush());
    return exitStatus(run, interactive);
  }

  const console = interactive ? rawConsole(process.stdin) : undefined;
  let run: KernelRun;
  try {
    run = await runKernel({
      image: bytes,
      imagePath: image,
      backend: options.backend,
      input: console?.keys ?? process.stdin,
      // Piped input into a chapter's own card, which starts the shell: typed at its first prompt.
      prompt: interactive || options.sd !== undefined ? undefined : prompt,
      // Someone at a debugger may take their time: no default limit then either.
      timeoutMs: secondsToMs(options.timeoutSeconds ?? (interactive || gdbPort !== undefined ? undefined : DEFAULT_TIMEOUT_SECONDS)),
      onOutput: show,
      onWarning: (message) => process.stderr.write(`${interactive ? '\r\n' : ''}npm start: warning: ${message}\n`),
      signal: console?.quit,
      // Someone may be typing: the guest's clock keeps to the wall clock, as on a real Pi.
      realTime: true,
      sd,
      trace: options.trace && { categories: options.trace, write: (text) => process.stderr.write(text) },
      gdb: gdbPort === undefined ? undefined : { port: gdbPort, onListening: waitingForGdb, onMessage: (line) => process.stderr.write(`${line}\n`) },
    });
  } finally {
    console?.restore();
    if (symbolizer) process.stdout.write(symbolizer.flush());
  }
  return exitStatus(run, interactive);
}

/**
 * The chapter named (built first), the most complete one, or the image given with --kernel;
 * with the ELF file that holds its symbols, if there is one (beside a --kernel image).
 */
async function kernelToBoot(options: Options): Promise<{ name: string; image: string; elf: string | undefined; disk?: string; prompt?: string }> {
  if (options.kernel !== undefined) {
    const elf = path.join(path.dirname(options.kernel), 'kernel.elf');
    return { name: options.kernel, image: options.kernel, elf: existsSync(elf) ? elf : undefined };
  }
  const chapter = options.chapter === undefined ? mostComplete() : resolveChapter(options.chapter);
  if (options.add.length > 0 && hasDisk(chapter)) {
    // A chapter with a disk has its root on the card: the files go into the card's ext2.
    const built = await buildChapter(chapter.name);
    return { name: chapter.name, image: built.image, elf: built.elf, disk: chapterSdImageWithFiles(chapter, built, options.add), ...shellPrompt(built) };
  }
  const built = options.add.length > 0 ? await buildWithFiles(chapter.name, { files: options.add }) : await buildChapter(chapter.name);
  return { name: chapter.name, image: built.image, elf: built.elf, disk: built.sd, ...(built.sd === undefined ? {} : shellPrompt(built)) };
}

/** The prompt of the shell that a chapter's card starts, if it has an init program. */
function shellPrompt(built: { programs?: string }): { prompt?: string } {
  return hasInitProgram(built) ? { prompt: SHELL_PROMPT } : {};
}

/** The one line that tells the user how to attach GDB, e.g. `gdb-multiarch build/03-paging/kernel.elf -ex 'target remote :1234'`. */
function attachCommand(elf: string | undefined, port: number): string {
  const symbols = elf === undefined ? '' : ` ${path.relative(process.cwd(), elf) || elf}`;
  return `Waiting for GDB on port ${port}: gdb-multiarch${symbols} -ex 'target remote :${port}'`;
}

function readKernel(file: string): Uint8Array {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new Error(`cannot read the kernel image ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/** A missing SD card image is the user's mistake: one line, before either machine starts. */
function checkSdImage(file: string): void {
  try {
    accessSync(file, constants.R_OK | constants.W_OK);
  } catch (error) {
    throw new Error(`cannot use the SD card image ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

function secondsToMs(seconds: number | undefined): number | undefined {
  return seconds === undefined ? undefined : seconds * 1000;
}

function exitStatus(run: KernelRun, interactive: boolean): number {
  switch (run.ending) {
    case 'exit':
      return run.exitCode ?? 0;
    case 'stopped':
      return 0;
    case 'timeout':
    case 'waiting':
    case 'limit':
      process.stderr.write(`${interactive ? '\n' : ''}npm start: ${describeEnding(run)}\n`);
      return TIMED_OUT;
    case 'error':
      process.stderr.write(`${interactive ? '\n' : ''}npm start: ${describeEnding(run)}\n`);
      return 1;
  }
}

main(process.argv.slice(2)).then(
  (status) => exitWhenFlushed(status),
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`npm start: ${message}${error instanceof UsageError ? ' (npm start -- --help)' : ''}\n`);
    exitWhenFlushed(error instanceof UsageError ? 2 : 1);
  },
);

/** Exits once stdout has taken everything written to it, so no guest output is lost. */
function exitWhenFlushed(status: number): void {
  process.stdout.write('', () => process.exit(status));
}
