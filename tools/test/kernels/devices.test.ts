// Test kernels for the BCM2835 devices (see harness.ts): the mailbox's property channel,
// the system timer, the watchdog and the SD host controller with a card. Each runs in QEMU
// 7.2's raspi3b and in our emulator; the transcripts must be identical except for the lines
// listed, where our emulator follows the hardware's documents and QEMU does not.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../src/paths';
import { Machine } from '@bramble/emulator';
import { type Difference, buildTestKernel, runBoth, undocumentedDifferences } from './harness';

async function expectSameAsQemu(name: string, documented: readonly Difference[], options: { input?: string; sdImage?: string } = {}, status = 0): Promise<string> {
  const { qemu, ours } = await runBoth(name, options);
  expect(qemu.ending, qemu.message).toBe('exit');
  expect(ours.ending, ours.message).toBe('exit');
  expect(undocumentedDifferences(qemu.output, ours.output, documented)).toEqual([]);
  expect(qemu.exitCode).toBe(status);
  expect(ours.exitCode).toBe(status);
  return ours.output;
}

/** The value a transcript line `label=0x...` shows. */
function shown(output: string, label: string): bigint {
  const line = output.split('\n').find((l) => l.startsWith(`${label}=`));
  if (line === undefined) throw new Error(`no line "${label}=" in the transcript`);
  return BigInt(line.slice(label.length + 1));
}

describe('device test kernels: our emulator against QEMU raspi3b', { timeout: 60_000 }, () => {
  it('mailbox: property tags, the bus alias, an unknown tag', async () => {
    const out = await expectSameAsQemu('mailbox', [
      {
        qemu: '  value=0x2dc6c0',
        ours: '  value=0x2dc6c00',
        why: "the UART clock: the Pi's firmware runs it at 48 MHz (init_uart_clock), the clock our PL011 model uses; QEMU 7.2 says 3 MHz",
      },
      { qemu: '  code=0x80000000', ours: '  code=0x80000008', why: 'get power state (0x00020001): the firmware answers device and state; QEMU 7.2 does not know the tag' },
      { qemu: '  value=0x0', ours: '  value=0x1', why: '...so QEMU leaves the state as the guest wrote it (0); ours says "on"' },
      { qemu: 'unknown tag: code=0x80000000', ours: 'unknown tag: code=0x0', why: 'the firmware leaves a tag it does not know unanswered; QEMU marks it answered' },
    ]);
    // Board revision a02082: Pi 3 Model B 1.2, 1 GiB; ARM memory below the VideoCore's 64 MiB.
    expect(out).toMatch(/^tag=0x10002\n  code=0x80000004\n  value=0xa02082$/m);
    expect(out).toMatch(/^tag=0x10005\n  code=0x80000008\n  value=0x0\n  value=0x3c000000$/m);
    expect(out).toContain('alias: board revision=0xa02082');
  });

  it('system timer: the counter runs, a polled match, a match by interrupt', async () => {
    const out = await expectSameAsQemu('system-timer', []);
    expect(out).toContain('CS after match=0x8'); // M3
    expect(out).toContain('irq: core 0 source=0x100'); // the GPU interrupt (bit 8) on core 0
    expect(out).toContain('irq: pending 1=0x2'); // system timer 1 = GPU interrupt 1
    expect(out).toContain('interrupts taken=0x1');
  });

  it.each([
    ['r', 'reset'],
    ['h', 'halt'],
  ])('watchdog: %s ends the run (%s)', async (input) => {
    const out = await expectSameAsQemu('watchdog', [], { input });
    expect(out.trimEnd().split('\n').at(-1)).toBe('starting the watchdog: 10 ticks');
  });

  it('watchdog: writes without the password change nothing', async () => {
    const out = await expectSameAsQemu('watchdog', [], { input: 'p' }, 5);
    expect(out).toContain('still running');
  });

  it('watchdog: our machine stops with a reset, or for RSTS = 0x555 with a halt (exit status 0)', () => {
    const image = new Uint8Array(readFileSync(buildTestKernel('watchdog')));
    for (const [input, stop] of [
      ['r', { kind: 'reset' }],
      ['h', { kind: 'exit', code: 0 }],
    ] as const) {
      const machine = new Machine({ kernel: image });
      machine.input(input);
      expect(machine.run(50_000_000)).toEqual(stop);
    }
  });

  describe('SD card through the Arasan controller', () => {
    const scratch = mkdtempSync(path.join(tmpdir(), 'bramble-sd-'));
    afterAll(() => rmSync(scratch, { recursive: true, force: true }));
    /** 1 MiB (SDSC: byte addresses): byte o = (o / 512) * 7 + (o % 512) * 13, block 0 ending 55 AA. */
    const card = new Uint8Array(1 << 20).map((_, o) => ((o >> 9) * 7 + (o & 511) * 13) & 0xff);
    card[510] = 0x55;
    card[511] = 0xaa;
    const cardPath = path.join(scratch, 'card.img');
    writeFileSync(cardPath, card);
    const le64 = (offset: number) => new DataView(card.buffer).getBigUint64(offset, true);
    const version: Difference = {
      qemu: 'host controller version=0x2402',
      ours: 'host controller version=0x9902',
      why: "a Pi's controller reads vendor 0x99, specification 3.00 (Linux register dumps: Version 0x00009902); QEMU says vendor 0x24",
    };

    it('initialises the card, reads blocks 0 and 1000, writes block 1500 and reads it back', async () => {
      const out = await expectSameAsQemu(
        'sd',
        [
          version,
          {
            qemu: 'ACMD41 OCR=0x80ffff00',
            ours: 'ACMD41 OCR=0x80ff8000',
            why: 'OCR bits 14:8 are reserved (SD Physical Layer spec 5.1); the voltage window is bits 23:15. QEMU sets 23:8',
          },
        ],
        { sdImage: cardPath },
      );
      expect(out).toContain('CMD8 R7=0x1aa'); // voltage accepted, check pattern echoed
      expect(shown(out, 'capacity in bytes')).toBe(BigInt(card.length));
      expect(shown(out, 'high capacity')).toBe(0n); // 1 MiB: a standard-capacity card
      expect(shown(out, 'CMD7 R1')).toBe(3n << 9n | 1n << 8n); // state "stand-by" when CMD7 arrived, ready for data
      expect(shown(out, 'CMD13 R1')).toBe(4n << 9n | 1n << 8n); // "transfer"
      expect(shown(out, 'block 0 bytes 0-7')).toBe(le64(0));
      expect(shown(out, 'block 0 bytes 504-511')).toBe(le64(504));
      expect(shown(out, 'block 1000 bytes 0-7')).toBe(le64(1000 * 512));
      expect(shown(out, 'block 1499 bytes 0-7')).toBe(le64(1499 * 512));
      expect(shown(out, 'block 1500 words that differ from those written')).toBe(0n);
      expect(shown(out, 'auto CMD12 R1')).toBe(5n << 9n | 1n << 8n); // "sending data" when CMD12 arrived
      // Neither machine wrote the guest's changes back to the file.
      expect(readFileSync(cardPath).equals(card)).toBe(true);
    });

    /** What the sd kernel writes to block 1500: word i = i x 0x9e3779b9. */
    const written = new Uint8Array(new Uint32Array(128).map((_, i) => Math.imul(i, 0x9e3779b9)).buffer);
    const block1500 = (file: string) => readFileSync(file).subarray(1500 * 512, 1501 * 512);

    it.each(['emulator', 'qemu'])('npm start --sd FILE --persist (%s): the guest\'s writes reach the file, and only with --persist', (backend) => {
      const kernel = buildTestKernel('sd');
      for (const persist of [false, true]) {
        const file = path.join(scratch, `${backend}-${persist}.img`);
        copyFileSync(cardPath, file);
        const args = ['start', '--silent', '--', '--kernel', kernel, '--sd', file, ...(persist ? ['--persist'] : []), ...(backend === 'qemu' ? ['--qemu'] : [])];
        const run = spawnSync('npm', args, { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
        expect(run.status, run.stderr).toBe(0);
        expect(run.stdout).toContain('block 1500 words that differ from those written=0x0');
        expect(Buffer.from(block1500(file)).equals(Buffer.from(persist ? written : card.subarray(1500 * 512, 1501 * 512)))).toBe(true);
      }
    });

    it('a missing SD image is a one-line error from npm start', () => {
      const kernel = buildTestKernel('sd');
      const missing = path.join(scratch, 'missing.img');
      const start = spawnSync('npm', ['start', '--silent', '--', '--kernel', kernel, '--sd', missing], { cwd: repoRoot, encoding: 'utf8' });
      expect(start.status).toBe(1);
      expect(start.stderr).toBe(`npm start: cannot use the SD card image ${missing}: ENOENT\n`);
    });

    it('with no card: CMD8 times out', async () => {
      const out = await expectSameAsQemu(
        'sd',
        [
          version,
          {
            qemu: 'error: interrupt status=0x18001',
            ours: 'error: interrupt status=0x18000',
            why: 'a command timeout does not set Command Complete (SD Host Controller spec 2.2.17, table 2-22); QEMU sets both',
          },
        ],
        {},
        1,
      );
      expect(out).toContain('card inserted=0x0');
    });
  });
});
