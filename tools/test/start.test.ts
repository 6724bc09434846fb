// `npm start` as a user runs it (a real subprocess), and the runners under it, in both
// machines: the guest's output alone on stdout, its exit status as the command's, input from
// stdin, time limits, and one-line errors.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { buildChapter } from '../src/build';
import { listChapters } from '../src/chapters';
import { runKernel, type Backend } from '../src/kernel-run';
import { repoRoot } from '../src/paths';
import { EscapeKeys } from '../src/terminal';
import { ECHO_EXIT_STATUS, earlyPrintKernel, echoKernel, silencedUartKernel, sleepKernel, spinKernel } from './tiny-kernels';

const backends: Backend[] = ['emulator', 'qemu'];
const scratch = mkdtempSync(path.join(tmpdir(), 'bramble-start-test-'));
const kernelFile = (name: string, image: Uint8Array) => {
  const file = path.join(scratch, `${name}.img`);
  writeFileSync(file, image);
  return file;
};

interface Finished {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** `npm start --silent -- ...args`, with `stdin` piped in (or /dev/null when absent). */
function npmStart(args: string[], stdin?: Uint8Array): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['start', '--silent', '--', ...args], { cwd: repoRoot, stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout!.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.stdin?.end(stdin);
    child.on('error', reject);
    child.on('close', (status) =>
      resolve({ status, stdout: Buffer.concat(stdout).toString('latin1'), stderr: Buffer.concat(stderr).toString('latin1') }),
    );
  });
}

const firstChapter = listChapters()[0]!;
const firstNumber = firstChapter.name.slice(0, 2);

describe.each(backends.map((backend) => [backend] as const))('npm start in %s', (backend) => {
  const flags = backend === 'qemu' ? ['--qemu'] : [];

  test(`--silent -- ${firstNumber} </dev/null prints exactly what the guest prints, and exits with its status`, async () => {
    const imagePath = (await buildChapter(firstChapter.name, { quiet: true })).image;
    const guest = await runKernel({ image: readFileSync(imagePath), imagePath, backend, timeoutMs: 60_000 });
    expect(guest.ending, guest.message).toBe('exit');

    const started = await npmStart([firstNumber, ...flags]);
    expect(started.stdout).toBe(guest.output);
    expect(started.status).toBe(guest.exitCode);
  });

  test('feeds all of stdin to the serial port, byte for byte (Ctrl-A and 0xff too)', async () => {
    const typed = Buffer.from('hello\x01\xff\r\n', 'latin1');
    const started = await npmStart(['--kernel', kernelFile('echo', echoKernel), ...flags], Buffer.concat([typed, Buffer.from('.')]));
    expect(started.stderr).toBe('');
    expect(started.stdout).toBe(typed.toString('latin1'));
    expect(started.status).toBe(ECHO_EXIT_STATUS);
  });

  test('--timeout gives up on a guest that never exits: one line on stderr, status 124', async () => {
    const started = await npmStart(['--kernel', kernelFile('spin', spinKernel), '--timeout', '1', ...flags]);
    expect(started.stdout).toBe('');
    expect(started.stderr).toBe('npm start: the guest did not exit within 1 s\n');
    expect(started.status).toBe(124);
  });
});

/** Chapters with a monitor to type at: those whose book page types a script (try-it.txt). */
const interactiveChapters = listChapters().filter((chapter) => existsSync(path.join(chapter.dir, 'try-it.txt')));
/** From chapter 07 on, the card's /sbin/init starts a shell: `npm start` types at it, not at the monitor. */
const startsShell = (chapter: { dir: string }) => existsSync(path.join(chapter.dir, 'user', 'src', 'bin', 'init.rs'));

describe.each(interactiveChapters.filter((chapter) => startsShell(chapter)).map((chapter) => [chapter.name] as const))('a script piped into %s, whose kernel starts a shell', (name) => {
  // Nothing in it depends on time, and poweroff ends the machine (status 0). One line: what is
  // typed ahead of a prompt is echoed by the terminal where it arrives, in our emulator all at
  // once and in QEMU as npm start types it, so a second line would print differently.
  const script = 'echo piped into the shell; false || echo status $?; poweroff\n';

  test('reaches the shell whole in both machines, which print the same bytes and end the same way', async () => {
    const ours = await npmStart([name.slice(0, 2)], Buffer.from(script));
    const qemu = await npmStart([name.slice(0, 2), '--qemu'], Buffer.from(script));
    expect(ours.stdout).toMatch(/^piped into the shell\r?$/m);
    expect(ours.stdout).toMatch(/^status 1\r?$/m);
    expect(ours.status).toBe(0);
    expect(qemu.stdout).toBe(ours.stdout);
    expect(qemu.status).toBe(ours.status);
  });
});

describe.each(interactiveChapters.filter((chapter) => !startsShell(chapter)).map((chapter) => [chapter.name] as const))('a script piped into %s, whose kernel runs its monitor', (name) => {
  // Nothing in it depends on time (uptime, ticks would), and it ends with an exit status.
  const script = 'help\nfrobnicate\nmem\nexit 3\n';

  test('reaches the guest whole in both machines, which print the same bytes and exit with the same status', async () => {
    const ours = await npmStart([name.slice(0, 2)], Buffer.from(script));
    const qemu = await npmStart([name.slice(0, 2), '--qemu'], Buffer.from(script));
    for (const line of script.split('\n').filter(Boolean)) expect(ours.stdout).toContain(`> ${line}\r\n`);
    expect(ours.status).toBe(3);
    expect(qemu.stdout).toBe(ours.stdout);
    expect(qemu.status).toBe(ours.status);
  });
});

describe.each(interactiveChapters.map((chapter) => [chapter.name] as const))('chapter %s, booted without a card', (name) => {
  // Without a card every such kernel runs its monitor (from chapter 07 on, the initramfs has no
  // /sbin/init). Our UART keeps what was typed before the boot (QEMU's empties its FIFO when the kernel sets
  // the UART up). Fewer bytes than the FIFO's trigger level raise only the receive timeout, which
  // fires while the kernel still has the interrupt masked: it must take them when it unmasks it.
  test('in our emulator, a short line typed before the boot is read once the kernel listens', async () => {
    const image = readFileSync((await buildChapter(name, { quiet: true })).image);
    const run = await runKernel({ image, backend: 'emulator', input: 'exit 3\r', maxInstructions: 500_000_000, timeoutMs: 60_000 });
    expect(run.output).toContain('> exit 3');
    expect(run).toMatchObject({ ending: 'exit', exitCode: 3 });
  });
});

describe('a kernel that prints before setting the UART up', () => {
  test('prints the same in both machines: the UART starts as the firmware leaves it', async () => {
    const [ours, qemu] = await Promise.all(backends.map((backend) => runKernel({ image: earlyPrintKernel, backend, timeoutMs: 30_000 })));
    expect(ours!.output).toBe('hi\n');
    expect(qemu!.output).toBe(ours!.output);
    expect(ours).toMatchObject({ ending: 'exit', exitCode: 0 });
    expect(qemu).toMatchObject({ ending: 'exit', exitCode: 0 });
  });

  test('in our emulator, output the guest sends with the UART switched off is dropped and reported once on stderr', async () => {
    const started = await npmStart(['--kernel', kernelFile('silenced', silencedUartKernel)]);
    expect(started.stdout).toBe('');
    expect(started.stderr).toBe('npm start: warning: PL011: output dropped: the guest wrote to DR with the UART (CR.UARTEN) switched off\n');
    expect(started.status).toBe(0);
  });
});

describe('npm start, wrong use', () => {
  test('an unknown chapter is one line on stderr and a failure', async () => {
    const started = await npmStart(['nonsense']);
    expect(started.stdout).toBe('');
    expect(started.stderr).toMatch(/^npm start: no chapter "nonsense"; choose one of: [^\n]+\n$/);
    expect(started.status).toBe(1);
  });

  test('an unknown option is one line that points to --help', async () => {
    const started = await npmStart(['--frobnicate']);
    expect(started.stderr).toBe('npm start: unknown option --frobnicate (npm start -- --help)\n');
    expect(started.status).toBe(2);
  });

  test('--help explains the options on stdout', async () => {
    const started = await npmStart(['--help']);
    expect(started.status).toBe(0);
    for (const option of ['--qemu', '--timeout', '--kernel', 'Ctrl-A x']) expect(started.stdout).toContain(option);
  });
});

describe('runKernel', () => {
  test.each(backends.map((backend) => [backend] as const))('passes input and the exit status through in %s', async (backend) => {
    const run = await runKernel({ image: echoKernel, backend, input: 'ping\r.', timeoutMs: 30_000 });
    expect(run.output).toBe('ping\r');
    expect(run).toMatchObject({ ending: 'exit', exitCode: ECHO_EXIT_STATUS });
  });

  test('in our emulator, a guest asleep after its input has ended stops at once instead of at the timeout', async () => {
    const run = await runKernel({ image: sleepKernel, backend: 'emulator', timeoutMs: 30_000 });
    // 'waiting', not 'timeout': the run ended because the input did, not at the 30 s limit.
    expect(run).toMatchObject({ ending: 'waiting', exitCode: null, message: 'the guest is waiting for input, but the input has ended' });
  });

  test('in our emulator, maxInstructions bounds a run that never ends', async () => {
    const run = await runKernel({ image: spinKernel, backend: 'emulator', maxInstructions: 1_000_000 });
    expect(run.ending).toBe('limit');
    expect(run.instructions).toBe(1_000_000);
  });

  test('an empty image is a one-line error, not an exception', async () => {
    const run = await runKernel({ image: new Uint8Array(0), backend: 'emulator' });
    expect(run).toMatchObject({ ending: 'error', exitCode: null });
    expect(run.message).toMatch(/^[^\n]+$/);
  });
});

describe('Ctrl-A at the terminal', () => {
  test('Ctrl-A x quits; the keys before it still reach the guest', () => {
    expect(new EscapeKeys().feed(Buffer.from('ls\x01x'))).toEqual({ guest: Uint8Array.from(Buffer.from('ls')), quit: true });
  });

  test('Ctrl-A Ctrl-A sends one Ctrl-A; Ctrl-A and another key sends nothing', () => {
    expect(new EscapeKeys().feed(Buffer.from('a\x01\x01b\x01qc'))).toEqual({ guest: Uint8Array.from(Buffer.from('a\x01bc')), quit: false });
  });

  test('Ctrl-A and x may arrive in separate reads', () => {
    const keys = new EscapeKeys();
    expect(keys.feed(Buffer.from('\x01')).quit).toBe(false);
    expect(keys.feed(Buffer.from('x')).quit).toBe(true);
  });
});
