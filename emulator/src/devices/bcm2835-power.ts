// The BCM2835 power manager's watchdog at 0x3F100000 (not in BCM2835 ARM
// Peripherals; Linux's bcm2835_wdt driver and QEMU's bcm2835_powermgt document it):
//
//   +0x1C RSTC  reset control: bits 5:4 WRCFG, 0b10 = a full reset when the watchdog expires,
//               0b00 = cleared (the watchdog stops)
//   +0x20 RSTS  reset status: bits the firmware reads after a reset; the "partition" to boot
//               is spread over the even bits 0, 2, 4, 6, 8, 10
//   +0x24 WDOG  the watchdog's time-out in ticks of its 65 536 Hz clock (bits 19:0); reading
//               it while it runs gives the ticks left
//
// Every write must carry the password 0x5A in its top byte; a write without it is
// ignored (and reported once), as the hardware ignores it.
//
// How a guest stops the machine: write WDOG (say 10 ticks), then RSTC with WRCFG =
// full reset. When the time-out expires the Pi resets. Before a reset, Linux writes
// partition 63 into RSTS (0x555): the firmware, booting again, sees it and halts
// instead of starting the kernel. So here an expiry ends the run: with RSTS & 0xFFF =
// 0x555 as a halt (the machine stops with exit status 0, as QEMU's shutdown does),
// otherwise as a reset (`run()` returns {kind: 'reset'}).
//
// Difference from QEMU 7.2, where we follow the hardware: QEMU resets (or halts) the
// moment RSTC is written with bit 5 set, ignoring WDOG; here the watchdog counts down
// WDOG ticks first, and writing WRCFG = 0b00 before then stops it.

import type { Clocked } from '../machine';
import type { Device } from '../memory';

const RSTC = 0x1c;
const RSTS = 0x20;
const WDOG = 0x24;

const PASSWORD = 0x5a00_0000;
const PASSWORD_MASK = 0xff00_0000;
const WRCFG_MASK = 0b11 << 4;
const WRCFG_FULL_RESET = 0b10 << 4;
const WDOG_MASK = 0x000f_ffff;
/** RSTS with partition 63 in the even bits 0-10: "halt" for the firmware. */
const HALT_PARTITION = 0x555;
/** The watchdog's clock. */
export const WATCHDOG_HZ = 65_536;

export type WatchdogOutcome = 'reset' | 'halt';

export class Bcm2835Power implements Device, Clocked {
  readonly name = 'BCM2835 power manager';
  // Values after power-on, as QEMU sets them (and elinux.org's register list gives).
  private rstc = 0x0000_0102;
  private rsts = 0x0000_1000;
  private wdog = 0;
  /** Virtual time of the watchdog's expiry, or Infinity while it is stopped. */
  private expiresAt = Infinity;
  /** Called when the watchdog expires. */
  onExpire: (outcome: WatchdogOutcome) => void = () => {};
  /** Called when nextEvent() may have moved earlier (the machine re-plans its slice). */
  onReschedule: () => void = () => {};
  /** Reports of writes the hardware ignores. */
  onWarning: (message: string) => void = () => {};
  private warnedPassword = false;

  /**
   * @param now virtual time of the access, in generic-counter ticks
   * @param counterHz generic-counter ticks per second
   */
  constructor(
    private readonly now: () => number,
    private readonly counterHz: number,
  ) {}

  nextEvent(): number {
    return this.expiresAt;
  }

  advance(now: number): void {
    if (now < this.expiresAt) return;
    this.expiresAt = Infinity;
    this.wdog = 0;
    this.onExpire((this.rsts & 0xfff) === HALT_PARTITION ? 'halt' : 'reset');
  }

  /** Count down WDOG ticks from now. */
  private start(): void {
    this.expiresAt = this.now() + Math.round((this.wdog * this.counterHz) / WATCHDOG_HZ);
    this.onReschedule();
  }

  read(offset: number): number {
    switch (offset) {
      case RSTC:
        return this.rstc;
      case RSTS:
        return this.rsts;
      case WDOG:
        if (this.expiresAt === Infinity) return this.wdog;
        return Math.ceil(((this.expiresAt - this.now()) * WATCHDOG_HZ) / this.counterHz) & WDOG_MASK;
      default:
        return 0;
    }
  }

  write(offset: number, _size: number, value: number): void {
    if (((value & PASSWORD_MASK) >>> 0) !== PASSWORD) {
      if (!this.warnedPassword) {
        this.warnedPassword = true;
        this.onWarning(`power manager: write of 0x${(value >>> 0).toString(16)} at offset 0x${offset.toString(16)} without the password 0x5a in its top byte, ignored`);
      }
      return;
    }
    const data = value & ~PASSWORD_MASK;
    switch (offset) {
      case RSTC:
        this.rstc = data;
        if ((data & WRCFG_MASK) === WRCFG_FULL_RESET) this.start();
        else this.expiresAt = Infinity;
        return;
      case RSTS:
        this.rsts = data;
        return;
      case WDOG:
        this.wdog = data & WDOG_MASK;
        // Writing the time-out while the watchdog runs restarts it (Linux's "ping").
        if (this.expiresAt !== Infinity) this.start();
        return;
      default:
        return;
    }
  }
}
