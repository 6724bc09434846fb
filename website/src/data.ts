// What the build-time plugin (plugins/bramble.ts) hands the pages: plain JSON, highlighted
// HTML included, so no page computes anything about the repository in the browser.

/** One chapter, as the home page, the chapter pages and the navigation need it. */
export interface ChapterSummary {
  /** The chapter's folder name: "02-interrupts", or "final". */
  name: string;
  /** From its page's front matter or first heading; the folder name when it has no page yet. */
  title: string;
  /** One line from its page's front matter `description`; empty when there is none. */
  description: string;
  /** The book page's address, or null while the chapter has no page. */
  docPath: string | null;
  /** The chapter before it (whose code it starts from), or null for the first. */
  previous: string | null;
  /** The kernel image's address in the site, or null when the chapter has no kernel. */
  kernel: string | null;
  /** The SD card image's address in the site, gzip-compressed (chapter 06 on), or null when the chapter has no disk. */
  sd: string | null;
  /** How many source files the chapter has. */
  files: number;
}

/** Global data of the plugin `bramble`. */
export interface SiteData {
  chapters: ChapterSummary[];
  /** The address of the script of the Web Worker that runs kernels (see plugins/worker.ts). */
  worker: string;
}

/** One file in a chapter's file list. */
export interface FileEntry {
  path: string;
  lines: number;
}

export interface SourceIndexData {
  chapter: ChapterSummary;
  files: FileEntry[];
}

export interface SourceFileData {
  chapter: ChapterSummary;
  path: string;
  /** Highlighted, with a line id L<n> on every line; null for a binary file. */
  html: string | null;
}

export interface FileChangeData {
  path: string;
  status: 'added' | 'removed' | 'changed';
  added: number;
  removed: number;
  /** The unified diff, highlighted; null for a binary file. */
  html: string | null;
}

export interface ChangesData {
  chapter: ChapterSummary;
  previous: ChapterSummary;
  changes: FileChangeData[];
}
