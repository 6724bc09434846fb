// The initramfs (chapter 05 on): the folder a kernel unpacks into tmpfs at boot, and the
// cpio archive it is carried in. The folder is the chapter's rootfs/ (text files, /etc's
// motd), the built user programs in /bin, and empty /dev and /tmp (git keeps no empty
// folders); `npm start -- 05 --add FILE` puts more files in. GNU cpio makes the archive in
// the "newc" format, as Linux's initramfs uses, and the kernel's own parser reads it
// (chapters/05-vfs/kernel/src/fs/cpio.rs).
//
// Every file gets a fixed time and fixed permissions (0755 for programs and directories,
// 0644 for the rest, or what --add asks): the same sources give the same archive, byte for
// byte, and so the same kernel image.
import { spawn } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, statSync, utimesSync } from 'node:fs';
import path from 'node:path';

/** A host file to add to the initramfs at `guestPath` (absolute, inside the archive). */
export interface ExtraFile {
  host: string;
  guestPath: string;
}

/**
 * Parses an `--add HOSTFILE[:/guest/path]` argument: without a guest path the file goes to
 * /bin/NAME, executable. Throws a one-line message for a bad one.
 */
export function parseExtraFile(argument: string): ExtraFile {
  const colon = argument.indexOf(':/');
  const host = colon < 0 ? argument : argument.slice(0, colon);
  const guestPath = colon < 0 ? `/bin/${path.basename(host)}` : argument.slice(colon + 1);
  if (!existsSync(host) || !statSync(host).isFile()) throw new Error(`--add: ${host} is not a file`);
  if (guestPath.endsWith('/') || guestPath.split('/').some((part) => part === '..' || part === '.')) {
    throw new Error(`--add: ${guestPath} must be a file's absolute path without . or .. in it`);
  }
  return { host, guestPath };
}

/** The modes the archive's files get: the permission bits alone. */
const DIRECTORY_MODE = 0o755;
const PROGRAM_MODE = 0o755;
const TEXT_MODE = 0o644;
/** 2026-01-01: the time every file of the archive carries. */
const FIXED_TIME = new Date('2026-01-01T00:00:00Z');

/**
 * Fills the empty folder `into` with the initramfs's files: the chapter's rootfs/, the
 * programs of `programsDir` in bin/, and empty dev/ and tmp/.
 */
export function stageRootfs(chapterDir: string, programsDir: string, into: string): void {
  const rootfs = path.join(chapterDir, 'rootfs');
  if (existsSync(rootfs)) cpSync(rootfs, into, { recursive: true });
  for (const folder of ['bin', 'dev', 'tmp']) mkdirSync(path.join(into, folder), { recursive: true });
  for (const name of readdirSync(programsDir).filter((file) => !file.startsWith('.'))) {
    cpSync(path.join(programsDir, name), path.join(into, 'bin', name));
    chmodSync(path.join(into, 'bin', name), PROGRAM_MODE);
  }
  fixModes(into, true);
  fixTimes(into);
}

/** Adds `extra` to a staged folder. */
export function addFiles(into: string, extra: readonly ExtraFile[]): void {
  for (const file of extra) {
    const target = path.join(into, file.guestPath);
    mkdirSync(path.dirname(target), { recursive: true, mode: DIRECTORY_MODE });
    cpSync(file.host, target);
    // A file added without a guest path is a program; with one, it keeps its own x bits.
    const executable = file.guestPath === `/bin/${path.basename(file.host)}` || (statSync(file.host).mode & 0o111) !== 0;
    chmodSync(target, executable ? PROGRAM_MODE : TEXT_MODE);
  }
  fixTimes(into);
}

/** Directories 0755, files 0644, except bin/'s programs (already 0755). */
function fixModes(folder: string, top: boolean): void {
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) {
      chmodSync(full, DIRECTORY_MODE);
      if (!(top && entry.name === 'bin')) fixModes(full, false);
    } else {
      chmodSync(full, TEXT_MODE);
    }
  }
}

function fixTimes(folder: string): void {
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) fixTimes(full);
    utimesSync(full, FIXED_TIME, FIXED_TIME);
  }
  utimesSync(folder, FIXED_TIME, FIXED_TIME);
}

/** Every path under `folder`, relative, a directory before what it holds, sorted: "." first. */
export function archiveOrder(folder: string): string[] {
  const paths = ['.'];
  const visit = (relative: string) => {
    for (const name of readdirSync(path.join(folder, relative)).sort()) {
      const child = relative === '.' ? name : `${relative}/${name}`;
      paths.push(child);
      if (statSync(path.join(folder, child)).isDirectory()) visit(child);
    }
  };
  visit('.');
  return paths;
}

// ANCHOR: make_archive
/**
 * Writes the cpio archive of `folder` to `archive`: `cpio -o -H newc`, given the paths on
 * stdin, as Linux's own scripts make an initramfs. `--reproducible` numbers the inodes from
 * the archive's order and sets the device numbers to 0; `-R 0:0` makes root own everything.
 */
export function makeArchive(cpio: string, folder: string, archive: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cpio, ['--quiet', '-o', '-H', 'newc', '--reproducible', '-R', '0:0', '-O', archive], { cwd: folder, stdio: ['pipe', 'ignore', 'pipe'] });
    let messages = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (messages += chunk));
    child.on('error', (error) => reject(new Error(`cannot run ${cpio}: ${error.message}`)));
    child.on('close', (status) => (status === 0 ? resolve() : reject(new Error(`cpio failed (exit status ${status}): ${messages.trim()}`))));
    child.stdin.end(archiveOrder(folder).join('\n') + '\n');
  });
}
// ANCHOR_END: make_archive
