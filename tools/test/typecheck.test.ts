// The type-check that `npm run typecheck` runs, as part of the suite: every TypeScript
// project (the emulator's core, its Node side, the tools and tests, the website) compiles
// without an error under its strict settings. As a test it runs beside the others, where
// before the suite it kept one core busy for half a minute while the other waited.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';
import { repoRoot } from '../src/paths';

/** The projects `npm run typecheck` checks, read from its script: `tsc -p A && tsc -p B ...`. */
function typecheckProjects(): string[] {
  const manifest = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const steps = manifest.scripts.typecheck!.split('&&').map((step) => step.trim());
  return steps.map((step) => {
    const project = /^tsc -p (\S+)$/.exec(step)?.[1];
    if (project === undefined) throw new Error(`package.json's typecheck script has a step this test cannot read: ${step}`);
    return project;
  });
}

test.each(typecheckProjects())('tsc -p %s finds no type errors', async (project) => {
  const tsc = path.join(repoRoot, 'node_modules', '.bin', 'tsc');
  const result = await promisify(execFile)(tsc, ['-p', project], { cwd: repoRoot }).then(
    () => ({ status: 0, output: '' }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({ status: error.code ?? 1, output: `${error.stdout ?? ''}${error.stderr ?? ''}` }),
  );
  expect(result.output).toBe('');
  expect(result.status).toBe(0);
});
