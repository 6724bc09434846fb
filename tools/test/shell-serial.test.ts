// Chapter 07's shell on Bramble, typed at over the serial port in both machines: the kernel
// starts /sbin/init from the card as pid 1, which starts sh in a session of its own whose
// controlling terminal is the console. Each line is typed once what it waits for has been printed, as a
// person would; a ^C or ^Z is typed a moment after the command it is meant for, so that the
// command is running when it arrives. Afterwards the card is checked from the host: what the
// redirections wrote is there for debugfs, and e2fsck -fn finds the filesystem clean. The same
// session checks what init is to the rest (the orphans' parent), hangups and SIGTTOU, a
// fault that kills a program with SIGSEGV, and compound commands typed over several lines.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildChapter } from '../src/build';
import { runKernel, type Backend, type KernelRun } from '../src/kernel-run';
import { buildDir } from '../src/paths';
import { partitionsOf, SECTOR } from '../src/sd-image';
import { loadToolchain } from '../src/setup';

/** One thing to type, once `after` has been printed (since the previous step's text). */
interface Step {
  after: RegExp;
  type: string;
  /** Wait this long first: the command typed before must have started. */
  delayMs?: number;
}

const PROMPT = /\/ \$ $/;
/** Long enough for sh to fork and exec the command before the key that interrupts it. */
const SETTLE_MS = 1500;

const STEPS: Step[] = [
  { after: PROMPT, type: `echo 'two  spaces' "and \\$HOME" | wc -c; echo status $?\r` },
  { after: PROMPT, type: 'false; echo status $?\r' },
  { after: PROMPT, type: 'echo written by sh > /home/out.txt; echo more >> /home/out.txt; cat /home/out.txt\r' },
  { after: PROMPT, type: 'sleep 100\r' },
  { after: /sleep 100\r*\n/, type: '\x03', delayMs: SETTLE_MS },
  { after: PROMPT, type: 'echo after interrupt $?\r' },
  { after: PROMPT, type: 'yes | head -n 3\r' },
  { after: PROMPT, type: 'echo recalled from history\r' },
  // The line editor: up arrow (ESC [ A) brings the last line back; Tab completes a path, then a
  // command. Each next line waits for the answer, since the editor redraws its prompt on the way.
  { after: PROMPT, type: '\x1b[A\r' },
  { after: /recalled from history\r*\n\/ \$ $/, type: 'cat /etc/hostn\t\r' },
  { after: /bramble\r*\n\/ \$ $/, type: 'unam\t-s\r' },
  { after: /Bramble\r*\n\/ \$ $/, type: 'sleep 2 &\r' },
  { after: PROMPT, type: 'jobs\r' },
  { after: PROMPT, type: 'wait; echo background done\r' },
  { after: PROMPT, type: 'sleep 100\r' },
  { after: /sleep 100\r*\n/, type: '\x1a', delayMs: SETTLE_MS },
  { after: PROMPT, type: 'jobs\r' },
  { after: PROMPT, type: 'fg\r' },
  { after: /sleep 100\r*\n/, type: '\x03', delayMs: SETTLE_MS },
  // The shell's language at the prompt: `for … do` is unfinished, so the line editor asks for
  // the rest with "> " (PS2); then a loop, arithmetic, case and a substitution on one line.
  { after: PROMPT, type: 'for f in /etc/hostname /etc/motd; do\r' },
  { after: /\n> $/, type: 'echo "$f: $(wc -l < $f) lines"\r' },
  { after: /\n> $/, type: 'done\r' },
  { after: PROMPT, type: 'n=0; while [ $n -lt 3 ]; do n=$((n + 1)); done; case $n in 3) echo "n is $n";; esac\r' },
  { after: PROMPT, type: 'ps\r' },
  { after: PROMPT, type: 'time cost getpid 30000\r' },
  { after: PROMPT, type: 'orphan; msleep 300\r' },
  { after: PROMPT, type: 'hangups; echo hangups $?\r' },
  { after: PROMPT, type: 'fault null; echo status $?\r' },
  { after: PROMPT, type: 'kill -9 1; echo kill $?\r' },
  // Kills the shell: init starts another, whose prompt may come before or after hangups'
  // last words (which run at once); the next line is typed once both have had time to.
  { after: PROMPT, type: 'hangups hup\r' },
  { after: /hup: as POSIX says\r*\n/, type: 'echo a new shell\r', delayMs: SETTLE_MS },
  // (The new shell's prompt may have been printed already: wait for the answer.)
  { after: /a new shell\r*\n\/ \$ $/, type: 'poweroff\r' },
];

describe('chapter 07 shell over the serial port', () => {
  let scratch: string;
  const runs = {} as Record<Backend, { run: KernelRun; card: string }>;

  beforeAll(async () => {
    const built = await buildChapter('07-shell', { quiet: true });
    mkdirSync(path.join(buildDir, 'scratch'), { recursive: true });
    scratch = mkdtempSync(path.join(buildDir, 'scratch', 'shell-serial-'));
    const image = readFileSync(built.image);
    await Promise.all(
      (['emulator', 'qemu'] as const).map(async (backend) => {
        const card = path.join(scratch, `${backend}.img`);
        copyFileSync(built.sd!, card);
        runs[backend] = { run: await converse(image, built.image, backend, card), card };
      }),
    );
  }, 300_000);
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  /** Boots with `card` (kept), types the steps, and returns the run once the machine is off. */
  async function converse(image: Uint8Array, imagePath: string, backend: Backend, card: string): Promise<KernelRun> {
    const keyboard = new PassThrough();
    let seen = '';
    let from = 0;
    let next = 0;
    let waiting = false;
    const advance = () => {
      if (waiting || next >= STEPS.length) return;
      const step = STEPS[next]!;
      const match = step.after.exec(seen.slice(from));
      if (!match) return;
      from += match.index + match[0].length;
      next += 1;
      waiting = true;
      setTimeout(() => {
        keyboard.write(step.type);
        waiting = false;
        advance();
      }, step.delayMs ?? 0);
    };
    const run = await runKernel({
      image,
      imagePath,
      backend,
      input: keyboard,
      timeoutMs: 240_000,
      // The guest's clock keeps to the wall clock, so that `sleep 100` is still asleep when ^C comes.
      realTime: true,
      sd: { path: card, persist: true },
      onOutput: (bytes) => {
        seen += Buffer.from(bytes).toString('latin1');
        advance();
      },
    });
    keyboard.end();
    return run;
  }

  function transcript(backend: Backend): string {
    // The shell ends a line it has edited with CR CR LF (its own CR LF, through ONLCR).
    return runs[backend].run.output.replace(/\r+\n/g, '\n');
  }

  test('every line was typed and poweroff ended the run, in both machines', () => {
    for (const backend of ['emulator', 'qemu'] as const) {
      expect(runs[backend].run.ending, `${backend}:\n${transcript(backend)}`).toBe('exit');
    }
  });

  test('quoting, pipelines, $? and redirections into ext2 files', () => {
    for (const backend of ['emulator', 'qemu'] as const) {
      const lines = transcript(backend).split('\n');
      expect(lines, backend).toContain('22');
      expect(lines, backend).toContain('status 0');
      expect(lines, backend).toContain('status 1');
      expect(lines, backend).toContain('written by sh');
      expect(lines, backend).toContain('more');
    }
  });

  test('^C interrupts sleep 100 (status 130); yes | head ends when head does', () => {
    for (const backend of ['emulator', 'qemu'] as const) {
      const text = transcript(backend);
      expect(text, backend).toMatch(/^\/ \$ sleep 100\n\^C\n(\n)?\/ \$ echo after interrupt \$\?\nafter interrupt 130$/m);
      expect(text, backend).toMatch(/^\/ \$ yes \| head -n 3\ny\ny\ny\n\/ \$ /m);
    }
  });

  test('the line editor over the serial port: up arrow recalls the last line, Tab completes paths and commands', () => {
    for (const backend of ['emulator', 'qemu'] as const) {
      const text = transcript(backend);
      expect(text.split('\n').filter((line) => line === 'recalled from history'), backend).toHaveLength(2);
      expect(text, backend).toMatch(/^\/ \$ cat \/etc\/hostname ?\nbramble$/m);
      expect(text, backend).toMatch(/^\/ \$ uname ?-s\nBramble$/m);
    }
  });

  test('a background job, jobs and wait; ^Z stops the foreground job and fg brings it back', () => {
    for (const backend of ['emulator', 'qemu'] as const) {
      const text = transcript(backend);
      expect(text, backend).toMatch(/^\[1\]\s+Running\s+sleep 2( &)?$/m);
      expect(text, backend).toContain('background done');
      expect(text, backend).toMatch(/^\^Z$/m);
      expect(text, backend).toMatch(/^\[1\]\+?\s+Stopped\s+sleep 100$/m);
    }
  });

  test('a for loop typed over three lines with the > prompt, and a while loop with arithmetic and case', () => {
    for (const backend of ['emulator', 'qemu'] as const) {
      const text = transcript(backend);
      expect(text, backend).toMatch(/^\/ \$ for f in \/etc\/hostname \/etc\/motd; do\n> echo "\$f: \$\(wc -l < \$f\) lines"\n> done\n\/etc\/hostname: 1 lines\n\/etc\/motd: \d+ lines\n\/ \$ /m);
      expect(text, backend).toMatch(/^n is 3$/m);
    }
  });

  test('the kernel starts /sbin/init, whose shell prompts without the monitor; orphans go to init (pid 1)', () => {
    for (const backend of ['emulator', 'qemu'] as const) {
      const text = transcript(backend);
      expect(text, backend).not.toContain('bramble> ');
      expect(text, backend).toMatch(/^processes: .*\n\/ \$ /m);
      expect(text, backend).toMatch(/^orphan: the child's parent is now pid 1$/m);
    }
  });

  test('no signal init has no handler for reaches it; when the shell ends, init starts another', () => {
    for (const backend of ['emulator', 'qemu'] as const) {
      const text = transcript(backend);
      expect(text, backend).toMatch(/^kill 0$/m);
      expect(text, backend).not.toContain('init ended');
      expect(text, backend).toMatch(/echo a new shell\na new shell\n\/ \$ /);
    }
  });

  test('hangups: an orphaned group with a stopped member gets SIGHUP and SIGCONT; SIGTTOU; EIO; SIGHUP when the shell ends', () => {
    for (const backend of ['emulator', 'qemu'] as const) {
      const text = transcript(backend);
      for (const name of ['orphan', 'ttou', 'eio', 'hup']) expect(text, backend).toContain(`${name}: as POSIX says`);
      expect(text, backend).toContain('hangups 0');
    }
  });

  test('a fault kills with SIGSEGV: the kernel reports it, the shell says so, and $? is 139', () => {
    for (const backend of ['emulator', 'qemu'] as const) {
      const text = transcript(backend);
      expect(text, backend).toMatch(/^pid \d+ \(fault\) killed by SIGSEGV: data abort, translation fault at level \d, FAR 0x0, PC 0x[0-9a-f]+\nSegmentation fault\nstatus 139$/m);
      }
    });

  test('ps finds the shell and itself on the console in /proc; time reports the processor time its command used', () => {
    for (const backend of ['emulator', 'qemu'] as const) {
      const text = transcript(backend);
      expect(text, backend).toMatch(/^ +\d+ console +\d\d:\d\d:\d\d sh\n +\d+ console +\d\d:\d\d:\d\d ps$/m);
      // 30,000 system calls: time in the kernel (sys) and in the program (user), measured
      // by the kernel for the child the shell waited for, and reported through getrusage.
      const times = /^real\t\d+m\d+\.\d{3}s\nuser\t(\d+)m(\d+)\.(\d{3})s\nsys\t(\d+)m(\d+)\.(\d{3})s$/m.exec(text);
      expect(times, `${backend}:\n${text}`).not.toBeNull();
      const [userMs, sysMs] = [1, 4].map((at) => Number(times![at]) * 60_000 + Number(times![at + 1]) * 1000 + Number(times![at + 2]));
      expect(sysMs, backend).toBeGreaterThan(0);
      expect(userMs, backend).toBeGreaterThan(0);
    }
  });

  test('the card is clean for e2fsck -fn, and debugfs reads what the redirections wrote', () => {
    const tools = loadToolchain();
    for (const backend of ['emulator', 'qemu'] as const) {
      const card = runs[backend].card;
      const root = partitionsOf(card)[1]!;
      const file = `${card}.root`;
      writeFileSync(file, readFileSync(card).subarray(root.start * SECTOR, (root.start + root.sectors) * SECTOR));
      expect(() => execFileSync(tools.e2fsck, ['-fn', file], { stdio: 'pipe' }), backend).not.toThrow();
      const written = execFileSync(tools.debugfs, ['-R', 'cat /home/out.txt', file], { stdio: ['ignore', 'pipe', 'ignore'] }).toString('latin1');
      expect(written, backend).toBe('written by sh\nmore\n');
    }
  });
});
