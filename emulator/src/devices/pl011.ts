// The PL011 UART (ARM PrimeCell UART, DDI 0183) at 0x3F201000: the Pi's serial
// console. Transmission is instantaneous here (the transmit FIFO never fills),
// received bytes wait in a 16-entry FIFO like the real one's; bytes fed faster
// than the guest reads them wait in an unbounded queue behind it, so no input
// is ever lost.
//
// As on hardware, nothing is sent unless the guest has enabled the UART and its
// transmitter (CR.UARTEN and CR.TXE); QEMU 7.2 sends regardless.

import type { Device } from '../memory';

const DR = 0x00;
const RSRECR = 0x04;
const FR = 0x18;
const ILPR = 0x20;
const IBRD = 0x24;
const FBRD = 0x28;
const LCRH = 0x2c;
const CR = 0x30;
const IFLS = 0x34;
const IMSC = 0x38;
const RIS = 0x3c;
const MIS = 0x40;
const ICR = 0x44;
const DMACR = 0x48;

const FR_RXFE = 1 << 4;
const FR_TXFE = 1 << 7;
const CR_UARTEN = 1 << 0;
const CR_TXE = 1 << 8;
const CR_RXE = 1 << 9;

/** Interrupt bits of RIS/MIS/IMSC/ICR. */
export const UART_INT = { RX: 1 << 4, TX: 1 << 5, RT: 1 << 6 } as const;

/** PrimeCell identification registers at 0xFE0-0xFFC: UART, revision r1p5. */
const ID = [0x11, 0x10, 0x34, 0x00, 0x0d, 0xf0, 0x05, 0xb1];

export class Pl011 implements Device {
  readonly name = 'PL011 UART';
  private readonly rx: number[] = [];
  private readonly regs = new Map<number, number>([
    [CR, 0x300],
    [IFLS, 0x12],
  ]);
  private ris = 0;
  /** Called when the interrupt output may have changed. */
  onInterruptChange: () => void = () => {};

  constructor(private readonly transmit: (byte: number) => void) {}

  /** Queue bytes arriving on the receive line. */
  receive(bytes: Uint8Array): void {
    for (const b of bytes) this.rx.push(b);
    this.updateRx();
  }

  get interruptAsserted(): boolean {
    return (this.ris & (this.regs.get(IMSC) ?? 0)) !== 0;
  }

  private updateRx(): void {
    const before = this.interruptAsserted;
    const cr = this.regs.get(CR) ?? 0;
    if (this.rx.length > 0 && (cr & CR_UARTEN) !== 0 && (cr & CR_RXE) !== 0) this.ris |= UART_INT.RX;
    else this.ris &= ~UART_INT.RX;
    if (before !== this.interruptAsserted) this.onInterruptChange();
  }

  read(offset: number): number {
    switch (offset) {
      case DR: {
        const b = this.rx.shift();
        this.updateRx();
        return b ?? 0;
      }
      case FR:
        return FR_TXFE | (this.rx.length === 0 ? FR_RXFE : 0);
      case RIS:
        return this.ris;
      case MIS:
        return this.ris & (this.regs.get(IMSC) ?? 0);
      case RSRECR:
      case ICR:
        return 0;
      default:
        if (offset >= 0xfe0 && offset <= 0xffc) return ID[(offset - 0xfe0) >>> 2]!;
        return this.regs.get(offset) ?? 0;
    }
  }

  write(offset: number, _size: number, value: number): void {
    switch (offset) {
      case DR: {
        const cr = this.regs.get(CR) ?? 0;
        if ((cr & CR_UARTEN) !== 0 && (cr & CR_TXE) !== 0) this.transmit(value & 0xff);
        return;
      }
      case ICR: {
        const before = this.interruptAsserted;
        this.ris &= ~value;
        this.updateRx(); // data still waiting raises RX again
        if (before !== this.interruptAsserted) this.onInterruptChange();
        return;
      }
      case ILPR:
      case IBRD:
      case FBRD:
      case LCRH:
      case IFLS:
      case DMACR:
        this.regs.set(offset, value);
        return;
      case CR:
      case IMSC: {
        const before = this.interruptAsserted;
        this.regs.set(offset, value);
        this.updateRx();
        if (before !== this.interruptAsserted) this.onInterruptChange();
        return;
      }
      default:
        return;
    }
  }
}
