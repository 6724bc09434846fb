// Every exercise's check is shown to mean something: it fails on the chapter as it is (so it is
// not vacuous) and passes on a scratch copy of the chapter with the reference solution applied
// (so the solution is not stale, and the check can be passed). Both run in our emulator and in
// QEMU, as `npm run exercise` does.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { listChapters, type Chapter } from '../src/chapters';
import { checkExercise } from '../src/exercise';
import { findExercise, loadExercises, solutionPatch } from '../src/exercise-files';
import { buildDir } from '../src/paths';

const withExercises = listChapters().flatMap((chapter) => {
  const spec = loadExercises(chapter.name);
  return spec ? spec.exercises.map((exercise) => [chapter.name, exercise.name, chapter] as const) : [];
});

describe.each(withExercises)('exercise %s %s', (chapterName, name, chapter) => {
  const { spec, exercise } = findExercise(chapterName, name);

  test('its check fails on the chapter as it is', async () => {
    const { problems } = await checkExercise(chapter, spec, exercise);
    expect(problems.length, 'the unmodified chapter already passes this check').toBeGreaterThan(0);
  });

  test('its check passes in both machines with the reference solution applied', async () => {
    const copy = scratchCopy(chapter, name);
    try {
      execFileSync('patch', ['-p1', '--batch', '--forward', '--fuzz=0', '--no-backup-if-mismatch', '-d', copy.dir, '-i', solutionPatch(chapterName, name)], { stdio: 'pipe' });
      const { runs, problems } = await checkExercise(copy, spec, exercise);
      expect(problems, `${problems.join('\n')}\n\nour emulator:\n${runs.emulator.output}\n\nQEMU:\n${runs.qemu.output}`).toEqual([]);
    } finally {
      rmSync(copy.dir, { recursive: true, force: true });
      rmSync(path.join(buildDir, copy.name), { recursive: true, force: true });
    }
  });
});

describe('the exercises', () => {
  test('every chapter from 01 to 07 has three to six, each with its reference solution', () => {
    for (const chapter of listChapters().filter((c) => /^0[1-7]-/.test(c.name))) {
      const spec = loadExercises(chapter.name);
      expect(spec, `${chapter.name} has no exercises/${chapter.name}/exercises.json`).toBeDefined();
      expect(spec!.exercises.length).toBeGreaterThanOrEqual(3);
      expect(spec!.exercises.length).toBeLessThanOrEqual(6);
      for (const exercise of spec!.exercises) expect(existsSync(solutionPatch(chapter.name, exercise.name)), `${chapter.name} ${exercise.name}`).toBe(true);
    }
  });
});

/**
 * A copy of `chapter` under build/, as a crate of its own name: cargo shares one target folder
 * between all kernels, and tells packages apart by name.
 */
function scratchCopy(chapter: Chapter, exercise: string): Chapter {
  const name = `exercise-${chapter.name}-${exercise}`;
  const dir = path.join(buildDir, 'exercises', name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(path.dirname(dir), { recursive: true });
  cpSync(chapter.dir, dir, { recursive: true, filter: (source) => path.basename(source) !== 'target' });
  const kernelDir = path.join(dir, 'kernel');
  for (const file of ['Cargo.toml', 'Cargo.lock']) {
    const full = path.join(kernelDir, file);
    writeFileSync(full, readFileSync(full, 'utf8').replace(`name = "bramble-${chapter.name}"`, `name = "bramble-${name}"`));
    // The user programs' crate (chapter 04 on) gets a name of its own too.
    const user = path.join(dir, 'user', file);
    if (existsSync(user)) writeFileSync(user, readFileSync(user, 'utf8').replace(/name = "bramble-(\d\d)-user"/, `name = "bramble-${name}-user"`));
  }
  return { name, dir, kernelDir };
}
