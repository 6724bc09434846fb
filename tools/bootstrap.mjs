// The first step of `npm start`, `npm test`, `npm run build` and `npm run bench`.
//
// This is the project's one plain-JavaScript file, and it has to be: every other tool is
// TypeScript run by tsx, and on a fresh clone tsx is not installed yet. So this file, which
// Node runs as it is, installs the npm packages (`npm ci`, exactly what package-lock.json
// lists) when node_modules is missing or older than the lock file, then hands over to
// tools/src/setup.ts, which finds or installs Rust, LLVM's tools and QEMU.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const lockFile = path.join(root, 'package-lock.json');
// npm writes this copy of the lock file into node_modules at the end of every install.
const installedLockFile = path.join(root, 'node_modules', '.package-lock.json');

function needsInstall() {
  return !existsSync(installedLockFile) || statSync(installedLockFile).mtimeMs < statSync(lockFile).mtimeMs;
}

if (needsInstall()) {
  console.error('setup: installing npm packages (npm ci)');
  const install = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, encoding: 'utf8' });
  if (install.status !== 0) {
    process.stderr.write(`${install.stdout ?? ''}${install.stderr ?? ''}`);
    console.error('setup: `npm ci` failed (its output is above).');
    process.exit(1);
  }
}

// `--import tsx` loads tsx's TypeScript loader into this same Node, which starts faster than
// the tsx command (that one starts a second Node).
const setupScript = path.join(root, 'tools', 'src', 'setup.ts');
// Its arguments (`--browser` for `npm test`) go to set-up.
const setup = spawnSync(process.execPath, ['--import', 'tsx', setupScript, ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
process.exit(setup.status ?? 1);
