// The book quotes code only through named anchors in the chapters' sources; these tests make
// sure every quote in docs/ resolves, and that a broken one fails with a line that says where.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { chapterDir, checkDocs, docPages, extractAnchor, findListings, resolveListing } from '../src/listings';
import { repoRoot } from '../src/paths';

describe('the book in docs/', () => {
  test('every listing and transcript it asks for exists', () => {
    expect(docPages().length).toBeGreaterThan(0);
    const problems = checkDocs();
    expect(problems, problems.join('\n')).toEqual([]);
  });

  test('every page quotes code, and each listing shows exactly the lines between its markers', () => {
    for (const page of docPages().filter((file) => path.basename(file) !== 'README.md')) {
      const listings = findListings(readFileSync(page, 'utf8'));
      expect(listings.length, `${path.basename(page)} has no <Listing/>`).toBeGreaterThan(0);
      for (const listing of listings) {
        const code = resolveListing(listing);
        expect(code).not.toMatch(/ANCHOR/);
        // Every line shown is a line of the source file (give or take the indentation taken away).
        const source = readFileSync(path.join(chapterDir(listing.chapter), listing.file), 'utf8');
        for (const line of code.split('\n')) expect(source).toContain(line.trim());
      }
    }
  });
});

describe('extractAnchor', () => {
  const source = [
    'fn outside() {}',
    '    // ANCHOR: outer',
    '    fn first() {',
    '        // ANCHOR: inner',
    '        body();',
    '        // ANCHOR_END: inner',
    '    }',
    '    // ANCHOR_END: outer',
    '/* ANCHOR: linker */',
    'SECTIONS { }',
    '/* ANCHOR_END: linker */',
    '# ANCHOR: toml',
    '[package]',
    '# ANCHOR_END: toml',
  ].join('\n');

  test('returns the lines between the markers, without markers nested inside, dedented', () => {
    expect(extractAnchor(source, 'outer')).toBe('fn first() {\n    body();\n}');
    expect(extractAnchor(source, 'inner')).toBe('body();');
  });

  test('understands /* */ and # comments as markers, and CR LF files', () => {
    expect(extractAnchor(source, 'linker')).toBe('SECTIONS { }');
    expect(extractAnchor(source.replace(/\n/g, '\r\n'), 'toml')).toBe('[package]');
  });

  test('a marker must be a whole comment line: code that mentions ANCHOR is not one', () => {
    const text = 'let s = "// ANCHOR: fake";\n// ANCHOR: real\nx\n// ANCHOR_END: real';
    expect(() => extractAnchor(text, 'fake')).toThrow('anchor "fake" is not there');
  });

  test('a missing, unterminated, duplicated, backwards or empty anchor is an error that names it', () => {
    expect(() => extractAnchor(source, 'nowhere')).toThrow('anchor "nowhere" is not there (no line "ANCHOR: nowhere")');
    expect(() => extractAnchor('// ANCHOR: open\ncode', 'open')).toThrow('anchor "open" is not terminated (line 1 has no matching "ANCHOR_END: open")');
    expect(() => extractAnchor('// ANCHOR: twice\na\n// ANCHOR_END: twice\n// ANCHOR: twice\nb\n// ANCHOR_END: twice', 'twice')).toThrow(
      'anchor "twice" is marked more than once (lines 1, 3, 4, 6)',
    );
    expect(() => extractAnchor('// ANCHOR_END: back\nx\n// ANCHOR: back', 'back')).toThrow('anchor "back" ends (line 1) before it starts (line 3)');
    expect(() => extractAnchor('// ANCHOR: none\n\n// ANCHOR_END: none', 'none')).toThrow('anchor "none" is empty (lines 1-3)');
  });
});

describe('findListings', () => {
  test('finds each tag with its attributes and line, also across lines, but not in code', () => {
    const markdown = [
      '# Title', // 1
      '<Listing chapter="01-bare-metal" file="kernel/src/main.rs" anchor="kernel_main" />', // 2
      'Text with `<Listing chapter="x" file="y" anchor="z" />` in inline code.', // 3
      '```mdx', // 4
      '<Listing chapter="x" file="y" anchor="z" />', // 5
      '```', // 6
      '<Listing', // 7
      '  chapter="01-bare-metal"', // 8
      '  file="kernel/link.ld"', // 9
      '  anchor="linker_sections"', // 10
      '/>', // 11
    ].join('\n');
    expect(findListings(markdown)).toEqual([
      { chapter: '01-bare-metal', file: 'kernel/src/main.rs', anchor: 'kernel_main', line: 2 },
      { chapter: '01-bare-metal', file: 'kernel/link.ld', anchor: 'linker_sections', line: 7 },
    ]);
  });

  test('a tag without an attribute, with an unknown one, or not self-closing is an error with its line', () => {
    expect(() => findListings('\n<Listing chapter="01-bare-metal" file="kernel/src/main.rs" />')).toThrow('line 2: <Listing> needs chapter="..." file="..." anchor="..."; missing: anchor');
    expect(() => findListings('<Listing chapter="a" file="b" anchor="c" lines="1-5" />')).toThrow('line 1: <Listing> has no attribute lines');
    expect(() => findListings('<Listing chapter="a" file="b" anchor="c">')).toThrow('line 1: <Listing ...> must be one self-closing tag');
    expect(() => findListings("<Listing chapter='a' file=\"b\" anchor=\"c\" />")).toThrow(`line 1: <Listing> has "chapter='a'"`);
  });
});

describe('checkDocs on a book with mistakes (the real chapters, a page written for the test)', () => {
  let root: string | undefined;
  afterEach(() => {
    if (root) rmSync(root, { recursive: true, force: true });
    root = undefined;
  });

  /**
   * Checks a book that has the real chapters and one page, docs/<file>; optionally the real
   * exercises, and figures (docs/figures/<name>, each a small SVG).
   */
  function bookWith(page: string, file = 'notes.md', extra: { exercises?: boolean; figures?: string[] } = {}): string[] {
    root = mkdtempSync(path.join(tmpdir(), 'bramble-docs-'));
    symlinkSync(path.join(repoRoot, 'chapters'), path.join(root, 'chapters'));
    if (extra.exercises) symlinkSync(path.join(repoRoot, 'exercises'), path.join(root, 'exercises'));
    mkdirSync(path.join(root, 'docs', 'figures'), { recursive: true });
    for (const figure of extra.figures ?? []) writeFileSync(path.join(root, 'docs', 'figures', figure), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    writeFileSync(path.join(root, 'docs', file), page);
    return checkDocs(root);
  }

  test('a figure that does not exist, has no description or is a link fails; a figure no page shows fails too', () => {
    const page = ["![the kernel's boot](figures/boot.svg)", '![](figures/memory.svg)', '![a web picture](https://example.com/x.svg)', '![gone](figures/gone.svg)', '`![in code](figures/code.svg)`'].join('\n');
    expect(bookWith(page, 'notes.md', { figures: ['boot.svg', 'memory.svg', 'unused.svg'] })).toEqual([
      'docs/notes.md:1: the description of figures/boot.svg has a straight quote; write ’ or “ ”',
      'docs/notes.md:2: the figure figures/memory.svg needs a description between the brackets',
      'docs/notes.md:3: the figure https://example.com/x.svg must be a file in docs/figures, not a link',
      'docs/notes.md:4: there is no figure figures/gone.svg (docs/figures/gone.svg)',
      'docs/figures/unused.svg: no page shows this figure',
    ]);
  });

  test('a <Solution/> must name an exercise with its patch, and every exercise of a chapter needs one on its page', () => {
    const page = ['<Solution chapter="01-bare-metal" exercise="panic" />', '<Solution chapter="01-bare-metal" exercise="nothing" />', '<Solution chapter="01-bare-metal" />'].join('\n');
    expect(bookWith(page, 'notes.md', { exercises: true })).toEqual([
      'docs/notes.md:2: chapter "01-bare-metal" has no exercise "nothing" in exercises/01-bare-metal/exercises.json',
      'docs/notes.md:3: <Solution> takes exactly two attributes, chapter="NN-name" exercise="name"',
    ]);
    const chapterPage = ['---', 'title: "01"', 'sidebar_position: 1', '---', '**tl;dr** x', '![a figure](figures/f.svg)', '## Try it', '<Transcript chapter="01-bare-metal" />', '## What changed', '## Exercises', '<Solution chapter="01-bare-metal" exercise="panic" />', ''].join('\n');
    const problems = bookWith(chapterPage, '01-bare-metal.md', { exercises: true, figures: ['f.svg'] });
    expect(problems).toContain('docs/01-bare-metal.md:1: chapter 01-bare-metal\'s exercise "mpidr" has no <Solution chapter="01-bare-metal" exercise="mpidr" /> on its page');
    expect(problems.some((problem) => problem.includes('"panic"'))).toBe(false);
  });

  test('a listing of an anchor the file does not have fails, naming page, line, chapter, file and anchor', () => {
    const problems = bookWith('---\ntitle: x\n---\n\n<Listing chapter="01-bare-metal" file="kernel/src/main.rs" anchor="no_such_anchor" />\n');
    expect(problems).toEqual([
      'docs/notes.md:5: listing 01-bare-metal/kernel/src/main.rs#no_such_anchor: anchor "no_such_anchor" is not there (no line "ANCHOR: no_such_anchor")',
    ]);
  });

  test('a listing of a file the chapter does not have, or of a chapter that does not exist, fails', () => {
    const problems = bookWith(
      [
        '<Listing chapter="01-bare-metal" file="kernel/src/nothing.rs" anchor="kernel_main" />',
        '<Listing chapter="99-nowhere" file="kernel/src/main.rs" anchor="kernel_main" />',
        '<Listing chapter="01-bare-metal" file="../../package.json" anchor="scripts" />',
      ].join('\n'),
    );
    expect(problems).toEqual([
      'docs/notes.md:1: listing 01-bare-metal/kernel/src/nothing.rs#kernel_main: the chapter has no file kernel/src/nothing.rs',
      'docs/notes.md:2: listing 99-nowhere/kernel/src/main.rs#kernel_main: there is no chapter "99-nowhere"',
      "docs/notes.md:3: listing 01-bare-metal/../../package.json#scripts: the file must be inside the chapter's folder",
    ]);
  });

  test('a transcript that was never generated fails, and says how to make it', () => {
    const problems = bookWith('\n<Transcript chapter="01-bare-metal" />\n<Transcript />\n');
    expect(problems).toEqual([
      'docs/notes.md:2: no transcript for chapter "01-bare-metal" (docs/transcripts/01-bare-metal.txt); run npm run transcripts',
      'docs/notes.md:3: <Transcript> takes exactly one attribute, chapter="NN-name"',
    ]);
  });

  test('a malformed tag is reported with its page and line', () => {
    expect(bookWith('\n\n<Listing chapter="01-bare-metal" />\n')).toEqual([
      'docs/notes.md:3: <Listing> needs chapter="..." file="..." anchor="..."; missing: file, anchor',
    ]);
  });

  test('a chapter page without front matter, tl;dr, "Try it" with its transcript, or "What changed" last fails', () => {
    const page = ['# Chapter 01', '', 'Some text.', '', '## Try it', '', '<Listing chapter="01-bare-metal" file="kernel/src/main.rs" anchor="kernel_main" />', '', '## Afterwards', ''].join('\n');
    expect(bookWith(page, '01-bare-metal.md')).toEqual([
      'docs/01-bare-metal.md:1: a chapter page starts with front matter (---, title: ..., sidebar_position: ..., ---)',
      'docs/01-bare-metal.md:1: a chapter page starts with a **tl;dr**',
      'docs/01-bare-metal.md:1: a chapter page shows at least one figure, ![what it shows](figures/NN-name.svg)',
      'docs/01-bare-metal.md:9: a chapter page ends with a "## What changed" section (and then, if it has exercises, "## Exercises")',
      'docs/01-bare-metal.md:5: "Try it" shows no <Transcript chapter="01-bare-metal" />',
    ]);
  });

  test('a chapter page must be named for a chapter that exists, and say where it goes in the sidebar', () => {
    const page = ['---', 'title: "99"', '---', '**tl;dr** x', '![a figure](figures/x.svg)', '## Try it', '<Transcript chapter="99-nowhere" />', '## What changed', ''].join('\n');
    expect(bookWith(page, '99-nowhere.md', { figures: ['x.svg'] })).toEqual([
      'docs/99-nowhere.md:7: no transcript for chapter "99-nowhere" (docs/transcripts/99-nowhere.txt); run npm run transcripts',
      'docs/99-nowhere.md:1: the page is named for chapter "99-nowhere", but there is no chapters/99-nowhere',
      'docs/99-nowhere.md:1: the front matter has no sidebar_position',
    ]);
  });
});
