// The power manager's watchdog as Linux's bcm2835_wdt driver uses it: the password
// 0x5A in the top byte of every write, WDOG in ticks of a 65 536 Hz clock, RSTC bits 5:4
// = 0b10 for a full reset, RSTS partition 63 (0x555) meaning "halt".
import { describe, expect, it } from 'vitest';
import { Bcm2835Power, type WatchdogOutcome } from '../src/devices/bcm2835-power';
import { Machine } from '../src/index';

const RSTC = 0x1c;
const RSTS = 0x20;
const WDOG = 0x24;
const PASSWORD = 0x5a00_0000;
const HZ = 62_500_000;
/** 62.5 MHz / 65 536 Hz: generic-counter ticks per watchdog tick. */
const TICKS_PER_WDOG = HZ / 65_536;

function watchdog() {
  let now = 0;
  const outcomes: WatchdogOutcome[] = [];
  const warnings: string[] = [];
  const w = new Bcm2835Power(() => now, HZ);
  w.onExpire = (o) => outcomes.push(o);
  w.onWarning = (m) => warnings.push(m);
  const runTo = (ticks: number) => {
    while (w.nextEvent() <= ticks) {
      now = w.nextEvent();
      w.advance(now);
    }
    now = ticks;
  };
  return { w, outcomes, warnings, runTo };
}

describe('BCM2835 watchdog', () => {
  it('starts with the reset values RSTC 0x102, RSTS 0x1000, WDOG 0, and stopped', () => {
    const { w } = watchdog();
    expect([w.read(RSTC), w.read(RSTS), w.read(WDOG)]).toEqual([0x102, 0x1000, 0]);
    expect(w.nextEvent()).toBe(Infinity);
  });

  it('ignores writes without the password, and reports the first', () => {
    const { w, warnings } = watchdog();
    w.write(WDOG, 4, 10);
    w.write(RSTC, 4, 0x20);
    w.write(RSTS, 4, 0x555);
    expect([w.read(RSTC), w.read(RSTS), w.read(WDOG)]).toEqual([0x102, 0x1000, 0]);
    expect(w.nextEvent()).toBe(Infinity);
    expect(warnings).toHaveLength(1);
  });

  it('resets after WDOG ticks of its 65 536 Hz clock once RSTC asks for a full reset', () => {
    const { w, outcomes, runTo } = watchdog();
    w.write(WDOG, 4, PASSWORD | 10);
    w.write(RSTC, 4, PASSWORD | 0x20);
    const due = Math.round(10 * TICKS_PER_WDOG); // 152.6 us
    expect(w.nextEvent()).toBe(due);
    runTo(due - 1);
    expect(outcomes).toEqual([]);
    expect(w.read(WDOG)).toBe(1); // ticks left, rounded up
    runTo(due);
    expect(outcomes).toEqual(['reset']);
  });

  it('halts instead when RSTS holds partition 63 (0x555)', () => {
    const { w, outcomes, runTo } = watchdog();
    w.write(RSTS, 4, PASSWORD | 0x555);
    w.write(WDOG, 4, PASSWORD | 10);
    w.write(RSTC, 4, PASSWORD | 0x20);
    runTo(1_000_000);
    expect(outcomes).toEqual(['halt']);
  });

  it('stops when WRCFG is cleared before it expires', () => {
    const { w, outcomes, runTo } = watchdog();
    w.write(WDOG, 4, PASSWORD | 10);
    w.write(RSTC, 4, PASSWORD | 0x20);
    w.write(RSTC, 4, PASSWORD | 0x102); // Linux's stop: WRCFG = 0b00
    runTo(10_000_000);
    expect(outcomes).toEqual([]);
  });

  it('restarts the count when WDOG is written while it runs', () => {
    const { w, runTo } = watchdog();
    w.write(WDOG, 4, PASSWORD | 10);
    w.write(RSTC, 4, PASSWORD | 0x20);
    runTo(100);
    w.write(WDOG, 4, PASSWORD | 20);
    expect(w.nextEvent()).toBe(100 + Math.round(20 * TICKS_PER_WDOG));
  });
});

describe('the watchdog in the machine', () => {
  // WDOG = 1 tick, RSTC = full reset, then a branch to itself: the reset must come one
  // watchdog tick (954 counter ticks) later, not when the run's budget is spent.
  const kernel = new Uint8Array(
    new Uint32Array([
      0xd2a7e201, // movz x1, #0x3f10, lsl #16     x1 = the power manager
      0x52ab4002, // movz w2, #0x5a00, lsl #16     the password
      0x72800022, // movk w2, #1
      0xb9002422, // str  w2, [x1, #0x24]          WDOG = 1
      0x72800402, // movk w2, #0x20
      0xb9001c22, // str  w2, [x1, #0x1c]          RSTC = full reset
      0x14000000, // b    .
    ]).buffer,
  );

  it('stops the machine with a reset at the moment it expires', () => {
    const machine = new Machine({ kernel });
    expect(machine.run(10_000_000)).toEqual({ kind: 'reset' });
    // The firmware stub runs a few instructions before the kernel; one instruction per tick.
    expect(machine.instructions).toBeGreaterThan(Math.round(TICKS_PER_WDOG));
    expect(machine.instructions).toBeLessThan(Math.round(TICKS_PER_WDOG) + 50);
  });
});
