// The book's three components that quote the repository, resolved while the Markdown compiles:
//
//   <Listing chapter="02-interrupts" file="kernel/src/trap.rs" anchor="vector_table" />
//   <Transcript chapter="01-bare-metal" />
//   <Solution chapter="03-paging" exercise="untouch" />
//
// A solution is an exercise's reference patch (exercises/NN-name/NAME.patch), highlighted as a
// diff; the page shows it folded away.
//
// A listing's code is cut from the chapter's file between its ANCHOR markers (by the same
// function the tests' listing checker uses) and highlighted here, so the page ships finished
// HTML. Files are read from the build's snapshot of the repository (plugins/snapshot.ts). A listing whose chapter, file or anchor is missing stops the build with the page, the
// line and the name; so does a transcript that was never generated.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { solutionPatch } from '@bramble/tools/exercise-files';
import { chapterDir, DocsError, extractAnchor, transcriptFile } from '@bramble/tools/listings';
import { repoRoot } from '@bramble/tools/paths';
import { sourcePath } from '../src/routes';
import { highlight, languageOf } from './highlight';
import type { SourceSnapshot } from './snapshot';

/** The parts of an MDX syntax tree this plugin reads and writes. */
interface Node {
  type: string;
  name?: string | null;
  attributes?: Attribute[];
  children?: Node[];
  position?: { start: { line: number } };
}
interface Attribute {
  type: string;
  name?: string;
  value?: unknown;
}
interface VFile {
  path?: string;
}

export interface RemarkListingsOptions {
  sources: SourceSnapshot;
}

export default function remarkListings({ sources }: RemarkListingsOptions) {
  return async (tree: Node, file: VFile): Promise<void> => {
    const page = !file.path ? 'a page' : file.path.startsWith(repoRoot + path.sep) ? path.relative(repoRoot, file.path) : file.path;
    const failure = (node: Node, message: string) => new Error(`${page}:${node.position?.start.line ?? '?'}: ${message}`);
    for (const node of components(tree)) {
      const attributes = stringAttributes(node);
      if (node.name === 'Listing') {
        const { chapter = '', file: name = '', anchor = '' } = attributes;
        const where = `listing ${chapter}/${name}#${anchor}`;
        const text = listedFile(sources, chapter, name);
        if (typeof text !== 'string') throw failure(node, `${where}: ${text.problem}`);
        let code: string;
        try {
          code = extractAnchor(text, anchor);
        } catch (error) {
          throw error instanceof DocsError ? failure(node, `${where}: ${error.message}`) : error;
        }
        const line = anchorLine(text, anchor);
        setAttributes(node, {
          html: await highlight(code, languageOf(name)),
          to: `${sourcePath(chapter, name)}${line ? `#L${line}` : ''}`,
        });
      } else if (node.name === 'Solution') {
        const { chapter = '', exercise = '' } = attributes;
        const patch = solutionPatch(chapter, exercise);
        const text = /^[a-z0-9-]+$/.test(chapter) && /^[a-z0-9-]+$/.test(exercise) ? sources.text(patch) : undefined;
        if (typeof text !== 'string') throw failure(node, `<Solution chapter="${chapter}" exercise="${exercise}" />: there is no ${path.relative(repoRoot, patch)}`);
        setAttributes(node, { html: await highlight(text.trimEnd(), 'diff'), patch: path.relative(repoRoot, patch) });
      } else {
        const chapter = attributes.chapter ?? '';
        const text = sources.text(transcriptFile(chapter));
        if (typeof text !== 'string') {
          throw failure(node, `<Transcript chapter="${chapter}" />: there is no ${path.relative(repoRoot, transcriptFile(chapter))}; run npm run transcripts`);
        }
        setAttributes(node, { text });
      }
    }
  };
}

/** Every <Listing>, <Transcript> and <Solution> element in the tree. */
function components(node: Node): Node[] {
  const found: Node[] = [];
  const walk = (n: Node) => {
    if ((n.type === 'mdxJsxFlowElement' || n.type === 'mdxJsxTextElement') && (n.name === 'Listing' || n.name === 'Transcript' || n.name === 'Solution')) found.push(n);
    n.children?.forEach(walk);
  };
  walk(node);
  return found;
}

function stringAttributes(node: Node): Record<string, string> {
  const result: Record<string, string> = {};
  for (const attribute of node.attributes ?? []) {
    if (attribute.type === 'mdxJsxAttribute' && attribute.name && typeof attribute.value === 'string') result[attribute.name] = attribute.value;
  }
  return result;
}

function setAttributes(node: Node, values: Record<string, string>): void {
  node.attributes = [...(node.attributes ?? []), ...Object.entries(values).map(([name, value]) => ({ type: 'mdxJsxAttribute', name, value }))];
}

/** The text of a chapter's file, or what is wrong with the request (as tools/src/listings.ts words it). */
function listedFile(sources: SourceSnapshot, chapter: string, file: string): string | { problem: string } {
  const dir = chapterDir(chapter);
  if (!/^(\d{2}-[a-z0-9-]+|final)$/.test(chapter) || !existsSync(dir)) return { problem: `there is no chapter "${chapter}"` };
  const full = path.resolve(dir, file);
  if (!full.startsWith(dir + path.sep)) return { problem: "the file must be inside the chapter's folder" };
  const text = sources.text(full);
  if (text === undefined) return { problem: `the chapter has no file ${file}` };
  if (text === null) return { problem: `${file} is not a text file` };
  return text;
}

/** The file's line just after `ANCHOR: name` (1-based), where the listing's code starts. */
function anchorLine(text: string, anchor: string): number | undefined {
  const marker = text.split('\n').findIndex((line) => new RegExp(`^\\s*(//|#|/\\*)\\s*ANCHOR:\\s*${anchor}\\b`).test(line));
  return marker === -1 ? undefined : marker + 2;
}
