// The book's two components that quote the repository, resolved while the Markdown compiles:
//
//   <Listing chapter="02-interrupts" file="kernel/src/trap.rs" anchor="vector_table" />
//   <Transcript chapter="01-bare-metal" />
//
// A listing's code is cut from the chapter's file between its ANCHOR markers (by the same
// functions the tests' listing checker uses) and highlighted here, so the page ships finished
// HTML. A listing whose chapter, file or anchor is missing stops the build with the page, the
// line and the name; so does a transcript that was never generated.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { chapterDir, DocsError, resolveListing, transcriptFile } from '../../tools/src/listings';
import { repoRoot } from '../../tools/src/paths';
import { highlight, languageOf } from './highlight';
import { sourcePath } from '../src/routes';

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

export default function remarkListings() {
  return async (tree: Node, file: VFile): Promise<void> => {
    const page = !file.path ? 'a page' : file.path.startsWith(repoRoot + path.sep) ? path.relative(repoRoot, file.path) : file.path;
    const fail = (node: Node, message: string): never => {
      throw new Error(`${page}:${node.position?.start.line ?? '?'}: ${message}`);
    };
    for (const node of components(tree)) {
      const attributes = stringAttributes(node);
      if (node.name === 'Listing') {
        const { chapter = '', file: name = '', anchor = '' } = attributes;
        let code: string;
        try {
          code = resolveListing({ chapter, file: name, anchor });
        } catch (error) {
          if (error instanceof DocsError) fail(node, error.message);
          throw error;
        }
        const line = anchorLine(chapter, name, anchor);
        setAttributes(node, {
          html: await highlight(code, languageOf(name)),
          to: `${sourcePath(chapter, name)}${line ? `#L${line}` : ''}`,
        });
      } else {
        const chapter = attributes.chapter ?? '';
        let text: string;
        try {
          text = readFileSync(transcriptFile(chapter), 'utf8');
        } catch {
          return fail(node, `<Transcript chapter="${chapter}" />: there is no ${path.relative(repoRoot, transcriptFile(chapter))}; run npm run transcripts`);
        }
        setAttributes(node, { text });
      }
    }
  };
}

/** Every <Listing> and <Transcript> element in the tree. */
function components(node: Node): Node[] {
  const found: Node[] = [];
  const walk = (n: Node) => {
    if ((n.type === 'mdxJsxFlowElement' || n.type === 'mdxJsxTextElement') && (n.name === 'Listing' || n.name === 'Transcript')) found.push(n);
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

/** The file's line just after `ANCHOR: name` (1-based), where the listing's code starts. */
function anchorLine(chapter: string, file: string, anchor: string): number | undefined {
  const lines = readFileSync(path.join(chapterDir(chapter), file), 'utf8').split('\n');
  const marker = lines.findIndex((text) => new RegExp(`^\\s*(//|#|/\\*)\\s*ANCHOR:\\s*${anchor}\\b`).test(text));
  return marker === -1 ? undefined : marker + 2;
}
