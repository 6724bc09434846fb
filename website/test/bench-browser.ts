// `npm run bench -- --browser` runs this (a benchmark, not a test): the site built and served
// as the tests do it, a chapter's Run pressed in headless Chromium, a command typed at its
// prompt, and the MIPS the status line shows, over the whole run and over the command alone.
//
//   tsx website/test/bench-browser.ts CHAPTER PROMPT COMMAND DONE
//
// DONE is what the guest prints when the command has finished. One line of figures goes to
// stdout; a failure is one line on stderr and exit status 1.
import type { Page } from 'playwright-core';
import { launchChromium } from './browser';
import { buildSite } from './site-build';
import { serveStatic } from './static-server';

/** The longest the boot, or the command, may take. */
const TIMEOUT_MS = 600_000;

/** What the status line says: instructions executed and MIPS (over the worker's busy time, from the boot on). */
interface Status {
  line: string;
  instructions: number;
  mips: number;
}

async function main([chapter, prompt, command, done]: string[]): Promise<void> {
  if (chapter === undefined || prompt === undefined || command === undefined || done === undefined) {
    throw new Error('usage: bench-browser.ts CHAPTER PROMPT COMMAND DONE');
  }
  process.stderr.write('bench: building the site\n');
  const site = await buildSite();
  try {
    if (site.status !== 0) throw new Error(`the site did not build: ${site.output.trim().split('\n').at(-1) ?? ''}`);
    const server = await serveStatic(site.outDir);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`${server.url}/chapters/${chapter}`);
      await page.waitForLoadState('networkidle');
      process.stderr.write(`bench: ${chapter} in Chromium: Run, then '${command}'\n`);
      await page.getByRole('button', { name: 'Run' }).click();
      await untilShown(page, prompt);
      const booted = await status(page);
      await page.locator('.xterm').click();
      await page.keyboard.type(command);
      await page.keyboard.press('Enter');
      await untilShown(page, done);
      const after = await status(page);
      // The status line's MIPS divides all instructions by the worker's busy time: the
      // command's own figure is the difference of the two readings.
      const busyMs = (s: Status): number => s.instructions / s.mips / 1000;
      const commandMips = (after.instructions - booted.instructions) / (busyMs(after) - busyMs(booted)) / 1000;
      process.stdout.write(
        `${chapter} in Chromium: the status line after '${command}': "${after.line}"; ` +
          `the command alone: ${(after.instructions - booted.instructions).toLocaleString('en-US')} instructions at ${commandMips.toFixed(1)} MIPS\n`,
      );
    } finally {
      await browser.close();
      await server.close();
    }
  } finally {
    site.dispose();
  }
}

/** Waits until a row of the terminal starts with `text`. */
async function untilShown(page: Page, text: string): Promise<void> {
  await page.waitForFunction(
    (wanted) => Array.from(document.querySelectorAll('.xterm-rows > div')).some((row) => (row.textContent ?? '').replace(/\u00a0/g, ' ').startsWith(wanted)),
    text,
    { timeout: TIMEOUT_MS },
  );
}

/** The status line, once it counts instructions (it is refreshed as the machine runs). */
async function status(page: Page): Promise<Status> {
  const pattern = /([\d,]+) instructions executed, ([\d.]+) MIPS/;
  await page.waitForFunction((source) => new RegExp(source).test(document.querySelector('.bramble-status')?.textContent ?? ''), pattern.source, { timeout: TIMEOUT_MS });
  const line = (await page.locator('.bramble-status').textContent()) ?? '';
  const match = pattern.exec(line)!;
  return { line, instructions: Number(match[1]!.replaceAll(',', '')), mips: Number(match[2]) };
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`bench-browser: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}\n`);
  process.exit(1);
});
