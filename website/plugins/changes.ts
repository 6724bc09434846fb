// What changed from one chapter to the next: the files added, removed and changed, with their
// unified diffs, as the "What changed since chapter N-1" page shows them.
import { createTwoFilesPatch, structuredPatch } from 'diff';
import type { SourceFile } from './sources';

export interface FileChange {
  path: string;
  status: 'added' | 'removed' | 'changed';
  added: number;
  removed: number;
  /** The unified diff; null for a binary file. */
  patch: string | null;
}

/** Every file that differs between `before` and `after`, sorted by path. */
export function changesBetween(before: SourceFile[], after: SourceFile[]): FileChange[] {
  const old = new Map(before.map((file) => [file.path, file]));
  const current = new Map(after.map((file) => [file.path, file]));
  const paths = [...new Set([...old.keys(), ...current.keys()])].sort();
  const changes: FileChange[] = [];
  for (const path of paths) {
    const a = old.get(path);
    const b = current.get(path);
    if (a && b && a.text === b.text && a.text !== null) continue;
    const status = !a ? 'added' : !b ? 'removed' : 'changed';
    if (a?.text === null || b?.text === null) {
      // A binary file: say that it changed, not how.
      changes.push({ path, status, added: 0, removed: 0, patch: null });
      continue;
    }
    const oldText = a?.text ?? '';
    const newText = b?.text ?? '';
    let added = 0;
    let removed = 0;
    for (const hunk of structuredPatch(path, path, oldText, newText).hunks) {
      for (const line of hunk.lines) {
        if (line.startsWith('+')) added++;
        else if (line.startsWith('-')) removed++;
      }
    }
    if (status === 'changed' && added === 0 && removed === 0) continue;
    const patch = createTwoFilesPatch(a ? `a/${path}` : '/dev/null', b ? `b/${path}` : '/dev/null', oldText, newText, undefined, undefined, { context: 3 });
    changes.push({ path, status, added, removed, patch: withoutHeaderRule(patch) });
  }
  return changes;
}

/** createTwoFilesPatch starts with a line of "=" (as `svn diff` does); `git diff` readers expect none. */
function withoutHeaderRule(patch: string): string {
  return patch.replace(/^={10,}\n/, '');
}
