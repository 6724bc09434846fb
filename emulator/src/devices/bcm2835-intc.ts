// The BCM2835 interrupt controller at 0x3F00B200 (BCM2835 ARM Peripherals,
// chapter 7): 64 "GPU" interrupt lines from the peripherals (system timer 0-3,
// USB 9, sdhost 56, UART 57, EMMC 62, ...) and 8 "ARM" lines, each with an enable
// bit. Its single IRQ output goes to the BCM2836 local controller, which routes
// it to one core.
//
// The pending registers show lines that are both asserted and enabled (as
// QEMU's model does); basic pending also repeats eleven popular GPU lines in bits
// 10-20 and summarises pending 1 and 2 in bits 8 and 9.

import type { Device } from '../memory';

const PENDING_BASIC = 0x00;
const PENDING_1 = 0x04;
const PENDING_2 = 0x08;
const FIQ_CONTROL = 0x0c;
const ENABLE_1 = 0x10;
const ENABLE_2 = 0x14;
const ENABLE_BASIC = 0x18;
const DISABLE_1 = 0x1c;
const DISABLE_2 = 0x20;
const DISABLE_BASIC = 0x24;

/** GPU lines repeated in basic pending bits 10..20, in order. */
const SHORTCUTS = [7, 9, 10, 18, 19, 53, 54, 55, 56, 57, 62];

/** GPU interrupt numbers of the devices Bramble's kernels use. */
export const GpuIrq = { SYSTEM_TIMER_0: 0, SYSTEM_TIMER_1: 1, SYSTEM_TIMER_2: 2, SYSTEM_TIMER_3: 3, AUX: 29, SDHOST: 56, UART: 57, EMMC: 62 } as const;

export class Bcm2835Intc implements Device {
  readonly name = 'BCM2835 interrupt controller';
  /** Asserted GPU lines 0-31 and 32-63. */
  private readonly level = new Uint32Array(2);
  private readonly enable = new Uint32Array(2);
  private armLevel = 0;
  private armEnable = 0;
  private fiqControl = 0;
  /** Called when the IRQ or FIQ output may have changed. */
  onChange: () => void = () => {};

  /** Drive GPU interrupt line `n` (0-63). */
  setLine(n: number, asserted: boolean): void {
    const word = n >>> 5;
    const bit = 1 << (n & 31);
    const before = this.level[word];
    this.level[word] = asserted ? before | bit : before & ~bit;
    if (this.level[word] !== before) this.onChange();
  }

  get irq(): boolean {
    return (this.level[0] & this.enable[0]) !== 0 || (this.level[1] & this.enable[1]) !== 0 || (this.armLevel & this.armEnable) !== 0;
  }

  get fiq(): boolean {
    if ((this.fiqControl & 0x80) === 0) return false;
    const source = this.fiqControl & 0x7f;
    if (source >= 64) return ((this.armLevel >>> (source - 64)) & 1) !== 0;
    return ((this.level[source >>> 5] >>> (source & 31)) & 1) !== 0;
  }

  read(offset: number): number {
    const p1 = this.level[0] & this.enable[0];
    const p2 = this.level[1] & this.enable[1];
    switch (offset) {
      case PENDING_BASIC: {
        let v = (this.armLevel & this.armEnable) | (p1 !== 0 ? 1 << 8 : 0) | (p2 !== 0 ? 1 << 9 : 0);
        SHORTCUTS.forEach((irq, i) => {
          const pending = irq < 32 ? (p1 >>> irq) & 1 : (p2 >>> (irq - 32)) & 1;
          v |= pending << (10 + i);
        });
        return v >>> 0;
      }
      case PENDING_1:
        return p1 >>> 0;
      case PENDING_2:
        return p2 >>> 0;
      case FIQ_CONTROL:
        return this.fiqControl;
      case ENABLE_1:
        return this.enable[0];
      case ENABLE_2:
        return this.enable[1];
      case ENABLE_BASIC:
        return this.armEnable;
      case DISABLE_1:
        return ~this.enable[0] >>> 0;
      case DISABLE_2:
        return ~this.enable[1] >>> 0;
      case DISABLE_BASIC:
        return ~this.armEnable & 0xff;
      default:
        return 0;
    }
  }

  write(offset: number, _size: number, value: number): void {
    switch (offset) {
      case FIQ_CONTROL:
        this.fiqControl = value & 0xff;
        break;
      case ENABLE_1:
        this.enable[0] |= value;
        break;
      case ENABLE_2:
        this.enable[1] |= value;
        break;
      case ENABLE_BASIC:
        this.armEnable |= value & 0xff;
        break;
      case DISABLE_1:
        this.enable[0] &= ~value;
        break;
      case DISABLE_2:
        this.enable[1] &= ~value;
        break;
      case DISABLE_BASIC:
        this.armEnable &= ~value & 0xff;
        break;
      default:
        return;
    }
    this.onChange();
  }
}
