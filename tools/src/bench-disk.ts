// The disk's costs (chapter 06 on), for `npm run bench`: a sequential write and a sequential
// read of a 4 MiB file on the chapter's SD card, through the monitor's `append` and `checksum`,
// in instructions our emulator retires and in emulated seconds (both deterministic), with the
// buffer cache's hit ratio; and the cost of listing a directory of 1,000 entries (the card's
// /test/many) with the monitor's `ls`, which reads the directory once and looks each name up.
//
// Each figure is a run that does the work less a run that only boots (mounting the card as the
// root filesystem); both end with `disk` (for the cache's counts) and `exit` (which unmounts,
// so the write's figure includes writing the cache back). The read runs on a fresh boot, the cache cold, from the card the
// write run left. The read's figure includes the checksum's own arithmetic, a few instructions a byte.
//
//   npx tsx tools/src/bench-disk.ts    (these figures alone)
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildChapter } from './build';
import { listChapters } from './chapters';
import { describeEnding, runKernel } from './kernel-run';
import { buildDir } from './paths';
import { BIG_DIRECTORY_ENTRIES, hasDisk } from './sd-image';

const FILE_BYTES = 4 * 1024 * 1024;
/** The card's directory with BIG_DIRECTORY_ENTRIES files (sd-image.ts's assembleRoot). */
const BIG_DIRECTORY = '/test/many';
const TIMEOUT_MS = 600_000;

interface DiskRun {
  instructions: number;
  seconds: number;
  /** The last `disk` command's cache line: hits and misses. */
  hits: number;
  misses: number;
}

/** The disk cost table, or nothing when no chapter has a disk. */
export async function diskCosts(): Promise<string> {
  const chapter = listChapters().find(hasDisk);
  if (!chapter) return '';
  const built = await buildChapter(chapter.name);
  if (!built.sd) throw new Error(`${chapter.name} built no SD card image`);
  mkdirSync(path.join(buildDir, 'scratch'), { recursive: true });
  const scratch = mkdtempSync(path.join(buildDir, 'scratch', 'bench-disk-'));
  try {
    const card = path.join(scratch, 'sd.img');
    copyFileSync(built.sd, card);
    const image = readFileSync(built.image);
    const run = async (commands: string[], persist: boolean): Promise<DiskRun> => {
      const input = [...commands, 'disk', 'exit'].map((line) => `${line}\r`).join('');
      const result = await runKernel({ image, backend: 'emulator', input, sd: { path: card, persist }, timeoutMs: TIMEOUT_MS });
      const cache = [...result.output.matchAll(/^cache: .* (\d+) hits, (\d+) misses/gm)].at(-1);
      if (result.ending !== 'exit' || result.exitCode !== 0 || !cache) throw new Error(`${chapter.name}: ${commands.join('; ')}: ${describeEnding(result)}\n${result.output}`);
      return { instructions: result.instructions!, seconds: result.guestSeconds!, hits: Number(cache[1]), misses: Number(cache[2]) };
    };
    process.stderr.write('bench: the disk, sequential write and read\n');
    const mountOnly = await run([], false);
    const write = await run([`append /bench ${FILE_BYTES}`], true);
    const read = await run([`checksum /bench`], false);
    const list = await run([`ls ${BIG_DIRECTORY}`], false);
    const lines = [`\nDisk costs in ${chapter.name}, a ${FILE_BYTES >> 20} MiB file, in our emulator (less a run that only boots):`];
    for (const [what, measured] of [
      ['sequential write (append, then unmount)', write],
      ['sequential read (checksum, cold cache)', read],
    ] as const) {
      const instructions = measured.instructions - mountOnly.instructions;
      const seconds = measured.seconds - mountOnly.seconds;
      const ratio = (100 * measured.hits) / (measured.hits + measured.misses);
      lines.push(
        `  ${what}: ${instructions.toLocaleString('en-US')} instructions (${Math.round(instructions / FILE_BYTES)} a byte), ` +
          `${seconds.toFixed(2)} s emulated, cache hits ${ratio.toFixed(1)}% (${measured.hits} of ${measured.hits + measured.misses} line lookups)`,
      );
    }
    const listed = list.instructions - mountOnly.instructions;
    lines.push(`  ls ${BIG_DIRECTORY} (${BIG_DIRECTORY_ENTRIES.toLocaleString('en-US')} entries): ${listed.toLocaleString('en-US')} instructions, ${(list.seconds - mountOnly.seconds).toFixed(2)} s emulated`);
    return `${lines.join('\n')}\n`;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  diskCosts().then(
    (text) => process.stdout.write(text || 'no chapter has a disk\n'),
    (error: unknown) => {
      console.error(`bench-disk: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
