// Every chapter with a kernel monitor (a chapters/NN-name/monitor.test.json) is driven over its
// serial port, command by command, in our emulator and in QEMU raspi3b (tools/src/scripted.ts
// says how a case runs). Each case boots a fresh machine in both, so a command that stops the
// machine cannot disturb the next.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { buildChapter } from '../src/build';
import { listChapters } from '../src/chapters';
import type { ScriptedCase, ScriptedSpec } from '../src/scripted';
import { runCase } from '../src/scripted';

interface MonitorCase extends ScriptedCase {
  name: string;
}

interface MonitorSpec extends ScriptedSpec {
  prompt: string;
  cases: MonitorCase[];
}

const chaptersWithMonitors = listChapters()
  .map((chapter) => ({ chapter, specFile: path.join(chapter.dir, 'monitor.test.json') }))
  .filter(({ specFile }) => existsSync(specFile));

describe.each(chaptersWithMonitors.map(({ chapter, specFile }) => [chapter.name, specFile] as const))('chapter %s monitor', (name, specFile) => {
  const spec = JSON.parse(readFileSync(specFile, 'utf8')) as MonitorSpec;

  test.each(spec.cases.map((monitorCase) => [monitorCase.name, monitorCase] as const))('%s', async (_title, monitorCase) => {
    const imagePath = (await buildChapter(name, { quiet: true })).image;
    const { runs, problems } = await runCase(readFileSync(imagePath), imagePath, spec, monitorCase);
    expect(problems, `${problems.join('\n')}\n\nour emulator:\n${runs.emulator.output}\n\nQEMU:\n${runs.qemu.output}`).toEqual([]);
  });
});
