// Exercises that check themselves.
//
//   npm run exercise -- 03            list chapter 03's exercises
//   npm run exercise -- 03 untouch    build chapters/03-paging as it is now and check it
//
// Each chapter's exercises are described in exercises/NN-name/exercises.json, in the form of the
// monitor tests (tools/src/scripted.ts): what to type once the kernel's prompt appears, the exit
// status the run must end with, and lines the transcript must contain, in our emulator and in
// QEMU raspi3b alike. Beside it, NAME.patch is a reference solution: a patch to the chapter's
// folder that the tests apply to a scratch copy, so that every check is shown both to fail on
// the chapter as it is and to pass with the solution. The solutions stay out of chapters/, so
// the chapters remain the book's snapshots.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildKernelCrate, type BuildOptions } from './build';
import { resolveChapter, type Chapter } from './chapters';
import { findExercise, loadExercises, solutionPatch, type Exercise, type ExerciseSpec } from './exercise-files';
import { fromRoot } from './paths';
import { runCase, type CaseResult } from './scripted';
import { ensureChapterSdImage, hasDisk } from './sd-image';

/**
 * Builds the kernel crate `kernel` (a chapter, or a copy of one, which the tests build with
 * `build`'s reuseProgramsOf) and runs the exercise's check on it; a chapter with a disk boots
 * with its own card, made from the copy, whose writes are discarded (made without /sbin/init if
 * the spec's `firstProcess` is `monitor`).
 */
export async function checkExercise(kernel: Chapter, spec: ExerciseSpec, exercise: Exercise, build: BuildOptions = {}): Promise<CaseResult> {
  const built = await buildKernelCrate(kernel, { ...build, quiet: true });
  const sd = hasDisk(kernel) ? { path: ensureChapterSdImage(kernel, built, spec.firstProcess), persist: false } : undefined;
  return runCase(readFileSync(built.image), built.image, spec, exercise, sd);
}

// `tsx tools/src/exercise.ts <chapter> [exercise]`
async function main(args: string[]): Promise<number> {
  if (args.length === 0 || args.length > 2 || args.some((arg) => arg.startsWith('-'))) {
    console.error('usage: npm run exercise -- <chapter> [exercise]   (e.g. npm run exercise -- 03 untouch)');
    return 2;
  }
  const chapter = resolveChapter(args[0]!);
  const spec = loadExercises(chapter.name);
  if (!spec) throw new Error(`chapter ${chapter.name} has no exercises`);
  const number = chapter.name.slice(0, 2);
  if (args.length === 1) {
    console.log(`Chapter ${chapter.name}'s exercises (the chapter's page has each one's task and hint):`);
    const width = Math.max(...spec.exercises.map((exercise) => exercise.name.length));
    for (const exercise of spec.exercises) console.log(`  ${exercise.name.padEnd(width)}  ${exercise.title}`);
    console.log(`Check one with: npm run exercise -- ${number} ${spec.exercises[0]!.name}`);
    return 0;
  }
  const { exercise } = findExercise(chapter.name, args[1]!);
  console.error(`exercise ${number} ${exercise.name}: building ${fromRoot(chapter.dir)} as it is now, then running the check in our emulator and in QEMU`);
  const { problems } = await checkExercise(chapter, spec, exercise);
  if (problems.length === 0) {
    console.log(`exercise ${number} ${exercise.name}: passed in both machines. ${exercise.title}: done.`);
    return 0;
  }
  for (const problem of problems) console.log(`  ${problem}`);
  console.log(`exercise ${number} ${exercise.name}: not yet (the hint is on the chapter's page; a reference solution is ${fromRoot(solutionPatch(chapter.name, exercise.name))})`);
  return 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).then(
    (status) => {
      process.exitCode = status;
    },
    (error: unknown) => {
      console.error(`npm run exercise: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    },
  );
}
