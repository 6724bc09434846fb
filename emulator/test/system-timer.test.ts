// The BCM2835 system timer against BCM2835 ARM Peripherals chapter 12: a 1 MHz
// free-running counter (62.5 generic-counter ticks per microsecond here), four compare
// registers, match bits in CS cleared by writing 1, one interrupt line per channel.
import { describe, expect, it } from 'vitest';
import { Bcm2835SystemTimer } from '../src/devices/bcm2835-system-timer';

const CS = 0x00;
const CLO = 0x04;
const CHI = 0x08;
const C1 = 0x10;
const C3 = 0x18;
const TICKS_PER_US = 62.5;

function timer() {
  let now = 0;
  const lines = [false, false, false, false];
  let reschedules = 0;
  const t = new Bcm2835SystemTimer(() => now, TICKS_PER_US);
  t.onLine = (n, asserted) => (lines[n] = asserted);
  t.onReschedule = () => reschedules++;
  /** Let virtual time pass to `ticks`, acting on every event on the way, as the machine does. */
  const runTo = (ticks: number) => {
    while (t.nextEvent() <= ticks) {
      now = t.nextEvent();
      t.advance(now);
    }
    now = ticks;
  };
  return { t, lines, runTo, reschedules: () => reschedules };
}

describe('BCM2835 system timer', () => {
  it('counts microseconds of virtual time in CLO and CHI', () => {
    const { t, runTo } = timer();
    expect(t.read(CLO)).toBe(0);
    runTo(62); // 0.992 us: not yet a whole microsecond
    expect(t.read(CLO)).toBe(0);
    runTo(63);
    expect(t.read(CLO)).toBe(1);
    runTo(1_000_000 * TICKS_PER_US); // one second
    expect(t.read(CLO)).toBe(1_000_000);
    runTo((2 ** 32 + 5) * TICKS_PER_US); // past the low word's wrap
    expect(t.read(CLO)).toBe(5);
    expect(t.read(CHI)).toBe(1);
  });

  it('ignores writes to the counter', () => {
    const { t, runTo } = timer();
    runTo(100 * TICKS_PER_US);
    t.write(CLO, 4, 0);
    t.write(CHI, 4, 7);
    expect(t.read(CLO)).toBe(100);
    expect(t.read(CHI)).toBe(0);
  });

  it('sets the match bit and asserts the line when the counter reaches the compare value', () => {
    const { t, lines, runTo, reschedules } = timer();
    t.write(C1, 4, 1000);
    expect(t.read(C1)).toBe(1000);
    expect(reschedules()).toBe(1); // the machine must re-plan: a new event may be due sooner
    expect(t.nextEvent()).toBe(1000 * TICKS_PER_US);
    runTo(999 * TICKS_PER_US);
    expect(t.read(CS)).toBe(0);
    expect(lines[1]).toBe(false);
    runTo(1000 * TICKS_PER_US);
    expect(t.read(CS)).toBe(0b0010);
    expect(lines).toEqual([false, true, false, false]);
  });

  it('keeps the line asserted until 1 is written to the match bit; writing 0 changes nothing', () => {
    const { t, lines, runTo } = timer();
    t.write(C1, 4, 10);
    t.write(C3, 4, 20);
    runTo(30 * TICKS_PER_US);
    expect(t.read(CS)).toBe(0b1010);
    t.write(CS, 4, 0);
    expect(t.read(CS)).toBe(0b1010);
    t.write(CS, 4, 0b0010);
    expect(t.read(CS)).toBe(0b1000);
    expect(lines).toEqual([false, false, false, true]);
  });

  it('matches when the counter ticks onto the value: a compare equal to the counter now waits for the wrap', () => {
    const { t, runTo } = timer();
    runTo(500 * TICKS_PER_US);
    t.write(C3, 4, 500);
    runTo(501 * TICKS_PER_US);
    expect(t.read(CS)).toBe(0);
    expect(t.nextEvent()).toBe((500 + 2 ** 32) * TICKS_PER_US);
  });

  it('compares the low word only: a value below the counter matches after the wrap', () => {
    const { t } = timer();
    const { t: later, runTo } = timer();
    runTo(3000 * TICKS_PER_US);
    later.write(C1, 4, 2000);
    expect(later.nextEvent()).toBe((2000 + 2 ** 32) * TICKS_PER_US);
    t.write(C1, 4, 0xffff_ffff); // unsigned: the last value before the wrap
    expect(t.nextEvent()).toBe(Math.ceil(0xffff_ffff * TICKS_PER_US)); // the first whole tick at which CLO reads it
  });
});
