// The BCM2836 "ARM local" control block at 0x40000000 (BCM2836 ARM-local
// peripherals, "QA7"): the part of the Pi 3 that turns interrupt sources into
// each core's IRQ and FIQ inputs. Per core it takes the four generic-timer
// outputs (CNTPS, CNTPNS, CNTHP, CNTV) and four mailboxes, each enabled by a
// control register; the single BCM2835 controller output goes to one core
// chosen by the GPU routing register. The IRQ source register of a core says
// which of these is asserting: the first thing a kernel's IRQ handler reads.
//
// The local timer (38.4 MHz reload counter) is modelled too, as QEMU does.

import type { Device } from '../memory';

const GPU_ROUTE = 0x0c;
const LOCAL_TIMER_ROUTE = 0x24;
const LOCAL_TIMER_CONTROL = 0x34;
const LOCAL_TIMER_ACK = 0x38;
const TIMER_CONTROL = 0x40; // + 4 * core
const MAILBOX_CONTROL = 0x50; // + 4 * core
const IRQ_SOURCE = 0x60; // + 4 * core
const FIQ_SOURCE = 0x70; // + 4 * core
const MAILBOX_SET = 0x80; // + 16 * core + 4 * mailbox
const MAILBOX_CLEAR = 0xc0; // + 16 * core + 4 * mailbox: read, write 1s to clear
const END = 0x100;

/** Bit numbers of the IRQ source register. */
export const LocalSource = { CNTPS: 0, CNTPNS: 1, CNTHP: 2, CNTV: 3, MAILBOX0: 4, GPU: 8, PMU: 9, LOCAL_TIMER: 11 } as const;

const LOCAL_TIMER_HZ = 38_400_000;
const LT_INTERRUPT_FLAG = 1 << 31;
const LT_RELOAD = 1 << 30;
const LT_INTERRUPT_ENABLE = 1 << 29;
const LT_ENABLE = 1 << 28;

export interface CoreLines {
  setLines(core: number, irq: boolean, fiq: boolean): void;
}

export class Bcm2836Local implements Device {
  readonly name = 'BCM2836 local control';
  /** Generic-timer outputs per core, bits 0-3 as in the source register. */
  private readonly timerLines = new Uint8Array(4);
  private readonly timerControl = new Uint8Array(4);
  private readonly mailboxControl = new Uint8Array(4);
  private readonly mailboxes = new Uint32Array(16);
  private readonly irqSource = new Uint32Array(4);
  private readonly fiqSource = new Uint32Array(4);
  private gpuIrq = false;
  private gpuFiq = false;
  private gpuRoute = 0;
  private localTimerRoute = 0;
  private localTimerControl = 0;
  /** Virtual time (generic-counter ticks) of the next local-timer expiry, or Infinity. */
  private localTimerDue = Infinity;

  constructor(
    private readonly cores: CoreLines,
    private readonly now: () => number,
    private readonly counterHz: number,
  ) {}

  setTimerLine(core: number, source: number, asserted: boolean): void {
    const before = this.timerLines[core];
    this.timerLines[core] = asserted ? before | (1 << source) : before & ~(1 << source);
    if (before !== this.timerLines[core]) this.update();
  }

  setGpu(irq: boolean, fiq: boolean): void {
    if (irq === this.gpuIrq && fiq === this.gpuFiq) return;
    this.gpuIrq = irq;
    this.gpuFiq = fiq;
    this.update();
  }

  /** Recompute every core's sources and lines (QEMU's bcm2836_control_update does the same). */
  private update(): void {
    this.irqSource.fill(0);
    this.fiqSource.fill(0);
    if (this.gpuIrq) this.irqSource[this.gpuRoute & 3] |= 1 << LocalSource.GPU;
    if (this.gpuFiq) this.fiqSource[(this.gpuRoute >>> 2) & 3] |= 1 << LocalSource.GPU;
    if ((this.localTimerControl & LT_INTERRUPT_ENABLE) !== 0 && (this.localTimerControl & LT_INTERRUPT_FLAG) !== 0) {
      const target = (this.localTimerRoute & 4) !== 0 ? this.fiqSource : this.irqSource;
      target[this.localTimerRoute & 3] |= 1 << LocalSource.LOCAL_TIMER;
    }
    for (let core = 0; core < 4; core++) {
      for (let n = 0; n < 4; n++) {
        if ((this.timerLines[core] & (1 << n)) !== 0) this.deliver(core, n, this.timerControl[core], n);
        if (this.mailboxes[4 * core + n] !== 0) this.deliver(core, LocalSource.MAILBOX0 + n, this.mailboxControl[core], n);
      }
      this.cores.setLines(core, this.irqSource[core] !== 0, this.fiqSource[core] !== 0);
    }
  }

  /** A source's FIQ enable (bit n+4) wins over its IRQ enable (bit n); neither set: masked. */
  private deliver(core: number, source: number, control: number, n: number): void {
    if ((control & (1 << (n + 4))) !== 0) this.fiqSource[core] |= 1 << source;
    else if ((control & (1 << n)) !== 0) this.irqSource[core] |= 1 << source;
  }

  /** Virtual time of the next local-timer event (Infinity when it is stopped). */
  nextEvent(): number {
    return this.localTimerDue;
  }

  /** Called by the machine once virtual time reaches nextEvent(). */
  advance(now: number): void {
    if (now < this.localTimerDue) return;
    this.localTimerControl |= LT_INTERRUPT_FLAG;
    this.reloadLocalTimer(now);
    this.update();
  }

  private reloadLocalTimer(now: number): void {
    const reload = this.localTimerControl & 0x0fffffff;
    this.localTimerDue =
      (this.localTimerControl & LT_ENABLE) !== 0 && reload > 0 ? now + Math.max(1, Math.round((reload * this.counterHz) / LOCAL_TIMER_HZ)) : Infinity;
  }

  read(offset: number): number {
    if (offset === GPU_ROUTE) return this.gpuRoute;
    if (offset === LOCAL_TIMER_ROUTE) return this.localTimerRoute;
    if (offset === LOCAL_TIMER_CONTROL) return this.localTimerControl >>> 0;
    if (offset >= TIMER_CONTROL && offset < MAILBOX_CONTROL) return this.timerControl[(offset - TIMER_CONTROL) >>> 2];
    if (offset >= MAILBOX_CONTROL && offset < IRQ_SOURCE) return this.mailboxControl[(offset - MAILBOX_CONTROL) >>> 2];
    if (offset >= IRQ_SOURCE && offset < FIQ_SOURCE) return this.irqSource[(offset - IRQ_SOURCE) >>> 2];
    if (offset >= FIQ_SOURCE && offset < MAILBOX_SET) return this.fiqSource[(offset - FIQ_SOURCE) >>> 2];
    if (offset >= MAILBOX_CLEAR && offset < END) return this.mailboxes[(offset - MAILBOX_CLEAR) >>> 2];
    return 0; // control, prescaler, PMU routing and the write-only mailbox-set registers
  }

  write(offset: number, _size: number, value: number): void {
    if (offset === GPU_ROUTE) this.gpuRoute = value & 0xf;
    else if (offset === LOCAL_TIMER_ROUTE) this.localTimerRoute = value & 7;
    else if (offset === LOCAL_TIMER_CONTROL) {
      this.localTimerControl = (this.localTimerControl & LT_INTERRUPT_FLAG) | (value & ~LT_INTERRUPT_FLAG);
      this.reloadLocalTimer(this.now());
    } else if (offset === LOCAL_TIMER_ACK) {
      if ((value & LT_INTERRUPT_FLAG) !== 0) this.localTimerControl &= ~LT_INTERRUPT_FLAG;
      if ((value & LT_RELOAD) !== 0) this.reloadLocalTimer(this.now());
    } else if (offset >= TIMER_CONTROL && offset < MAILBOX_CONTROL) this.timerControl[(offset - TIMER_CONTROL) >>> 2] = value;
    else if (offset >= MAILBOX_CONTROL && offset < IRQ_SOURCE) this.mailboxControl[(offset - MAILBOX_CONTROL) >>> 2] = value;
    else if (offset >= MAILBOX_SET && offset < MAILBOX_CLEAR) this.mailboxes[(offset - MAILBOX_SET) >>> 2] |= value;
    else if (offset >= MAILBOX_CLEAR && offset < END) this.mailboxes[(offset - MAILBOX_CLEAR) >>> 2] &= ~value;
    else return;
    this.update();
  }
}
