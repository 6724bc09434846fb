// Syntax highlighting at build time with Shiki: the browser receives finished HTML and no
// highlighter. Colours come in two themes at once (light and dark, as CSS variables), so the
// page follows the reader's colour mode without highlighting twice.
import { createHighlighter, createJavaScriptRegexEngine, type Highlighter } from 'shiki';
import { linkerScript } from './linker-script';

const THEMES = { light: 'github-light', dark: 'github-dark' } as const;
const LANGUAGES = ['rust', 'asm', 'toml', 'typescript', 'shellscript', 'diff', 'json', 'markdown'] as const;

/** The language a file is highlighted as, by its name; 'text' when we have no grammar for it. */
export function languageOf(file: string): string {
  const name = file.split('/').at(-1)!;
  if (name === 'Cargo.lock') return 'toml';
  const extension = /\.([^.]+)$/.exec(name)?.[1]?.toLowerCase() ?? '';
  const byExtension: Record<string, string> = {
    rs: 'rust',
    s: 'asm',
    ld: 'linker-script',
    toml: 'toml',
    ts: 'typescript',
    mts: 'typescript',
    sh: 'shellscript',
    diff: 'diff',
    patch: 'diff',
    json: 'json',
    md: 'markdown',
  };
  return byExtension[extension] ?? 'text';
}

let highlighter: Promise<Highlighter> | undefined;

// Shiki's JavaScript engine runs the grammars' regular expressions as JavaScript's own: the same
// HTML as the Oniguruma engine (compared on every chapter file), in two thirds of the time.
function loadHighlighter(): Promise<Highlighter> {
  highlighter ??= createHighlighter({ themes: Object.values(THEMES), langs: [...LANGUAGES, linkerScript], engine: createJavaScriptRegexEngine() });
  return highlighter;
}

/**
 * `code` as highlighted HTML: a `<pre class="shiki">` whose lines are `<span class="line">`.
 * With `lineIds`, each line gets an id `L<n>`, so a link can point at it.
 */
export async function highlight(code: string, language: string, options: { lineIds?: boolean } = {}): Promise<string> {
  const shiki = await loadHighlighter();
  return shiki.codeToHtml(withControlPictures(code), {
    lang: language,
    themes: THEMES,
    transformers: options.lineIds
      ? [
          {
            line(node, line) {
              node.properties.id = `L${line}`;
            },
          },
        ]
      : [],
  });
}

/**
 * `code` with each control character but tab and newline as its Unicode control picture (NUL as
 * ␀, DEL as ␡): a test's input can hold a raw one, which a browser would show as nothing at all,
 * and which does not belong in HTML.
 */
function withControlPictures(code: string): string {
  return code.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, (control) => String.fromCharCode(control === '\x7f' ? 0x2421 : 0x2400 + control.charCodeAt(0)));
}
