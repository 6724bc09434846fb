// The PL011 UART (ARM PrimeCell UART r1p5, DDI 0183) at 0x3F201000: the Pi's
// serial console.
//
// At reset the UART is in the state the Pi's firmware leaves it for kernel8.img
// (with enable_uart=1, which Linux's earlycon=pl011 relies on): enabled, transmit
// and receive on, 115200 baud 8N1 from its 48 MHz clock, FIFOs on. A kernel that
// prints before setting the UART up therefore prints, as on a Pi and in QEMU.
//
// Transmit: instantaneous (the transmit FIFO never fills), and only while the
// guest has enabled the UART and its transmitter (CR.UARTEN, CR.TXE), as on
// hardware; QEMU 7.2 sends regardless. A byte dropped because the guest turned
// the transmitter off is reported (once), never lost silently.
//
// Receive, as the hardware does it, in virtual time: bytes given to `receive()`
// wait on the "line" and enter the 16-entry receive FIFO one at a time at the
// programmed baud rate (10 bit times per 8N1 character), never overflowing it.
// With FIFOs enabled, the receive interrupt (RX) is raised when the FIFO holds
// at least the trigger level chosen in IFLS (1/8 .. 7/8 full), and the receive
// timeout interrupt (RT) when data has waited 32 bit times with nothing new
// arriving: a driver must enable both to see every keystroke, as on a real Pi.
// QEMU 7.2 instead raises RX whenever any byte is waiting and has no RT; a
// driver that enables RX and RT works on both. Bytes that arrive before the
// receiver is enabled, or while the FIFO is full, wait on the line (a real UART
// would lose them), so a test can type ahead of the boot.

import type { Clocked } from '../machine';
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
const FR_RXFF = 1 << 6;
const FR_TXFE = 1 << 7;
const LCRH_FEN = 1 << 4;
const CR_UARTEN = 1 << 0;
const CR_TXE = 1 << 8;
const CR_RXE = 1 << 9;

/** Interrupt bits of RIS, MIS, IMSC and ICR. */
export const UART_INT = { RX: 1 << 4, TX: 1 << 5, RT: 1 << 6 } as const;

/** PrimeCell identification registers at 0xFE0-0xFFC. */
const ID = [0x11, 0x10, 0x34, 0x00, 0x0d, 0xf0, 0x05, 0xb1];
const FIFO_DEPTH = 16;
/** IFLS.RXIFLSEL (bits 5:3) -> receive FIFO trigger level in bytes. */
const RX_TRIGGER = [2, 4, 8, 12, 14];
/** The Pi's UART reference clock (the firmware's default init_uart_clock). */
const UART_CLOCK_HZ = 48_000_000;
/**
 * The firmware's set-up: CR = UARTEN | TXE | RXE; 48 MHz / (16 x (26 + 3/64)) = 115 177 baud,
 * the nearest to 115 200; LCRH = 8 data bits (WLEN 0b11), FIFOs on, no parity, 1 stop bit.
 */
const FIRMWARE = { cr: 0x301, ibrd: 26, fbrd: 3, lcrh: 0x70 } as const;

export class Pl011 implements Device, Clocked {
  readonly name = 'PL011 UART';
  /** Bytes still on the line, not yet received. */
  private readonly line: number[] = [];
  private readonly fifo: number[] = [];
  private cr: number = FIRMWARE.cr;
  private lcrh: number = FIRMWARE.lcrh;
  private ifls = 0x12;
  private imsc = 0;
  private ibrd: number = FIRMWARE.ibrd;
  private fbrd: number = FIRMWARE.fbrd;
  private ilpr = 0;
  private dmacr = 0;
  private ris = 0;
  /** Virtual time the next byte on the line completes, or Infinity. */
  private nextByteAt = Infinity;
  /** Virtual time the receive timeout expires, or Infinity. */
  private timeoutAt = Infinity;
  /** Called when the interrupt output may have changed. */
  onInterruptChange: () => void = () => {};
  /** Called when nextEvent() may have moved earlier (the machine re-plans its slice). */
  onReschedule: () => void = () => {};
  /** Reports a guest mistake: output dropped because the guest switched the transmitter off. */
  onWarning: (message: string) => void = () => {};
  private droppedReported = false;

  constructor(
    private readonly transmit: (byte: number) => void,
    private readonly now: () => number,
    private readonly counterHz: number,
  ) {}

  get interruptAsserted(): boolean {
    return (this.ris & this.imsc) !== 0;
  }

  private get receiving(): boolean {
    return (this.cr & CR_UARTEN) !== 0 && (this.cr & CR_RXE) !== 0;
  }

  private get fifoEnabled(): boolean {
    return (this.lcrh & LCRH_FEN) !== 0;
  }

  /** Generic-counter ticks per bit at the programmed baud rate (115200 while the divisors are 0). */
  private bitTicks(): number {
    const divisor = this.ibrd + this.fbrd / 64;
    const baud = divisor > 0 ? UART_CLOCK_HZ / (16 * divisor) : 115_200;
    return this.counterHz / baud;
  }

  /** Bytes arriving on the receive line. */
  receive(bytes: Uint8Array): void {
    for (const b of bytes) this.line.push(b);
    this.startNextByte(this.now());
  }

  private startNextByte(now: number): void {
    if (this.nextByteAt !== Infinity || this.line.length === 0 || !this.receiving) return;
    if (this.fifo.length >= (this.fifoEnabled ? FIFO_DEPTH : 1)) return;
    this.nextByteAt = now + Math.round(10 * this.bitTicks());
    this.onReschedule();
  }

  nextEvent(): number {
    return Math.min(this.nextByteAt, this.timeoutAt);
  }

  advance(now: number): void {
    const before = this.interruptAsserted;
    if (now >= this.nextByteAt) {
      this.nextByteAt = Infinity;
      this.fifo.push(this.line.shift()!);
      this.timeoutAt = now + Math.round(32 * this.bitTicks());
      this.startNextByte(now);
    }
    if (now >= this.timeoutAt) {
      this.timeoutAt = Infinity;
      if (this.fifo.length > 0) this.ris |= UART_INT.RT;
    }
    this.updateRx();
    if (before !== this.interruptAsserted) this.onInterruptChange();
  }

  /** RX follows the FIFO level: set at the trigger level (or one byte without FIFOs), clear below it. */
  private updateRx(): void {
    const trigger = this.fifoEnabled ? (RX_TRIGGER[(this.ifls >>> 3) & 7] ?? 8) : 1;
    if (this.fifo.length >= trigger) this.ris |= UART_INT.RX;
    else this.ris &= ~UART_INT.RX;
  }

  private reportDropped(): void {
    if (this.droppedReported) return;
    this.droppedReported = true;
    const off = (this.cr & CR_UARTEN) === 0 ? 'the UART (CR.UARTEN)' : 'its transmitter (CR.TXE)';
    this.onWarning(`PL011: output dropped: the guest wrote to DR with ${off} switched off`);
  }

  private changed(before: boolean): void {
    if (before !== this.interruptAsserted) this.onInterruptChange();
  }

  read(offset: number): number {
    switch (offset) {
      case DR: {
        const before = this.interruptAsserted;
        const b = this.fifo.shift();
        if (this.fifo.length === 0) this.ris &= ~UART_INT.RT; // an empty FIFO clears the timeout
        else this.timeoutAt = this.now() + Math.round(32 * this.bitTicks());
        this.updateRx();
        this.startNextByte(this.now());
        this.changed(before);
        return b ?? 0;
      }
      case FR:
        return FR_TXFE | (this.fifo.length === 0 ? FR_RXFE : 0) | (this.fifo.length >= (this.fifoEnabled ? FIFO_DEPTH : 1) ? FR_RXFF : 0);
      case RSRECR:
        return 0; // no framing, parity, break or overrun errors ever happen here
      case ILPR:
        return this.ilpr;
      case IBRD:
        return this.ibrd;
      case FBRD:
        return this.fbrd;
      case LCRH:
        return this.lcrh;
      case CR:
        return this.cr;
      case IFLS:
        return this.ifls;
      case IMSC:
        return this.imsc;
      case RIS:
        return this.ris;
      case MIS:
        return this.ris & this.imsc;
      case DMACR:
        return this.dmacr;
      default:
        if (offset >= 0xfe0 && offset <= 0xffc) return ID[(offset - 0xfe0) >>> 2];
        return 0;
    }
  }

  write(offset: number, _size: number, value: number): void {
    const before = this.interruptAsserted;
    switch (offset) {
      case DR:
        if ((this.cr & CR_UARTEN) !== 0 && (this.cr & CR_TXE) !== 0) this.transmit(value & 0xff);
        else this.reportDropped();
        break;
      case ICR:
        this.ris &= ~value;
        this.updateRx(); // RX reflects the level: it comes straight back while data stays at the trigger
        break;
      case IMSC:
        this.imsc = value & 0x7ff;
        break;
      case CR:
        this.cr = value & 0xffff;
        this.startNextByte(this.now());
        break;
      case LCRH:
        // FEN changes the FIFO's depth (16 or 1) and with it the RX level and room for more.
        this.lcrh = value & 0xff;
        this.updateRx();
        this.startNextByte(this.now());
        break;
      case IFLS:
        this.ifls = value & 0x3f;
        this.updateRx();
        break;
      case IBRD:
        this.ibrd = value & 0xffff;
        break;
      case FBRD:
        this.fbrd = value & 0x3f;
        break;
      case ILPR:
        this.ilpr = value & 0xff;
        break;
      case DMACR:
        this.dmacr = value & 7;
        break;
      default:
        return;
    }
    this.changed(before);
  }
}
