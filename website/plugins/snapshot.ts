// The repository's files as one build sees them. The plugin reads every chapter file and every
// transcript once, when it loads its content; the pages, the listings, the transcripts and the
// cache's key are all made from that one reading. A file that changes while the site builds
// (a transcript regenerated, a chapter edited) cannot make two parts of the site disagree,
// such as the server-rendered HTML and the browser's copy of the same page.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export class SourceSnapshot {
  private files = new Map<string, string | null>();
  private taken = false;
  /**
   * In the dev server the snapshot reads through to the disk: there a page is recompiled when a
   * file it quotes changes (see quoted-files.ts), possibly before the plugin has reloaded.
   */
  live = false;

  /** Replaces the snapshot's contents: absolute path -> text (null for a binary file). */
  set(files: Map<string, string | null>): void {
    this.files = files;
    this.taken = true;
  }

  /** Whether the snapshot holds `file`, and its text (null for a binary file); undefined when it has no such file. */
  text(file: string): string | null | undefined {
    if (this.live) {
      if (!existsSync(file) || !statSync(file).isFile()) return undefined;
      const bytes = readFileSync(file);
      return bytes.includes(0) ? null : bytes.toString('utf8');
    }
    if (!this.taken) throw new Error('the repository snapshot is read before the bramble plugin has loaded it');
    return this.files.get(path.resolve(file));
  }

  /** Every file the snapshot holds. */
  paths(): Iterable<string> {
    return this.files.keys();
  }
}
