// One Cortex-A53 core: registers, PSTATE, exceptions, memory access and the run loop.
//
// How an instruction runs. Every 32-bit instruction word is decoded once into an
// `Op`, a small closure with its operands already extracted (see decoder.ts), and
// the ops of a 4 KiB page of code are cached together. The run loop walks a
// page's ops in order until one of them branches, faults or asks to stop; only
// then does it translate the PC again. Decoding, translation and interrupt checks
// are thereby paid per branch or per page, not per instruction.
//
// Registers. The 31 general registers, the zero register and the stack pointer
// live in one Int32Array as interleaved 32-bit halves: register n is
// r[2n] (bits 31:0) and r[2n+1] (bits 63:32). Register number 31 means the zero
// register in some encodings and SP in others; the decoder resolves that once,
// into these slots:
//   0..30  X0..X30
//   31     XZR as a source: always zero, never written
//   32     XZR as a destination: a sink that is written and never read
//   33     SP, the stack pointer currently selected by PSTATE.{EL,SPSel}

import { addOffset, hex64, out } from '../bits';
import { type Chunk, type PhysicalMemory, RAM_END } from '../memory';
import type { Breakpoints } from './breakpoints';
import type { BlockCompiler } from './compiler';
import { GenericTimer } from './generic-timer';
import { AccessKind, Mmu } from './mmu';
import { SystemRegisters } from './sysregs';

export type Op = (cpu: Cpu) => void;

export const ZR = 31;
export const ZR_SINK = 32;
export const SP = 33;

/** Why the machine must stop running this core's instructions. */
export type StopReason =
  | { kind: 'exit'; code: number }
  | { kind: 'reset' }
  | { kind: 'error'; message: string };

/** Exception classes (ESR_ELx.EC) this CPU raises; names as in the Arm ARM (D17.2.37). */
export const EC = {
  UNKNOWN: 0x00,
  WFX: 0x01,
  ILLEGAL_STATE: 0x0e,
  SVC: 0x15,
  HVC: 0x16,
  MSR_MRS: 0x18,
  INSTRUCTION_ABORT_LOWER: 0x20,
  INSTRUCTION_ABORT_SAME: 0x21,
  PC_ALIGNMENT: 0x22,
  DATA_ABORT_LOWER: 0x24,
  DATA_ABORT_SAME: 0x25,
  SP_ALIGNMENT: 0x26,
  SERROR: 0x2f,
  BRK: 0x3c,
} as const;

/** Vector offsets from VBAR_ELx (Arm ARM D1.10.2). */
export const VectorKind = { SYNC: 0x000, IRQ: 0x080, FIQ: 0x100, SERROR: 0x180 } as const;

/** Bits of Cpu.signal. */
export const BRANCHED = 1;
export const RECHECK = 2;

/** What entering the start of a straight run adds to its heat (compiler.ts, CompiledPage.enter). */
export const ENTRY = 1;
/**
 * What entering a loop's head adds: a spot that a branch in its page has just gone back to.
 * A loop goes round again and again, so its past entries promise more future ones than a
 * spot entered as often from elsewhere (a function, a system call's path), and it is
 * compiled after a quarter as many. Measured on bench-memory, whose loop is 170
 * instructions: 0.7 million instructions interpreted before it is compiled instead of 2.7.
 * Counting 16 made chapter 07's pipeline slower (7.3-8.3 s of processor time against 6.6-7.4 s).
 */
export const LOOP_HEAD = 4;
/** Index, in a decoded page, of its decode-on-first-execution op. */
export const CODE_PAGE_LAZY = 1024;

/** Thrown (as this single object) to abandon an instruction that took an exception part-way. */
export const EXCEPTION_TAKEN = { taken: true };

/** The lines every core shares: memory, the decoded-code cache, and the machine's hooks. */
export interface CoreBus {
  readonly memory: PhysicalMemory;
  /**
   * Decoded ops per physical 4 KiB page: 1024 entries, then (at CODE_PAGE_LAZY) the op that
   * decodes an entry on first execution; a store resets the entries of the words it overwrites.
   */
  readonly code: (Op[] | undefined)[];
  decodePage(ppn: number): Op[];
  /**
   * A store went into decoded page `ppn` (its words already made lazy again). Every such
   * store takes the slow path, since the FastTlbs hold no page with decoded code; after enough
   * of them the page counts as data and its decoded code is dropped: true then.
   */
  codeOverwritten(ppn: number): boolean;
  /** The second tier, which compiles hot code to JavaScript (compiler.ts), or null to interpret only. */
  readonly compiler: BlockCompiler | null;
  /** Semihosting call (HLT #0xF000): returns a stop reason when the call ends the machine. */
  semihost(cpu: Cpu): StopReason | null;
  /** Virtual time, in ticks of the 62.5 MHz generic counter, at the start of the current run slice. */
  now(): number;
  /** A timer register of core `c` changed: re-evaluate its outputs and the next timer event. */
  timersChanged(cpu: Cpu): void;
  /** SEV: set the event register of every core. */
  sendEvent(): void;
  /** TLBI: drop every core's cached translations. */
  flushTlbs(): void;
  /** TLBI by VA: drop every core's cached translations of the page at virtual address `lo`, `hi`. */
  flushTlbPage(lo: number, hi: number): void;
  /** A store-exclusive by `by` succeeded at `pa`: other cores' monitors on it are cleared. */
  exclusiveStore(pa: number, by: Cpu): void;
  /** A debugger's breakpoints, shared by every core (see breakpoints.ts). */
  readonly breakpoints: Breakpoints;
}

/**
 * Told of every exception a core takes, once it has been taken (so ELR, ESR, FAR and the PC
 * at the vector are the new ones): for `--trace int`. `from` is the EL it was taken from.
 */
export type ExceptionHook = (cpu: Cpu, from: number, kind: number) => void;

/** Why a core paused for a debugger: it reached a breakpoint, or finished a single step. */
export type DebugStop = 'breakpoint' | 'step';

export class Cpu {
  readonly r = new Int32Array(2 * 34);
  pcLo = 0;
  pcHi = 0;

  // PSTATE, one field each so the hot paths touch plain numbers.
  n = 0;
  z = 0;
  c = 0;
  v = 0;
  el = 2;
  spsel = 1;
  /** D, A, I, F as bits 3..0 (PSTATE.DAIF is bits 9:6 of SPSR). */
  daif = 0xf;
  /** PSTATE.IL: set by an illegal exception return; the next instruction then faults. */
  il = 0;

  /** SP_EL0, SP_EL1, SP_EL2 while not selected (the selected one is in r[SP]). */
  readonly spBank = new Int32Array(6);

  /**
   * What the instruction just executed asks of the run loop, as bits: BRANCHED (it set
   * the PC) and RECHECK (stop and re-check interrupts, translation, sleep). One field,
   * so the loop tests a single value per instruction.
   */
  signal = 0;
  /** Return from run() after this instruction: the machine must re-plan time (a timer deadline moved). */
  endSlice = false;
  /** Instructions executed in the current run() call before the current block. */
  runCount = 0;
  /** Page index of the first instruction of the block being executed (see run()). */
  blockStart = 0;
  /** Instructions this core already ran in the current round before this run() call (a round can span calls). */
  turnOffset = 0;
  stop: StopReason | null = null;

  // A debugger's controls. They pause the core between instructions, exactly where a run
  // sliced by budget could have paused it, so the machine's schedule stays the same.
  /** Run one step (one instruction, or one exception entry) and pause. */
  stepping = false;
  /** Resuming from a pause: do not stop again at a breakpoint on the instruction at the PC. */
  resumeOverBreakpoint = false;
  /** Why the core paused for the debugger in the last run(), or null. */
  debugStop: DebugStop | null = null;

  /** Core is waiting in WFI (for an interrupt) or WFE (for an event). */
  sleeping: 'no' | 'wfi' | 'wfe' = 'no';
  eventRegister = 0;
  /** An interrupt line is asserted for this core (set by the interrupt controllers). */
  irqLine = false;
  fiqLine = false;

  /** LDTR/STTR at EL1: the access is checked with EL0's permissions. */
  el0Access = false;

  /** Local exclusive monitor: the physical address of the last LDXR/LDAXR, or -1 when open. */
  exclusiveAddr = -1;

  readonly sys = new SystemRegisters();
  readonly mmu: Mmu = new Mmu(this);
  readonly timer: GenericTimer = new GenericTimer(this);
  /** Instructions retired by this core. */
  retired = 0;
  /** Exceptions taken by this core (a statistic, and how the step tool knows one happened). */
  exceptionsTaken = 0;
  /** A tracer's hook (see trace.ts), or null. */
  onException: ExceptionHook | null = null;

  constructor(
    readonly index: number,
    readonly bus: CoreBus,
  ) {}

  // ---------------------------------------------------------------- registers

  /** Bits 31:0 of register slot `s` (a W register's value). */
  lo(s: number): number {
    return this.r[2 * s];
  }

  /** Bits 63:32 of register slot `s`. */
  hi(s: number): number {
    return this.r[2 * s + 1];
  }

  /** Read register slot `s` as a 64-bit value: low half returned, high half in out.hi. */
  get64(s: number): number {
    out.hi = this.r[2 * s + 1];
    return this.r[2 * s];
  }

  set64(s: number, lo: number, hi: number): void {
    this.r[2 * s] = lo;
    this.r[2 * s + 1] = hi;
  }

  /** Writes to a W register clear bits 63:32. */
  set32(s: number, v: number): void {
    this.r[2 * s] = v;
    this.r[2 * s + 1] = 0;
  }

  pcString(): string {
    return hex64(this.pcLo, this.pcHi);
  }

  /** The PSTATE fields an SPSR saves (Arm ARM C5.2.18): NZCV, DAIF, IL, M[3:0]. */
  get spsrValue(): number {
    return (
      ((this.n << 31) | (this.z << 30) | (this.c << 29) | (this.v << 28) | (this.il << 20) | (this.daif << 6) | (this.el << 2) | this.spsel) >>> 0
    );
  }

  get nzcv(): number {
    return (this.n << 3) | (this.z << 2) | (this.c << 1) | this.v;
  }

  set nzcv(f: number) {
    this.n = (f >>> 3) & 1;
    this.z = (f >>> 2) & 1;
    this.c = (f >>> 1) & 1;
    this.v = f & 1;
  }

  /** Switch PSTATE.EL/SPSel, banking the stack pointer as the architecture does. */
  setMode(el: number, spsel: number): void {
    const from = this.spsel === 0 ? 0 : this.el;
    const to = spsel === 0 ? 0 : el;
    if (from !== to) {
      this.spBank[2 * from] = this.lo(SP);
      this.spBank[2 * from + 1] = this.hi(SP);
      this.set64(SP, this.spBank[2 * to], this.spBank[2 * to + 1]);
    }
    this.el = el;
    this.spsel = spsel;
  }

  /** SP_ELn whether or not it is the one selected now. */
  readSp(n: number): number {
    const current = this.spsel === 0 ? 0 : this.el;
    if (n === current) return this.get64(SP);
    out.hi = this.spBank[2 * n + 1];
    return this.spBank[2 * n];
  }

  writeSp(n: number, lo: number, hi: number): void {
    const current = this.spsel === 0 ? 0 : this.el;
    if (n === current) this.set64(SP, lo, hi);
    else {
      this.spBank[2 * n] = lo;
      this.spBank[2 * n + 1] = hi;
    }
  }

  // ---------------------------------------------------------------- control flow

  branchTo(lo: number, hi: number): void {
    this.pcLo = lo;
    this.pcHi = hi;
    this.signal |= BRANCHED;
  }

  /** Finish this instruction normally, then leave the run loop so interrupts, translation and sleep are re-checked. */
  yieldAfter(): void {
    this.signal |= RECHECK;
  }

  /** Stop running this core for good (exit, reset, or an error the emulator cannot go past), after this instruction. */
  halt(reason: StopReason): void {
    if (this.stop === null) this.stop = reason;
    this.signal |= RECHECK;
  }

  /** The generic counter's value now, as this core sees it: the instructions before this one in the block count too. */
  now(): number {
    return this.bus.now() + this.turnOffset + this.runCount + ((this.pcLo & 0xfff) >>> 2) - this.blockStart;
  }

  // ---------------------------------------------------------------- exceptions

  /**
   * Take an exception to `target` EL (Arm ARM D1.10): save PSTATE to SPSR, the
   * return address to ELR, the syndrome to ESR; mask DAIF; select SP_ELx; jump
   * to the vector. `returnLo/Hi` is the preferred return address.
   */
  takeException(target: number, kind: number, esr: number, returnLo: number, returnHi: number): void {
    this.exceptionsTaken++;
    this.resumeOverBreakpoint = false; // the PC leaves the instruction the core paused on
    const from = this.el;
    const sys = this.sys;
    const spsr = this.spsrValue;
    const fromLower = this.el < target;
    const base = fromLower ? 0x400 : this.spsel === 0 ? 0x000 : 0x200;
    sys.setElr(target, returnLo, returnHi);
    sys.setSpsr(target, spsr);
    if (kind === VectorKind.SYNC || kind === VectorKind.SERROR) sys.setEsr(target, esr);
    this.il = 0;
    this.daif = 0xf;
    this.setMode(target, 1);
    this.exclusiveAddr = -1;
    const vbarLo = sys.vbarLo(target);
    const vbarHi = out.hi;
    const lo = addOffset(vbarLo, vbarHi, base + kind);
    this.branchTo(lo, out.hi);
    this.signal |= RECHECK;
    this.sleeping = 'no';
    this.onException?.(this, from, kind);
  }

  /** Synchronous exception for the current instruction; routed to EL1, or to EL2 when taken at EL2. */
  syncException(ec: number, iss: number, preferReturnNext = false, routeTo?: number): void {
    const target = routeTo ?? (this.el === 2 ? 2 : 1);
    const esr = ((ec << 26) | (1 << 25) | (iss & 0x1ffffff)) >>> 0; // IL=1: every A64 instruction is 32 bits
    let lo = this.pcLo;
    let hi = this.pcHi;
    if (preferReturnNext) {
      lo = addOffset(lo, hi, 4);
      hi = out.hi;
    }
    this.takeException(target, VectorKind.SYNC, esr, lo, hi);
  }

  /** The encoding is UNDEFINED (Arm ARM: EC 0x00, "unknown reason"). */
  undefinedInstruction(): void {
    this.syncException(EC.UNKNOWN, 0);
  }

  // ---------------------------------------------------------------- memory

  /**
   * Translate a data address, taking the fault as a data abort and abandoning
   * the instruction (throws EXCEPTION_TAKEN) when it does not translate.
   */
  private dataAddress(lo: number, hi: number, size: number, kind: AccessKind): number {
    const pa = this.mmu.translate(lo, hi, size, kind, this.el0Access);
    if (pa >= 0) return pa;
    this.dataAbort(lo, hi, kind);
    throw EXCEPTION_TAKEN;
  }

  private dataAbort(lo: number, hi: number, kind: AccessKind): void {
    const fault = this.mmu.lastFault;
    const target = this.el === 2 ? 2 : 1;
    const ec = this.el < target ? EC.DATA_ABORT_LOWER : EC.DATA_ABORT_SAME;
    const wnr = kind === AccessKind.Write ? 1 << 6 : 0;
    this.sys.setFar(target, lo, hi);
    this.syncException(ec, wnr | fault);
  }

  private chunkFor(pa: number): Chunk {
    return this.bus.memory.chunk(pa);
  }

  /**
   * A store of `size` bytes to a page that holds decoded code: the words it overwrites go
   * back to being decoded when next executed (code that writes code, loaders, and data that
   * merely shares a page with code all stay correct, and the rest of the page stays decoded),
   * and the bus counts it: a page that takes many stores has become data (CoreBus.codeOverwritten).
   * The run loop then leaves the page, which it may be running from: it holds the page's old
   * decoding, which later stores would no longer reach.
   */
  private storeHitsCode(pa: number, size: number): void {
    const ppn = pa >>> 12;
    const page = this.bus.code[ppn];
    if (page === undefined) return;
    const lazy = page[CODE_PAGE_LAZY];
    const offset = pa & 0xfff;
    page[offset >>> 2] = lazy;
    page[(offset + size - 1) >>> 2] = lazy; // the same word unless the store spans two
    this.bus.compiler?.stored(pa, size);
    if (this.bus.codeOverwritten(ppn)) this.yieldAfter();
  }

  // Loads and stores: first the fast path (an aligned access to a page in the
  // current EL's FastTlb), then the general one that translates and may fault.

  ld8(lo: number, hi: number): number {
    const t = this.mmu.fastRead[this.el];
    const i = (lo >>> 12) & 255;
    if (t.tagLo[i] === lo >>> 12 && t.tagHi[i] === hi) return t.bytes[i][lo & 0xfff];
    const pa = this.dataAddress(lo, hi, 1, AccessKind.Read);
    if (pa < RAM_END) return this.chunkFor(pa).u8[pa & 0xffff];
    return this.bus.memory.read(pa, 1);
  }

  ld16(lo: number, hi: number): number {
    const t = this.mmu.fastRead[this.el];
    const i = (lo >>> 12) & 255;
    if ((lo & 1) === 0 && t.tagLo[i] === lo >>> 12 && t.tagHi[i] === hi) return t.halves[i][(lo & 0xfff) >>> 1];
    const pa = this.dataAddress(lo, hi, 2, AccessKind.Read);
    if ((pa & 1) !== 0) return this.ld8(lo, hi) | (this.ld8(lo + 1, hi) << 8);
    if (pa < RAM_END) return this.chunkFor(pa).u16[(pa & 0xffff) >>> 1];
    return this.bus.memory.read(pa, 2);
  }

  /** 32-bit load; the result as an int32 (callers zero- or sign-extend). */
  ld32(lo: number, hi: number): number {
    const t = this.mmu.fastRead[this.el];
    const i = (lo >>> 12) & 255;
    if ((lo & 3) === 0 && t.tagLo[i] === lo >>> 12 && t.tagHi[i] === hi) return t.words[i][(lo & 0xfff) >>> 2];
    const pa = this.dataAddress(lo, hi, 4, AccessKind.Read);
    if ((pa & 3) !== 0) return this.unalignedLoad(lo, hi, 4);
    if (pa < RAM_END) return this.chunkFor(pa).i32[(pa & 0xffff) >>> 2];
    return this.bus.memory.read(pa, 4) | 0;
  }

  /** 64-bit load: low half returned, high half in out.hi. */
  ld64(lo: number, hi: number): number {
    const t = this.mmu.fastRead[this.el];
    const i = (lo >>> 12) & 255;
    if ((lo & 7) === 0 && t.tagLo[i] === lo >>> 12 && t.tagHi[i] === hi) {
      const words = t.words[i];
      const w = (lo & 0xfff) >>> 2;
      out.hi = words[w + 1];
      return words[w];
    }
    const pa = this.dataAddress(lo, hi, 8, AccessKind.Read);
    if ((pa & 7) !== 0) {
      const l = this.unalignedLoad(lo, hi, 4);
      const a = addOffset(lo, hi, 4);
      out.hi = this.unalignedLoad(a, out.hi, 4);
      return l;
    }
    if (pa < RAM_END) {
      const i32 = this.chunkFor(pa).i32;
      const i = (pa & 0xffff) >>> 2;
      out.hi = i32[i + 1];
      return i32[i];
    }
    const l = this.bus.memory.read(pa, 4) | 0;
    out.hi = this.bus.memory.read(pa + 4, 4) | 0;
    return l;
  }

  /** Register slot `d` = the doubleword at (lo, hi): a 64-bit load for the ops, with no result on the side. */
  load64(d: number, lo: number, hi: number): void {
    const l = this.ld64(lo, hi);
    this.set64(d, l, out.hi);
  }

  /** Slots `d1`, `d2` = the doublewords at (lo, hi) and (lo2, hi2), written only once both loads are done (so a fault changes neither). */
  loadPair64(d1: number, d2: number, lo: number, hi: number, lo2: number, hi2: number): void {
    const aLo = this.ld64(lo, hi);
    const aHi = out.hi;
    const bLo = this.ld64(lo2, hi2);
    const bHi = out.hi;
    this.set64(d1, aLo, aHi);
    this.set64(d2, bLo, bHi);
  }

  /** An unaligned access the MMU allowed (Normal memory): byte by byte, each byte translated. */
  private unalignedLoad(lo: number, hi: number, size: number): number {
    let v = 0;
    for (let i = size - 1; i >= 0; i--) {
      const a = addOffset(lo, hi, i);
      v = (v << 8) | this.ld8(a, out.hi);
    }
    return v;
  }

  st8(lo: number, hi: number, v: number): void {
    const t = this.mmu.fastWrite[this.el];
    const i = (lo >>> 12) & 255;
    if (t.tagLo[i] === lo >>> 12 && t.tagHi[i] === hi) {
      t.bytes[i][lo & 0xfff] = v;
      return;
    }
    const pa = this.dataAddress(lo, hi, 1, AccessKind.Write);
    if (pa < RAM_END) {
      this.storeHitsCode(pa, 1);
      this.chunkFor(pa).u8[pa & 0xffff] = v;
    } else this.mmioWrite(pa, 1, v & 0xff);
  }

  st16(lo: number, hi: number, v: number): void {
    const t = this.mmu.fastWrite[this.el];
    const i = (lo >>> 12) & 255;
    if ((lo & 1) === 0 && t.tagLo[i] === lo >>> 12 && t.tagHi[i] === hi) {
      t.halves[i][(lo & 0xfff) >>> 1] = v;
      return;
    }
    const pa = this.dataAddress(lo, hi, 2, AccessKind.Write);
    if ((pa & 1) !== 0) return this.unalignedStore(lo, hi, v, 2);
    if (pa < RAM_END) {
      this.storeHitsCode(pa, 2);
      this.chunkFor(pa).u16[(pa & 0xffff) >>> 1] = v;
    } else this.mmioWrite(pa, 2, v & 0xffff);
  }

  st32(lo: number, hi: number, v: number): void {
    const t = this.mmu.fastWrite[this.el];
    const i = (lo >>> 12) & 255;
    if ((lo & 3) === 0 && t.tagLo[i] === lo >>> 12 && t.tagHi[i] === hi) {
      t.words[i][(lo & 0xfff) >>> 2] = v;
      return;
    }
    const pa = this.dataAddress(lo, hi, 4, AccessKind.Write);
    if ((pa & 3) !== 0) return this.unalignedStore(lo, hi, v, 4);
    if (pa < RAM_END) {
      this.storeHitsCode(pa, 4);
      this.chunkFor(pa).i32[(pa & 0xffff) >>> 2] = v;
    } else this.mmioWrite(pa, 4, v >>> 0);
  }

  st64(lo: number, hi: number, vlo: number, vhi: number): void {
    const t = this.mmu.fastWrite[this.el];
    const i = (lo >>> 12) & 255;
    if ((lo & 7) === 0 && t.tagLo[i] === lo >>> 12 && t.tagHi[i] === hi) {
      const words = t.words[i];
      const w = (lo & 0xfff) >>> 2;
      words[w] = vlo;
      words[w + 1] = vhi;
      return;
    }
    const pa = this.dataAddress(lo, hi, 8, AccessKind.Write);
    if ((pa & 7) !== 0) {
      // Check both halves translate before writing either, so a fault leaves memory untouched.
      const a = addOffset(lo, hi, 7);
      this.dataAddress(a, out.hi, 1, AccessKind.Write);
      this.unalignedStore(lo, hi, vlo, 4);
      const b = addOffset(lo, hi, 4);
      this.unalignedStore(b, out.hi, vhi, 4);
      return;
    }
    if (pa < RAM_END) {
      this.storeHitsCode(pa, 8);
      const i32 = this.chunkFor(pa).i32;
      const i = (pa & 0xffff) >>> 2;
      i32[i] = vlo;
      i32[i + 1] = vhi;
    } else {
      this.mmioWrite(pa, 4, vlo >>> 0);
      this.mmioWrite(pa + 4, 4, vhi >>> 0);
    }
  }

  /** A device register write may raise or lower an interrupt: re-check after this instruction. */
  private mmioWrite(pa: number, size: number, v: number): void {
    this.bus.memory.write(pa, size, v);
    this.signal |= RECHECK;
  }

  private unalignedStore(lo: number, hi: number, v: number, size: number): void {
    const last = addOffset(lo, hi, size - 1);
    this.dataAddress(last, out.hi, 1, AccessKind.Write);
    for (let i = 0; i < size; i++) {
      const a = addOffset(lo, hi, i);
      this.st8(a, out.hi, (v >>> (8 * i)) & 0xff);
    }
  }

  /** Physical address for an exclusive or atomic access (always needs natural alignment). */
  exclusivePa(lo: number, hi: number, size: number, kind: AccessKind): number {
    return this.dataAddress(lo, hi, size, kind === AccessKind.Write ? AccessKind.AlignedWrite : AccessKind.AlignedRead);
  }

  // ---------------------------------------------------------------- running

  /**
   * Run up to `budget` instructions. Returns the number retired. Stops early on a
   * branch into a new page only to re-translate; stops for good when `stop` is set,
   * the core goes to sleep, or an interrupt is taken (the caller re-checks lines).
   */
  run(budget: number): number {
    this.runCount = 0;
    this.endSlice = false;
    this.debugStop = null;
    let stepped = false;
    while (this.runCount < budget && this.stop === null && this.sleeping === 'no' && !this.endSlice && this.debugStop === null) {
      if (this.stepping) {
        if (stepped) {
          this.debugStop = 'step';
          break;
        }
        stepped = true;
      }
      this.blockStart = (this.pcLo & 0xfff) >>> 2;
      // Each fault taken here costs a step, so a vector that itself faults cannot hang run().
      if (this.il !== 0) {
        this.syncException(EC.ILLEGAL_STATE, 0);
        this.runCount++;
        continue;
      }
      if (this.fiqLine && this.interruptTaken(this.sys.fiqToEl2(), 1)) {
        this.takeInterrupt(this.sys.fiqToEl2(), VectorKind.FIQ);
        continue;
      }
      if (this.irqLine && this.interruptTaken(this.sys.irqToEl2(), 2)) {
        this.takeInterrupt(this.sys.irqToEl2(), VectorKind.IRQ);
        continue;
      }
      if (this.el < 2 && (this.daif & 4) === 0 && this.sys.virtualSErrorPending()) {
        // A virtual SError (HCR_EL2.AMO and VSE set by EL2) is taken to EL1 once PSTATE.A
        // allows it, and taking it clears VSE. Without FEAT_RAS (the Cortex-A53 has none) its
        // syndrome is EC 0x2f with an ISS of 0, as QEMU reports it.
        this.sys.clearVirtualSError();
        this.takeException(1, VectorKind.SERROR, ((EC.SERROR << 26) | (1 << 25)) >>> 0, this.pcLo, this.pcHi);
        continue;
      }
      if ((this.pcLo & 3) !== 0) {
        // A branch to a misaligned address faults when the instruction is fetched (Arm ARM D1.8.1).
        this.sys.setFar(this.el === 2 ? 2 : 1, this.pcLo, this.pcHi);
        this.syncException(EC.PC_ALIGNMENT, 0);
        this.runCount++;
        continue;
      }
      const pa = this.mmu.translateFetch(this.pcLo, this.pcHi);
      if (pa < 0) {
        this.instructionAbort();
        this.runCount++;
        continue;
      }
      const ppn = pa >>> 12;
      const page = this.bus.code[ppn] ?? this.bus.decodePage(ppn);
      // Under a debugger every instruction runs from its closure, so that breakpoints and single
      // steps fall between instructions exactly (a compiled block may go round a loop inside).
      const debugging = this.stepping || this.bus.breakpoints.count !== 0;
      const compiled = debugging ? null : (this.bus.compiler?.page(ppn) ?? null);
      const base = this.pcLo & ~0xfff;
      const pageHi = this.pcHi;
      let index = (this.pcLo & 0xfff) >>> 2;
      // Instructions are counted per straight run (a "block"), not one by one: `blockStart`
      // is where the block began, and `stop` where it must end, at the page's end or when the
      // budget is used up. now() adds the block's progress, read off the PC.
      let stop = Math.min(1024, index + (budget - this.runCount));
      if (debugging) {
        const end = this.debugBlockEnd(base, pageHi, index);
        if (end === index) break; // at a breakpoint: pause before executing it
        stop = Math.min(stop, end);
      }
      this.blockStart = index;
      this.signal = 0;
      // Where a straight run starts: the spots that get hot enough to be compiled (what the
      // entry adds to their heat, compiler.ts; 0 inside a run).
      let entry = ENTRY;
      try {
        for (;;) {
          if (index === stop) {
            // The page's end or the budget's: the PC moves on to the next instruction.
            this.runCount += index - this.blockStart;
            this.pcLo = addOffset(base, pageHi, index << 2);
            this.pcHi = out.hi;
            break;
          }
          // A compiled block runs as its instructions' ops would, one after another, and the
          // blocks after it in this page with it (compiler.ts).
          const block = compiled === null ? undefined : compiled.enter(this, index, stop - index, entry);
          if (block !== undefined && compiled !== null) {
            index = compiled.chain(this, block, base, pageHi, budget);
            // A block that looped has counted its rounds itself: the budget's end moved with them.
            stop = Math.min(1024, this.blockStart + (budget - this.runCount));
            entry = ENTRY;
          } else {
            this.pcLo = base | (index << 2);
            page[index](this);
            index++;
            entry = 0;
          }
          if (this.signal !== 0) {
            this.runCount += index - this.blockStart;
            if (this.signal === BRANCHED) {
              // A branch within this page needs no new translation: carry on here (unless a
              // debugger is watching: the next block's breakpoints are checked at its start).
              if (this.pcHi !== pageHi || (this.pcLo & ~0xfff) !== base || (this.pcLo & 3) !== 0) break;
              if (debugging) break;
              this.signal = 0;
              const target = (this.pcLo & 0xfff) >>> 2;
              // A branch back (to itself or before it: `index` is past the branch) closes a loop.
              entry = target < index ? LOOP_HEAD : ENTRY;
              index = target;
              this.blockStart = index;
              stop = Math.min(1024, index + (budget - this.runCount));
              continue;
            }
            if ((this.signal & BRANCHED) !== 0) break;
            // RECHECK alone: the PC moves on to the next instruction.
            this.pcLo = addOffset(base, pageHi, index << 2);
            this.pcHi = out.hi;
            break;
          }
        }
      } catch (e) {
        if (e !== EXCEPTION_TAKEN) throw e;
        // The faulting instruction counts too; its exception has set the PC.
        this.runCount += index - this.blockStart + 1;
      }
    }
    if (this.stepping && stepped && this.debugStop === null) this.debugStop = 'step';
    // Outside a block the PC's progress is not instructions run: now() must not count it.
    this.blockStart = (this.pcLo & 0xfff) >>> 2;
    this.retired += this.runCount;
    return this.runCount;
  }

  /**
   * Where a block starting at word `index` of this page must end for the debugger: after one
   * instruction when stepping, before the next breakpoint otherwise. Returns `index` itself
   * when the core is at a breakpoint, having set `debugStop`; a core resuming from a pause
   * does not stop at the breakpoint it paused on.
   */
  private debugBlockEnd(base: number, pageHi: number, index: number): number {
    const from = this.resumeOverBreakpoint ? index + 1 : index;
    this.resumeOverBreakpoint = false;
    const next = this.bus.breakpoints.next(base, pageHi, from);
    if (next === index) {
      this.debugStop = 'breakpoint';
      return index;
    }
    return this.stepping ? Math.min(next, index + 1) : next;
  }

  /**
   * Whether a pending IRQ or FIQ is taken now (Arm ARM D1.13.4, "asynchronous exception
   * masking"). It goes to EL2 when HCR_EL2.IMO/FMO routes it there, else to EL1. Routed to
   * EL2 from EL0 or EL1, PSTATE cannot mask it; otherwise PSTATE.I/F does (EL0 runs under
   * EL1's masks). Routed below the current EL, it waits until execution drops to that EL.
   */
  private interruptTaken(toEl2: boolean, daifBit: number): boolean {
    const target = toEl2 ? 2 : 1;
    if (target < this.el) return false;
    if (target === 2 && this.el < 2) return true;
    return (this.daif & daifBit) === 0;
  }

  private takeInterrupt(toEl2: boolean, kind: number): void {
    this.takeException(toEl2 ? 2 : 1, kind, 0, this.pcLo, this.pcHi);
  }

  private instructionAbort(): void {
    const fault = this.mmu.lastFault;
    const target = this.el === 2 ? 2 : 1;
    const ec = this.el < target ? EC.INSTRUCTION_ABORT_LOWER : EC.INSTRUCTION_ABORT_SAME;
    this.sys.setFar(target, this.pcLo, this.pcHi);
    this.syncException(ec, fault);
  }

  /** Wake from WFI/WFE when an interrupt is pending (whether or not PSTATE masks it) or an event arrived. */
  wakeIfPending(): void {
    if (this.sleeping === 'no') return;
    if (this.irqLine || this.fiqLine || (this.el < 2 && this.sys.virtualSErrorPending())) this.sleeping = 'no';
    else if (this.sleeping === 'wfe' && this.eventRegister !== 0) {
      this.eventRegister = 0;
      this.sleeping = 'no';
    }
  }
}

