// The repository's files as one build sees them. The plugin reads every chapter file and every
// transcript once, when it loads its content; the pages, the listings, the transcripts and the
// cache's key are all made from that one reading. A file that changes while the site builds
// (a transcript regenerated, a chapter edited) cannot make two parts of the site disagree,
// such as the server-rendered HTML and the browser's copy of the same page.
import path from 'node:path';

export class SourceSnapshot {
  private files = new Map<string, string | null>();
  private taken = false;

  /** Replaces the snapshot's contents: absolute path -> text (null for a binary file). */
  set(files: Map<string, string | null>): void {
    this.files = files;
    this.taken = true;
  }

  /** Whether the snapshot holds `file`, and its text (null for a binary file); undefined when it has no such file. */
  text(file: string): string | null | undefined {
    if (!this.taken) throw new Error('the repository snapshot is read before the bramble plugin has loaded it');
    return this.files.get(path.resolve(file));
  }
}
