// Building the site from the tests: the same `docusaurus build` as `npm run site:build`, into
// a fresh folder under build/ that also holds the generated static files (kernels, the
// emulator's worker), with Docusaurus's generated modules in a fresh folder of their own, so a
// test build never collides with a developer's dev server or build, nor with another test run.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { buildDir, repoRoot } from '@bramble/tools/paths';

const DOCUSAURUS = path.join(repoRoot, 'node_modules', '@docusaurus', 'core', 'bin', 'docusaurus.mjs');
const WEBSITE = path.join(repoRoot, 'website');

export interface SiteBuild {
  status: number | null;
  /** Everything the build printed, stdout and stderr together. */
  output: string;
  /** The built site. */
  outDir: string;
  /** Removes everything the build wrote. */
  dispose(): void;
}

/**
 * Builds the site; `docsDir` replaces docs/ for a test's own pages, and `chapters` limits the
 * chapters whose kernels and source pages it makes (a test's page may need only one).
 */
export function buildSite(docsDir?: string, chapters?: readonly string[]): Promise<SiteBuild> {
  mkdirSync(buildDir, { recursive: true });
  const scratch = mkdtempSync(path.join(buildDir, 'website-test-'));
  // Docusaurus compiles its generated modules as the site's own code only inside the site's
  // folder (its Babel set-up and package.json apply there), so they stay in website/.
  const generated = mkdtempSync(path.join(WEBSITE, '.docusaurus-test-'));
  const outDir = path.join(scratch, 'site');
  const env = {
    ...process.env,
    DOCUSAURUS_GENERATED_FILES_DIR_NAME: generated,
    BRAMBLE_STATIC: path.join(scratch, 'static'),
    ...(docsDir ? { BRAMBLE_DOCS: docsDir } : {}),
    ...(chapters ? { BRAMBLE_CHAPTERS: chapters.join(',') } : {}),
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DOCUSAURUS, 'build', WEBSITE, '--out-dir', outDir], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, output, outDir, dispose: () => [scratch, generated].forEach((dir) => rmSync(dir, { recursive: true, force: true })) }));
  });
}
