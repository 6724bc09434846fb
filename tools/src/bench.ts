// `npm run bench [-- --runs N] [--only guests|workload|costs|disk|browser] [--browser]`: how fast
// our emulator runs guest code, next to QEMU (--only: one of the parts below; --browser adds
// the last, which builds the site).
//
// Four guests, each run N times (default 5) in both machines; the table gives medians. Our
// emulator runs in the tier BRAMBLE_TIER names (compiled unless it says interpreted).
// - tools/bench/loop, in three builds (see its main.rs), each about 150 million instructions
//   that print a checksum and exit: bench-loop, integer work with the MMU off (raw
//   instruction throughput); bench-loop-mmu, the same at EL1 with the MMU and caches on (every
//   access translated, as in the chapters from 03 on); bench-memory, memory-bound work.
// - The first chapter's kernel: a boot, which is short, so start-up costs show.
// QEMU's wall time includes starting the QEMU process; ours is measured inside this process
// (constructing the machine included, Node's start-up not). QEMU cannot count instructions
// here, so its MIPS figure divides our count by its time: both run the same instructions.
//
// Then two chapters as a reader uses them (see WORKLOADS): chapter 05's boot and a stretch of
// system calls, and the most complete chapter's boot from its SD card to the shell and a
// pipeline over a file on the card, timed in both machines from the guest's own output; and
// our emulator's processor time for the same marks, which a busy machine disturbs less than
// the wall clock (BRAMBLE_COMPILE_AFTER=N times the compiled tier with another threshold).
//
// With --browser, the last of them in the website's Run, in headless Chromium: the MIPS its
// status line shows (website/test/bench-browser.ts).
//
// Then the kernel's costs (chapter 04 on), in instructions our emulator retires, which are
// deterministic: a null system call, a context switch, fork+exit+wait and an execve of hello
// in chapter 04; a 4 KiB read from tmpfs, an open+close and a pipe round trip in chapter 05.
// Each boots the chapter twice, running a program (cost, pingpong) for two counts N; the
// difference in instructions, divided by the difference in N, is the cost of one.
// Then the disk's (chapter 06 on): see bench-disk.ts.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { PassThrough } from 'node:stream';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { tierFromEnvironment } from '@bramble/emulator/node/tier';
import { diskCosts } from './bench-disk';
import { buildChapter, buildKernelCrate, type BuiltKernel } from './build';
import { listChapters } from './chapters';
import { describeEnding, runKernel, type Backend, type KernelRun } from './kernel-run';
import { repoRoot } from './paths';
import { LARGE_FILE_BYTES } from './sd-image';

const benchDir = path.join(repoRoot, 'tools', 'bench', 'loop');
/** Long enough for the slowest machine to finish the loop; a hung guest still ends. */
const TIMEOUT_MS = 600_000;

interface Measured {
  guest: string;
  backend: Backend;
  instructions: number | undefined;
  wallMs: number;
  /** What the guest printed (the same on every run). */
  output: string;
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { runs: { type: 'string', default: '5' }, only: { type: 'string' }, browser: { type: 'boolean', default: false } },
  });
  const runs = Number(values.runs);
  const tier = tierFromEnvironment();
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs needs a whole number of runs, not '${values.runs}'`);
  const only = values.only;
  if (only !== undefined && !PARTS.includes(only)) throw new Error(`--only takes one of ${PARTS.join(', ')}, not '${only}'`);
  const wanted = (part: string): boolean => (only === undefined ? part !== 'browser' || values.browser : only === part);
  if (wanted('guests')) process.stdout.write(await guests(runs, tier));
  if (wanted('workload')) await workloads(runs, tier);
  if (wanted('browser')) process.stdout.write(browser());
  if (wanted('costs')) process.stdout.write(await costs());
  if (wanted('disk')) process.stdout.write(await diskCosts());
}

/** The parts of the benchmark, which --only chooses from. */
const PARTS = ['guests', 'workload', 'browser', 'costs', 'disk'];

/** The bench guests and the first chapter's boot, each run `runs` times in both machines: the table. */
async function guests(runs: number, tier: string): Promise<string> {
  const variant = (name: string, features: string[]) => buildKernelCrate({ name, dir: benchDir, kernelDir: benchDir }, { features });
  const kernels: { name: string; built: BuiltKernel }[] = [
    { name: 'bench-loop', built: await variant('bench-loop', []) },
    { name: 'bench-loop-mmu', built: await variant('bench-loop-mmu', ['mmu']) },
    { name: 'bench-memory', built: await variant('bench-memory', ['memory']) },
  ];
  const firstChapter = listChapters()[0];
  if (firstChapter) kernels.push({ name: firstChapter.name, built: await buildChapter(firstChapter.name) });

  const rows: Measured[] = [];
  for (const guest of kernels) {
    const image = readFileSync(guest.built.image);
    for (const backend of ['emulator', 'qemu'] as const) {
      process.stderr.write(`bench: ${guest.name} in ${backend}, ${runs} runs\n`);
      const results: KernelRun[] = [];
      for (let i = 0; i < runs; i++) {
        results.push(await runKernel({ image, imagePath: guest.built.image, backend, timeoutMs: TIMEOUT_MS }));
      }
      rows.push(summarise(guest.name, backend, results));
    }
    checkSameTranscript(guest.name, rows.slice(-2), guest.built.image);
  }
  return table(rows, runs, tier);
}

/**
 * What one operation may cost, in retired instructions (the targets chapter 04 set), how it is
 * run, and where the instructions go, for when a target is missed.
 */
const COSTS: Cost[] = [
  {
    what: 'null system call (getpid)',
    command: (n: number) => `run cost getpid ${n}`,
    per: 1,
    target: 150,
    where:
      "the vectors save and restore 31 registers and 5 system registers (some 50 instructions); handle_exception classifies the exception and syscall.rs decodes and dispatches the call; getpid takes the process table's lock, which masks and restores IRQs; the cost program's own loop counts too",
  },
  {
    what: 'context switch (pingpong: sched_yield between two processes)',
    command: (n: number) => `run pingpong ${n}`,
    per: 2,
    target: 400,
    where: 'a sched_yield system call (see above), the round-robin scan of the table, the ASID check and TTBR0 write, switch_context',
  },
  { what: 'fork + exit + wait4', command: (n: number) => `run cost fork ${n}`, per: 1, target: 300_000, where: 'copying page tables, the kernel stack, freeing it all' },
  {
    what: 'fork + execve of hello (hello runs to its exit) + wait4, less fork + exit + wait4',
    command: (n: number) => `run cost exec ${n}`,
    per: 1,
    target: 300_000,
    less: 2,
    where: 'checking the ELF file, copying its pages, building the stack; hello itself',
  },
];

/** Chapter 05's: files, in tmpfs, and pipes (the targets it set). */
const FILE_COSTS: Cost[] = [
  {
    what: 'read of 4 KiB from a tmpfs file (pread64)',
    command: (n: number) => `run /bin/cost read ${n}`,
    per: 1,
    target: 15_000,
    where: "the system call; three passes over 4 KiB (a kernel buffer allocated and zeroed, the file's bytes copied into it under the inode's lock, then copied out through the process's page tables), each some 3,000 instructions with compiler_builtins' word-at-a-time memset and memcpy",
  },
  {
    what: 'open + close of /etc/motd',
    command: (n: number) => `run /bin/cost open ${n}`,
    per: 1,
    target: 10_000,
    where: 'copying the path in, walking it (a lookup per component, a mount-table check per step), the open file and its Arc, the descriptor table under the process lock; close drops it all',
  },
  {
    what: 'pipe round trip (a byte to a child and back)',
    command: (n: number) => `run /bin/cost pipe ${n}`,
    per: 1,
    target: 20_000,
    where: 'four system calls (two writes, two reads), two sleeps and two wake-ups, each a scan of the process table, and two context switches',
  },
];

interface Cost {
  what: string;
  command: (n: number) => string;
  per: number;
  target: number;
  /** The index of a cost measured before this one, which this one's figure includes and is reported without. */
  less?: number;
  where: string;
}

/** Each chapter's costs, measured in that chapter's kernel. */
const CHAPTER_COSTS: Record<string, Cost[]> = { '04-processes': COSTS, '05-vfs': FILE_COSTS };
/** The two counts each cost is measured with. */
const FEW = 100;
const MANY = 1100;

/**
 * A chapter's boot to its prompt and a workload after it, timed by workload(). The workload
 * is two commands, a short and a long one, each on a fresh boot: the difference of the two
 * takes out the boot and starting the programs, so the figure is the long one's work alone.
 */
interface Workload {
  chapter: string;
  /** What the chapter prints when it is ready for a command. */
  prompt: string;
  short: string;
  long: string;
  /** What the long command prints before its prompt comes back (the browser waits for it). */
  longPrints: string;
  /** The command that stops the machine. */
  exit: string;
  what: string;
}

const WORKLOADS: Workload[] = [
  {
    // System calls (kernel entry and exit, copies through the page tables, locks): some 60
    // million instructions' worth, 4 KiB reads from a tmpfs file, some 12,000 instructions each.
    chapter: '05-vfs',
    prompt: 'bramble> ',
    short: 'run /bin/cost read 1000',
    long: 'run /bin/cost read 6000',
    longPrints: 'cost: read 6000 times',
    exit: 'exit',
    what: 'system calls',
  },
  {
    // The most complete chapter, as a reader uses it: a boot from its SD card (ext2) through
    // init to the shell, and a pipeline of two processes over a 5 MiB file on the card: the
    // card's driver, the buffer cache, ext2's block maps, a pipe, and the copies between them.
    chapter: '07-shell',
    prompt: '/ $ ',
    short: 'cat /etc/motd | wc -c',
    long: 'cat /test/large | wc -c',
    longPrints: String(LARGE_FILE_BYTES),
    exit: 'poweroff',
    what: 'a pipeline over a file on the card',
  },
];

/** When the output of one run reached the marks workload() times by (ms from the run's start). */
interface Marks {
  prompt: number;
  /** The command's end of line came back: the program starts. */
  started: number;
  /** The prompt came back after it. */
  finished: number;
  /**
   * The same marks in this process's processor time (all its threads: V8 compiles on threads of
   * its own): our emulator runs in this process, so on a busy machine this is the steadier figure.
   */
  cpu: { prompt: number; started: number; finished: number };
  instructions: number | undefined;
}

/**
 * Each workload, timed in both machines by when the guest's output says each step happened,
 * not by the whole run: QEMU waits for the guest to go quiet before it types, and types at a
 * terminal's pace, which is neither machine's speed.
 *
 * Pacing does not enter into it: our emulator runs unpaced (a guest waiting for its next tick
 * skips ahead to it, as in every benchmark here), QEMU's clock is the wall clock, and neither
 * the boots nor the workloads wait for a timer: they compute all the way. Timer interrupts
 * come at 100 Hz of guest time in both, noise.
 */
async function workloads(runs: number, tier: string): Promise<void> {
  for (const w of WORKLOADS) if (listChapters().some((chapter) => chapter.name === w.chapter)) process.stdout.write(await workload(w, runs, tier));
}

async function workload(w: Workload, runs: number, tier: string): Promise<string> {
  const built = await buildChapter(w.chapter);
  const image = readFileSync(built.image);
  const lines = [`\n${w.chapter}: boot to the prompt, then ${w.what}: '${w.long}' less '${w.short}' (medians of ${runs}):`];
  const results = new Map<Backend, { boot: number; work: number; bootCpu: number; workCpu: number; instructions: number | undefined }>();
  for (const backend of ['emulator', 'qemu'] as const) {
    process.stderr.write(`bench: ${w.chapter}'s boot and workload in ${backend}, ${runs} runs\n`);
    const boot: number[] = [];
    const work: number[] = [];
    const bootCpu: number[] = [];
    const workCpu: number[] = [];
    let instructions: number | undefined;
    for (let i = 0; i < runs; i++) {
      const short = await workloadRun(w, image, built, backend, w.short);
      const long = await workloadRun(w, image, built, backend, w.long);
      boot.push(short.prompt, long.prompt);
      work.push(long.finished - long.started - (short.finished - short.started));
      bootCpu.push(short.cpu.prompt, long.cpu.prompt);
      workCpu.push(long.cpu.finished - long.cpu.started - (short.cpu.finished - short.cpu.started));
      if (short.instructions !== undefined && long.instructions !== undefined) instructions = long.instructions - short.instructions;
    }
    results.set(backend, { boot: median(boot), work: median(work), bootCpu: median(bootCpu), workCpu: median(workCpu), instructions });
  }
  const ours = results.get('emulator')!;
  const qemu = results.get('qemu')!;
  const count = (n: number | undefined): string => (n === undefined ? '?' : n.toLocaleString('en-US'));
  const mips = (n: number | undefined, ms: number): string => (n === undefined ? '' : `, ${(n / ms / 1000).toFixed(1)} MIPS`);
  lines.push(
    `  boot to the prompt: our emulator ${ours.boot.toFixed(0)} ms, QEMU ${qemu.boot.toFixed(0)} ms (with its own start-up): ${(ours.boot / qemu.boot).toFixed(2)}x QEMU's wall time`,
    `  workload (${count(ours.instructions)} instructions): our emulator ${ours.work.toFixed(0)} ms${mips(ours.instructions, ours.work)}, QEMU ${qemu.work.toFixed(0)} ms${mips(ours.instructions, qemu.work)}: ${(ours.work / qemu.work).toFixed(2)}x QEMU's wall time`,
    `  our emulator's (${tier}) processor time (this process, every thread): boot ${ours.bootCpu.toFixed(0)} ms, workload ${ours.workCpu.toFixed(0)} ms (load average ${loadavg()[0]!.toFixed(1)})`,
  );
  return `${lines.join('\n')}\n`;
}

/**
 * One boot, `command`, then the exit command; when the guest's output reached each mark.
 * The command is typed once the prompt is there, and the exit once the command has finished,
 * as a person would: input typed earlier may be lost in QEMU (see qemu.ts, untilQuiet), whose
 * guess that a guest gone quiet is ready fails on a busy host. The card, for a chapter that
 * has one, is used as it was built and left as it was (neither machine writes it back).
 */
async function workloadRun(w: Workload, image: Uint8Array, built: BuiltKernel, backend: Backend, command: string): Promise<Marks> {
  const input = new PassThrough();
  let output = '';
  const marks: Partial<Marks> = {};
  const cpu: Partial<Marks['cpu']> = {};
  const started = performance.now();
  const startedCpu = process.cpuUsage();
  // The monitor and chapter 07's line editor echo the command and then end its line (the
  // editor as \r\r\n); the prompt after that says the command is done.
  const endOfEcho = (): number => {
    const at = output.indexOf(command);
    return at < 0 ? -1 : output.indexOf('\n', at + command.length);
  };
  const onOutput = (bytes: Uint8Array): void => {
    const now = performance.now() - started;
    const used = process.cpuUsage(startedCpu);
    const nowCpu = (used.user + used.system) / 1000;
    output += new TextDecoder('latin1').decode(bytes);
    if (marks.prompt === undefined && output.includes(w.prompt)) {
      marks.prompt = now;
      cpu.prompt = nowCpu;
      input.write(`${command}\r`);
    }
    if (marks.started === undefined && endOfEcho() >= 0) {
      marks.started = now;
      cpu.started = nowCpu;
    }
    if (marks.started !== undefined && marks.finished === undefined && output.indexOf(w.prompt, endOfEcho()) >= 0) {
      marks.finished = now;
      cpu.finished = nowCpu;
      input.end(`${w.exit}\r`);
    }
  };
  const sd = built.sd === undefined ? undefined : { path: built.sd, persist: false };
  const run = await runKernel({ image, imagePath: built.image, backend, input, sd, timeoutMs: TIMEOUT_MS, onOutput });
  if (
    run.ending !== 'exit' ||
    marks.prompt === undefined ||
    marks.started === undefined ||
    marks.finished === undefined ||
    cpu.prompt === undefined ||
    cpu.started === undefined ||
    cpu.finished === undefined
  ) {
    throw new Error(`${w.chapter} in ${backend}: '${command}' did not run to its end (${describeEnding(run)})\n${run.output}`);
  }
  return {
    prompt: marks.prompt,
    started: marks.started,
    finished: marks.finished,
    cpu: { prompt: cpu.prompt, started: cpu.started, finished: cpu.finished },
    instructions: run.instructions,
  };
}

/** The last workload's long command in the website's Run, in Chromium: what its status line shows. */
function browser(): string {
  const w = WORKLOADS.at(-1)!;
  process.stderr.write(`bench: ${w.chapter} in the website, in Chromium\n`);
  const script = path.join(repoRoot, 'website', 'test', 'bench-browser.ts');
  const args = ['tsx', script, w.chapter, w.prompt, w.long, w.longPrints];
  const result = spawnSync('npx', args, { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (result.status !== 0) throw new Error(`the browser benchmark failed (exit status ${result.status})`);
  return `\n${result.stdout}`;
}

/** The cost tables of every chapter with the cost program, or nothing when none has it. */
async function costs(): Promise<string> {
  const tables: string[] = [];
  for (const chapter of listChapters().filter((candidate) => existsSync(path.join(candidate.dir, 'user', 'src', 'bin', 'cost.rs')))) {
    const chapterCosts = CHAPTER_COSTS[chapter.name];
    if (chapterCosts) tables.push(await costTable(chapter.name, chapterCosts));
  }
  return tables.join('');
}

async function costTable(chapter: string, chapterCosts: Cost[]): Promise<string> {
  const built = await buildChapter(chapter);
  const image = readFileSync(built.image);
  const instructions = async (command: string): Promise<number> => {
    const run = await runKernel({ image, backend: 'emulator', input: `${command}\rexit\r`, timeoutMs: TIMEOUT_MS });
    if (run.ending !== 'exit' || !/^exit 0\r?$/m.test(run.output)) throw new Error(`${chapter}: ${command}: ${describeEnding(run)}\n${run.output}`);
    return run.instructions!;
  };
  const measured: number[] = [];
  const lines = [`\nCosts in ${chapter}, instructions retired in our emulator (runs of ${FEW} and ${MANY}):`];
  for (const cost of chapterCosts) {
    process.stderr.write(`bench: cost of ${cost.what}\n`);
    const [few, many] = [await instructions(cost.command(FEW)), await instructions(cost.command(MANY))];
    let each = (many - few) / (MANY - FEW) / cost.per;
    if (cost.less !== undefined) each -= measured[cost.less]!;
    measured.push(each);
    const verdict = each <= cost.target ? 'met' : `MISSED; where it goes: ${cost.where}`;
    lines.push(`  ${cost.what}: ${Math.round(each).toLocaleString('en-US')} (target ${cost.target.toLocaleString('en-US')}: ${verdict})`);
  }
  return `${lines.join('\n')}\n`;
}

/** The median run; and every run must have exited 0 with the same output as the first. */
function summarise(guest: string, backend: Backend, results: KernelRun[]): Measured {
  for (const run of results) {
    if (run.ending !== 'exit' || run.exitCode !== 0) throw new Error(`${guest} in ${backend}: ${describeEnding(run)}`);
    if (run.output !== results[0]!.output) throw new Error(`${guest} in ${backend} printed different output on different runs`);
  }
  const first = results[0]!;
  return { guest, backend, instructions: first.instructions, wallMs: median(results.map((run) => run.wallMs)), output: first.output };
}

/** A benchmark of a machine that computes the wrong answer would be meaningless. */
function checkSameTranscript(guest: string, [ours, qemu]: Measured[], image: string): void {
  if (ours?.output !== qemu?.output) throw new Error(`${guest} (${image}) printed different output in our emulator and in QEMU`);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * One block per guest: each machine's instructions, median wall time and MIPS, then how many
 * times longer our emulator takes than QEMU. A boot is too short for MIPS to mean much (QEMU's
 * time is mostly its own start-up), so MIPS is shown only for runs of a million instructions or more.
 */
function table(rows: Measured[], runs: number, tier: string): string {
  const lines = [['guest', 'machine', 'instructions', `wall (median of ${runs})`, 'MIPS']];
  const ratios: string[] = [];
  for (const row of rows) {
    const instructions = rows.find((other) => other.guest === row.guest && other.backend === 'emulator')?.instructions;
    const long = instructions !== undefined && instructions >= 1_000_000;
    lines.push([
      row.guest,
      row.backend === 'qemu' ? 'QEMU (TCG)' : `our emulator (${tier})`,
      instructions === undefined ? '?' : instructions.toLocaleString('en-US'),
      row.wallMs >= 1000 ? `${(row.wallMs / 1000).toFixed(2)} s` : `${row.wallMs.toFixed(1)} ms`,
      long ? (instructions / row.wallMs / 1000).toFixed(1) : '',
    ]);
    if (row.backend === 'qemu') {
      const ours = rows.find((other) => other.guest === row.guest && other.backend === 'emulator')!;
      ratios.push(`${row.guest}: our emulator takes ${(ours.wallMs / row.wallMs).toFixed(2)}x QEMU's wall time`);
    }
  }
  const widths = lines[0]!.map((_, column) => Math.max(...lines.map((line) => line[column]!.length)));
  const text = lines.map((line) => line.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd());
  return `${[...text, '', ...ratios].join('\n')}\n`;
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`npm run bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
