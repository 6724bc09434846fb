import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The files that take minutes, longest first, as they took in a fresh clone on a 2-core machine
 * (`npm test -- --reporter=json`). Started first, they run beside the short files; started
 * last (Vitest starts files it has no times for by project, then by size), one of them ran
 * alone for minutes at the end while the other worker had nothing left to do. The site comes
 * after the programs: its build hook makes every chapter's kernel, which in a fresh clone
 * would otherwise be compiled there, under the hook's time limit.
 */
const LONGEST_FIRST = [
  'tools/test/exercises.test.ts',
  'tools/test/programs.test.ts',
  'website/test/site.test.ts',
  'tools/test/disk.test.ts',
  'tools/test/chapters.test.ts',
  'tools/test/monitor.test.ts',
  'tools/test/start.test.ts',
  'tools/test/shell-serial.test.ts',
];

const root = fileURLToPath(new URL('.', import.meta.url));

/** Vitest's own order, with LONGEST_FIRST's files moved to the front. */
class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (file: TestSpecification) => {
      const at = LONGEST_FIRST.indexOf(path.relative(root, file.moduleId));
      return at < 0 ? LONGEST_FIRST.length : at;
    };
    // Array sort is stable: files of the same rank keep Vitest's order.
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}

// One Vitest run covers every workspace; each project is a folder with its own tests.
export default defineConfig({
  test: {
    // Three files at a time on a 2-core machine (Vitest's default there is one): a file spends
    // part of its time waiting (QEMU starting, npm start's processes, Chromium loading a page, a
    // build waiting for cargo's lock). With two, a fresh clone's suite kept 1.8 of the 2 cores
    // busy and took 954 s; with three, 901 s and 894 s (fresh clones, the same machine in the same hour).
    maxWorkers: 3,
    sequence: { sequencer: LongestFirst },
    projects: [
      // BRAMBLE_TIER picks the emulator's tier for every machine these tests build (emulator/node/tier.ts).
      // A minute per test, not Vitest's 5 s: reading a vector class's file took longer than that
      // while the other worker built kernels, and a test here never waits on anything but the CPU.
      { test: { name: 'emulator', root: './emulator', include: ['test/**/*.test.ts'], setupFiles: ['./test/setup-tier.ts'], testTimeout: 60_000 } },
      {
        test: {
          name: 'tools',
          root: './tools',
          include: ['test/**/*.test.ts'],
          setupFiles: ['../emulator/test/setup-tier.ts'],
          testTimeout: 300_000,
          hookTimeout: 600_000,
        },
      },
      // Builds the site and reads it in headless Chromium: one file, its steps in order.
      { test: { name: 'website', root: './website', include: ['test/**/*.test.ts'], testTimeout: 300_000, hookTimeout: 600_000 } },
    ],
  },
});
