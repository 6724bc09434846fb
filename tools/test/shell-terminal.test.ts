// Chapter 07's shell at a terminal (a pseudo-terminal from `script`), under qemu-aarch64: line
// editing, history and completion in raw mode, ^C and ^Z reaching the job in the foreground
// and not the shell (and ending the loop that ran the job), jobs/fg/bg, ls's columns, a pipeline
// whose reader quits early, time, a command and a here-document continued at the > prompt, ^D
// to leave.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { wrapPrograms } from '../src/differential';
import { buildDir } from '../src/paths';
import { loadToolchain } from '../src/setup';
import { TerminalSession } from '../src/terminal-session';
import { buildChapter } from '../src/build';

const work = path.join(buildDir, '07-shell', 'terminal');
const home = path.join(work, 'home');
const ourPath = path.join(work, 'ours-bin');
const PROMPT = new RegExp(`${home.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\$ $`);
let session: TerminalSession;

beforeAll(async () => {
  const { programs } = await buildChapter('07-shell', { quiet: true });
  wrapPrograms(programs!, loadToolchain().qemuUser, ourPath);
  rmSync(home, { recursive: true, force: true });
  mkdirSync(home, { recursive: true });
  writeFileSync(path.join(home, 'unique-name.txt'), 'completed\n');
  // Names of many lengths, for ls's columns.
  for (const name of ['a', 'bb', 'ccc', 'dddd-long-name', 'e.txt', 'ggg-something', 'k-very-very-long-file-name.txt', ...'lmnopqrstvwxyz']) writeFileSync(path.join(home, name), '');
  session = new TerminalSession(path.join(ourPath, 'sh'), { cwd: home, env: { PATH: ourPath, HOME: home, TERM: 'vt100', LC_ALL: 'C' } });
  await session.waitFor(PROMPT);
});

afterAll(() => session?.kill());

/** Types a line and waits for what it prints and the next prompt; the output between. */
async function command(keys: string): Promise<string> {
  session.type(keys);
  return (await session.waitFor(new RegExp(`([^]*?)${PROMPT.source}`)))[1]!;
}

test('a command line with quotes runs, and the prompt shows the current directory', async () => {
  expect(await command(`echo 'a  b' "$HOME"\r`)).toBe(`echo 'a  b' "$HOME"\r\r\na  b ${home}\r\n`);
});

test('editing keys: left, Home, End, backspace, ^U', async () => {
  // "cho x" <Home> "e" <End> "yz" <Backspace> <Left> "-"  gives "echo x-y"; ^U drops a draft.
  expect(await command('junk\x15cho x\x01e\x05yz\x7f\x1b[D-\r')).toMatch(/\r\nx-y\r\n$/);
});

test('up arrow brings back the last line', async () => {
  await command('echo again\r');
  expect(await command('\x1b[A\r')).toMatch(/\r\nagain\r\n$/);
});

test('Tab completes a command and a file name', async () => {
  expect(await command('ca\tunique\t\r')).toMatch(/cat unique-name\.txt \r\r\ncompleted\r\n$/);
});

test('^C ends the foreground job, not the shell; its status is 128 + SIGINT', async () => {
  session.type('sleep 100\r');
  // The ^C must come once sleep runs with the terminal: type it until the prompt is back.
  await session.waitFor(new RegExp(`\\^C[^]*${PROMPT.source}`), 30_000, { keys: '\x03', every: 500 });
  expect(await command('echo $?\r')).toMatch(/\r\n130\r\n$/);
});

test('^Z stops the foreground job; jobs lists it; fg continues it and ^C ends it', async () => {
  session.type('sleep 100\r');
  await session.waitFor(/Stopped +sleep 100\r\n/, 30_000, { keys: '\x1a', every: 500 });
  await session.waitFor(PROMPT);
  expect(await command('jobs\r')).toMatch(/\[1\] +Stopped +sleep 100\r\n$/);
  session.type('fg\r');
  await session.waitFor(/sleep 100\r\n/);
  await session.waitFor(PROMPT, 30_000, { keys: '\x03', every: 500 });
  expect(await command('jobs\r')).toBe('jobs\r\r\n');
});

test("ls at a terminal lays names out in columns as GNU's ls does", async () => {
  const gnuLs = (process.env.PATH ?? '').split(':').map((folder) => path.join(folder, 'ls')).find((file) => existsSync(file));
  const ours = (await command('ls\r')).replace(/^ls\r\r\n/, '');
  const gnu = (await command(`${gnuLs} -C\r`)).replace(/^.*\r\r\n/, '');
  expect(ours.split('\r\n').length, ours).toBeGreaterThan(3);
  expect(ours).toBe(gnu);
});

test('bg continues a stopped job in the background, and jobs shows it running', async () => {
  session.type('sleep 100\r');
  await session.waitFor(/Stopped +sleep 100\r\n/, 30_000, { keys: '\x1a', every: 500 });
  await session.waitFor(PROMPT);
  expect(await command('bg\r')).toMatch(/\[1\] sleep 100 &\r\n$/);
  expect(await command('jobs\r')).toMatch(/\[1\] +Running +sleep 100\r\n$/);
  session.type('fg %1\r');
  await session.waitFor(/sleep 100\r\n/);
  await session.waitFor(PROMPT, 30_000, { keys: '\x03', every: 500 });
  expect(await command('jobs\r')).toBe('jobs\r\r\n');
});

test('a pipeline ends when its last program does (yes gets SIGPIPE)', async () => {
  expect(await command('yes | head -n 2\r')).toMatch(/\r\ny\r\ny\r\n$/);
});

test('time reports how long a pipeline took and the processor time it used (the form, not the values)', async () => {
  expect(await command('time true | true\r')).toMatch(/\r\nreal\t\d+m\d+\.\d{3}s\r\nuser\t\d+m\d+\.\d{3}s\r\nsys\t\d+m\d+\.\d{3}s\r\n$/);
});

test('an unfinished for loop asks for more with the > prompt (PS2), then runs whole', async () => {
  session.type('for w in one two; do\r');
  await session.waitFor(/do\r\r\n> $/);
  session.type('echo "word $w: $((1 + 2))"\r');
  await session.waitFor(/\r\r\n> $/);
  expect(await command('done\r')).toBe('done\r\r\nword one: 3\r\nword two: 3\r\n');
});

test('a here-document typed at the prompt continues at > up to its last line', async () => {
  session.type('cat <<END\r');
  await session.waitFor(/END\r\r\n> $/);
  session.type('typed in $HOME\r');
  await session.waitFor(/\r\r\n> $/);
  expect(await command('END\r')).toBe(`END\r\r\ntyped in ${home}\r\n`);
});

test('^C ends the job in the foreground and the loop that runs it, back to the prompt', async () => {
  session.type('while true; do sleep 100; done; echo never\r');
  await session.waitFor(new RegExp(`\\^C[^]*${PROMPT.source}`), 30_000, { keys: '\x03', every: 500 });
  expect(await command('echo $?\r')).toMatch(/\r\n130\r\n$/);
});

test('^D on an empty line leaves the shell with the last status', async () => {
  await command('false\r');
  session.type('\x04');
  expect(await session.close()).toBe(1);
});
