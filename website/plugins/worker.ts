// The Web Worker that runs a kernel in the browser (src/components/RunIt/machine.worker.ts,
// which brings the whole emulator) is bundled here with esbuild into one self-contained
// script in the site's static files. A worker is its own program: one file, loaded by URL
// when the reader presses Run, with no share in the page's chunks or the bundler's runtime.
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

/** Bundles the worker of the site in `siteDir` into `staticDir`/emulator/; returns its address in the site. */
export async function bundleWorker(siteDir: string, staticDir: string): Promise<string> {
  const outDir = path.join(staticDir, 'emulator');
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const result = await build({
    entryPoints: [path.join(siteDir, 'src', 'components', 'RunIt', 'machine.worker.ts')],
    bundle: true,
    format: 'iife',
    target: 'es2022',
    minify: true,
    // The name changes with the content, so a browser never runs a stale cached emulator.
    entryNames: '[name]-[hash]',
    outdir: outDir,
    metafile: true,
    logLevel: 'silent',
  });
  const output = Object.keys(result.metafile.outputs).find((file) => file.endsWith('.js'));
  if (!output) throw new Error('esbuild wrote no worker script');
  return `/emulator/${path.basename(output)}`;
}
