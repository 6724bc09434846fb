// Where things are: the repository and the one folder every build output goes to.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's top folder (this file is tools/src/paths.ts). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Every generated file lives under build/, which git ignores. */
export const buildDir = path.join(repoRoot, 'build');

/** A path as a reader would type it from the repository's top folder. */
export function fromRoot(file: string): string {
  return path.relative(repoRoot, file) || '.';
}
