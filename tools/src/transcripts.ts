// Transcripts: what a chapter prints when you run it, generated, never typed by hand.
//
//   npm run transcripts            every chapter, and the appendix's (debugging-transcripts.ts)
//   npm run transcripts -- 01 02   the chapters named
//
// Each chapter boots in our emulator. If the chapter has a `try-it.txt` beside its kernel,
// its lines are typed on the serial port, each followed by Enter (a carriage return, which is
// what a terminal sends). Everything the kernel prints, with its CR LF line ends turned into
// LF, becomes docs/transcripts/<chapter>.txt, which the chapter's page shows through
// `<Transcript chapter="NN-name" />`. The emulator is deterministic (the same image and the
// same input give the same output), so the tests regenerate every transcript and fail when
// one no longer matches the committed file. A run ends when the kernel exits, or when it
// sleeps waiting for input after the last line; a kernel that keeps running is an error.
//
// A chapter whose card boots to the shell (chapter 07 on: /sbin/init starts it) has its lines
// typed one at a time, each once the shell's prompt (or its "> " for the rest of an unfinished
// command) has appeared: the shell's terminal echoes
// what is typed as it arrives, as any Unix terminal does, so lines typed ahead would show up
// in the transcript before the prompts they belong to.
//
// The same image needs the same compiler: another Rust lays the kernel out differently, and
// the addresses and sizes a kernel prints change with it. docs/transcripts/toolchain.txt
// records which rustc made the committed transcripts (see `sameUpToNumbers`).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { buildKernelCrate } from './build';
import { listChapters, resolveChapter, type Chapter } from './chapters';
import { DEBUGGING_TRANSCRIPTS, makeDebuggingTranscript } from './debugging-transcripts';
import { describeEnding, runKernel, type SdCardFile } from './kernel-run';
import { ensureChapterSdImage, hasDisk, hasInitProgram, SHELL_PROMPT } from './sd-image';
import { transcriptFile } from './listings';
import { fromRoot, repoRoot } from './paths';
import { loadToolchain } from './setup';

/** The file of lines to type, kept next to the chapter's kernel folder. */
export const INPUT_FILE = 'try-it.txt';

/**
 * How long a transcript may run, in guest instructions rather than seconds, so that the
 * outcome does not depend on how fast this computer is. Booting and a few commands take well
 * under a million; a kernel still running after this many is one whose try-it.txt does not
 * stop it (a kernel with a timer tick never sleeps for good, so only `exit` ends its run).
 */
const INSTRUCTION_LIMIT = 100_000_000;
/** A safety net only: a run that takes this long in wall time has gone wrong. */
const WALL_LIMIT_MS = 300_000;

/** The bytes a reader types for `lines` (one command a line): each line, then Enter (CR). */
export function typedInput(lines: string): string {
  const commands = lines.replace(/\r\n/g, '\n').split('\n');
  if (commands.at(-1) === '') commands.pop(); // the file's final newline ends the last line
  return commands.map((command) => `${command}\r`).join('');
}

/** The text of a transcript: the kernel's bytes read as UTF-8, with CR LF turned into LF. */
export function transcriptText(output: Uint8Array): string {
  return Buffer.from(output).toString('utf8').replace(/\r\n/g, '\n');
}

/** What `chapter` types when its transcript is made: its try-it.txt, or nothing. */
export function chapterInput(chapter: Chapter): string | undefined {
  const file = path.join(chapter.dir, INPUT_FILE);
  return existsSync(file) ? typedInput(readFileSync(file, 'utf8')) : undefined;
}

/** The prompt (PS2) at the start of a line, with which the shell asks for the rest of a command (`for … do`): a line is typed at it too. */
export const CONTINUATION_PROMPT = '\n> ';

/** Builds `chapter`, boots it in our emulator with its input, and returns the transcript. */
export async function makeTranscript(chapter: Chapter): Promise<string> {
  const built = await buildKernelCrate(chapter, { quiet: true });
  // A chapter with a disk boots with its card, as npm start does; its writes are discarded.
  const sd = hasDisk(chapter) ? { path: ensureChapterSdImage(chapter, built), persist: false } : undefined;
  // Its card boots to the shell when it has an init program (sd-image.ts puts it at /sbin/init).
  const shell = sd !== undefined && hasInitProgram(built);
  return transcriptOf(chapter.name, readFileSync(built.image), chapterInput(chapter), sd, shell ? SHELL_PROMPT : undefined);
}

/** `input` (typed lines, each ending in CR) as a stream that gives the next line whenever `prompt` (or the continuation prompt) appears in the output. */
function typedAtPrompts(input: string, prompt: string): { stream: PassThrough; onOutput: (bytes: Uint8Array) => void } {
  const lines = input.split('\r').slice(0, -1).map((line) => `${line}\r`);
  const stream = new PassThrough();
  let seen = '';
  let typed = 0;
  const prompts = () => seen.split(prompt).length - 1 + seen.split(CONTINUATION_PROMPT).length - 1;
  const onOutput = (bytes: Uint8Array) => {
    seen += Buffer.from(bytes).toString('latin1');
    while (typed < lines.length && prompts() > typed) stream.write(lines[typed++]);
    if (typed === lines.length) stream.end();
  };
  return { stream, onOutput };
}

/**
 * Boots `image` in our emulator with `input` typed ahead (or, given `prompt`, a line each time
 * the prompt appears) and returns what it printed, as a transcript. `name` says whose
 * transcript an error is about.
 */
export async function transcriptOf(name: string, image: Uint8Array, input: string | undefined, sd?: SdCardFile, prompt?: string): Promise<string> {
  const typing = input !== undefined && prompt !== undefined ? typedAtPrompts(input, prompt) : undefined;
  const run = await runKernel({
    image,
    backend: 'emulator',
    input: typing?.stream ?? input,
    ...(typing ? { onOutput: typing.onOutput } : {}),
    sd,
    maxInstructions: INSTRUCTION_LIMIT,
    timeoutMs: WALL_LIMIT_MS,
  });
  // The kernel exits, or sleeps for good waiting for input that will never come: both are
  // ends that the same image and input reach the same way every time.
  if (run.ending === 'limit') {
    throw new Error(
      `transcript of ${name}: the kernel was still running after ${INSTRUCTION_LIMIT} instructions; end ${INPUT_FILE} with a command that stops the machine (such as exit)`,
    );
  }
  if (run.ending !== 'exit' && run.ending !== 'waiting') throw new Error(`transcript of ${name}: ${describeEnding(run)}`);
  return transcriptText(Buffer.from(run.output, 'latin1'));
}

/** Where the version of the rustc that built the transcripts' kernels is recorded. */
export const TOOLCHAIN_RECORD = path.join(repoRoot, 'docs', 'transcripts', 'toolchain.txt');

/** `rustc -V` of the Rust that builds the kernels here. */
export function compilerVersion(): string {
  return execFileSync(loadToolchain().rustc, ['-V'], { encoding: 'utf8' }).trim();
}

/** The rustc version the committed transcripts were made with, if recorded. */
export function recordedCompiler(): string | undefined {
  return existsSync(TOOLCHAIN_RECORD) ? readFileSync(TOOLCHAIN_RECORD, 'utf8').trim() : undefined;
}

/**
 * `text` with every number (decimal or 0x hexadecimal) replaced by `#`: what two transcripts
 * of the same kernel built by different compilers still have in common.
 */
export function sameUpToNumbers(text: string): string {
  return text.replace(/\b(?:0x[0-9a-fA-F_]+|\d+)\b/g, '#');
}

/** Writes `chapter`'s transcript; says whether the file changed. */
export function writeTranscript(chapter: Chapter): Promise<{ file: string; changed: boolean }> {
  return writeTranscriptFile(chapter.name, () => makeTranscript(chapter));
}

async function writeTranscriptFile(name: string, make: () => Promise<string>): Promise<{ file: string; changed: boolean }> {
  const file = transcriptFile(name);
  const text = await make();
  const changed = !existsSync(file) || readFileSync(file, 'utf8') !== text;
  if (changed) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
  return { file, changed };
}

async function main(names: string[]): Promise<void> {
  const chapters = names.length > 0 ? names.map(resolveChapter) : listChapters();
  const compiler = compilerVersion();
  const recorded = recordedCompiler();
  // Transcripts from two compilers side by side would each fail the other's exact check.
  if (names.length > 0 && recorded !== undefined && recorded !== compiler) {
    throw new Error(`the transcripts were made with ${recorded}, and this is ${compiler}: run npm run transcripts without chapters to remake them all`);
  }
  for (const chapter of chapters) {
    const { file, changed } = await writeTranscript(chapter);
    console.log(`${fromRoot(file)}: ${changed ? 'written' : 'unchanged'}`);
  }
  if (names.length === 0) {
    for (const name of DEBUGGING_TRANSCRIPTS) {
      const { file, changed } = await writeTranscriptFile(name, () => makeDebuggingTranscript(name));
      console.log(`${fromRoot(file)}: ${changed ? 'written' : 'unchanged'}`);
    }
  }
  if (recorded !== compiler) {
    writeFileSync(TOOLCHAIN_RECORD, `${compiler}\n`);
    console.log(`${fromRoot(TOOLCHAIN_RECORD)}: ${compiler}`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((error: Error) => {
    console.error(error.message);
    process.exitCode = 1;
  });
}
