// The BCM2835 GPIO block at 0x3F200000 (BCM2835 ARM Peripherals, chapter 6):
// function selects, output set/clear, levels, and the pull-up/down sequence.
// Nothing is wired to the pins; the model keeps what a driver writes and
// reports the output levels it set, so drivers behave as on a board.

import type { Device } from '../memory';

const GPFSEL0 = 0x00; // six registers, 3 bits per pin
const GPSET0 = 0x1c;
const GPSET1 = 0x20;
const GPCLR0 = 0x28;
const GPCLR1 = 0x2c;
const GPLEV0 = 0x34;
const GPLEV1 = 0x38;
const GPPUD = 0x94;
const GPPUDCLK0 = 0x98;
const GPPUDCLK1 = 0x9c;

export class Gpio implements Device {
  readonly name = 'GPIO';
  private readonly fsel = new Uint32Array(6);
  private readonly level = new Uint32Array(2);
  private pud = 0;
  private readonly pudClock = new Uint32Array(2);
  /** Called with the new function of a pin when its select bits change (the SD card follows pins 48-53). */
  onFunctionChange: (pin: number, fn: number) => void = () => {};

  /** The 3-bit function of a pin: 0 input, 1 output, 4 ALT0, 5 ALT1, 6 ALT2, 7 ALT3, 3 ALT4, 2 ALT5. */
  functionOf(pin: number): number {
    return (this.fsel[Math.floor(pin / 10)] >>> (3 * (pin % 10))) & 7;
  }

  read(offset: number): number {
    if (offset >= GPFSEL0 && offset < GPFSEL0 + 24) return this.fsel[offset >>> 2];
    switch (offset) {
      case GPLEV0:
        return this.level[0];
      case GPLEV1:
        return this.level[1];
      case GPPUD:
        return this.pud;
      case GPPUDCLK0:
        return this.pudClock[0];
      case GPPUDCLK1:
        return this.pudClock[1];
      default:
        return 0; // set/clear registers are write-only and read as zero; event detection is not modelled
    }
  }

  write(offset: number, _size: number, value: number): void {
    if (offset >= GPFSEL0 && offset < GPFSEL0 + 24) {
      const reg = offset >>> 2;
      const before = this.fsel[reg];
      this.fsel[reg] = value;
      for (let i = 0; i < 10; i++) {
        const fn = (value >>> (3 * i)) & 7;
        if (((before >>> (3 * i)) & 7) !== fn) this.onFunctionChange(reg * 10 + i, fn);
      }
      return;
    }
    switch (offset) {
      case GPSET0:
        this.level[0] |= value;
        return;
      case GPSET1:
        this.level[1] |= value;
        return;
      case GPCLR0:
        this.level[0] &= ~value;
        return;
      case GPCLR1:
        this.level[1] &= ~value;
        return;
      case GPPUD:
        this.pud = value & 3;
        return;
      case GPPUDCLK0:
        this.pudClock[0] = value;
        return;
      case GPPUDCLK1:
        this.pudClock[1] = value;
        return;
      default:
        return;
    }
  }
}
