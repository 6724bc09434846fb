// The chapters: folders chapters/NN-name, each a complete kernel, plus final/ (the whole system)
// once it exists. Everything here is read from the folders; no chapter is named in code.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './paths';

export interface Chapter {
  /** The folder's name: "01-bare-metal", or "final". */
  name: string;
  /** The chapter's folder. */
  dir: string;
  /** Its kernel crate (Cargo.toml, src/, link.ld). */
  kernelDir: string;
}

const chaptersDir = path.join(repoRoot, 'chapters');
const finalDir = path.join(repoRoot, 'final');
/** A chapter folder: two digits, a dash, a name. */
const chapterFolder = /^(\d{2})-[a-z0-9-]+$/;

function chapterAt(dir: string): Chapter {
  return { name: path.basename(dir), dir, kernelDir: path.join(dir, 'kernel') };
}

/** Every chapter in reading order, final/ last. */
export function listChapters(): Chapter[] {
  const numbered = existsSync(chaptersDir)
    ? readdirSync(chaptersDir, { withFileTypes: true })
        .filter((entry) => entry.isDirectory() && chapterFolder.test(entry.name))
        .map((entry) => chapterAt(path.join(chaptersDir, entry.name)))
        .sort((a, b) => a.name.localeCompare(b.name))
    : [];
  return existsSync(finalDir) ? [...numbered, chapterAt(finalDir)] : numbered;
}

/**
 * The chapter a user means: its folder name ("01-bare-metal", or a path ending in it, as a
 * shell completes "chapters/01-bare-metal/"), its number ("01" or "1"), or "final". Anything
 * else is an error that lists the valid names.
 */
export function resolveChapter(name: string): Chapter {
  const chapters = listChapters();
  const wanted = path.basename(name.trim());
  const found = chapters.find((chapter) => chapter.name === wanted || (/^\d+$/.test(wanted) && numberOf(chapter) === Number(wanted)));
  if (found) return found;
  const valid = chapters.map((chapter) => chapter.name).join(', ');
  throw new Error(
    chapters.length === 0 ? `no chapter "${name}": there are no chapters yet` : `no chapter "${name}"; choose one of: ${valid} (or a chapter's number, e.g. 1)`,
  );
}

/** The chapter a reader gets by default: final/ if it exists, else the highest-numbered chapter. */
export function mostComplete(): Chapter {
  const chapters = listChapters();
  const last = chapters.at(-1);
  if (!last) throw new Error('there are no chapters yet (no chapters/NN-name folders)');
  return last;
}

function numberOf(chapter: Chapter): number | undefined {
  const match = chapterFolder.exec(chapter.name);
  return match ? Number(match[1]) : undefined;
}
