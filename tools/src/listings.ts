// Listings: how the book quotes code without ever copying it.
//
// A chapter's source marks a passage with two comment lines,
//
//     // ANCHOR: vector_table
//     ...the code the book shows...
//     // ANCHOR_END: vector_table
//
// (`#` or `/* ... */` where `//` is not a comment: TOML, linker scripts), and the book's
// Markdown asks for it by name:
//
//     <Listing chapter="02-interrupts" file="kernel/src/exceptions.rs" anchor="vector_table" />
//
// The text between the markers is what the reader sees, so it is always the code that builds.
// `checkDocs` (run by the tests) fails when a listing names a file or an anchor that is not
// there, and the website's build uses the same functions to render them.
//
//   npx tsx tools/src/listings.ts    check every listing in docs/ and print what is wrong
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadExercises, solutionPatch } from './exercise-files';
import { repoRoot } from './paths';

/** One `<Listing chapter="..." file="..." anchor="..." />` in a Markdown file. */
export interface Listing {
  /** A chapter's folder name, e.g. "01-bare-metal" (or "final"). */
  chapter: string;
  /** The file's path inside the chapter's folder, e.g. "kernel/src/main.rs". */
  file: string;
  /** The name after `ANCHOR:` in that file. */
  anchor: string;
  /** The line of the Markdown file the tag starts on (1-based). */
  line: number;
}

/** A component tag such as `<Listing ... />`: its attributes and where it starts. */
export interface Tag {
  attributes: Record<string, string>;
  line: number;
}

/** An error whose message is one line a reader can act on; callers print it as it is. */
export class DocsError extends Error {}

/**
 * A marker line: nothing but a comment that holds `ANCHOR: name` or `ANCHOR_END: name`.
 * Only whole lines count, so code that merely mentions the word (like this file) is no marker.
 */
const MARKER = /^\s*(?:\/\/|#|\/\*)\s*(ANCHOR|ANCHOR_END):\s*([A-Za-z0-9_-]+)\s*(?:\*\/)?\s*$/;

/**
 * The lines between `ANCHOR: name` and `ANCHOR_END: name` in `text`: marker lines (of this
 * anchor and of any other anchor nested inside it) removed, blank lines at either end dropped,
 * and the indentation every line shares taken away, so a method reads as if it stood alone.
 * Throws a `DocsError` when the anchor is missing, unterminated, defined twice, or empty; its
 * message names the anchor and the problem, and `resolveListing` adds the chapter and file.
 */
export function extractAnchor(text: string, name: string): string {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const starts: number[] = [];
  const ends: number[] = [];
  lines.forEach((line, index) => {
    const marker = MARKER.exec(line);
    if (marker?.[2] !== name) return;
    (marker[1] === 'ANCHOR' ? starts : ends).push(index);
  });

  if (starts.length === 0) throw new DocsError(`anchor "${name}" is not there (no line "ANCHOR: ${name}")`);
  if (starts.length > 1 || ends.length > 1) {
    throw new DocsError(`anchor "${name}" is marked more than once (lines ${[...starts, ...ends].sort((a, b) => a - b).map((i) => i + 1).join(', ')})`);
  }
  const start = starts[0]!;
  const end = ends[0];
  if (end === undefined) throw new DocsError(`anchor "${name}" is not terminated (line ${start + 1} has no matching "ANCHOR_END: ${name}")`);
  if (end < start) throw new DocsError(`anchor "${name}" ends (line ${end + 1}) before it starts (line ${start + 1})`);

  const body = lines.slice(start + 1, end).filter((line) => !MARKER.test(line));
  while (body.length > 0 && body[0]!.trim() === '') body.shift();
  while (body.length > 0 && body.at(-1)!.trim() === '') body.pop();
  if (body.length === 0) throw new DocsError(`anchor "${name}" is empty (lines ${start + 1}-${end + 1})`);
  return dedent(body).join('\n');
}

/** `lines` without the leading whitespace all their non-blank lines share. */
function dedent(lines: string[]): string[] {
  const indents = lines.filter((line) => line.trim() !== '').map((line) => /^[ \t]*/.exec(line)![0].length);
  const shared = Math.min(...indents);
  return lines.map((line) => (line.trim() === '' ? '' : line.slice(shared)));
}

/**
 * Every `<Name attr="value" ... />` in `markdown`, outside fenced code blocks and inline code
 * (where a tag is an example, not a request). A tag may span several lines; attribute values
 * are double-quoted strings.
 */
export function findTags(markdown: string, name: string): Tag[] {
  const text = hideCode(markdown.replace(/\r\n/g, '\n'));
  const tags: Tag[] = [];
  for (const start of text.matchAll(new RegExp(`<${name}\\b`, 'g'))) {
    const line = text.slice(0, start.index).split('\n').length;
    const match = new RegExp(`<${name}\\b([^<>]*?)/>`, 'y');
    match.lastIndex = start.index;
    const source = match.exec(text)?.[1];
    if (source === undefined) throw new DocsError(`line ${line}: <${name} ...> must be one self-closing tag, ending in />`);
    const attributes: Record<string, string> = {};
    const attribute = /([A-Za-z][\w-]*)\s*=\s*"([^"]*)"/g;
    for (const found of source.matchAll(attribute)) attributes[found[1]!] = found[2]!;
    // Anything left over is an attribute written some other way: say so rather than ignore it.
    const leftover = source.replace(attribute, '').trim();
    if (leftover !== '') throw new DocsError(`line ${line}: <${name}> has "${leftover}", which is not an attribute of the form name="value"`);
    tags.push({ attributes, line });
  }
  return tags;
}

/**
 * `markdown` with fenced code blocks and inline code spans blanked out (newlines kept, so
 * line numbers still count right).
 */
function hideCode(markdown: string): string {
  const blank = (code: string) => code.replace(/[^\n]/g, ' ');
  let fence: string | undefined; // the opening fence while inside a fenced block
  const lines = markdown.split('\n').map((line) => {
    const marker = /^\s{0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence === undefined) {
      if (marker === undefined) return line;
      fence = marker;
      return blank(line);
    }
    // A fence closes with the same character, at least as long, and nothing after it.
    if (marker !== undefined && marker[0] === fence[0] && marker.length >= fence.length && line.trim() === marker) fence = undefined;
    return blank(line);
  });
  return lines.join('\n').replace(/(`+)[^`][\s\S]*?\1/g, blank);
}

const LISTING_ATTRIBUTES = ['chapter', 'file', 'anchor'] as const;

/** Every `<Listing chapter="..." file="..." anchor="..." />` in `markdown`, in order. */
export function findListings(markdown: string): Listing[] {
  return findTags(markdown, 'Listing').map(({ attributes, line }) => {
    const missing = LISTING_ATTRIBUTES.filter((wanted) => !attributes[wanted]);
    if (missing.length > 0) throw new DocsError(`line ${line}: <Listing> needs ${LISTING_ATTRIBUTES.map((a) => `${a}="..."`).join(' ')}; missing: ${missing.join(', ')}`);
    const unknown = Object.keys(attributes).filter((key) => !(LISTING_ATTRIBUTES as readonly string[]).includes(key));
    if (unknown.length > 0) throw new DocsError(`line ${line}: <Listing> has no attribute ${unknown.join(', ')} (it takes chapter, file, anchor)`);
    return { chapter: attributes.chapter!, file: attributes.file!, anchor: attributes.anchor!, line };
  });
}

/** A chapter's folder: chapters/<name>, or final/ for "final". */
export function chapterDir(chapter: string, root = repoRoot): string {
  return chapter === 'final' ? path.join(root, 'final') : path.join(root, 'chapters', chapter);
}

/**
 * The code a listing shows. Throws a `DocsError` of one line naming the chapter, the file and
 * the anchor when the chapter, the file or the anchor is not there.
 */
export function resolveListing(listing: Pick<Listing, 'chapter' | 'file' | 'anchor'>, root = repoRoot): string {
  const where = `listing ${listing.chapter}/${listing.file}#${listing.anchor}`;
  const dir = chapterDir(listing.chapter, root);
  if (!/^(\d{2}-[a-z0-9-]+|final)$/.test(listing.chapter) || !existsSync(dir)) throw new DocsError(`${where}: there is no chapter "${listing.chapter}"`);
  const file = path.resolve(dir, listing.file);
  if (!file.startsWith(dir + path.sep)) throw new DocsError(`${where}: the file must be inside the chapter's folder`);
  if (!existsSync(file)) throw new DocsError(`${where}: the chapter has no file ${listing.file}`);
  try {
    return extractAnchor(readFileSync(file, 'utf8'), listing.anchor);
  } catch (error) {
    if (error instanceof DocsError) throw new DocsError(`${where}: ${error.message}`);
    throw error;
  }
}

/** Every Markdown page of the book: docs/*.md and docs/*.mdx, sorted by name. */
export function docPages(root = repoRoot): string[] {
  const docs = path.join(root, 'docs');
  if (!existsSync(docs)) return [];
  return readdirSync(docs)
    .filter((name) => /\.mdx?$/.test(name))
    .sort()
    .map((name) => path.join(docs, name));
}

/** Where the book's figures are kept: SVG files that pages show with `![what it shows](figures/name.svg)`. */
function figuresDir(root = repoRoot): string {
  return path.join(root, 'docs', 'figures');
}

/** Every image a page shows, `![alt](target)` outside code: its target as written, and its line. */
export function findImages(markdown: string): { target: string; alt: string; line: number }[] {
  const text = hideCode(markdown.replace(/\r\n/g, '\n'));
  return [...text.matchAll(/!\[([^\]]*)\]\(([^)\s]+)\)/g)].map((match) => ({
    alt: match[1]!,
    target: match[2]!,
    line: text.slice(0, match.index).split('\n').length,
  }));
}

/** Where the transcript `<Transcript chapter="NN-name" />` shows is kept. */
export function transcriptFile(chapter: string, root = repoRoot): string {
  return path.join(root, 'docs', 'transcripts', `${chapter}.txt`);
}

/**
 * Checks every page of the book: each `<Listing/>` resolves to a non-empty anchor, each
 * `<Transcript chapter="..." />` has its generated file, each `<Solution/>` names an exercise
 * with its patch, each figure a page shows exists (and every figure is shown somewhere), and
 * each chapter page (NN-name.md) has the shape docs/README.md describes, with a `<Solution/>`
 * for every exercise of its chapter. Returns one line per problem, each starting with the
 * page and line (`docs/02-interrupts.md:57: ...`); none means all is well.
 */
export function checkDocs(root = repoRoot): string[] {
  const problems: string[] = [];
  const figuresShown = new Set<string>();
  for (const page of docPages(root)) {
    const name = path.relative(root, page);
    const markdown = readFileSync(page, 'utf8');
    try {
      for (const listing of findListings(markdown)) {
        try {
          resolveListing(listing, root);
        } catch (error) {
          if (!(error instanceof DocsError)) throw error;
          problems.push(`${name}:${listing.line}: ${error.message}`);
        }
      }
      for (const { attributes, line } of findTags(markdown, 'Transcript')) {
        const chapter = attributes.chapter;
        if (!chapter || Object.keys(attributes).length !== 1) {
          problems.push(`${name}:${line}: <Transcript> takes exactly one attribute, chapter="NN-name"`);
        } else if (!existsSync(transcriptFile(chapter, root))) {
          problems.push(`${name}:${line}: no transcript for chapter "${chapter}" (${path.relative(root, transcriptFile(chapter, root))}); run npm run transcripts`);
        }
      }
      for (const image of findImages(markdown)) {
        const file = path.resolve(path.dirname(page), image.target);
        if (/^[a-z]+:/.test(image.target)) problems.push(`${name}:${image.line}: the figure ${image.target} must be a file in docs/figures, not a link`);
        else if (!existsSync(file)) problems.push(`${name}:${image.line}: there is no figure ${image.target} (${path.relative(root, file)})`);
        else if (image.alt.trim() === '') problems.push(`${name}:${image.line}: the figure ${image.target} needs a description between the brackets`);
        // The site's Markdown renderer escapes these twice, so a reader would see &#39;.
        else if (/['"]/.test(image.alt)) problems.push(`${name}:${image.line}: the description of ${image.target} has a straight quote; write ’ or “ ”`);
        figuresShown.add(file);
      }
      const solutions = checkSolutions(markdown, root);
      problems.push(...solutions.problems.map((problem) => `${name}:${problem}`));
      const chapter = /^(\d{2}-[a-z0-9-]+)\.mdx?$/.exec(path.basename(page))?.[1];
      if (chapter) {
        problems.push(...checkChapterPage(markdown, chapter, root).map((problem) => `${name}:${problem}`));
        for (const exercise of loadExercises(chapter, root)?.exercises ?? []) {
          if (!solutions.shown.has(`${chapter}/${exercise.name}`)) problems.push(`${name}:1: chapter ${chapter}'s exercise "${exercise.name}" has no <Solution chapter="${chapter}" exercise="${exercise.name}" /> on its page`);
        }
      }
    } catch (error) {
      if (!(error instanceof DocsError)) throw error;
      problems.push(`${name}:${error.message.replace(/^line /, '')}`);
    }
  }
  const figures = figuresDir(root);
  for (const figure of existsSync(figures) ? readdirSync(figures).sort() : []) {
    if (!figuresShown.has(path.join(figures, figure))) problems.push(`${path.relative(root, path.join(figures, figure))}: no page shows this figure`);
  }
  return problems;
}

/** The `<Solution chapter="..." exercise="..." />` tags of a page: which exercises they show, and what is wrong with them. */
function checkSolutions(markdown: string, root: string): { shown: Set<string>; problems: string[] } {
  const shown = new Set<string>();
  const problems: string[] = [];
  for (const { attributes, line } of findTags(markdown, 'Solution')) {
    const { chapter, exercise } = attributes;
    if (!chapter || !exercise || Object.keys(attributes).length !== 2) {
      problems.push(`${line}: <Solution> takes exactly two attributes, chapter="NN-name" exercise="name"`);
      continue;
    }
    let found: boolean;
    try {
      found = loadExercises(chapter, root)?.exercises.some((candidate) => candidate.name === exercise) ?? false;
    } catch (error) {
      problems.push(`${line}: ${error instanceof Error ? error.message : String(error)}`);
      continue;
    }
    if (!found) problems.push(`${line}: chapter "${chapter}" has no exercise "${exercise}" in exercises/${chapter}/exercises.json`);
    else if (!existsSync(solutionPatch(chapter, exercise, root))) problems.push(`${line}: the exercise "${exercise}" has no solution ${path.relative(root, solutionPatch(chapter, exercise, root))}`);
    else shown.add(`${chapter}/${exercise}`);
  }
  return { shown, problems };
}

/**
 * The shape every chapter page shares (docs/README.md): front matter with a title and a
 * sidebar position, a tl;dr, and at the end a "Try it" section showing the chapter's own
 * transcript followed by "What changed", then "Exercises" when the chapter has them.
 * Problems come back as `line: message`.
 */
function checkChapterPage(markdown: string, chapter: string, root: string): string[] {
  const problems: string[] = [];
  const text = markdown.replace(/\r\n/g, '\n');
  if (!existsSync(chapterDir(chapter, root))) problems.push(`1: the page is named for chapter "${chapter}", but there is no chapters/${chapter}`);
  const frontMatter = /^---\n([\s\S]*?)\n---\n/.exec(text)?.[1];
  if (frontMatter === undefined) {
    problems.push('1: a chapter page starts with front matter (---, title: ..., sidebar_position: ..., ---)');
  } else {
    for (const key of ['title', 'sidebar_position']) {
      if (!new RegExp(`^${key}:\\s*\\S`, 'm').test(frontMatter)) problems.push(`1: the front matter has no ${key}`);
    }
  }
  if (!/\*\*tl;dr\*\*/.test(text)) problems.push('1: a chapter page starts with a **tl;dr**');
  if (findImages(text).length === 0) problems.push('1: a chapter page shows at least one figure, ![what it shows](figures/NN-name.svg)');
  const headings = [...hideCode(text).matchAll(/^## (.+)$/gm)].map((match) => ({ title: match[1]!.trim(), line: text.slice(0, match.index).split('\n').length }));
  const tryIt = headings.findIndex((heading) => heading.title === 'Try it');
  const last = headings.at(-1);
  if (tryIt < 0) problems.push('1: a chapter page has a "## Try it" section');
  // "What changed" closes the chapter's text; only its exercises may follow it.
  const closing = last?.title === 'Exercises' ? headings.at(-2) : last;
  if (closing?.title !== 'What changed') problems.push(`${closing?.line ?? 1}: a chapter page ends with a "## What changed" section (and then, if it has exercises, "## Exercises")`);
  if (loadExercises(chapter, root) && last?.title !== 'Exercises') problems.push(`${last?.line ?? 1}: chapter ${chapter} has exercises: its page ends with an "## Exercises" section`);
  if (tryIt >= 0) {
    const start = headings[tryIt]!.line;
    const end = headings[tryIt + 1]?.line ?? Infinity;
    const shown = findTags(text, 'Transcript').filter((tag) => tag.line > start && tag.line < end);
    if (!shown.some((tag) => tag.attributes.chapter === chapter)) problems.push(`${start}: "Try it" shows no <Transcript chapter="${chapter}" />`);
  }
  return problems;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const problems = checkDocs();
  for (const problem of problems) console.error(problem);
  if (problems.length === 0) console.log(`docs: every listing, transcript, figure and solution in ${docPages().length} pages resolves`);
  process.exitCode = problems.length === 0 ? 0 : 1;
}
