// The website, built for real and read in real headless Chromium: every chapter page loads
// cleanly with its listings highlighted, every diff page lists the files that really changed,
// the monitor answers in the in-page terminal (and, for a chapter with a disk, keeps what is
// written to its SD card while the page is open), chapter 07's shell runs a pipeline there,
// and a listing that names a missing anchor stops the build.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_AHEAD_MS } from '@bramble/emulator';
import { listChapters, type Chapter } from '@bramble/tools/chapters';
import { loadExercises, solutionPatch } from '@bramble/tools/exercise-files';
import { findImages, findListings, resolveListing, transcriptFile } from '@bramble/tools/listings';
import { buildDir, repoRoot } from '@bramble/tools/paths';
import { hasDisk } from '@bramble/tools/sd-image';
import { sourceFiles } from '../plugins/sources';
import { sourcePath } from '../src/routes';
import { launchChromium } from './browser';
import { buildSite, type SiteBuild } from './site-build';
import { serveStatic, type StaticServer } from './static-server';

/** A control character other than tab, newline and carriage return: never raw in a page. */
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/;

/** `text` with each Unicode control picture (U+2400-U+241F, and U+2421 for DEL) as the control character it pictures. */
function fromControlPictures(text: string): string {
  return text.replace(/[\u2400-\u241f\u2421]/g, (picture) => String.fromCharCode(picture === '\u2421' ? 0x7f : picture.charCodeAt(0) - 0x2400));
}

/** The in-page terminal's height (src/components/RunIt/session.ts). */
const TERMINAL_ROWS = 24;

/** Chapters that have a page in the book (docs/<chapter>.md or .mdx), in reading order. */
const chapters = listChapters().filter((chapter) => docOf(chapter) !== undefined);

function docOf(chapter: Chapter): string | undefined {
  return ['.md', '.mdx'].map((ext) => path.join(repoRoot, 'docs', `${chapter.name}${ext}`)).find((file) => existsSync(file));
}

let site: SiteBuild;
let server: StaticServer;
let browser: Browser;

beforeAll(async () => {
  site = await buildSite();
  if (site.status !== 0) throw new Error(`the site did not build:\n${site.output}`);
  server = await serveStatic(site.outDir);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  site?.dispose();
});

/** Opens a page of the site, collecting every console error and uncaught exception on it. */
async function open(url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`exception: ${error.message}`));
  const response = await page.goto(server.url + url);
  expect(response?.status(), url).toBe(200);
  await page.waitForLoadState('networkidle');
  return { page, errors };
}

describe('the built site', () => {
  it('has the home page, and a page for every chapter of the book', () => {
    expect(chapters.length).toBeGreaterThan(0);
    expect(existsSync(path.join(site.outDir, 'index.html'))).toBe(true);
    for (const chapter of chapters) expect(existsSync(path.join(site.outDir, 'chapters', chapter.name, 'index.html')), chapter.name).toBe(true);
  });

  it.each(chapters.map((chapter) => [chapter.name, chapter] as const))('chapter %s loads without errors, its listings highlighted and exact', async (_name, chapter) => {
    const { page, errors } = await open(`/chapters/${chapter.name}`);
    const wanted = findListings(readFileSync(docOf(chapter)!, 'utf8'));
    const shown = await page.$$eval('.bramble-listing', (figures) =>
      figures.map((figure) => ({
        title: figure.querySelector('figcaption')?.textContent ?? '',
        code: figure.querySelector('pre.shiki')?.textContent ?? '',
        coloured: figure.querySelectorAll('pre.shiki span[style*="color"]').length,
      })),
    );
    expect(shown).toHaveLength(wanted.length);
    shown.forEach((listing, i) => {
      expect(listing.title).toBe(wanted[i]!.file);
      // The exact code between the markers, and never a marker line.
      expect(listing.code).toBe(resolveListing(wanted[i]!));
      expect(listing.code).not.toMatch(/ANCHOR(_END)?:/);
      expect(listing.coloured, `${wanted[i]!.file}#${wanted[i]!.anchor} is highlighted`).toBeGreaterThan(0);
    });
    expect(errors).toEqual([]);
    await page.close();
  });

  it.each(chapters.map((chapter) => [chapter.name, chapter] as const))('chapter %s shows every figure it names and folds away each exercise\'s solution', async (_name, chapter) => {
    const { page, errors } = await open(`/chapters/${chapter.name}`);
    const wanted = findImages(readFileSync(docOf(chapter)!, 'utf8'));
    const figures = await page.$$eval('article img', (images) => images.map((image) => ({ alt: image.getAttribute('alt') ?? '', src: image.getAttribute('src') ?? '' })));
    expect(figures.map((figure) => figure.alt)).toEqual(wanted.map((figure) => figure.alt));
    for (const figure of figures) {
      // Docusaurus inlines a small image into the page as a data: URL; a larger one is a file.
      if (figure.src.startsWith('data:')) {
        expect(dataUrlText(figure.src), figure.alt).toContain('<svg');
        continue;
      }
      const response = await page.request.get(server.url + figure.src);
      expect(response.status(), figure.src).toBe(200);
      expect(await response.text(), figure.src).toContain('<svg');
    }
    const solutions = await page.$$eval('details.bramble-solution', (folds) =>
      folds.map((fold) => ({ exercise: fold.getAttribute('data-exercise') ?? '', open: (fold as HTMLDetailsElement).open, code: fold.querySelector('pre.shiki')?.textContent ?? '' })),
    );
    const exercises = loadExercises(chapter.name)?.exercises ?? [];
    expect(solutions.map((solution) => solution.exercise).sort()).toEqual(exercises.map((exercise) => exercise.name).sort());
    for (const solution of solutions) {
      expect(solution.open, `${solution.exercise} is folded`).toBe(false);
      expect(solution.code).toBe(readFileSync(solutionPatch(chapter.name, solution.exercise), 'utf8').trimEnd());
    }
    expect(errors).toEqual([]);
    await page.close();
  });

  it("a source page shows a file's control characters as their pictures, and no page holds a raw one", async () => {
    // Raw control characters are legitimate in a chapter's files (a test types DEL into the monitor).
    const withControls = chapters.flatMap((chapter) =>
      sourceFiles(chapter.dir)
        .filter((file) => file.text !== null && CONTROL.test(file.text))
        .map((file) => ({ chapter: chapter.name, path: file.path, text: file.text! })),
    );
    expect(withControls.length, 'a chapter file with a control character').toBeGreaterThan(0);
    for (const file of withControls) {
      const { page, errors } = await open(sourcePath(file.chapter, file.path));
      const shown = (await page.locator('pre.shiki').textContent()) ?? '';
      const line = file.text.split('\n').find((text) => CONTROL.test(text))!;
      // Shown as pictures (␀ for NUL, ␡ for DEL): none raw, and read back, the file's own line.
      expect(shown, `${file.chapter}/${file.path}`).not.toMatch(CONTROL);
      expect(fromControlPictures(shown), `${file.chapter}/${file.path}`).toContain(line);
      expect(errors).toEqual([]);
      await page.close();
    }
    const raw = filesUnder(site.outDir).filter((file) => file.endsWith('.html') && CONTROL.test(readFileSync(file, 'latin1')));
    expect(raw.map((file) => path.relative(site.outDir, file))).toEqual([]);
  });

  it.each(chapters.slice(1).map((chapter) => [chapter.name, chapter] as const))('the changes page of %s lists exactly the files that differ from the chapter before', async (_name, chapter) => {
    const all = listChapters();
    const previous = all[all.findIndex((c) => c.name === chapter.name) - 1]!;
    const { page, errors } = await open(`/changes/${chapter.name}`);
    const listed = await page.$$eval('tr[data-path]', (rows) => rows.map((row) => `${row.getAttribute('data-status')} ${row.getAttribute('data-path')}`));
    expect(listed.sort()).toEqual(differingFiles(previous.dir, chapter.dir).sort());
    expect(await page.locator('.bramble-file-change pre.shiki').count()).toBeGreaterThan(0);
    expect(errors).toEqual([]);
    await page.close();
  });
});

/** What `diff -rq` says differs between two chapter folders (build outputs left out), as "status path" lines. */
function differingFiles(before: string, after: string): string[] {
  const excluded = ['target', 'build', 'node_modules', '.git', '*.img', '*.elf'].flatMap((pattern) => ['-x', pattern]);
  let report: string;
  try {
    report = execFileSync('diff', ['-rq', ...excluded, before, after], { encoding: 'utf8' });
  } catch (error) {
    // diff exits with 1 when the folders differ, which is the point.
    report = (error as { stdout: string }).stdout;
  }
  const result: string[] = [];
  for (const line of report.split('\n').filter(Boolean)) {
    const differ = /^Files (.+) and (.+) differ$/.exec(line);
    if (differ) {
      result.push(`changed ${path.relative(before, differ[1]!)}`);
      continue;
    }
    const only = /^Only in (.+): (.+)$/.exec(line);
    if (!only) throw new Error(`unexpected diff output: ${line}`);
    const [dir, name] = [only[1]!, only[2]!];
    const status = dir === before || dir.startsWith(before + path.sep) ? 'removed' : 'added';
    const root = status === 'removed' ? before : after;
    for (const file of filesUnder(path.join(dir, name))) result.push(`${status} ${path.relative(root, file)}`);
  }
  return result;
}

function filesUnder(file: string): string[] {
  if (!statSync(file).isDirectory()) return [file];
  return execFileSync('find', [file, '-type', 'f'], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

describe('Run it here', () => {
  /**
   * The chapter to run: the highest one whose try-it.txt types `help`, i.e. that has the
   * monitor. Its transcript says what the prompt is and what `help` prints.
   */
  const monitor = chapters
    .filter((chapter) => {
      const input = path.join(chapter.dir, 'try-it.txt');
      return existsSync(input) && readFileSync(input, 'utf8').split('\n').some((line) => line.trim() === 'help');
    })
    .at(-1);

  it('boots the chapter with the monitor in the page, and `help` lists its commands', async () => {
    expect(monitor, 'a chapter whose try-it.txt types help').toBeDefined();
    const chapter = monitor!;
    const transcript = readFileSync(transcriptFile(chapter.name), 'utf8').split('\n');
    const helpAt = transcript.findIndex((line) => line.endsWith('> help'));
    expect(helpAt, `the transcript of ${chapter.name} shows help`).toBeGreaterThan(0);
    const prompt = transcript[helpAt]!.slice(0, -'help'.length);
    const helpLines = transcript.slice(helpAt + 1, transcript.findIndex((line, i) => i > helpAt && line.startsWith(prompt)));
    expect(helpLines.length).toBeGreaterThan(0);

    // Every script the page fetches before and after Run (the worker's included), and whether
    // it ran or was only prefetched (Docusaurus prefetches the pages that links point to).
    const scripts: Scripts = { before: new Map(), after: new Map() };
    let phase: 'before' | 'after' = 'before';
    const context = await browser.newContext();
    context.on('request', (request) => {
      const url = request.url();
      if (!url.endsWith('.js')) return;
      const ran = request.resourceType() === 'script';
      const seen = scripts.before.get(url) ?? scripts.after.get(url);
      if (seen) seen.ran ||= ran;
      else scripts[phase].set(url, { ran });
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${server.url}/chapters/${chapter.name}`);
    await page.waitForLoadState('networkidle');
    expect(await page.locator('.xterm-rows').count(), 'no terminal before Run').toBe(0);

    phase = 'after';
    const rows = () => page.evaluate(() => Array.from(document.querySelectorAll('.xterm-rows > div'), (row) => (row.textContent ?? '').replace(/\u00a0/g, ' ').trimEnd()));
    const started = Date.now();
    await page.getByRole('button', { name: 'Run' }).click();
    await page.waitForFunction((p) => Array.from(document.querySelectorAll('.xterm-rows > div')).some((row) => (row.textContent ?? '').replace(/\u00a0/g, ' ').startsWith(p)), prompt, {
      timeout: 60_000,
    });
    const bootMs = Date.now() - started;

    await page.locator('.xterm').click();
    await page.keyboard.type('help');
    await page.keyboard.press('Enter');
    // The screen (TERMINAL_ROWS rows, the last one the next prompt) shows the end of what was
    // typed and printed: the whole list while it fits, its last lines when it is longer.
    const shown = [`${prompt}help`, ...helpLines].slice(-(TERMINAL_ROWS - 1));
    let screen: string[] = [];
    await expect
      .poll(
        async () => {
          screen = await rows();
          return shown.filter((line) => !screen.includes(line.trimEnd()));
        },
        { timeout: 30_000 },
      )
      .toEqual([]);
    // A chapter with user programs: one runs in the page too.
    if (transcript.some((line) => line.startsWith(`${prompt}run hello`))) {
      await page.keyboard.type('run hello');
      await page.keyboard.press('Enter');
      await expect.poll(async () => (screen = await rows()), { timeout: 30_000 }).toEqual(expect.arrayContaining(['argv[0] = hello', 'exit 0']));
    }
    // A chapter with a disk: a file written on the card reads back in the same run, and once
    // synced it is still there after Reset, which boots a new machine with the same card.
    if (hasDisk(chapter)) {
      const file = '/home/reader/from-the-page.txt';
      const text = 'typed in the page';
      const bootLine = transcript.find((line) => line.startsWith('files: '));
      expect(bootLine, `the transcript of ${chapter.name} says where its files are`).toBeDefined();
      const command = async (line: string) => {
        await page.keyboard.type(line);
        await page.keyboard.press('Enter');
      };
      await command(`write ${file} ${text}`);
      await command(`cat ${file}`);
      await command('sync');
      await expect.poll(async () => (screen = await rows()), { timeout: 30_000 }).toEqual(expect.arrayContaining([`${prompt}cat ${file}`, text, expect.stringMatching(/^sync: [1-9]\d* lines written back$/)]));
      await page.getByRole('button', { name: 'Reset' }).click();
      await expect.poll(async () => (screen = await rows()), { timeout: 60_000 }).toEqual(expect.arrayContaining([bootLine, prompt.trimEnd()]));
      expect(screen, 'Reset clears the screen').not.toContain(text);
      await page.locator('.xterm').click();
      await command(`cat ${file}`);
      await expect.poll(async () => (screen = await rows()), { timeout: 30_000 }).toEqual(expect.arrayContaining([`${prompt}cat ${file}`, text]));
    }
    // The status line counts what the machine did.
    let status = '';
    await expect
      .poll(async () => (status = (await page.locator('.bramble-status').textContent()) ?? ''), { timeout: 10_000 })
      .toMatch(/[1-9][\d,]* instructions executed, [\d.]+ MIPS/);
    // The worker keeps the guest's clock to the wall clock (it never gets ahead; the status
    // line rounds to a tenth of a second).
    const guestSeconds = Number(/guest clock ([\d.]+) s/.exec(status)?.[1]);
    expect(guestSeconds).toBeLessThanOrEqual((Date.now() - started) / 1000 + 0.05 + MAX_AHEAD_MS / 1000);
    expect(errors).toEqual([]);

    report(chapter.name, scripts, bootMs, status);
    await context.close();
  });
});

describe('Run it here, at the shell', () => {
  /** The first chapter with a shell: its card's init starts sh on the console. */
  const chapter = chapters.find((candidate) => candidate.name === '07-shell');
  /** The shell's prompt in / (sh prints the working directory, then `$`). */
  const SHELL_PROMPT = '/ $';

  it('boots chapter 07 from its card in the page, and the shell runs a pipeline', async () => {
    expect(chapter, 'chapter 07 has a page').toBeDefined();
    const { page, errors } = await open(`/chapters/${chapter!.name}`);
    const rows = () => page.evaluate(() => Array.from(document.querySelectorAll('.xterm-rows > div'), (row) => (row.textContent ?? '').replace(/\u00a0/g, ' ').trimEnd()));
    const command = async (line: string) => {
      await page.keyboard.type(line);
      await page.keyboard.press('Enter');
    };
    await page.getByRole('button', { name: 'Run' }).click();
    // The kernel starts /sbin/init, which starts the shell: its prompt is the first one.
    await expect.poll(async () => (await rows()).includes(SHELL_PROMPT), { timeout: 60_000 }).toBe(true);
    await page.locator('.xterm').click();
    await command('echo typed in the page | wc -w; false || echo status $?');
    await expect.poll(rows, { timeout: 30_000 }).toEqual(expect.arrayContaining([`${SHELL_PROMPT} echo typed in the page | wc -w; false || echo status $?`, '4', 'status 1']));
    expect(errors).toEqual([]);
    await page.close();
  });
});

/** The size of the chapter's SD card image as the site ships it (gzip-compressed), or null without one. */
function sdImageSize(chapter: string): number | null {
  const file = path.join(site.outDir, 'kernels', `${chapter}.sd.img.gz`);
  return existsSync(file) ? statSync(file).size : null;
}

/** The text a data: URL holds, base64 or percent-encoded. */
function dataUrlText(url: string): string {
  const comma = url.indexOf(',');
  const data = url.slice(comma + 1);
  return url.slice(0, comma).endsWith(';base64') ? Buffer.from(data, 'base64').toString('utf8') : decodeURIComponent(data);
}

/** Scripts fetched before and after Run, by address: whether each ran (or was only prefetched). */
interface Scripts {
  before: Map<string, { ran: boolean }>;
  after: Map<string, { ran: boolean }>;
}

/** The figures the site's report quotes: written to build/website-measurements.json and printed. */
function report(chapter: string, scripts: Scripts, bootMs: number, status: string): void {
  const size = (urls: Map<string, { ran: boolean }>, ran: boolean) => {
    let files = 0;
    let raw = 0;
    let gzip = 0;
    for (const [url, script] of urls) {
      if (script.ran !== ran) continue;
      const bytes = readFileSync(path.join(site.outDir, new URL(url).pathname));
      files++;
      raw += bytes.length;
      gzip += gzipSync(bytes).length;
    }
    return { files, bytes: raw, gzipBytes: gzip };
  };
  const figures = {
    chapter,
    siteBytes: Number(execFileSync('du', ['-sb', site.outDir], { encoding: 'utf8' }).split('\t')[0]),
    scriptsBeforeRun: size(scripts.before, true),
    prefetchedBeforeRun: size(scripts.before, false),
    scriptsAddedByRun: size(scripts.after, true),
    runToPromptMs: bootMs,
    sdImageBytes: sdImageSize(chapter),
    statusAfterHelp: status,
  };
  writeFileSync(path.join(buildDir, 'website-measurements.json'), `${JSON.stringify(figures, null, 2)}\n`);
  console.log(`website: ${JSON.stringify(figures)}`);
}

describe('a listing that names a missing anchor', () => {
  it('stops the build, naming the page and the anchor', async () => {
    const docs = mkdtempSync(path.join(tmpdir(), 'bramble-docs-'));
    try {
      const chapter = listChapters()[0]!;
      writeFileSync(
        path.join(docs, 'broken-listing.md'),
        `# A page with a bad listing\n\nSome text.\n\n<Listing chapter="${chapter.name}" file="kernel/Cargo.toml" anchor="no_such_anchor" />\n`,
      );
      // Only the chapter the page quotes: the build stops at the page, whatever else it makes.
      const broken = await buildSite(docs, [chapter.name]);
      broken.dispose();
      expect(broken.status).not.toBe(0);
      expect(broken.output).toMatch(/broken-listing\.md:5: listing [\w-]+\/kernel\/Cargo\.toml#no_such_anchor: anchor "no_such_anchor" is not there/);
    } finally {
      rmSync(docs, { recursive: true, force: true });
    }
  });
});
