// A paced run keeps the guest's clock to the wall clock, for every chapter, in both hosts that
// pace: `npm start`'s runner in Node, and the website's worker (Pacer slices, sleeping while
// the guest is ahead). Only an upper bound is checked: a loaded machine makes a guest fall
// behind, never get ahead.
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, test } from 'vitest';
import { Machine, MAX_AHEAD_MS, Pacer } from '@bramble/emulator';
import { buildChapter } from '../src/build';
import { listChapters } from '../src/chapters';
import { runKernel } from '../src/kernel-run';

/** Wall time each paced run lasts (chapters with a monitor never exit by themselves). */
const RUN_MS = 1500;
/** The worker's slice (website/src/components/RunIt/machine.worker.ts). */
const WORKER_SLICE_MS = 15;

describe.each(listChapters().map((chapter) => [chapter.name] as const))('%s, paced', (name) => {
  const kernel = async () => readFileSync((await buildChapter(name, { quiet: true })).image);

  test("in npm start's runner, the guest's clock never gets ahead of the wall clock", async () => {
    const run = await runKernel({ image: await kernel(), backend: 'emulator', realTime: true, timeoutMs: RUN_MS });
    expect(['exit', 'timeout']).toContain(run.ending);
    expect(run.guestSeconds! * 1000).toBeLessThanOrEqual(run.wallMs + MAX_AHEAD_MS);
  });

  test("as the website's worker runs it, the guest's clock never gets ahead of the wall clock", async () => {
    const machine = new Machine({ kernel: await kernel() });
    const origin = performance.now();
    const pacer = new Pacer(machine, () => performance.now());
    let worst = -Infinity;
    while (performance.now() - origin < RUN_MS) {
      const { stop, waitMs } = pacer.slice(WORKER_SLICE_MS);
      worst = Math.max(worst, machine.seconds * 1000 - (performance.now() - origin));
      if (stop.kind !== 'budget' && stop.kind !== 'deadline') break;
      await sleep(waitMs);
    }
    expect(worst).toBeLessThanOrEqual(MAX_AHEAD_MS);
  });
});
