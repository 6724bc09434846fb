// Keeping the guest's clock to a wall clock, for people at a console: the one host loop that
// Node (`npm start`) and the website's Web Worker both drive.
//
// The emulator's time is virtual (machine.ts): when every core sleeps until a timer, it jumps
// straight to the deadline. Left alone, a kernel with a 100 Hz tick would see minutes pass in
// seconds. A real Pi's clock is the wall clock, so a paced run gives every Machine.run call a
// deadline a little ahead of the wall clock; the host sleeps while the guest is ahead. The
// other way round, a guest can fall behind (the host was busy, or the emulator is slower than
// a Pi): it is not allowed to race to catch up, which a real Pi never has to; time it lost
// beyond MAX_BEHIND_MS is written off.
//
// No Node or DOM API here: the host passes its own clock and does its own sleeping.

import type { Machine, StopReason } from './machine';

/** How far the guest's clock may run ahead of the wall clock, in milliseconds. */
export const MAX_AHEAD_MS = 5;
/** How far it may fall behind before the lost time is written off. */
const MAX_BEHIND_MS = 100;
/**
 * Instructions per Machine.run call. Each call's deadline is set from the wall clock when it
 * starts, so a call must be short for the deadline to stay current: a few milliseconds.
 */
const STEP = 100_000;

/** What a slice did: why it stopped, and how long the host should wait before the next. */
export interface PacedSlice {
  /** 'deadline' when the guest got ahead of the wall clock; 'budget' when the slice's time or budget ran out. */
  stop: StopReason;
  /** Milliseconds until the wall clock catches up with the guest (0: go on at once). */
  waitMs: number;
}

/** A machine whose clock keeps to the wall clock `wallMs` (milliseconds, any origin). */
export class Pacer {
  /** The wall-clock moment that virtual time 0 corresponds to; moved by pauses and write-offs. */
  private origin: number;
  private pausedAt: number | undefined;

  constructor(
    private readonly machine: Machine,
    private readonly wallMs: () => number,
  ) {
    this.origin = wallMs() - machine.seconds * 1000;
  }

  /** Milliseconds the guest's clock is ahead of the wall clock (negative when behind). */
  ahead(): number {
    return this.machine.seconds * 1000 - (this.wallMs() - this.origin);
  }

  /**
   * Runs the machine for about `sliceMs` of wall time and at most `budget` instructions,
   * never letting its clock get more than MAX_AHEAD_MS ahead of the wall clock.
   */
  slice(sliceMs: number, budget = Infinity): PacedSlice {
    const started = this.wallMs();
    const end = this.machine.instructions + budget;
    for (;;) {
      this.writeOff();
      const until = (this.wallMs() - this.origin + MAX_AHEAD_MS) / 1000;
      const stop = this.machine.run(Math.min(STEP, end - this.machine.instructions), until);
      if (stop.kind === 'deadline') return { stop, waitMs: Math.max(0, this.ahead()) };
      if (stop.kind !== 'budget' || this.machine.instructions >= end || this.wallMs() - started >= sliceMs) return { stop, waitMs: 0 };
    }
  }

  /** Stops the guest's clock: the time until resume() is no time at all for the guest. */
  pause(): void {
    this.pausedAt ??= this.wallMs();
  }

  resume(): void {
    if (this.pausedAt === undefined) return;
    this.origin += this.wallMs() - this.pausedAt;
    this.pausedAt = undefined;
  }

  private writeOff(): void {
    const behind = -this.ahead();
    if (behind > MAX_BEHIND_MS) this.origin += behind - MAX_BEHIND_MS;
  }
}
