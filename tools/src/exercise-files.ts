// Where a chapter's exercises are kept, and what their description file must hold: read by
// the exercise checker (exercise.ts), the book's checks (listings.ts) and the website, none of
// which needs more than the files.
//
//   exercises/NN-name/exercises.json   the checks, in the form of the monitor tests (scripted.ts)
//   exercises/NN-name/NAME.patch       a reference solution: a patch to the chapter's folder
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fromRoot, repoRoot } from './paths';
import type { ScriptedCase, ScriptedSpec } from './scripted';
import type { FirstProcess } from './sd-image';

/** One exercise: its name on the command line, a one-line title, and its check. */
export interface Exercise extends ScriptedCase {
  name: string;
  title: string;
}

export interface ExerciseSpec extends ScriptedSpec {
  exercises: Exercise[];
  /** What the kernel runs first from the card (chapter 07 on): `monitor` for exercises typed at the monitor; `init` (the shell) if absent. */
  firstProcess?: FirstProcess;
}

/** A chapter's exercises folder: exercises/NN-name. */
function exercisesDir(chapter: string, root = repoRoot): string {
  return path.join(root, 'exercises', chapter);
}

/** The reference solution of an exercise: a patch to the chapter's folder. */
export function solutionPatch(chapter: string, name: string, root = repoRoot): string {
  return path.join(exercisesDir(chapter, root), `${name}.patch`);
}

/** A chapter's exercises, or undefined when it has none. Throws a one-line error for a malformed file. */
export function loadExercises(chapter: string, root = repoRoot): ExerciseSpec | undefined {
  const file = path.join(exercisesDir(chapter, root), 'exercises.json');
  if (!existsSync(file)) return undefined;
  let spec: unknown;
  try {
    spec = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${fromRoot(file)} is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const problem = specProblem(spec);
  if (problem) throw new Error(`${fromRoot(file)}: ${problem}`);
  return spec as ExerciseSpec;
}

/** What is wrong with an exercises.json, in one line, or undefined. */
function specProblem(spec: unknown): string | undefined {
  if (typeof spec !== 'object' || spec === null) return 'must be an object';
  const { prompt, exercises } = spec as Record<string, unknown>;
  if (prompt !== undefined && typeof prompt !== 'string') return '"prompt" must be a string';
  if (!Array.isArray(exercises) || exercises.length === 0) return '"exercises" must be a list of at least one exercise';
  const seen = new Set<string>();
  for (const [i, entry] of exercises.entries()) {
    const { name, title, input, status, expect } = (entry ?? {}) as Record<string, unknown>;
    const where = `exercise ${i + 1}`;
    if (typeof name !== 'string' || !/^[a-z0-9-]+$/.test(name)) return `${where}: "name" must be lower-case letters, digits and dashes`;
    if (seen.has(name)) return `${where}: the name "${name}" is used twice`;
    seen.add(name);
    if (typeof title !== 'string' || title === '') return `${where} (${name}): "title" must be a line of text`;
    if (typeof input !== 'string') return `${where} (${name}): "input" must be a string`;
    if (typeof status !== 'number' || !Number.isInteger(status)) return `${where} (${name}): "status" must be an integer`;
    if (!Array.isArray(expect) || expect.length === 0 || !expect.every((pattern) => typeof pattern === 'string')) {
      return `${where} (${name}): "expect" must be a list of at least one regular expression`;
    }
  }
  return undefined;
}

/** The exercise `name` of `chapter`; a one-line error lists the ones there are. */
export function findExercise(chapter: string, name: string, root = repoRoot): { spec: ExerciseSpec; exercise: Exercise } {
  const spec = loadExercises(chapter, root);
  if (!spec) throw new Error(`chapter ${chapter} has no exercises`);
  const exercise = spec.exercises.find((candidate) => candidate.name === name);
  if (!exercise) throw new Error(`chapter ${chapter} has no exercise "${name}"; choose one of: ${spec.exercises.map((e) => e.name).join(', ')}`);
  return { spec, exercise };
}

/**
 * The files a patch (in the unified form `diff -u` and `git diff` write) changes, creates or
 * deletes, as paths relative to the folder it applies to with `patch -p1`. Hunks are skipped
 * by their line counts, so a removed line that reads "-- x" is not taken for a file header.
 */
export function patchedFiles(patch: string): string[] {
  const files = new Set<string>();
  const lines = patch.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const hunk = /^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@/.exec(line);
    if (hunk) {
      // A count left out is 1. Context lines count on both sides; "\ No newline" on neither.
      let [before, after] = [Number(hunk[1] ?? 1), Number(hunk[2] ?? 1)];
      while ((before > 0 || after > 0) && i + 1 < lines.length) {
        const body = lines[++i]!;
        if (body.startsWith('\\')) continue;
        if (!body.startsWith('+')) before--;
        if (!body.startsWith('-')) after--;
      }
      continue;
    }
    // git writes a line of its own for each file, and for some changes (a new empty file, a
    // mode) no other header; names with spaces or quotes in it are not read, but refused.
    if (line.startsWith('diff --git ')) {
      const names = /^diff --git a\/(\S+) b\/(\S+)$/.exec(line);
      if (!names) throw new Error(`cannot read the file names in the patch line "${line}"`);
      files.add(names[1]!).add(names[2]!);
      continue;
    }
    const header = /^(?:---|\+\+\+) ([^\t]+)/.exec(line);
    if (!header) continue;
    const name = header[1]!.trimEnd();
    if (name === '/dev/null') continue;
    if (name.startsWith('"')) throw new Error(`cannot read the quoted file name ${name} in a patch`);
    // `patch -p1` drops the first part of a header's path (a/, b/).
    files.add(name.slice(name.indexOf('/') + 1));
  }
  return [...files];
}
