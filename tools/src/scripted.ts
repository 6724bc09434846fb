// A scripted serial session, checked in both machines: what the monitor tests
// (chapters/NN-name/monitor.test.json) and the exercises' checks (exercises/NN-name/exercises.json)
// have in common. A case boots a fresh machine, types its input once the kernel's first prompt
// has appeared (or at once, for a kernel without one), and must end with the given exit status,
// print a line matching each expected pattern, and print the same transcript in our emulator as
// in QEMU raspi3b once the parts that legitimately vary between them are set aside.
//
// The input waits for the prompt as a person would: bytes that arrive while the kernel is still
// setting up its UART are lost (QEMU empties the receive FIFO when the kernel enables it; ours
// keeps them), so typing earlier would test the race, not the kernel.
import { describeEnding, runKernel, type Backend, type KernelRun, type SdCardFile } from './kernel-run';

/** One scripted session: what to type, and what must come of it. */
export interface ScriptedCase {
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

/** What every case of one file shares. */
export interface ScriptedSpec {
  /** The kernel's prompt; absent for a kernel that reads nothing (its input is then typed at once). */
  prompt?: string;
  varies?: Varies[];
}

/** A generous wall-clock limit per run; a case normally takes well under a second in either machine. */
const RUN_TIMEOUT_MS = 120_000;

/** The machines every case runs in, the reference second. */
const MACHINES: readonly { backend: Backend; name: string }[] = [
  { backend: 'emulator', name: 'our emulator' },
  { backend: 'qemu', name: 'QEMU' },
];

/** A case's outcome: each machine's run, and every way the case failed (none: it passed). */
export interface CaseResult {
  runs: Record<Backend, KernelRun>;
  problems: string[];
}

/**
 * Runs `scripted` on `image` in both machines at once and says what, if anything, went wrong.
 * `sd` is the SD card both machines boot with (chapter 06 on); without `persist`, neither
 * changes the file, so the two can share it.
 */
export async function runCase(image: Uint8Array, imagePath: string, spec: ScriptedSpec, scripted: ScriptedCase, sd?: SdCardFile): Promise<CaseResult> {
  const [emulator, qemu] = await Promise.all(MACHINES.map(({ backend }) => typeAfterPrompt(image, imagePath, backend, spec.prompt, scripted.input, sd)));
  const runs: Record<Backend, KernelRun> = { emulator: emulator!, qemu: qemu! };
  const problems: string[] = [];
  for (const { backend, name } of MACHINES) {
    const run = runs[backend];
    if (run.ending !== 'exit') {
      problems.push(`${name}: ${describeEnding(run)}`);
      continue;
    }
    if (run.exitCode !== scripted.status) problems.push(`${name}: exit status ${run.exitCode}, wanted ${scripted.status}`);
    const lines = transcriptLines(run.output);
    for (const pattern of scripted.expect) {
      const line = new RegExp(pattern);
      if (!lines.some((text) => line.test(text))) problems.push(`${name}: no line matches /${pattern}/`);
    }
  }
  const comparable = (run: KernelRun) => setAsideVarying(transcriptLines(run.output), spec.varies ?? []);
  const ours = comparable(runs.emulator);
  const theirs = comparable(runs.qemu);
  const differs = ours.findIndex((line, i) => line !== theirs[i]);
  if (differs >= 0 || ours.length !== theirs.length) {
    const at = differs >= 0 ? differs : Math.min(ours.length, theirs.length);
    problems.push(`the machines print different transcripts from line ${at + 1}: ours ${JSON.stringify(ours[at] ?? '')}, QEMU's ${JSON.stringify(theirs[at] ?? '')}`);
  }
  return { runs, problems };
}

/** Boots `image` and types `input` as soon as `prompt` first appears (at once without a prompt). */
function typeAfterPrompt(image: Uint8Array, imagePath: string, backend: Backend, prompt: string | undefined, input: string, sd: SdCardFile | undefined): Promise<KernelRun> {
  return runKernel({ image, imagePath, backend, input: Buffer.from(input, 'latin1'), ...(prompt === undefined ? {} : { prompt }), ...(sd ? { sd } : {}), timeoutMs: RUN_TIMEOUT_MS });
}

/** The transcript as lines, without the serial line's carriage returns. */
function transcriptLines(output: string): string[] {
  return output.split(/\r?\n/);
}

/** Each line with every match of a `varies` pattern replaced by a marker. */
function setAsideVarying(lines: string[], varies: Varies[]): string[] {
  return lines.map((line) => varies.reduce((text, { pattern }) => text.replace(new RegExp(pattern), '<varies>'), line));
}
