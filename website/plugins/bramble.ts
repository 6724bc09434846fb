// The Docusaurus plugin that turns the repository into the book's extra pages, at build time:
//
//  - every chapter's kernel, built from its sources with the project's build tool and copied
//    into the site's static files (the "Run it here" terminal boots it in the browser), and
//    from chapter 06 on its SD card image, gzip-compressed (the terminal's machine boots with it);
//  - /source/<chapter>/...: every file of every chapter, highlighted;
//  - /changes/<chapter>: what changed since the chapter before, file by file;
//  - the emulator's Web Worker, bundled into one script (plugins/worker.ts);
//  - global data listing the chapters (title and one-line description from each chapter's
//    page), which the home page and the chapter pages read.
//
// Chapters are discovered (tools/src/chapters.ts); nothing here names one.
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { LoadContext, Plugin } from '@docusaurus/types';
import type { Configuration } from 'webpack';
import { DEFAULT_PARSE_FRONT_MATTER, parseMarkdownContentTitle } from '@docusaurus/utils';
import { buildChapter } from '@bramble/tools/build';
import { listChapters, type Chapter } from '@bramble/tools/chapters';
import { repoRoot } from '@bramble/tools/paths';
import type { ChangesData, ChapterSummary, SiteData, SourceFileData, SourceIndexData } from '../src/data';
import { changesPath, kernelPath, sdImagePath, sourceIndexPath, sourcePath } from '../src/routes';
import { changesBetween, type FileChange } from './changes';
import { highlight, languageOf } from './highlight';
import { QuotedFilesPlugin } from './quoted-files';
import type { SourceSnapshot } from './snapshot';
import { sourceFiles, type SourceFile } from './sources';
import { bundleWorker } from './worker';

export interface BrambleOptions {
  /** The book's Markdown pages (docs/). */
  docsDir: string;
  /** Where the docs plugin serves them (its routeBasePath, with a leading slash). */
  docsRoute: string;
  /** A static-files folder of the site that this plugin fills (kernel images). */
  staticDir: string;
  /** Filled here with every chapter file and transcript, for the whole build to read (see snapshot.ts). */
  sources: SourceSnapshot;
  /** Only these chapters (folder names), for test builds that need no other; every chapter when absent. */
  only?: readonly string[];
}

interface Loaded {
  chapters: LoadedChapter[];
  /** The emulator's worker script's address. */
  worker: string;
  /** A hash of everything the pages are made from besides the pages themselves (see configureWebpack). */
  fingerprint: string;
}

/** Rspack's persistent cache as Docusaurus sets it (webpack's types, which the plugin API uses, have no such field). */
interface RspackExperiments {
  cache?: { type: 'persistent'; version: string };
}

interface LoadedChapter {
  summary: ChapterSummary;
  files: SourceFile[];
  /** Changes since the previous chapter; empty for the first. */
  changes: FileChange[];
}

export default function bramblePlugin(context: LoadContext, options: BrambleOptions): Plugin {
  return {
    name: 'bramble',

    getPathsToWatch() {
      return [
        path.join(repoRoot, 'chapters', '**', '*'),
        path.join(repoRoot, 'final', '**', '*'),
        path.join(repoRoot, 'exercises', '**', '*'),
        path.join(options.docsDir, '*.md*'),
      ];
    },

    async loadContent(): Promise<Loaded> {
      const chapters = listChapters().filter((chapter) => !options.only || options.only.includes(chapter.name));
      const pages = await chapterPages(options.docsDir, options.docsRoute);
      const loaded: LoadedChapter[] = [];
      for (const [index, chapter] of chapters.entries()) {
        const previous = index > 0 ? loaded[index - 1]! : undefined;
        const files = sourceFiles(chapter.dir);
        const page = pages.get(chapter.name);
        const machine = await copyMachine(chapter, options.staticDir);
        loaded.push({
          summary: {
            name: chapter.name,
            title: page?.title ?? chapter.name,
            description: page?.description ?? '',
            docPath: page?.path ?? null,
            previous: previous?.summary.name ?? null,
            kernel: machine.kernel,
            sd: machine.sd,
            files: files.length,
          },
          files,
          changes: previous ? changesBetween(previous.files, files) : [],
        });
      }
      const snapshot = snapshotOf(chapters, loaded);
      options.sources.set(snapshot);
      const worker = await bundleWorker(context.siteDir, options.staticDir);
      return { chapters: loaded, worker, fingerprint: fingerprint(snapshot, loaded, worker, context.siteDir) };
    },

    // Rspack's persistent cache knows that a page depends on its Markdown, not that its
    // listings depend on chapter sources or its transcripts on docs/transcripts: a cached page
    // could show yesterday's code. So the cache's version carries a fingerprint of all of that,
    // and of the docs folder (tests build from folders of their own).
    configureWebpack(config, isServer, utils, content) {
      const { fingerprint } = content as Loaded;
      const { cache } = (config.experiments ?? {}) as RspackExperiments;
      const experiments: RspackExperiments = cache ? { cache: { ...cache, version: `${cache.version}-${hash(options.docsDir).slice(0, 8)}-${fingerprint}` } } : {};
      const plugins: Configuration['plugins'] = [];
      // The server bundle renders the pages at build time. As one file: split into chunks, Node
      // would load each chunk from disk as an ES module (the repository's package.json says
      // so), and the bundler's CommonJS code fails there.
      if (isServer) plugins.push(new utils.currentBundler.instance.optimize.LimitChunkCountPlugin({ maxChunks: 1 }));
      // The dev server: pages follow the files they quote as those change.
      if (config.mode === 'development') {
        options.sources.live = true;
        plugins.push(new QuotedFilesPlugin(options.docsDir, () => options.sources.paths()));
      }
      return { experiments: experiments as Configuration['experiments'], plugins };
    },

    async contentLoaded({ content: loaded, actions }) {
      // What loadContent returned (Docusaurus's plugin list types every plugin's content as unknown).
      const { chapters: content, worker } = loaded as Loaded;
      const { addRoute, createData, setGlobalData } = actions;
      const data: SiteData = { chapters: content.map((chapter) => chapter.summary), worker };
      setGlobalData(data);

      // Most of a chapter's files are the chapter before's unchanged (583 files in chapters 01-07,
      // 317 different ones): each different one is highlighted once.
      const sourcePages = new Map<string, Promise<string>>();
      const sourceHtml = (file: string, text: string) => {
        const language = languageOf(file);
        const key = `${language}\0${text}`;
        let html = sourcePages.get(key);
        if (!html) {
          html = highlight(text, language, { lineIds: true });
          sourcePages.set(key, html);
        }
        return html;
      };

      for (const { summary, files, changes } of content) {
        const index: SourceIndexData = {
          chapter: summary,
          files: files.map((file) => ({ path: file.path, lines: file.text === null ? 0 : lineCount(file.text) })),
        };
        addRoute({
          path: sourceIndexPath(summary.name),
          component: '@site/src/components/SourceIndexPage',
          modules: { data: await createData(`source-${summary.name}.json`, JSON.stringify(index)) },
          exact: true,
        });
        for (const file of files) {
          const page: SourceFileData = {
            chapter: summary,
            path: file.path,
            html: file.text === null ? null : await sourceHtml(file.path, file.text),
          };
          addRoute({
            path: sourcePath(summary.name, file.path),
            component: '@site/src/components/SourceFilePage',
            modules: { data: await createData(`source-${summary.name}-${file.path.replace(/[^\w.-]/g, '_')}.json`, JSON.stringify(page)) },
            exact: true,
          });
        }

        const previous = content.find((chapter) => chapter.summary.name === summary.previous);
        if (!previous) continue;
        const page: ChangesData = {
          chapter: summary,
          previous: previous.summary,
          changes: await Promise.all(
            changes.map(async ({ patch, ...change }) => ({ ...change, html: patch === null ? null : await highlight(patch, 'diff') })),
          ),
        };
        addRoute({
          path: changesPath(summary.name),
          component: '@site/src/components/ChangesPage',
          modules: { data: await createData(`changes-${summary.name}.json`, JSON.stringify(page)) },
          exact: true,
        });
      }
    },
  };
}

interface ChapterPage {
  title: string;
  description: string;
  path: string;
}

/**
 * The book's page for each chapter: docs/<chapter>.md (or .mdx), by the chapter's folder name,
 * with its title and description from the front matter (or its first heading).
 */
async function chapterPages(docsDir: string, docsRoute: string): Promise<Map<string, ChapterPage>> {
  const pages = new Map<string, ChapterPage>();
  if (!existsSync(docsDir)) return pages;
  for (const name of readdirSync(docsDir)) {
    const match = /^(.+)\.mdx?$/.exec(name);
    if (!match) continue;
    const filePath = path.join(docsDir, name);
    const { frontMatter, content } = await DEFAULT_PARSE_FRONT_MATTER({ filePath, fileContent: readFileSync(filePath, 'utf8') });
    const id = typeof frontMatter.id === 'string' ? frontMatter.id : match[1]!;
    const slug = typeof frontMatter.slug === 'string' ? frontMatter.slug.replace(/^\//, '') : id;
    const title = typeof frontMatter.title === 'string' ? frontMatter.title : parseMarkdownContentTitle(content).contentTitle;
    pages.set(match[1]!, {
      title: title ?? match[1]!,
      description: typeof frontMatter.description === 'string' ? frontMatter.description : firstSentence(content),
      path: `${docsRoute}/${slug}`,
    });
  }
  return pages;
}

/**
 * A page's one-line summary when its front matter has no `description`: the first sentence of
 * its first paragraph of prose (after the title), without Markdown marks or a "tl;dr" label.
 */
function firstSentence(markdown: string): string {
  const paragraph = markdown
    .split(/\n\s*\n/)
    .map((block) => block.trim())
    .find((block) => block !== '' && !/^(#|<|import |export |```|---|\||>|-|\*\s|\d+\.)/.test(block));
  if (!paragraph) return '';
  const text = paragraph
    .replace(/\s+/g, ' ')
    .replace(/[*_`]/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/^tl;dr:?\s*/i, '');
  return /^.*?[.!?](?=\s|$)/.exec(text)?.[0] ?? text;
}

/**
 * Builds the chapter's kernel and copies it into the site, with its SD card image for a chapter
 * that has a disk; says their addresses in the site (null for what the chapter does not have).
 * The card is 64 MiB, nearly all of it zeros, so it goes gzip-compressed (about half a MiB),
 * and the browser's DecompressionStream unpacks it.
 */
async function copyMachine(chapter: Chapter, staticDir: string): Promise<{ kernel: string | null; sd: string | null }> {
  if (!existsSync(path.join(chapter.kernelDir, 'Cargo.toml'))) return { kernel: null, sd: null };
  const built = await buildChapter(chapter.name, { quiet: true });
  const target = path.join(staticDir, kernelPath(chapter.name));
  mkdirSync(path.dirname(target), { recursive: true });
  copyFileSync(built.image, target);
  if (!built.sd) return { kernel: kernelPath(chapter.name), sd: null };
  writeFileSync(path.join(staticDir, sdImagePath(chapter.name)), gzipSync(readFileSync(built.sd)));
  return { kernel: kernelPath(chapter.name), sd: sdImagePath(chapter.name) };
}

/** Every chapter file (as loaded), every transcript and every exercise file, by absolute path. */
function snapshotOf(chapters: Chapter[], loaded: LoadedChapter[]): Map<string, string | null> {
  const files = new Map<string, string | null>();
  chapters.forEach((chapter, i) => {
    for (const file of loaded[i]!.files) files.set(path.join(chapter.dir, file.path), file.text);
  });
  const transcripts = path.join(repoRoot, 'docs', 'transcripts');
  for (const file of existsSync(transcripts) ? sourceFiles(transcripts) : []) files.set(path.join(transcripts, file.path), file.text);
  const exercises = path.join(repoRoot, 'exercises');
  for (const file of existsSync(exercises) ? sourceFiles(exercises) : []) files.set(path.join(exercises, file.path), file.text);
  return files;
}

/**
 * A hash of what pages are made from besides their Markdown: the snapshot (chapter files and
 * transcripts), the global data (the worker script's name changes with the emulator), and the
 * code that turns them into pages (this plugin's folder and the listing functions).
 */
function fingerprint(snapshot: Map<string, string | null>, chapters: LoadedChapter[], worker: string, siteDir: string): string {
  const parts: string[] = [worker, JSON.stringify(chapters.map((chapter) => chapter.summary))];
  for (const [file, text] of snapshot) parts.push(file, text ?? '');
  const plugins = path.join(siteDir, 'plugins');
  for (const name of readdirSync(plugins).sort()) parts.push(name, readFileSync(path.join(plugins, name), 'utf8'));
  parts.push(readFileSync(path.join(repoRoot, 'tools', 'src', 'listings.ts'), 'utf8'));
  return hash(parts.join('\0'));
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function lineCount(text: string): number {
  return text === '' ? 0 : text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}
