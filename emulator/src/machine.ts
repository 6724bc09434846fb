// A Raspberry Pi 3 (BCM2837): four Cortex-A53 cores, 1 GiB of RAM and the
// peripherals, started the way the Pi's firmware and QEMU's raspi3b start a raw
// kernel8.img. This is the emulator's public face (see index.ts).
//
// Time is virtual. It advances with the instructions the cores retire: one tick
// of the 62.5 MHz generic counter per instruction of the busiest core in each
// round. Awake cores take turns, a fixed quantum each; a round also ends at the
// next timer deadline, so an interrupt arrives at the same instruction on every
// run; when every core sleeps, time jumps straight to the next deadline. The same
// image and the same input therefore give the same output and the same
// instruction count on every run, on every host.
//
// A caller that keeps the guest's clock to a wall clock (pacing.ts) also gives
// run() a moment of virtual time to stop at: one more deadline for the
// scheduler, so a round ends there as it would at a timer's.

import { hex64 } from './bits';
import { KERNEL_LOAD_ADDRESS, PRIMARY_STUB, SECONDARY_STUB, SECONDARY_STUB_ADDRESS, words } from './boot';
import { Breakpoints } from './cpu/breakpoints';
import { CODE_PAGE_LAZY, type CoreBus, type DebugStop, type Op, type StopReason as CoreStop, Cpu } from './cpu/cpu';
import { BlockCompiler, HOT, holeyArray } from './cpu/compiler';
import { decode } from './cpu/decoder';
import { Timer } from './cpu/generic-timer';
import { Bcm2835Intc, GpuIrq } from './devices/bcm2835-intc';
import { Bcm2835Mailbox } from './devices/bcm2835-mailbox';
import { Bcm2835Power } from './devices/bcm2835-power';
import { Bcm2835SystemTimer } from './devices/bcm2835-system-timer';
import { Bcm2836Local, LocalSource } from './devices/bcm2836-local';
import { Gpio } from './devices/gpio';
import { Pl011 } from './devices/pl011';
import { SdCard } from './devices/sd-card';
import { Sdhci, followSdPins } from './devices/sdhci';
import { VideoCoreProperties } from './devices/videocore-properties';
import { LOCAL_BASE, PERIPHERAL_BASE, PhysicalMemory, RAM_END, UnimplementedDevice } from './memory';
import { semihostingCall } from './semihosting';

/**
/**
 * Why run() returned: the machine stopped for good (exit, reset, error), the budget ran out,
 * virtual time reached the `until` asked for (deadline), every core sleeps with nothing that
 * could wake it but input (idle), or core `core` paused for a debugger.
 */
export type StopReason = CoreStop | { kind: 'budget' } | { kind: 'deadline' } | { kind: 'idle' } | { kind: 'debug'; core: number; why: DebugStop };

export type SdFault = 'removed' | 'failing';

export interface MachineOptions {
  /** The raw kernel8.img, loaded at 0x80000. */
  kernel: Uint8Array;
  /** The SD card's image, if a card is inserted. The guest's writes change these bytes. */
  sdImage?: Uint8Array;
  /**
   * A fault of the SD card, for tests of a driver's error paths: 'removed', the slot starts
   * empty (the image stays unused); 'failing', the card answers commands but moves no data.
   */
  sdFault?: SdFault;
  /**
   * Compile hot code to JavaScript (cpu/compiler.ts) as well as interpreting it; both tiers
   * give the same output and instruction counts. Default: Machine.compileByDefault.
   */
  compile?: boolean;
  /**
   * When compiling, how often a straight run is entered and interpreted before it is compiled
   * (0: at its first entry); a loop's head is compiled after a quarter as many (cpu.ts, LOOP_HEAD). Only speed depends on it, never what the guest does or when.
   * Default: Machine.compileAfterByDefault.
   */
  compileAfter?: number;
}

/** Something that acts at a moment of virtual time: timers, and devices that take time. */
export interface Clocked {
  /** Virtual time of its next event, or Infinity. */
  nextEvent(): number;
  /** Virtual time has reached (or passed) nextEvent(): act. */
  advance(now: number): void;
}

/** Instructions each awake core runs before the next one gets a turn. */
const QUANTUM = 1000;

/**
 * Stores into a decoded page after which it counts as data, and its decoded code is dropped
 * (MachineBus.codeOverwritten). A kernel gives a frame that held a program's code to the next
 * program as data: chapter 07's programs session made 4.6 million stores into 33 such frames,
 * each on the slow path, since a page with decoded code is never in a FastTlb. Code and data
 * in one page (a kernel without W^X) pays a fresh decode of the code it runs, at most once
 * every this many stores into the page.
 */
const DATA_AFTER_STORES = 64;

const CORES = 4;
/** CNTFRQ_EL0, as QEMU's raspi3b sets it (the Pi's firmware sets 19.2 MHz). */
export const COUNTER_HZ = 62_500_000;

export class Machine {
  /**
   * The tier new machines use when their options do not say: true unless a host switches the
   * compiler off for every machine (the test suite does so for BRAMBLE_TIER=interpreted).
   */
  static compileByDefault = true;
  /** The compile threshold new machines use when their options do not say (cpu/compiler.ts, HOT). */
  static compileAfterByDefault = HOT;
  readonly memory = new PhysicalMemory();
  readonly cores: readonly Cpu[];
  readonly uart: Pl011;
  readonly gpio = new Gpio();
  readonly intc = new Bcm2835Intc();
  readonly local: Bcm2836Local;
  readonly systemTimer: Bcm2835SystemTimer;
  readonly mailbox: Bcm2835Mailbox;
  readonly power: Bcm2835Power;
  readonly sdhci: Sdhci;
  /** The SD card's image (the same bytes given in the options, as the guest has changed them), or null. */
  readonly sdImage: Uint8Array | null;
  /** Every byte the guest prints (UART and semihosting), in order. */
  onOutput: (bytes: Uint8Array) => void = () => {};
  /** Reports of guest accesses the emulator does not model (each once). */
  onWarning: (message: string) => void = () => {};
  /** A debugger's breakpoints: run() pauses a core that reaches one (StopReason 'debug'). */
  readonly breakpoints = new Breakpoints();
  /** Virtual time in generic-counter ticks at the start of the current round. */
  private time = 0;
  private finished: StopReason | null = null;
  private readonly bus: MachineBus;
  /** The second tier, or null when this machine only interprets. */
  readonly compiler: BlockCompiler | null;
  private readonly clocked: Clocked[] = [];
  private round: Round | null = null;
  /** A core is inside Cpu.run (so reschedule() can end its turn directly). */
  private running = false;
  /** Something happened between run() calls that the current round did not plan for. */
  private replan = false;
  /** Virtual time the current run() call stops at (Infinity: none). */
  private deadline = Infinity;
  private current: Cpu;

  constructor(options: MachineOptions) {
    const kernel = options.kernel;
    if (kernel.length === 0) throw new Error('the kernel image is empty');
    if (kernel.length > RAM_END - KERNEL_LOAD_ADDRESS) {
      throw new Error(`the kernel image (${kernel.length} bytes) does not fit in RAM above 0x${KERNEL_LOAD_ADDRESS.toString(16)}`);
    }
    this.memory.onUnmapped = (m) => this.onWarning(m);

    this.compiler = (options.compile ?? Machine.compileByDefault) ? new BlockCompiler(this.memory, options.compileAfter ?? Machine.compileAfterByDefault) : null;
    const bus = new MachineBus(this.memory, this.compiler, this.breakpoints, {
      now: () => this.time,
      timersChanged: (c) => this.timersChanged(c),
      output: (bytes) => this.onOutput(bytes),
    });
    this.bus = bus;
    this.cores = Array.from({ length: CORES }, (_, i) => new Cpu(i, bus));
    bus.cores = this.cores;
    this.current = this.cores[0];
    this.memory.currentPc = () => `${hex64(this.current.pcLo, this.current.pcHi)} on core ${this.current.index}`;

    // Interrupt wiring: devices -> BCM2835 controller -> BCM2836 local controller -> each core's IRQ/FIQ.
    this.local = new Bcm2836Local(
      {
        setLines: (core, irq, fiq) => {
          const c = this.cores[core];
          c.irqLine = irq;
          c.fiqLine = fiq;
          c.wakeIfPending();
        },
      },
      () => this.current.now(),
      COUNTER_HZ,
    );
    this.intc.onChange = () => this.local.setGpu(this.intc.irq, this.intc.fiq);
    this.uart = new Pl011((b) => this.onOutput(Uint8Array.of(b)), () => this.current.now(), COUNTER_HZ);
    this.uart.onInterruptChange = () => this.intc.setLine(GpuIrq.UART, this.uart.interruptAsserted);
    this.uart.onReschedule = () => this.reschedule();
    this.uart.onWarning = (m) => this.onWarning(m);
    const now = () => this.current.now();
    this.systemTimer = new Bcm2835SystemTimer(now, COUNTER_HZ / 1_000_000);
    this.systemTimer.onLine = (channel, asserted) => this.intc.setLine(GpuIrq.SYSTEM_TIMER_0 + channel, asserted);
    this.systemTimer.onReschedule = () => this.reschedule();
    const properties = new VideoCoreProperties(this.memory);
    properties.onWarning = (m) => this.onWarning(m);
    this.mailbox = new Bcm2835Mailbox(properties);
    this.mailbox.onWarning = (m) => this.onWarning(m);
    this.power = new Bcm2835Power(now, COUNTER_HZ);
    this.power.onReschedule = () => this.reschedule();
    this.power.onWarning = (m) => this.onWarning(m);
    // The watchdog ends the run: a halt stops the machine as an exit with status 0, a reset as a reset.
    this.power.onExpire = (outcome) => (this.finished = outcome === 'halt' ? { kind: 'exit', code: 0 } : { kind: 'reset' });
    this.sdImage = options.sdImage ?? null;
    const card = this.sdImage === null ? null : new SdCard(this.sdImage);
    if (card !== null && options.sdFault === 'failing') card.failing = true;
    this.sdhci = new Sdhci(card);
    if (options.sdFault === 'removed') this.sdhci.attach(false);
    this.sdhci.onInterrupt = (asserted) => this.intc.setLine(GpuIrq.EMMC, asserted);
    this.sdhci.onWarning = (m) => this.onWarning(m);
    followSdPins(this.gpio, this.sdhci);
    this.clocked.push(this.local, this.uart, this.systemTimer, this.power);
    this.mapDevices();

    this.memory.load(0, words(PRIMARY_STUB));
    this.memory.load(SECONDARY_STUB_ADDRESS, words(SECONDARY_STUB));
    this.memory.load(KERNEL_LOAD_ADDRESS, kernel);
    // Every core starts at EL2h with DAIF masked; core 0 at the primary stub, the others parked.
    for (const c of this.cores) {
      c.el = 2;
      c.spsel = 1;
      c.daif = 0xf;
      c.pcLo = c.index === 0 ? 0 : SECONDARY_STUB_ADDRESS;
    }
  }

  private mapDevices(): void {
    this.memory.map(PERIPHERAL_BASE + 0x003000, 0x20, this.systemTimer);
    this.memory.map(PERIPHERAL_BASE + 0x00b200, 0x200, this.intc);
    this.memory.map(PERIPHERAL_BASE + 0x00b880, 0x40, this.mailbox);
    this.memory.map(PERIPHERAL_BASE + 0x100000, 0x28, this.power);
    this.memory.map(PERIPHERAL_BASE + 0x200000, 0x1000, this.gpio);
    this.memory.map(PERIPHERAL_BASE + 0x201000, 0x1000, this.uart);
    this.memory.map(PERIPHERAL_BASE + 0x300000, 0x100, this.sdhci);
    this.memory.map(LOCAL_BASE, 0x100, this.local);
    // Everything else in the two peripheral windows reads as zero and is reported.
    this.memory.map(PERIPHERAL_BASE, 0x1000000, new UnimplementedDevice('BCM2835 peripheral', this.memory));
    this.memory.map(LOCAL_BASE, 0x40000, new UnimplementedDevice('BCM2836 local peripheral', this.memory));
  }

  /**
   * Before running on after a pause for a debugger: every core may leave the breakpoint it is
   * at, and core `step` (if given) pauses again after one step.
   */
  resumeDebugging(step?: number): void {
    for (const c of this.cores) {
      c.stepping = c.index === step;
      c.resumeOverBreakpoint = true;
    }
  }

  /** A debugger writes a byte of RAM: decoded (and compiled) code on that page is made again when next run. */
  debugWrite(pa: number, byte: number): void {
    this.memory.chunk(pa).u8[pa & 0xffff] = byte;
    this.bus.forgetCode(pa >>> 12);
  }

  /** Queue bytes for the serial port's receiver. */
  input(data: Uint8Array | string): void {
    this.uart.receive(typeof data === 'string' ? new TextEncoder().encode(data) : data);
  }

  /** Instructions retired so far, all cores. */
  get instructions(): number {
    let n = 0;
    for (const c of this.cores) n += c.retired;
    return n;
  }

  /** Virtual time in seconds. */
  get seconds(): number {
    return this.time / COUNTER_HZ;
  }

  private updateTimerLines(c: Cpu): void {
    const now = this.running && c === this.current ? c.now() : this.time;
    this.local.setTimerLine(c.index, LocalSource.CNTPNS, c.timer.output(Timer.PHYSICAL, now));
    this.local.setTimerLine(c.index, LocalSource.CNTV, c.timer.output(Timer.VIRTUAL, now));
    this.local.setTimerLine(c.index, LocalSource.CNTHP, c.timer.output(Timer.HYP, now));
  }

  /** A device's next event moved earlier: end the running turn, so the next round is planned with it. */
  reschedule(): void {
    if (this.running) this.current.endSlice = true;
    else this.replan = true;
  }

  private timersChanged(c: Cpu): void {
    this.updateTimerLines(c);
    // The new deadline may fall inside the current slice: end it so the round can be re-planned.
    c.endSlice = true;
    c.yieldAfter();
  }

  /** The next moment something happens without an instruction causing it. */
  private nextEvent(): number {
    let next = Infinity;
    for (const d of this.clocked) next = Math.min(next, d.nextEvent());
    for (const c of this.cores) next = Math.min(next, c.timer.nextEvent(this.time));
    return next;
  }

  /**
   * Run at most `budget` instructions (all cores together), and not past `until` seconds of
   * virtual time. The schedule does not depend on how a caller splits its budget: a round of
   * turns that is cut short by the budget resumes where it stopped on the next call, so
   * run(1) a million times does exactly what run(1_000_000) does. A deadline ends a round as
   * a timer's would, so only a paced run (whose deadlines follow the wall clock) sees its
   * cores take turns at moments of its own.
   */
  run(budget: number, until = Infinity): StopReason {
    if (this.finished !== null) return this.finished;
    this.deadline = until === Infinity ? Infinity : Math.floor(until * COUNTER_HZ);
    let remaining = budget;
    while (remaining > 0) {
      if (this.round === null) {
        if (this.time >= this.deadline) return { kind: 'deadline' };
        if (!this.startRound()) return this.finished ?? (this.time >= this.deadline ? { kind: 'deadline' } : { kind: 'idle' });
      }
      const round = this.round!;
      if (this.replan) {
        // Input arrived between calls: the device event it started must be planned for.
        this.replan = false;
        this.endTurn(round);
        continue;
      }
      const c = round.cores[round.index];
      // A round planned before this call's deadline still ends at it.
      const ask = Math.min(round.slice - round.ran, remaining, this.deadline - this.time - round.ran);
      if (c.sleeping !== 'no' || ask <= 0) {
        this.endTurn(round);
        continue;
      }
      this.current = c;
      c.turnOffset = round.ran;
      this.running = true;
      const ran = c.run(ask);
      this.running = false;
      round.ran += ran;
      round.length = Math.max(round.length, round.ran);
      remaining -= ran;
      if (c.stop !== null) {
        this.finished = c.stop;
        this.time += round.length;
        this.round = null;
        return c.stop;
      }
      // A pause for a debugger keeps the turn, as a budget that ran out would, unless the
      // instruction just run ended it anyway; the next call resumes exactly here.
      const paused = c.debugStop;
      const kept = paused !== null && c.sleeping === 'no' && !c.endSlice;
      // A turn ends when the core used its slice, went to sleep, or a deadline moved.
      if ((ran < ask && !kept) || round.ran >= round.slice) this.endTurn(round);
      if (paused !== null) {
        for (const core of this.cores) core.stepping = false;
        return { kind: 'debug', core: c.index, why: paused };
      }
    }
    return { kind: 'budget' };
  }

  /**
   * Let due events act, then plan the next round; false when every core sleeps with nothing
   * to wake it, or until the deadline.
   */
  private startRound(): boolean {
    for (;;) {
      // Events that are due act first: timers fire, devices finish what they were doing.
      for (const d of this.clocked) if (d.nextEvent() <= this.time) d.advance(this.time);
      if (this.finished !== null) return false; // the watchdog stopped the machine
      // Generic timers are a comparison with the counter: refresh every core's outputs.
      for (const c of this.cores) this.updateTimerLines(c);
      const next = this.nextEvent();
      for (const c of this.cores) c.wakeIfPending();
      const awake = this.cores.filter((c) => c.sleeping === 'no');
      if (awake.length === 0) {
        if (next === Infinity) return false;
        // Everyone sleeps: skip ahead to the next event, or as far as the caller's deadline.
        this.time = Math.min(next, this.deadline);
        if (this.time >= this.deadline) return false;
        continue;
      }
      const slice = Math.min(Math.min(next, this.deadline) - this.time, awake.length > 1 ? QUANTUM : Infinity);
      this.round = { cores: awake, slice, index: 0, ran: 0, length: 0 };
      this.replan = false;
      return true;
    }
  }

  private endTurn(round: Round): void {
    round.index++;
    round.ran = 0;
    if (round.index >= round.cores.length) {
      this.time += round.length;
      this.round = null;
    }
  }
}

/** What only the machine knows, which its cores reach through the bus: its clock, its timers, its output. */
interface Board {
  now(): number;
  timersChanged(c: Cpu): void;
  output(bytes: Uint8Array): void;
}

/**
 * What the cores ask of their machine (CoreBus, cpu.ts). A class, so that its methods are the
 * same functions in every machine: with the arrow functions of an object made per machine,
 * the run loop (Cpu.run), which V8 had optimised with the last machine's decodePage as the
 * call's only target, was thrown away at each new machine's first page ("wrong call target")
 * and ran unoptimised until V8 had compiled it again, a tenth of a bench guest's run.
 */
class MachineBus implements CoreBus {
  /** Decoded pages by their number: holey from the start, as the compiler's are (compiler.ts, holeyArray). */
  readonly code: (Op[] | undefined)[] = holeyArray<Op[]>();
  /** Stores into each decoded page since it was decoded, up to DATA_AFTER_STORES (codeOverwritten). */
  private readonly storesIntoCode = new Uint8Array(RAM_END >>> 12);
  cores: readonly Cpu[] = [];

  constructor(
    readonly memory: PhysicalMemory,
    readonly compiler: BlockCompiler | null,
    readonly breakpoints: Breakpoints,
    private readonly board: Board,
  ) {}

  decodePage(ppn: number): Op[] {
    const page = new Array<Op>(CODE_PAGE_LAZY + 1);
    const base = ppn * 4096;
    const lazy: Op = (c) => {
      // Decode on first execution: most of a page is never run.
      const index = (c.pcLo & 0xfff) >>> 2;
      const word = base < RAM_END ? this.memory.chunk(base).i32[((base & 0xffff) >>> 2) + index] : this.memory.read(base + index * 4, 4);
      const op = decode(word);
      page[index] = op;
      op(c);
    };
    page.fill(lazy);
    this.code[ppn] = page;
    this.storesIntoCode[ppn] = 0;
    for (const c of this.cores) c.mmu.forgetWritable();
    return page;
  }

  codeOverwritten(ppn: number): boolean {
    if (++this.storesIntoCode[ppn] < DATA_AFTER_STORES) return false;
    this.forgetCode(ppn);
    return true;
  }

  /**
   * Drop page `ppn`'s decoded and compiled code: it is decoded afresh if it runs again, and
   * meanwhile stores to it may take the fast path (Mmu.remember). A run loop inside the page
   * must leave it (Cpu.storeHitsCode); a debugger writes only while every core is paused.
   */
  forgetCode(ppn: number): void {
    this.code[ppn] = undefined;
    this.compiler?.forget(ppn);
  }

  semihost(c: Cpu): CoreStop | null {
    return semihostingCall(c, (bytes) => this.board.output(bytes));
  }

  now(): number {
    return this.board.now();
  }

  timersChanged(c: Cpu): void {
    this.board.timersChanged(c);
  }

  sendEvent(): void {
    for (const c of this.cores) c.eventRegister = 1;
  }

  flushTlbs(): void {
    for (const c of this.cores) c.mmu.flush();
  }

  flushTlbPage(lo: number, hi: number): void {
    for (const c of this.cores) c.mmu.flushPage(lo, hi);
  }

  exclusiveStore(pa: number, by: Cpu): void {
    for (const c of this.cores) if (c !== by && c.exclusiveAddr === pa) c.exclusiveAddr = -1;
  }
}

/** A round of turns: each core awake at its start runs up to `slice` instructions, in core order. */
interface Round {
  readonly cores: readonly Cpu[];
  readonly slice: number;
  /** Whose turn it is. */
  index: number;
  /** Instructions that core has run in this turn so far. */
  ran: number;
  /** The longest turn so far: how far virtual time advances when the round ends. */
  length: number;
}
