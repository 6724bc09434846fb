// `npm start -- 03 --gdb PORT` in both machines, driven by a real gdb-multiarch in batch mode
// as a reader would drive it: break at kernel_main, look around, step, read kernel memory,
// continue to the end. Then bad input: a port already taken, a debugger that vanishes
// mid-step, a malformed packet.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect, type AddressInfo } from 'node:net';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { framePacket } from '@bramble/emulator';
import { freePort } from '../src/free-port';
import { buildChapter, type BuiltKernel } from '../src/build';
import type { Backend } from '../src/kernel-run';
import { repoRoot } from '../src/paths';
import { loadToolchain } from '../src/setup';

const CHAPTER = '03';
/** The address the kernel is linked at: the start of its text in the higher half. */
const KERNEL_TEXT = '0xffff000000080000';
const PROMPT = 'bramble> ';

let kernel: BuiltKernel;
beforeAll(async () => {
  kernel = await buildChapter(CHAPTER, { quiet: true });
});

const started: ChildProcess[] = [];
afterEach(() => {
  for (const child of started.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});


interface Machine {
  /** Resolves with the exit status and everything printed, once npm start ends. */
  finished: Promise<{ status: number | null; stdout: string; stderr: string }>;
  /** Resolves once stderr holds `text`. */
  said(text: string): Promise<void>;
}

/**
 * `npm start -- 03 --gdb PORT` (and --qemu), with stdin a pipe: when the monitor's prompt
 * first appears, it types `exit` (unless told not to), so a kernel let run to the end exits
 * with status 0.
 */
function startWithGdb(port: number, backend: Backend, typeExit = true): Machine {
  const args = ['start', '--silent', '--', CHAPTER, '--gdb', String(port), '--timeout', '120', ...(backend === 'qemu' ? ['--qemu'] : [])];
  const child = spawn('npm', args, { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] });
  started.push(child);
  let stdout = '';
  let stderr = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  child.stdout!.on('data', (chunk: Buffer) => {
    const first = !stdout.includes(PROMPT);
    stdout += chunk.toString('latin1');
    if (typeExit && first && stdout.includes(PROMPT)) child.stdin!.write('exit\r');
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('latin1');
    for (const waiter of waiters.filter((w) => stderr.includes(w.text))) waiter.resolve();
  });
  child.stdin!.on('error', () => {});
  const finished = new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (status) => resolve({ status, stdout, stderr })),
  );
  const said = (text: string) =>
    new Promise<void>((resolve, reject) => {
      if (stderr.includes(text)) return resolve();
      waiters.push({ text, resolve });
      void finished.then(() => reject(new Error(`npm start ended without saying "${text}": ${stderr}`)));
    });
  return { finished, said };
}

/**
 * gdb-multiarch --batch on the chapter's kernel.elf with these commands; its output. (Not
 * spawnSync: this process must go on reading the machine's output and typing into it.)
 */
function gdbBatch(port: number, commands: string[]): Promise<string> {
  const args = ['--batch', '-nx', '-ex', 'set pagination off', '-ex', `target remote :${port}`, ...commands.flatMap((c) => ['-ex', c]), kernel.elf];
  const gdb = spawn(loadToolchain().gdb, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(gdb);
  let output = '';
  gdb.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  gdb.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => gdb.on('close', () => resolve(output)));
}

const SESSION = [
  'info threads',
  'print/x $cpsr',
  'break *kernel_main',
  'continue',
  'info symbol $pc',
  'bt',
  'stepi',
  'info symbol $pc',
  `x/4xw ${KERNEL_TEXT}`,
  'delete',
  'continue',
];

const sessions = new Map<Backend, string>();

describe.each(['emulator', 'qemu'] as const)('gdb-multiarch attached to %s', (backend) => {
  test('breaks at kernel_main, steps, reads kernel memory, and continues to a normal exit', async () => {
    const port = await freePort();
    const machine = startWithGdb(port, backend);
    await machine.said(`Waiting for GDB on port ${port}: gdb-multiarch build/03-paging/kernel.elf -ex 'target remote :${port}'`);
    const output = await gdbBatch(port, SESSION);
    sessions.set(backend, output);

    // Four cores, four threads; the machine waits at the firmware's first instruction.
    expect(output.match(/^\*?\s+[1-4]\s+Thread /gm), output).toHaveLength(4);
    // The breakpoint is hit, at the symbol's address exactly (no offset), and bt names it.
    expect(output).toMatch(/hit Breakpoint 1, kernel::kernel_main/);
    expect(output).toMatch(/^kernel_main in section \.text$/m);
    expect(output).toMatch(/^#0 +kernel::kernel_main /m);
    // stepi moves one instruction: 4 bytes on.
    expect(output).toMatch(/^kernel_main \+ 4 in section \.text$/m);
    expect(output).toMatch(new RegExp(`^${KERNEL_TEXT} <_start>:(\\s+0x[0-9a-f]{8}){4}$`, 'm'));
    expect(output).toMatch(/exited normally\]/);
    const { status, stdout } = await machine.finished;
    expect(stdout).toContain(`${PROMPT}exit`);
    expect(status).toBe(0);
  });
});

test("the flags at the kernel's first instruction: 0 here, Z set by QEMU's boot stub (a documented difference)", () => {
  // The first `print` of the session: $1 = CPSR at 0x80000, EL2h with D, A, I and F masked.
  const cpsr = (backend: Backend) => sessions.get(backend)?.match(/^\$1 = (0x[0-9a-f]+)$/m)?.[1];
  expect(cpsr('emulator')).toBe('0x3c9');
  expect(cpsr('qemu')).toBe('0x400003c9');
});

test('x/4xw reads the same kernel bytes in both machines', () => {
  const words = (backend: Backend) => sessions.get(backend)?.match(new RegExp(`^${KERNEL_TEXT} <_start>:.*$`, 'm'))?.[0];
  expect(words('emulator')).toBeDefined();
  expect(words('emulator')).toBe(words('qemu'));
});

describe('--gdb, bad input', () => {
  test.each(['emulator', 'qemu'] as const)('a port in use is one line on stderr and a failure (%s)', async (backend) => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      const { status, stderr } = await startWithGdb(port, backend).finished;
      const complaint = stderr.split('\n').filter((line) => line.startsWith('npm start: '));
      expect(complaint, stderr).toHaveLength(1);
      expect(complaint[0]).toMatch(backend === 'qemu' ? /Address already in use/ : /cannot wait for a debugger on port \d+: something else is listening there/);
      expect(status).toBe(1);
    } finally {
      taken.close();
    }
  });

  test.each([
    [['--gdb=99999'], "npm start: --gdb needs a TCP port (1-65535), not '99999' (npm start -- --help)\n"],
    [['--trace', 'int,bogus'], "npm start: --trace takes int, mmu, unimp (comma-separated), not 'bogus' (npm start -- --help)\n"],
  ])('%j is one usage line and status 2', async (args, message) => {
    const child = spawn('npm', ['start', '--silent', '--', ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe(message);
    expect(status).toBe(2);
  });

  test('a debugger that disconnects mid-step, and one that sends a malformed packet: the machine keeps going', async () => {
    const port = await freePort();
    const machine = startWithGdb(port, 'emulator');
    await machine.said('Waiting for GDB on port');
    // A client that speaks the protocol by hand: a corrupt packet, then a step, then gone.
    const socket = connect(port, '127.0.0.1');
    const heard: string[] = [];
    socket.on('data', (chunk: Buffer) => heard.push(chunk.toString('latin1')));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write('$g#00');
    await machine.said('gdb: ignored a malformed packet: $g#00: its checksum should be 67');
    while (!heard.join('').includes('-')) await new Promise((resolve) => setTimeout(resolve, 10)); // asked to send it again
    socket.write('$vCont;s:1#23');
    socket.destroy();
    await machine.said('gdb: the debugger disconnected; the machine runs on without it');
    const { status, stdout } = await machine.finished;
    expect(stdout).toContain(`${PROMPT}exit`);
    expect(status).toBe(0);
  });
});

test('Ctrl-C pauses the running machine, and k ends the run (a client speaking the protocol by hand)', async () => {
  const port = await freePort();
  const machine = startWithGdb(port, 'emulator', false);
  await machine.said('Waiting for GDB on port');
  const socket = connect(port, '127.0.0.1');
  let heard = '';
  socket.on('data', (chunk: Buffer) => (heard += chunk.toString('latin1')));
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  /** Resolves once the stub has sent a packet whose payload matches. */
  const reply = async (pattern: RegExp) => {
    for (let waited = 0; !pattern.test(heard); waited += 10) {
      if (waited > 30_000) throw new Error(`no reply matching ${pattern}; heard ${heard}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  socket.write(framePacket('c'));
  await new Promise((resolve) => setTimeout(resolve, 500)); // the kernel boots and waits at its prompt
  socket.write(Uint8Array.of(0x03));
  await reply(/\$T02thread:1;#/);
  socket.write(framePacket('qC'));
  await reply(/\$QC1#/);
  socket.write(framePacket('k'));
  const { status, stdout } = await machine.finished;
  expect(stdout).toContain('Bramble 03-paging');
  expect(status).toBe(0);
  socket.destroy();
});
