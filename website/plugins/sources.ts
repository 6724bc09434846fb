// A chapter's files as the book shows them: every file a reader would find in a clone, and
// nothing a build leaves behind.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Folders that only ever hold build outputs (cargo's target/, our build/) or tools' state. */
const OUTPUT_FOLDERS = new Set(['target', 'build', 'node_modules', '.git']);
/** Files that are build outputs wherever they appear. */
const OUTPUT_FILES = /\.(img|elf|o|a|rlib|rmeta|d)$/;

export interface SourceFile {
  /** Its path inside the chapter's folder, with forward slashes: "kernel/src/main.rs". */
  path: string;
  /** Its text; null for a binary file, which the book lists but cannot show. */
  text: string | null;
}

/** Every source file under `dir`, sorted by path. */
export function sourceFiles(dir: string): SourceFile[] {
  const files: SourceFile[] = [];
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) {
        if (!OUTPUT_FOLDERS.has(entry.name)) walk(full);
      } else if (entry.isFile() && !OUTPUT_FILES.test(entry.name)) {
        files.push({ path: path.relative(dir, full).split(path.sep).join('/'), text: textOf(readFileSync(full)) });
      }
    }
  };
  walk(dir);
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The file's text, or null when it is not text (a NUL byte, as git decides). */
function textOf(bytes: Buffer): string | null {
  return bytes.includes(0) ? null : bytes.toString('utf8');
}
