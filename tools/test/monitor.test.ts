// Every chapter with a kernel monitor (a chapters/NN-name/monitor.test.json) is driven over its
// serial port, command by command, in our emulator and in QEMU raspi3b. Each case boots a
// fresh machine in both, so a command that stops the machine cannot disturb the next.
//
// The input is typed once the first prompt has appeared, as a person would: bytes that arrive
// while the kernel is still setting up its UART are lost (QEMU empties the receive FIFO when
// the kernel enables it; ours keeps them), so typing earlier would test the race, not the monitor.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { buildChapter } from '../src/build';
import { listChapters } from '../src/chapters';
import { runKernel, type Backend, type KernelRun } from '../src/kernel-run';

/** One scripted session: what to type, and what must come of it. */
interface MonitorCase {
  name: string;
  /** Bytes typed after the first prompt (with their line ends, "\r" or "\n"). */
  input: string;
  /** The exit status the session must end with. */
  status: number;
  /** Regular expressions, each of which must match a whole line of the transcript. */
  expect: string[];
}

/** Output that legitimately differs between the two machines, and why. */
interface Varies {
  pattern: string;
  why: string;
}

interface MonitorSpec {
  prompt: string;
  varies?: Varies[];
  cases: MonitorCase[];
}

/** A generous wall-clock limit per run; a case normally takes well under a second in either machine. */
const RUN_TIMEOUT_MS = 120_000;

const chaptersWithMonitors = listChapters()
  .map((chapter) => ({ chapter, specFile: path.join(chapter.dir, 'monitor.test.json') }))
  .filter(({ specFile }) => existsSync(specFile));

describe.each(chaptersWithMonitors.map(({ chapter, specFile }) => [chapter.name, specFile] as const))('chapter %s monitor', (name, specFile) => {
  const spec = JSON.parse(readFileSync(specFile, 'utf8')) as MonitorSpec;

  test.each(spec.cases.map((monitorCase) => [monitorCase.name, monitorCase] as const))('%s', async (_title, monitorCase) => {
    const imagePath = (await buildChapter(name, { quiet: true })).image;
    const image = readFileSync(imagePath);
    const session = (backend: Backend) => typeAfterPrompt(image, imagePath, backend, spec.prompt, monitorCase.input);
    const [ours, qemu] = await Promise.all([session('emulator'), session('qemu')]);

    for (const [machine, run] of [['QEMU', qemu], ['our emulator', ours]] as const) {
      expect(run.ending, `${machine}: ${run.message ?? ''}\n${run.output}`).toBe('exit');
      expect(run.exitCode, `${machine}:\n${run.output}`).toBe(monitorCase.status);
      const lines = transcriptLines(run.output);
      for (const pattern of monitorCase.expect) {
        const line = new RegExp(pattern);
        expect(lines.some((text) => line.test(text)), `${machine}: no line matches /${pattern}/ in\n${run.output}`).toBe(true);
      }
    }
    const comparable = (run: KernelRun) => setAsideVarying(transcriptLines(run.output), spec.varies ?? []).join('\n');
    expect(comparable(ours)).toBe(comparable(qemu));
  });
});

/**
 * Boots `image` and types `input` as soon as `prompt` first appears. The input stream stays
 * open until the run ends: the session ends when the guest exits, not when typing stops.
 */
async function typeAfterPrompt(image: Uint8Array, imagePath: string, backend: Backend, prompt: string, input: string): Promise<KernelRun> {
  const keyboard = new PassThrough();
  let seen = '';
  let typed = false;
  const run = await runKernel({
    image,
    imagePath,
    backend,
    input: keyboard,
    timeoutMs: RUN_TIMEOUT_MS,
    onOutput: (bytes) => {
      if (typed) return;
      seen += Buffer.from(bytes).toString('latin1');
      if (seen.includes(prompt)) {
        typed = true;
        keyboard.write(Buffer.from(input, 'latin1'));
      }
    },
  });
  keyboard.end();
  return run;
}

/** The transcript as lines, without the serial line's carriage returns. */
function transcriptLines(output: string): string[] {
  return output.split(/\r?\n/);
}

/** Each line with every match of a `varies` pattern replaced by a marker. */
function setAsideVarying(lines: string[], varies: Varies[]): string[] {
  return lines.map((line) => varies.reduce((text, { pattern }) => text.replace(new RegExp(pattern), '<varies>'), line));
}
