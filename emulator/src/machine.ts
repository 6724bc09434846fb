// A Raspberry Pi 3 (BCM2837): four Cortex-A53 cores, 1 GiB of RAM and the
// peripherals, started the way the Pi's firmware and QEMU's raspi3b start a raw
// kernel8.img. This is the emulator's public face; see api notes in index.ts.
//
// Time is virtual: it advances with the instructions the cores retire (one
// tick of the 62.5 MHz generic counter per instruction of the busiest core), so
// the same image and the same input give the same output and the same
// instruction count on every run, on every host. Awake cores take turns, a fixed
// quantum each; when every core sleeps, time jumps to the next timer event.

import { type Op, type StopReason as CoreStop, Cpu } from './cpu/cpu';
import { decode } from './cpu/decoder';
import { KERNEL_LOAD_ADDRESS, PRIMARY_STUB, SECONDARY_STUB, SECONDARY_STUB_ADDRESS, words } from './boot';
import { hex64 } from './bits';
import { LOCAL_BASE, PERIPHERAL_BASE, PhysicalMemory, RAM_END, UnimplementedDevice } from './memory';
import { Gpio } from './devices/gpio';
import { Pl011 } from './devices/pl011';
import { semihostingCall } from './semihosting';

export type StopReason = CoreStop | { kind: 'budget' } | { kind: 'idle' };

export interface MachineOptions {
  /** The raw kernel8.img, loaded at 0x80000. */
  kernel: Uint8Array;
}

/** Instructions each awake core runs before the next one gets a turn. */
const QUANTUM = 1000;
const CORES = 4;

export class Machine {
  readonly memory = new PhysicalMemory();
  readonly cores: readonly Cpu[];
  readonly uart: Pl011;
  readonly gpio = new Gpio();
  /** Every byte the guest prints (UART and semihosting), in order. */
  onOutput: (bytes: Uint8Array) => void = () => {};
  /** Reports of guest accesses the emulator does not model (each once). */
  onWarning: (message: string) => void = () => {};
  /** Virtual time in generic-counter ticks. */
  private time = 0;
  private finished: StopReason | null = null;
  private readonly code: (Op[] | undefined)[] = [];
  private current: Cpu;

  constructor(options: MachineOptions) {
    const kernel = options.kernel;
    if (kernel.length === 0) throw new Error('the kernel image is empty');
    if (kernel.length > RAM_END - KERNEL_LOAD_ADDRESS) {
      throw new Error(`the kernel image (${kernel.length} bytes) does not fit in RAM above 0x${KERNEL_LOAD_ADDRESS.toString(16)}`);
    }
    this.memory.onUnmapped = (m) => this.onWarning(m);
    this.uart = new Pl011((b) => this.onOutput(Uint8Array.of(b)));
    this.mapDevices();

    this.memory.load(0, words(PRIMARY_STUB));
    this.memory.load(SECONDARY_STUB_ADDRESS, words(SECONDARY_STUB));
    this.memory.load(KERNEL_LOAD_ADDRESS, kernel);

    const bus = {
      memory: this.memory,
      code: this.code,
      decodePage: (ppn: number) => this.decodePage(ppn),
      semihost: (c: Cpu) => semihostingCall(c, (bytes) => this.onOutput(bytes)),
      now: () => this.time,
      interruptsChanged: () => this.updateInterrupts(),
      sendEvent: () => {
        for (const c of this.cores) c.eventRegister = 1;
      },
      flushTlbs: () => {
        for (const c of this.cores) c.mmu.flush();
      },
      exclusiveStore: (pa: number, by: Cpu) => {
        for (const c of this.cores) if (c !== by && c.exclusiveAddr === pa) c.exclusiveAddr = -1;
      },
    };
    this.cores = Array.from({ length: CORES }, (_, i) => new Cpu(i, bus));
    // Every core starts at EL2h with DAIF masked; core 0 at the primary stub, the others parked.
    for (const c of this.cores) {
      c.el = 2;
      c.spsel = 1;
      c.daif = 0xf;
      c.pcLo = c.index === 0 ? 0 : SECONDARY_STUB_ADDRESS;
    }
    this.current = this.cores[0]!;
    this.memory.currentPc = () => `${hex64(this.current.pcLo, this.current.pcHi)} on core ${this.current.index}`;
  }

  private mapDevices(): void {
    this.memory.map(PERIPHERAL_BASE + 0x200000, 0x1000, this.gpio);
    this.memory.map(PERIPHERAL_BASE + 0x201000, 0x1000, this.uart);
    // Everything else in the two peripheral windows reads as zero and is reported.
    this.memory.map(PERIPHERAL_BASE, 0x1000000, new UnimplementedDevice('BCM2835 peripheral', this.memory));
    this.memory.map(LOCAL_BASE, 0x40000, new UnimplementedDevice('BCM2836 local peripheral', this.memory));
  }

  private decodePage(ppn: number): Op[] {
    const page = new Array<Op>(1024);
    const base = ppn * 4096;
    const lazy: Op = (c) => {
      // Decode on first execution: most of a page is never run.
      const index = (c.pcLo & 0xfff) >>> 2;
      const word = base < RAM_END ? this.memory.chunk(base).i32[((base & 0xffff) >>> 2) + index]! : this.memory.read(base + index * 4, 4);
      const op = decode(word);
      page[index] = op;
      op(c);
    };
    page.fill(lazy);
    this.code[ppn] = page;
    for (const c of this.cores) c.mmu.forgetWritable();
    return page;
  }

  /** Queue bytes for the serial port's receiver. */
  input(data: Uint8Array | string): void {
    this.uart.receive(typeof data === 'string' ? new TextEncoder().encode(data) : data);
    this.updateInterrupts();
  }

  /** Instructions retired so far, all cores. */
  get instructions(): number {
    let n = 0;
    for (const c of this.cores) n += c.retired;
    return n;
  }

  private updateInterrupts(): void {
    for (const c of this.cores) c.wakeIfPending();
  }

  /** Run at most `budget` instructions (all cores together). */
  run(budget: number): StopReason {
    if (this.finished !== null) return this.finished;
    let remaining = budget;
    while (remaining > 0) {
      for (const c of this.cores) c.wakeIfPending();
      let roundLength = 0;
      let anyAwake = false;
      for (const c of this.cores) {
        if (c.sleeping !== 'no' || remaining <= 0) continue;
        anyAwake = true;
        this.current = c;
        const slice = Math.min(remaining, this.awakeCount() > 1 ? QUANTUM : remaining);
        const ran = c.run(slice);
        remaining -= ran;
        roundLength = Math.max(roundLength, ran);
        if (c.stop !== null) {
          this.finished = c.stop;
          this.time += roundLength;
          return c.stop;
        }
      }
      this.time += roundLength;
      if (!anyAwake) return { kind: 'idle' };
    }
    return { kind: 'budget' };
  }

  private awakeCount(): number {
    let n = 0;
    for (const c of this.cores) if (c.sleeping === 'no') n++;
    return n;
  }
}
