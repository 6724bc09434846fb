// The BCM2835 system timer at 0x3F003000 (BCM2835 ARM Peripherals, chapter 12):
// a free-running 64-bit counter that counts microseconds, and four 32-bit compare
// registers. When the counter's low word becomes equal to a compare register, the
// timer sets that channel's match bit in CS and asserts GPU interrupt 0-3; the
// line stays asserted until the guest writes 1 to the match bit.
//
// The counter is derived from virtual time (62.5 generic-counter ticks per
// microsecond), so it never drifts from the rest of the machine.
//
// Where we follow the hardware rather than QEMU 7.2:
// - A match happens when the counter *ticks onto* the compare value. A compare
//   written equal to the current counter value therefore matches only after the
//   counter wraps (about 71.6 minutes later), as a comparator clocked by the
//   counter does; QEMU 7.2 fires at once.
// - A channel keeps matching every 2^32 microseconds after its first match (the
//   comparison repeats whenever the low word comes round); QEMU 7.2 matches once.

import type { Clocked } from '../machine';
import type { Device } from '../memory';

/** Register offsets. */
const CS = 0x00; // control/status: match bits M0-M3, write 1 to clear
const CLO = 0x04; // counter, low 32 bits (read-only)
const CHI = 0x08; // counter, high 32 bits (read-only)
const C0 = 0x0c; // compare 0-3 at 0x0C, 0x10, 0x14, 0x18
const C3_END = 0x1c;

const CHANNELS = 4;
const WRAP = 2 ** 32;

export class Bcm2835SystemTimer implements Device, Clocked {
  readonly name = 'BCM2835 system timer';
  private readonly compare = new Uint32Array(CHANNELS);
  /** Per channel: the counter value (in microseconds, 64-bit as a number) of its next match, or Infinity. */
  private readonly matchAt: number[] = new Array<number>(CHANNELS).fill(Infinity);
  private status = 0;
  /** Called with (channel, asserted) when a channel's interrupt line changes. */
  onLine: (channel: number, asserted: boolean) => void = () => {};
  /** Called when nextEvent() may have moved earlier (the machine re-plans its slice). */
  onReschedule: () => void = () => {};

  /**
   * @param now virtual time of the access, in generic-counter ticks
   * @param ticksPerMicrosecond generic-counter ticks per microsecond (62.5 at 62.5 MHz)
   */
  constructor(
    private readonly now: () => number,
    private readonly ticksPerMicrosecond: number,
  ) {}

  /** The free-running counter at virtual time `ticks`. */
  private counterAt(ticks: number): number {
    return Math.floor(ticks / this.ticksPerMicrosecond);
  }

  /** The first virtual time at which the counter reads `micros`. */
  private ticksAt(micros: number): number {
    return Math.ceil(micros * this.ticksPerMicrosecond);
  }

  nextEvent(): number {
    return this.ticksAt(Math.min(...this.matchAt));
  }

  advance(now: number): void {
    const counter = this.counterAt(now);
    for (let n = 0; n < CHANNELS; n++) {
      if (this.matchAt[n] > counter) continue;
      this.matchAt[n] += WRAP;
      this.setStatus(this.status | (1 << n));
    }
  }

  read(offset: number): number {
    const counter = this.counterAt(this.now());
    switch (offset) {
      case CS:
        return this.status;
      case CLO:
        return counter % WRAP;
      case CHI:
        return Math.floor(counter / WRAP) >>> 0;
      default:
        if (offset >= C0 && offset < C3_END) return this.compare[(offset - C0) >>> 2];
        return 0;
    }
  }

  write(offset: number, _size: number, value: number): void {
    if (offset === CS) {
      this.setStatus(this.status & ~value);
      return;
    }
    if (offset >= C0 && offset < C3_END) {
      const n = (offset - C0) >>> 2;
      this.compare[n] = value;
      // The next time the low word ticks onto the value: strictly after the current count.
      const counter = this.counterAt(this.now());
      const ahead = ((value >>> 0) - (counter % WRAP) + WRAP) % WRAP;
      this.matchAt[n] = counter + (ahead === 0 ? WRAP : ahead);
      this.onReschedule();
    }
    // CLO and CHI are read-only; writes to them are ignored, as on the hardware.
  }

  private setStatus(value: number): void {
    const changed = this.status ^ value;
    this.status = value & 0xf;
    for (let n = 0; n < CHANNELS; n++) if ((changed & (1 << n)) !== 0) this.onLine(n, (this.status & (1 << n)) !== 0);
  }
}
