// The initramfs (chapter 05 on): a malformed archive stops the boot with one line that names
// the entry and what is wrong with it, never a panic; and `--add` puts a reader's own files
// into it, for one run, in both machines.
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { buildChapter, buildWithFiles } from '../src/build';
import { parseExtraFile } from '../src/initramfs';
import { runKernel, type Backend } from '../src/kernel-run';

const CHAPTER = '05-vfs';
const BACKENDS: Backend[] = ['emulator', 'qemu'];

/** One newc entry, as GNU cpio writes it: the header's 13 fields in hex, the name, the data, each padded to 4. */
function entry(name: string, mode: number, data = '', magic = '070701', nameSize = name.length + 1): Buffer {
  const fields = [1, mode, 0, 0, 1, 0, data.length, 0, 0, 0, 0, nameSize, 0];
  const header = magic + fields.map((field) => field.toString(16).padStart(8, '0')).join('');
  const pad = (length: number) => '\0'.repeat((4 - (length % 4)) % 4);
  const named = `${header}${name}\0`;
  return Buffer.from(`${named}${pad(named.length)}${data}${pad(data.length)}`, 'latin1');
}

const DIRECTORY = 0o040755;
const FILE = 0o100644;
const trailer = () => entry('TRAILER!!!', 0);

/** Boots `image` in both machines and returns each one's output and exit status. */
async function bootBoth(image: string, input = ''): Promise<{ backend: Backend; output: string; status: number | null }[]> {
  return Promise.all(
    BACKENDS.map(async (backend) => {
      const keyboard = new PassThrough();
      keyboard.end(input);
      const run = await runKernel({ image: readFileSync(image), imagePath: image, backend, input: keyboard, timeoutMs: 120_000 });
      return { backend, output: run.output.replace(/\r\n/g, '\n'), status: run.exitCode };
    }),
  );
}

describe('a malformed initramfs', () => {
  const cases = [
    {
      what: 'a header cut short',
      archive: Buffer.concat([entry('.', DIRECTORY), entry('etc', DIRECTORY), entry('etc/motd', FILE, 'hi\n').subarray(0, 60)]),
      line: 'initramfs: entry 2: the archive ends inside its header',
    },
    {
      what: 'a bad magic number',
      archive: Buffer.concat([entry('.', DIRECTORY), entry('etc', DIRECTORY, '', '070702'), trailer()]),
      line: 'initramfs: entry 1: its header does not start with the newc magic 070701',
    },
    {
      what: 'a name that runs past the end',
      archive: Buffer.concat([entry('.', DIRECTORY), entry('etc', DIRECTORY, '', '070701', 0x1000)]),
      line: 'initramfs: entry 1: its name runs past the end of the archive',
    },
  ];

  test.each(cases.map((c) => [c.what, c] as const))('with %s stops the boot with one line naming the entry, in both machines', async (_what, c) => {
    const built = await buildWithFiles(CHAPTER, { archive: c.archive }, { quiet: true });
    for (const run of await bootBoth(built.image)) {
      expect(run.output.split('\n').filter((line) => line.startsWith('initramfs:')), `${run.backend}:\n${run.output}`).toEqual([c.line]);
      expect(run.output, run.backend).not.toMatch(/panic/i);
      expect(run.status, run.backend).toBe(1);
    }
  });
});

describe('--add', () => {
  test('puts a program at /bin/NAME and a file where it says, for one run, leaving the chapter as it was', async () => {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'bramble-add-'));
    const chapter = await buildChapter(CHAPTER, { quiet: true });
    const program = path.join(folder, 'mine');
    copyFileSync(path.join(chapter.programs!, 'hello'), program);
    const note = path.join(folder, 'note.txt');
    writeFileSync(note, 'a note of my own\n');
    const files = [parseExtraFile(program), parseExtraFile(`${note}:/home/notes/note.txt`)];
    const built = await buildWithFiles(CHAPTER, { files }, { quiet: true });
    expect(built.image).not.toBe(chapter.image);
    for (const run of await bootBoth(built.image, 'run /bin/mine x\rcat /home/notes/note.txt\rls /bin/mine\rexit\r')) {
      expect(run.output, run.backend).toMatch(/^argv\[1\] = x$/m);
      expect(run.output, run.backend).toMatch(/^a note of my own$/m);
      expect(run.output, run.backend).toMatch(/^-rwxr-xr-x +\d+ \/bin\/mine$/m);
      expect(run.status, run.backend).toBe(0);
    }
    // The chapter's own kernel does not have them.
    const [plain] = await bootBoth(chapter.image, 'run /bin/mine\rexit\r');
    expect(plain!.output).toMatch(/^run: \/bin\/mine: ENOENT$/m);
  });

  test('a file that is not there, or a guest path with .., is a one-line error', () => {
    expect(() => parseExtraFile('/no/such/file')).toThrow('--add: /no/such/file is not a file');
    expect(() => parseExtraFile(`${__filename}:/bin/../x`)).toThrow(/must be a file's absolute path without \. or \.\./);
  });
});
