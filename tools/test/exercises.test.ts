// Every exercise's check is shown to mean something: it fails on the chapter as it is (so it is
// not vacuous) and passes on a scratch copy of the chapter with the reference solution applied
// (so the solution is not stale, and the check can be passed). Both run in our emulator and in
// QEMU, as `npm run exercise` does.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { listChapters, type Chapter } from '../src/chapters';
import { checkExercise } from '../src/exercise';
import { findExercise, loadExercises, patchedFiles, solutionPatch } from '../src/exercise-files';
import { touchedPrograms } from '../src/touched-programs';
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
    const copy = scratchCopy(chapter);
    try {
      const patch = solutionPatch(chapterName, name);
      applyPatch(copy.dir, patch);
      // The copy differs from the chapter only in what the patch changes (and its crates' names,
      // which change no program): only the programs the patch touches are compiled again.
      const reuseProgramsOf = { chapter, changed: patchedFiles(readFileSync(patch, 'utf8')) };
      const { runs, problems } = await checkExercise(copy, spec, exercise, { reuseProgramsOf, incremental: true, withoutDebugInfo: true });
      expect(problems, `${problems.join('\n')}\n\nour emulator:\n${runs.emulator.output}\n\nQEMU:\n${runs.qemu.output}`).toEqual([]);
    } finally {
      // The copy's folder is made again for the next solution; rustc's incremental state stays in the target folder.
      rmSync(copy.dir, { recursive: true, force: true });
      rmSync(path.join(buildDir, copy.name), { recursive: true, force: true });
    }
  });
});

describe('which programs a patch touches', () => {
  const touched = (changed: string[]) => {
    const programs = touchedPrograms(changed);
    return programs === 'all' ? 'all' : [...programs].sort();
  };

  test('a file of a one-file program, or in a folder program, touches that program', () => {
    expect(touched(['user/src/bin/wc.rs'])).toEqual(['wc']);
    expect(touched(['user/src/bin/sh/run.rs'])).toEqual(['sh']);
    expect(touched(['user/src/bin/sh/main.rs', 'user/src/bin/wc.rs', 'kernel/src/main.rs'])).toEqual(['sh', 'wc']);
  });

  test('anything else under user/ touches every program', () => {
    for (const file of ['user/src/lib.rs', 'user/src/sh/editor.rs', 'user/Cargo.toml', 'user/Cargo.lock', 'user/build.rs', 'user/link.ld', 'user/.cargo/config.toml', 'user/src/bin/README']) {
      expect(touched(['user/src/bin/wc.rs', file]), file).toBe('all');
    }
  });

  test("a change to user/Cargo.toml's [[bin]] tables alone touches their programs; any other change to it, every program", () => {
    const manifest = (bins: string[], profile = 'opt-level = 2', name = 'bramble-04-user') =>
      [`[package]`, `name = "${name}"`, '', '# The programs:', ...bins.flatMap((bin) => ['[[bin]]', `name = "${bin}"`, 'test = false']), '# ANCHOR_END: programs', '', '[profile.release]', profile, ''].join('\n');
    const before = manifest(['hello', 'wc']);
    const touched = (after: string, changed = ['user/Cargo.toml']) => {
      const programs = touchedPrograms(changed, { before, after });
      return programs === 'all' ? 'all' : [...programs].sort();
    };
    // A new program, in a copy whose crate has a name of its own.
    expect(touched(manifest(['hello', 'wc', 'uname'], undefined, 'bramble-exercise-04-user'), ['user/Cargo.toml', 'user/src/bin/uname.rs'])).toEqual(['uname']);
    expect(touched(manifest(['hello']))).toEqual(['wc']);
    expect(touched(before.replace('name = "wc"\ntest = false', 'name = "wc"\ntest = false\npath = "src/bin/count.rs"'))).toEqual(['wc']);
    expect(touched(manifest(['hello', 'wc'], 'opt-level = 3'))).toBe('all');
    expect(touched(before.replace('[package]', '[package]\nedition = "2021"'))).toBe('all');
    expect(touched(before.replace('name = "wc"', 'path = "src/bin/wc.rs"')), 'a [[bin]] without a name').toBe('all');
    expect(touchedPrograms(['user/Cargo.toml']), 'without both versions').toBe('all');
  });

  test('a patch that touches no user/ file touches none', () => {
    expect(touched(['kernel/src/tty.rs', 'rootfs/etc/motd', 'root/hello.txt'])).toEqual([]);
    expect(touched([])).toEqual([]);
  });

  test("a patch's files are read from its headers, not from its hunks", () => {
    const patch = [
      'diff --git a/user/src/bin/wc.rs b/user/src/bin/wc.rs',
      'index 686b767..5550c02 100644',
      '--- a/user/src/bin/wc.rs',
      '+++ b/user/src/bin/wc.rs',
      // A hunk that removes a line "-- a/user/src/lib.rs" and adds "++ b/user/src/lib.rs".
      '@@ -1,2 +1,2 @@',
      ' fn main() {}',
      '--- a/user/src/lib.rs',
      '\\ No newline at end of file',
      '+++ b/user/src/lib.rs',
      '--- kernel.orig/src/new.rs\t2026-11-29 18:00:00',
      '+++ kernel/src/new.rs\t2026-11-29 18:00:00',
      '@@ -0,0 +1 @@',
      '+// new',
      'diff --git a/user/src/bin/empty.rs b/user/src/bin/empty.rs',
      'new file mode 100644',
      'index 0000000..e69de29',
    ].join('\n');
    expect(patchedFiles(patch).sort()).toEqual(['src/new.rs', 'user/src/bin/empty.rs', 'user/src/bin/wc.rs']);
    expect(() => patchedFiles('diff --git "a/user/a b.rs" "b/user/a b.rs"\n')).toThrow(/cannot read the file names/);
  });

  test("chapter 04's reference solutions, which add programs to user/Cargo.toml, touch those programs", () => {
    const chapter = listChapters().find((c) => c.name.startsWith('04-'))!;
    for (const [name, programs] of [['uname', ['uname']], ['kill', ['killer']], ['getrandom', ['random']]] as const) {
      const copy = mkdtempSync(path.join(os.tmpdir(), 'bramble-touched-'));
      try {
        cpSync(chapter.dir, copy, { recursive: true, filter: (source) => path.basename(source) !== 'target' });
        const patch = solutionPatch(chapter.name, name);
        applyPatch(copy, patch);
        const manifest = (dir: string) => readFileSync(path.join(dir, 'user', 'Cargo.toml'), 'utf8');
        const touched = touchedPrograms(patchedFiles(readFileSync(patch, 'utf8')), { before: manifest(chapter.dir), after: manifest(copy) });
        expect(touched, name).toEqual(new Set(programs));
      } finally {
        rmSync(copy, { recursive: true, force: true });
      }
    }
  });

  test("chapter 07's reference solutions touch what they patch", () => {
    const solution = (name: string) => touchedPrograms(patchedFiles(readFileSync(solutionPatch('07-shell', name), 'utf8')));
    expect(solution('longest')).toEqual(new Set(['wc']));
    expect(solution('type')).toEqual(new Set(['sh']));
    // The line editor is part of ulib (user/src/sh/), which every program links with.
    expect(solution('werase')).toBe('all');
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

/** Applies a reference solution to a copy of its chapter, exactly (no fuzz), or throws. */
function applyPatch(dir: string, patch: string): void {
  execFileSync('patch', ['-p1', '--batch', '--forward', '--fuzz=0', '--no-backup-if-mismatch', '-d', dir, '-i', patch], { stdio: 'pipe' });
}

/**
 * A copy of `chapter` under build/, as a crate of its own name: cargo shares one target folder
 * between all kernels, and tells packages apart by name. Each of the chapter's solutions is
 * applied to a fresh copy at the same place, under the same name, and built with rustc's
 * incremental state kept: the first solution compiles the whole kernel, the next ones only what
 * their patches (and the files the previous one changed back) reach.
 */
function scratchCopy(chapter: Chapter): Chapter {
  const name = `exercise-${chapter.name}`;
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
