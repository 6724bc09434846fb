// The three workspaces depend on each other in one direction only: the tools and the website
// on the emulator (and the website on the tools), never the emulator on either. They import
// each other by package name (@bramble/emulator, @bramble/tools/<module>), so no relative
// path ever climbs out of its own workspace.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { repoRoot } from '../src/paths';

const WORKSPACES = ['emulator', 'tools', 'website'];

/** Every TypeScript file of a workspace (generated and installed folders left out). */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return ['node_modules', 'build', '.docusaurus'].includes(entry.name) ? [] : sources(file);
    return /\.tsx?$/.test(entry.name) ? [file] : [];
  });
}

/** The module specifiers a file imports (static imports and exports, and dynamic imports). */
function specifiers(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"\n]*?from\s+'([^']+)'|import\('([^']+)'\)/g)].map((match) => match[1] ?? match[2]!);
}

describe.each(WORKSPACES.map((workspace) => [workspace] as const))('%s', (workspace) => {
  const root = path.join(repoRoot, workspace);

  test('no relative import leaves the workspace', () => {
    const escaping = sources(root).flatMap((file) =>
      specifiers(file)
        .filter((specifier) => specifier.startsWith('.') && path.relative(root, path.resolve(path.dirname(file), specifier)).startsWith('..'))
        .map((specifier) => `${path.relative(repoRoot, file)}: ${specifier}`),
    );
    expect(escaping).toEqual([]);
  });
});

test('the emulator imports neither the tools nor the website', () => {
  const imports = sources(path.join(repoRoot, 'emulator')).flatMap((file) =>
    specifiers(file)
      .filter((specifier) => specifier.startsWith('@bramble/'))
      .map((specifier) => `${path.relative(repoRoot, file)}: ${specifier}`),
  );
  expect(imports).toEqual([]);
});
