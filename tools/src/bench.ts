// `npm run bench [-- --runs N]`: how fast our emulator runs guest code, next to QEMU.
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
// Then the kernel's costs (chapter 04 on), in instructions our emulator retires, which are
// deterministic: a null system call, a context switch, fork+exit+wait and an execve of hello
// in chapter 04; a 4 KiB read from tmpfs, an open+close and a pipe round trip in chapter 05.
// Each boots the chapter twice, running a program (cost, pingpong) for two counts N; the
// difference in instructions, divided by the difference in N, is the cost of one.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { tierFromEnvironment } from '@bramble/emulator/node/tier';
import { buildChapter, buildKernelCrate, type BuiltKernel } from './build';
import { listChapters } from './chapters';
import { describeEnding, runKernel, type Backend, type KernelRun } from './kernel-run';
import { repoRoot } from './paths';

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
  const { values } = parseArgs({ args: argv, options: { runs: { type: 'string', default: '5' } } });
  const runs = Number(values.runs);
  const tier = tierFromEnvironment();
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs needs a whole number of runs, not '${values.runs}'`);

  const variant = (name: string, features: string[]) => buildKernelCrate({ name, dir: benchDir, kernelDir: benchDir }, { features });
  const guests: { name: string; built: BuiltKernel }[] = [
    { name: 'bench-loop', built: await variant('bench-loop', []) },
    { name: 'bench-loop-mmu', built: await variant('bench-loop-mmu', ['mmu']) },
    { name: 'bench-memory', built: await variant('bench-memory', ['memory']) },
  ];
  const firstChapter = listChapters()[0];
  if (firstChapter) guests.push({ name: firstChapter.name, built: await buildChapter(firstChapter.name) });

  const rows: Measured[] = [];
  for (const guest of guests) {
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
  process.stdout.write(table(rows, runs, tier));
  process.stdout.write(await costs());
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
