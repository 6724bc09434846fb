// Address translation for the EL1&0 regime: virtual address -> physical address.
//
// With SCTLR_EL1.M clear the MMU is off: addresses are physical and every data
// access is treated as Device-nGnRnE, so an unaligned access takes an alignment
// fault (Arm ARM D8.2.10 / B2.5.2). QEMU 7.2 does not fault there; real Cortex-A53s
// and QEMU >= 9 do, and we follow the architecture.
//
// With the MMU on, a 4 KiB-granule table walk (Arm ARM D8.2-D8.4) starting from
// TTBR0_EL1 (addresses with the top bits clear) or TTBR1_EL1 (top bits set). The
// result of each walk is kept in a small direct-mapped software TLB, one per
// access kind (read, write, fetch) so a hit is one compare; any TLBI, or a write to
// SCTLR_EL1, TCR_EL1 or a TTBR, empties all of them. The hardware never sets the
// access flag (a Cortex-A53 has no hardware AF update): a descriptor with AF = 0
// takes an access-flag fault, which is what on-demand paging relies on.

import { out } from '../bits';
import { RAM_END } from '../memory';
import type { Cpu } from './cpu';
import { Reg } from './sysregs';

export const AccessKind = {
  Read: 0,
  Write: 1,
  Fetch: 2,
  /** Exclusives and acquire/release: unaligned always faults, whatever the memory type. */
  AlignedRead: 3,
  AlignedWrite: 4,
} as const;
export type AccessKind = (typeof AccessKind)[keyof typeof AccessKind];

/** Fault status codes (DFSC/IFSC, ISS bits 5:0) for the fault kinds we raise. */
export const FaultStatus = {
  addressSize: (level: number) => 0x00 + level,
  translation: (level: number) => 0x04 + level,
  accessFlag: (level: number) => 0x08 + level,
  permission: (level: number) => 0x0c + level,
  ALIGNMENT: 0x21,
} as const;

// Permission bits cached per TLB entry.
const P_READ1 = 1;
const P_WRITE1 = 2;
const P_EXEC1 = 4;
const P_READ0 = 8;
const P_WRITE0 = 16;
const P_EXEC0 = 32;
const P_DEVICE = 64;

const TLB_SIZE = 256;

class Tlb {
  /**
   * The entries' fields, in one buffer: a new core makes four TLBs, and the unicorn vectors
   * a new core for each step, which took twice as long with a buffer for each field.
   */
  private readonly buffer = new ArrayBuffer(TLB_SIZE * (8 + 8 + 4 + 2 + 1));
  /** Virtual page number (VA bits 63:12 as an exact double), or -1 for empty. */
  readonly tag = new Float64Array(this.buffer, 0, TLB_SIZE).fill(-1);
  readonly page = new Float64Array(this.buffer, TLB_SIZE * 8, TLB_SIZE);
  readonly perm = new Int32Array(this.buffer, TLB_SIZE * 16, TLB_SIZE);
  /** The page's MAIR attribute byte and, in bits 9:8, its shareability (for AT's PAR_EL1). */
  readonly attributes = new Int16Array(this.buffer, TLB_SIZE * 20, TLB_SIZE);
  readonly level = new Int8Array(this.buffer, TLB_SIZE * 22, TLB_SIZE);

  flush(): void {
    this.tag.fill(-1);
  }

  /**
   * Drop every entry that translates virtual page `vpn`: its own, and any other page's made
   * from the same block (a level 1 or 2 descriptor maps 1 GiB or 2 MiB, and an entry here
   * holds one 4 KiB page of it).
   */
  flushCovering(vpn: number): void {
    for (let i = 0; i < TLB_SIZE; i++) {
      const tag = this.tag[i];
      if (tag === -1) continue;
      const pages = BLOCK_PAGES[this.level[i]];
      if (Math.floor(tag / pages) === Math.floor(vpn / pages)) this.tag[i] = -1;
    }
  }
}

/** 4 KiB pages in what a descriptor of each level maps: 1 GiB at level 1, 2 MiB at level 2, one page at level 3. */
const BLOCK_PAGES = [0, 1 << 18, 1 << 9, 1];

/**
 * TLB_SIZE entries, each `empty`, in an array without holes: `new Array(n).fill(v)` leaves
 * the array holey, and V8 then tests every element a compiled block reads from it for a hole.
 */
function packed<T>(empty: T): T[] {
  const entries: T[] = [];
  for (let i = 0; i < TLB_SIZE; i++) entries.push(empty);
  return entries;
}

/**
 * The empty entries of every FastTlb, copied (a copy of an array without holes has none):
 * making them anew took a new core 750 us with `Array.from`, 260 pushing one by one, against
 * 150 before they were packed; the unicorn vectors make a core per vector.
 */
const EMPTY = { bytes: packed<Uint8Array>(new Uint8Array(0)), halves: packed<Uint16Array>(new Uint16Array(0)), words: packed<Int32Array>(new Int32Array(0)) };

/**
 * The pages a core may load from or store to at full speed: RAM, permitted for
 * this kind of access at this EL, and (for stores) holding no decoded code. A hit
 * gives the RAM chunk directly; everything else takes the slow path through
 * `Mmu.translate`, which fills these entries as it goes.
 */
export class FastTlb {
  /** VA bits 31:12 of the cached page (lo >>> 12), or -1 for an empty entry. */
  readonly tagLo = new Int32Array(TLB_SIZE).fill(-1);
  /** VA bits 63:32 of the cached page. */
  readonly tagHi = new Int32Array(TLB_SIZE);
  /**
   * The page, as a view of its 4 KiB alone for each access size (PhysicalMemory.page), so
   * that the offset in the page is the index, with no offset in a chunk to add: a compiled
   * block's loads and stores went from 2,458 machine instructions to 2,332 in one of
   * bench-memory's blocks, from 3,960 to 3,837 in bench-loop's. An empty entry has empty views,
   * never read (no address matches its tag): so every element is a view of one kind, and a
   * hit's view needs no test of what it is, which a compiled block's every access would pay.
   */
  readonly bytes = EMPTY.bytes.slice();
  readonly halves = EMPTY.halves.slice();
  readonly words = EMPTY.words.slice();

  flush(): void {
    this.tagLo.fill(-1);
  }
}

/**
 * Told of every table walk: the virtual address, and the page it reached (-1 when the walk
 * faulted, with `lastFault` saying how). For `--trace mmu`.
 */
export type WalkHook = (lo: number, hi: number, page: number, level: number, fault: number) => void;

export class Mmu {
  /** The fault status code of the last failed translation (for ESR's DFSC/IFSC). */
  lastFault = 0;
  /** A tracer's hook (see trace.ts), or null. */
  onWalk: WalkHook | null = null;
  private readonly tlbs = [new Tlb(), new Tlb(), new Tlb()];
  /** A walk for AT alone, so its result never depends on (or changes) what the TLBs hold. */
  private readonly atTlb = new Tlb();
  /** Fast-path TLBs per EL (0, 1, 2): reads and writes. */
  readonly fastRead = [new FastTlb(), new FastTlb(), new FastTlb()];
  readonly fastWrite = [new FastTlb(), new FastTlb(), new FastTlb()];

  constructor(private readonly cpu: Cpu) {}

  flush(): void {
    for (const t of this.tlbs) t.flush();
    this.flushFast();
  }

  /**
   * TLBI by VA: drop the translations of the page at `lo`, `hi` (untagged), in every TLB. The
   * FastTlbs are emptied whole: an entry there does not say whether a block made it, and they
   * fill again from the TLBs without a walk.
   */
  flushPage(lo: number, hi: number): void {
    const vpn = hi * 0x100000 + (lo >>> 12);
    for (const t of this.tlbs) t.flushCovering(vpn);
    this.flushFast();
  }

  private flushFast(): void {
    for (const t of this.fastRead) t.flush();
    for (const t of this.fastWrite) t.flush();
  }

  /** A page of code was decoded: stores to it must take the slow path, which drops the decoded ops. */
  forgetWritable(): void {
    for (const t of this.fastWrite) t.flush();
  }

  /** Remember a successful plain access for the fast path. */
  private remember(lo: number, hi: number, pa: number, write: boolean): void {
    if (pa >= RAM_END) return;
    const ppn = Math.floor(pa / 4096);
    if (write && this.cpu.bus.code[ppn] !== undefined) return;
    const t = (write ? this.fastWrite : this.fastRead)[this.cpu.el];
    const i = (lo >>> 12) & (TLB_SIZE - 1);
    t.tagLo[i] = lo >>> 12;
    t.tagHi[i] = hi;
    const page = this.cpu.bus.memory.page(pa);
    t.bytes[i] = page.u8;
    t.halves[i] = page.u16;
    t.words[i] = page.i32;
  }

  private enabled(): boolean {
    // EL2 runs with its own regime, which our guests never turn on (checked when SCTLR_EL2 is written).
    return this.cpu.el < 2 && (this.cpu.sys.values[2 * Reg.SCTLR_EL1] & 1) !== 0;
  }

  /**
   * Translate a data access of `size` bytes. Returns the physical address, or -1
   * with `lastFault` set. `el0` asks for EL0 permissions (LDTR/STTR).
   */
  translate(lo: number, hi: number, size: number, kind: AccessKind, el0 = false): number {
    const misaligned = (lo & (size - 1)) !== 0;
    const write = kind === AccessKind.Write || kind === AccessKind.AlignedWrite;
    if (!this.enabled()) {
      // Device memory: every misaligned access faults.
      if (misaligned) return this.fault(FaultStatus.ALIGNMENT);
      if (hi >>> 8 !== 0) return this.fault(FaultStatus.addressSize(0));
      const pa = hi * 0x100000000 + (lo >>> 0);
      if (!el0) this.remember(lo, hi, pa, write);
      return pa;
    }
    if (misaligned && (kind >= AccessKind.AlignedRead || (this.cpu.sys.values[2 * Reg.SCTLR_EL1] & 2) !== 0)) {
      return this.fault(FaultStatus.ALIGNMENT);
    }
    hi = this.untagged(hi);
    const t = this.tlbs[write ? 1 : 0];
    const atEl0 = el0 || this.cpu.el === 0;
    const need = write ? (atEl0 ? P_WRITE0 : P_WRITE1) : atEl0 ? P_READ0 : P_READ1;
    const vpn = hi * 0x100000 + (lo >>> 12);
    const i = (lo >>> 12) & (TLB_SIZE - 1);
    if (t.tag[i] !== vpn || (t.perm[i] & need) === 0) {
      if (!this.fill(t, i, lo, hi, vpn)) return -1;
      if ((t.perm[i] & need) === 0) return this.fault(FaultStatus.permission(t.level[i]));
    }
    if (misaligned && (t.perm[i] & P_DEVICE) !== 0) return this.fault(FaultStatus.ALIGNMENT);
    const pa = t.page[i] + (lo & 0xfff);
    if (!el0 && (t.perm[i] & P_DEVICE) === 0) this.remember(lo, hi, pa, write);
    return pa;
  }

  /**
   * AT S1E1R/W, S1E0R/W: walk afresh for a read or write at EL1 (or EL0 when `el0`) and
   * write the result to PAR_EL1 (system-register slot `par`). Success: the page's physical
   * address, ATTR (63:56) from MAIR_EL1, SH (8:7) as the Arm ARM's PAREncodeShareability gives
   * it (0b10 for Device and Normal Non-cacheable memory, else the descriptor's), NS (bit 9)
   * set (the kernel runs Non-secure; the Arm ARM leaves NS UNKNOWN for a Non-secure
   * regime), bit 11 RES1. Fault: F (bit 0), FST (6:1), bit 11 RES1.
   */
  addressTranslate(lo: number, hi: number, write: boolean, el0: boolean, par: number): void {
    const RES1 = 1 << 11;
    const sys = this.cpu.sys;
    if (!this.enabled()) {
      // MMU off: flat mapping, Device-nGnRnE (attribute 0x00), Outer Shareable.
      sys.setSlot(par, ((lo & ~0xfff) | RES1 | (1 << 9) | (2 << 7)) | 0, hi & 0xffff);
      return;
    }
    hi = this.untagged(hi);
    const t = this.atTlb;
    t.flush();
    if (!this.fill(t, 0, lo, hi, 0)) {
      sys.setSlot(par, RES1 | (this.lastFault << 1) | 1, 0);
      return;
    }
    const need = write ? (el0 ? P_WRITE0 : P_WRITE1) : el0 ? P_READ0 : P_READ1;
    if ((t.perm[0] & need) === 0) {
      sys.setSlot(par, RES1 | (FaultStatus.permission(t.level[0]) << 1) | 1, 0);
      return;
    }
    const page = t.page[0];
    const attr = t.attributes[0] & 0xff;
    const sh = (attr & 0xf0) === 0 || attr === 0x44 ? 2 : t.attributes[0] >>> 8;
    sys.setSlot(par, ((page % 0x100000000) | RES1 | (1 << 9) | (sh << 7)) | 0, (Math.floor(page / 0x100000000) | (attr << 24)) | 0);
  }

  /**
   * A debugger's view of a virtual address: its physical address as the core's current
   * translation (with EL1's permission to read) gives it, or -1 when it does not translate.
   * Like AT, it walks afresh and leaves the TLBs alone, so looking cannot change what the
   * guest does next.
   */
  debugTranslate(lo: number, hi: number): number {
    if (!this.enabled()) return hi >>> 8 !== 0 ? -1 : (hi >>> 0) * 0x100000000 + (lo >>> 0);
    const t = this.atTlb;
    t.flush();
    const fault = this.lastFault;
    const walked = this.walk(t, 0, lo, this.untagged(hi), 0); // not fill: a debugger's look is not traced
    this.lastFault = fault;
    return walked ? t.page[0] + (lo & 0xfff) : -1;
  }

  /**
   * A data address's high word with top-byte ignore applied: when TCR_EL1.TBI0 (bit 37)
   * or TBI1 (bit 38), chosen by VA bit 55, is set, bits 63:56 are a tag that translation
   * ignores (Arm ARM, "Address tagging"); they become copies of bit 55. Instruction
   * fetches do not use it.
   */
  private untagged(hi: number): number {
    const tcrHi = this.cpu.sys.values[2 * Reg.TCR_EL1 + 1];
    const tbi = (hi & (1 << 23)) !== 0 ? tcrHi & (1 << 6) : tcrHi & (1 << 5);
    return tbi !== 0 ? (hi << 8) >> 8 : hi;
  }

  /** Translate the PC for an instruction fetch; -1 with `lastFault` set on a fault. */
  translateFetch(lo: number, hi: number): number {
    if (!this.enabled()) {
      if (hi >>> 8 !== 0) return this.fault(FaultStatus.addressSize(0));
      return hi * 0x100000000 + (lo >>> 0);
    }
    const t = this.tlbs[AccessKind.Fetch];
    const need = this.cpu.el === 0 ? P_EXEC0 : P_EXEC1;
    const vpn = hi * 0x100000 + (lo >>> 12);
    const i = (lo >>> 12) & (TLB_SIZE - 1);
    if (t.tag[i] !== vpn) {
      if (!this.fill(t, i, lo, hi, vpn)) return -1;
    }
    if ((t.perm[i] & need) === 0) return this.fault(FaultStatus.permission(t.level[i]));
    return t.page[i] + (lo & 0xfff);
  }

  private fault(status: number): number {
    this.lastFault = status;
    return -1;
  }

  /** Walk the tables for one page and fill TLB entry `i`; false (with lastFault) on a walk fault. */
  private fill(t: Tlb, i: number, lo: number, hi: number, vpn: number): boolean {
    const walked = this.walk(t, i, lo, hi, vpn);
    this.onWalk?.(lo, hi, walked ? t.page[i] : -1, walked ? t.level[i] : -1, walked ? 0 : this.lastFault);
    return walked;
  }

  private walk(t: Tlb, i: number, lo: number, hi: number, vpn: number): boolean {
    const sys = this.cpu.sys;
    const tcrLo = sys.values[2 * Reg.TCR_EL1];
    const upper = hi < 0; // bit 63 picks the half; the rest of the top bits must agree
    const tsz = upper ? (tcrLo >>> 16) & 63 : tcrLo & 63;
    const epd = upper ? (tcrLo >>> 23) & 1 : (tcrLo >>> 7) & 1;
    const granuleOk = upper ? ((tcrLo >>> 30) & 3) === 2 : ((tcrLo >>> 14) & 3) === 0;
    const inputBits = 64 - tsz;
    // Every bit above the input size must equal bit 63.
    const topMask = inputBits >= 32 ? (inputBits >= 64 ? 0 : ~((1 << (inputBits - 32)) - 1)) : -1;
    const topBits = hi & topMask;
    if (!granuleOk) {
      // 16 and 64 KiB granules are valid on a Cortex-A53 but no Bramble guest uses them.
      this.cpu.halt({ kind: 'error', message: `TCR_EL1 selects a 16 or 64 KiB granule, which this emulator does not model (pc ${this.cpu.pcString()})` });
    }
    if (epd !== 0 || !granuleOk || inputBits < 25 || inputBits > 48 || topBits !== (upper ? topMask : 0)) {
      this.lastFault = FaultStatus.translation(0);
      return false;
    }
    const table = sys.lo(upper ? Reg.TTBR1_EL1 : Reg.TTBR0_EL1);
    let tableAddr = (out.hi & 0xffff) * 0x100000000 + ((table & ~0xfff) >>> 0);
    let level = 4 - Math.ceil((inputBits - 12) / 9);
    // Hierarchical permission limits from table descriptors (APTable, UXNTable, PXNTable).
    let noEl0 = false;
    let readOnly = false;
    let xn0 = false;
    let xn1 = false;
    // The input address: VA bits inputBits-1:0 as an exact double (the walk is the slow
    // path, clarity wins here). The bits above, all ones for TTBR1, index nothing: with
    // T1SZ = 32 the level-1 table has 4 entries, indexed by VA bits 31:30 alone.
    const va = ((hi & 0xffff) * 0x100000000 + (lo >>> 0)) % 2 ** inputBits;
    for (;;) {
      // Levels 0..3 index with VA bits 47:39, 38:30, 29:21 and 20:12.
      const shift = 39 - 9 * level;
      const index = Math.floor(va / 2 ** shift) % 512;
      const entryPa = tableAddr + index * 8;
      if (entryPa >= 0x3f000000) {
        this.lastFault = FaultStatus.translation(level); // tables must live in RAM here
        return false;
      }
      const chunk = this.cpu.bus.memory.chunk(entryPa);
      const w = (entryPa & 0xffff) >>> 2;
      const dlo = chunk.i32[w];
      const dhi = chunk.i32[w + 1];
      const valid = dlo & 1;
      const isTable = (dlo & 2) !== 0 && level < 3;
      if (valid === 0 || (level === 3 && (dlo & 2) === 0) || (level === 0 && !isTable)) {
        this.lastFault = FaultStatus.translation(level);
        return false;
      }
      const outAddr = (dhi & 0xffff) * 0x100000000 + ((dlo & ~0xfff) >>> 0);
      if (isTable) {
        noEl0 ||= (dhi & (1 << 29)) !== 0; // APTable[0] (bit 61)
        readOnly ||= (dhi & (1 << 30)) !== 0; // APTable[1] (bit 62)
        xn0 ||= (dhi & (1 << 28)) !== 0; // UXNTable (bit 60)
        xn1 ||= (dhi & (1 << 27)) !== 0; // PXNTable (bit 59)
        tableAddr = outAddr;
        level++;
        continue;
      }
      if ((dlo & (1 << 10)) === 0) {
        this.lastFault = FaultStatus.accessFlag(level);
        return false;
      }
      // The page frame: the block's base plus the VA bits between the block size and the page size.
      // `shift` is the block size: 30 bits at level 1, 21 at level 2, 12 (one page) at level 3.
      const base = outAddr - (outAddr % 2 ** shift);
      const page = base + ((lo & ((1 << shift) - 1) & ~0xfff) >>> 0);
      const ap = (dlo >>> 6) & 3;
      const el0 = (ap & 1) !== 0 && !noEl0;
      const ro = (ap & 2) !== 0 || readOnly;
      const uxn = (dhi & (1 << 22)) !== 0 || xn0; // bit 54
      const pxn = (dhi & (1 << 21)) !== 0 || xn1; // bit 53
      const attr = this.mairAttr((dlo >>> 2) & 7);
      const device = (attr & 0xf0) === 0;
      const wxn = (sys.values[2 * Reg.SCTLR_EL1] & (1 << 19)) !== 0;
      let perm = P_READ1;
      if (!ro) perm |= P_WRITE1;
      if (el0) perm |= P_READ0 | (ro ? 0 : P_WRITE0);
      // EL1 never executes what EL0 can write; WXN makes every writable page non-executable.
      if (!pxn && !(el0 && !ro) && !(wxn && !ro) && !device) perm |= P_EXEC1;
      if (!uxn && el0 && !(wxn && !ro) && !device) perm |= P_EXEC0;
      if (device) perm |= P_DEVICE;
      t.tag[i] = vpn;
      t.page[i] = page;
      t.perm[i] = perm;
      t.level[i] = level;
      t.attributes[i] = attr | (((dlo >>> 8) & 3) << 8);
      return true;
    }
  }

  private mairAttr(index: number): number {
    const lo = this.cpu.sys.lo(Reg.MAIR_EL1);
    const hi = out.hi;
    return index < 4 ? (lo >>> (8 * index)) & 0xff : (hi >>> (8 * (index - 4))) & 0xff;
  }
}
