// The Pacer against a wall clock the test moves by hand, so every figure is exact: the guest
// never gets more than MAX_AHEAD_MS ahead, a stalled host does not make it race, and a pause
// is no time at all for the guest.
import { describe, expect, it } from 'vitest';
import { Machine, MAX_AHEAD_MS, Pacer } from '../src/index';

/** A guest that never sleeps: `b .` at 0x80000. Its clock advances one tick per instruction. */
const SPIN = Uint8Array.of(0x00, 0x00, 0x00, 0x14);

/**
 * Instructions a slice may run: 320 ms of this guest's time, more than any slice here needs,
 * so that a pacer that let the guest race would stop at it (and fail) rather than run on.
 */
const BUDGET = 20_000_000;

function paced() {
  let wall = 1000; // any origin
  const machine = new Machine({ kernel: SPIN });
  const pacer = new Pacer(machine, () => wall);
  return { machine, pacer, advance: (ms: number) => (wall += ms), guestMs: () => machine.seconds * 1000 };
}

describe('Pacer', () => {
  it('runs the guest to MAX_AHEAD_MS past the wall clock, then says how long to wait', () => {
    const { pacer, guestMs } = paced();
    expect(pacer.slice(20, BUDGET)).toEqual({ stop: { kind: 'deadline' }, waitMs: MAX_AHEAD_MS });
    expect(guestMs()).toBe(MAX_AHEAD_MS);
    // Until the wall clock moves, another slice runs nothing.
    expect(pacer.slice(20, BUDGET)).toEqual({ stop: { kind: 'deadline' }, waitMs: MAX_AHEAD_MS });
    expect(guestMs()).toBe(MAX_AHEAD_MS);
  });

  it('after the host stalled, the guest does not race: all but 100 ms of the time it lost is written off', () => {
    const { pacer, advance, guestMs } = paced();
    pacer.slice(20, BUDGET);
    advance(5_000);
    pacer.slice(20, BUDGET);
    // 5 s behind: all but 100 ms are written off, and the guest runs to MAX_AHEAD_MS past that.
    expect(guestMs()).toBeCloseTo(MAX_AHEAD_MS + 100 + MAX_AHEAD_MS, 6);
    // From there on it keeps pace with the wall clock.
    const before = guestMs();
    advance(50);
    pacer.slice(20, BUDGET);
    expect(guestMs() - before).toBeCloseTo(50, 6);
  });

  it('a pause is no time for the guest', () => {
    const { pacer, advance, guestMs } = paced();
    pacer.slice(20, BUDGET);
    pacer.pause();
    advance(10_000);
    pacer.resume();
    pacer.slice(20, BUDGET);
    expect(guestMs()).toBe(MAX_AHEAD_MS);
  });
});
