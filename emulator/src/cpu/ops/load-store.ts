// Loads and stores (Arm ARM C4.1.89, integer forms only): single registers with
// every addressing mode, pairs, literals, exclusives and acquire/release.
// SIMD&FP forms (V = 1) are UNDEFINED: Bramble's guests are soft-float.
//
// A single-register access is built from two parts chosen at decode time: how
// the address is formed (unsigned offset, pre- or post-index, register offset,
// unscaled) and what is transferred (size, sign extension, load or store).
// The two most frequent forms, 64- and 32-bit LDR/STR with an unsigned offset,
// get closures of their own.

import { addOffset, field, lsl64, out, signExtend } from '../../bits';
import { type Cpu, EC, EXCEPTION_TAKEN, type Op, SP } from '../cpu';
import { AccessKind } from '../mmu';
import { Reg } from '../sysregs';
import { dstZr, rd, regSp, rm, rn } from './common';

/** Transfer between register Rt and memory at (lo, hi). */
type Transfer = (c: Cpu, lo: number, hi: number) => void;

/**
 * What a load or store moves, from size (bits 31:30) and opc (bits 23:22).
 * Returns undefined for unallocated combinations and null for PRFM (a hint: no access).
 */
function transferFor(size: number, opc: number, t: number): Transfer | undefined | null {
  const dst = dstZr(t);
  if (opc === 0) {
    // Stores: register 31 is XZR, which slot 31 always holds as zero.
    switch (size) {
      case 0:
        return (c, lo, hi) => c.st8(lo, hi, c.r[2 * t]!);
      case 1:
        return (c, lo, hi) => c.st16(lo, hi, c.r[2 * t]!);
      case 2:
        return (c, lo, hi) => c.st32(lo, hi, c.r[2 * t]!);
      default:
        return (c, lo, hi) => c.st64(lo, hi, c.r[2 * t]!, c.r[2 * t + 1]!);
    }
  }
  if (opc === 1) {
    switch (size) {
      case 0:
        return (c, lo, hi) => c.set32(dst, c.ld8(lo, hi));
      case 1:
        return (c, lo, hi) => c.set32(dst, c.ld16(lo, hi));
      case 2:
        return (c, lo, hi) => c.set32(dst, c.ld32(lo, hi));
      default:
        return (c, lo, hi) => {
          const l = c.ld64(lo, hi);
          c.set64(dst, l, out.hi);
        };
    }
  }
  // opc 2: sign-extend to 64 bits; opc 3: sign-extend to 32 bits.
  const to64 = opc === 2;
  switch (size) {
    case 0:
      return (c, lo, hi) => setSigned(c, dst, (c.ld8(lo, hi) << 24) >> 24, to64);
    case 1:
      return (c, lo, hi) => setSigned(c, dst, (c.ld16(lo, hi) << 16) >> 16, to64);
    case 2:
      return to64 ? (c, lo, hi) => setSigned(c, dst, c.ld32(lo, hi), true) : undefined;
    default:
      return to64 ? null : undefined; // PRFM, or unallocated
  }
}

function setSigned(c: Cpu, d: number, v: number, to64: boolean): void {
  if (to64) c.set64(d, v, v >> 31);
  else c.set32(d, v);
}

const prefetch: Op = () => {};

/** LDR/STR (immediate, unsigned offset): the offset is imm12 scaled by the access size. */
function decodeUnsignedOffsetUnchecked(w: number): Op | undefined {
  if (field(w, 26, 26) === 1) return undefined;
  const size = field(w, 31, 30);
  const opc = field(w, 23, 22);
  const offset = field(w, 21, 10) << size;
  const n = regSp(rn(w));
  const t = rd(w);
  if (size === 3 && opc === 1) {
    const d = dstZr(t);
    return (c) => {
      const lo = addOffset(c.r[2 * n]!, c.r[2 * n + 1]!, offset);
      const v = c.ld64(lo, out.hi);
      c.set64(d, v, out.hi);
    };
  }
  if (size === 3 && opc === 0) {
    return (c) => {
      const lo = addOffset(c.r[2 * n]!, c.r[2 * n + 1]!, offset);
      c.st64(lo, out.hi, c.r[2 * t]!, c.r[2 * t + 1]!);
    };
  }
  if (size === 2 && opc === 1) {
    const d = dstZr(t);
    return (c) => {
      const lo = addOffset(c.r[2 * n]!, c.r[2 * n + 1]!, offset);
      c.set32(d, c.ld32(lo, out.hi));
    };
  }
  const transfer = transferFor(size, opc, t);
  if (transfer === null) return prefetch;
  if (transfer === undefined) return undefined;
  return (c) => {
    const lo = addOffset(c.r[2 * n]!, c.r[2 * n + 1]!, offset);
    transfer(c, lo, out.hi);
  };
}

/** LDUR/STUR (unscaled), post-index, unprivileged (LDTR/STTR) and pre-index forms, all with imm9. */
function decodeImm9Unchecked(w: number): Op | undefined {
  if (field(w, 26, 26) === 1) return undefined;
  const size = field(w, 31, 30);
  const opc = field(w, 23, 22);
  const imm = signExtend(field(w, 20, 12), 9);
  const mode = field(w, 11, 10); // 0 unscaled, 1 post-index, 2 unprivileged, 3 pre-index
  const n = regSp(rn(w));
  const t = rd(w);
  const transfer = transferFor(size, opc, t);
  if (transfer === null) return mode === 0 ? prefetch : undefined; // PRFUM; no writeback prefetch forms
  if (transfer === undefined) return undefined;
  switch (mode) {
    case 0:
      return (c) => {
        const lo = addOffset(c.r[2 * n]!, c.r[2 * n + 1]!, imm);
        transfer(c, lo, out.hi);
      };
    case 2:
      // At EL1, LDTR/STTR check EL0's permissions (Arm ARM C3.2.4); elsewhere they are plain accesses.
      return (c) => {
        const lo = addOffset(c.r[2 * n]!, c.r[2 * n + 1]!, imm);
        const hi = out.hi;
        c.el0Access = c.el === 1;
        try {
          transfer(c, lo, hi);
        } finally {
          c.el0Access = false;
        }
      };
    case 1:
      return (c) => {
        const baseLo = c.r[2 * n]!;
        const baseHi = c.r[2 * n + 1]!;
        transfer(c, baseLo, baseHi);
        const lo = addOffset(baseLo, baseHi, imm);
        c.set64(n, lo, out.hi);
      };
    default:
      return (c) => {
        const lo = addOffset(c.r[2 * n]!, c.r[2 * n + 1]!, imm);
        const hi = out.hi;
        transfer(c, lo, hi);
        c.set64(n, lo, hi);
      };
  }
}

/** LDR/STR (register offset): Xn|SP + (Rm extended by option, shifted by the size when S = 1). */
function decodeRegisterOffsetUnchecked(w: number): Op | undefined {
  if (field(w, 26, 26) === 1) return undefined;
  const size = field(w, 31, 30);
  const opc = field(w, 23, 22);
  const option = field(w, 15, 13);
  if ((option & 2) === 0) return undefined; // only UXTW, LSL(UXTX), SXTW, SXTX are allocated
  const shift = field(w, 12, 12) === 1 ? size : 0;
  const n = regSp(rn(w));
  const m = rm(w);
  const transfer = transferFor(size, opc, rd(w));
  if (transfer === null) return prefetch;
  if (transfer === undefined) return undefined;
  if (opc === 1 && size >= 2 && option === 3 && shift < 32) {
    // LDR Wt|Xt, [Xn, Xm{, LSL #size}]: indexing an array of words, written out.
    const d = dstZr(rd(w));
    const j = 32 - shift;
    return (c) => {
      const r = c.r;
      const mlo = r[2 * m]!;
      const oHi = shift === 0 ? r[2 * m + 1]! : (r[2 * m + 1]! << shift) | (mlo >>> j);
      const l = (r[2 * n]! >>> 0) + ((mlo << shift) >>> 0);
      const hi = (r[2 * n + 1]! + oHi + (l > 0xffffffff ? 1 : 0)) | 0;
      if (size === 3) {
        const v = c.ld64(l | 0, hi);
        c.set64(d, v, out.hi);
      } else c.set32(d, c.ld32(l | 0, hi));
    };
  }
  return (c) => {
    const r = c.r;
    let oLo = r[2 * m]!;
    let oHi = r[2 * m + 1]!;
    if (option === 2) oHi = 0; // UXTW
    else if (option === 6) oHi = oLo >> 31; // SXTW
    oLo = lsl64(oLo, oHi, shift);
    oHi = out.hi;
    const l = (r[2 * n]! >>> 0) + (oLo >>> 0);
    transfer(c, l | 0, (r[2 * n + 1]! + oHi + (l > 0xffffffff ? 1 : 0)) | 0);
  };
}

/** LDR (literal), LDRSW (literal), PRFM (literal): PC-relative by imm19 words. */
export function decodeLiteral(w: number): Op | undefined {
  if (field(w, 26, 26) === 1) return undefined;
  const opc = field(w, 31, 30);
  const offset = signExtend(field(w, 23, 5), 19) * 4;
  const d = dstZr(rd(w));
  switch (opc) {
    case 0:
      return (c) => {
        const lo = addOffset(c.pcLo, c.pcHi, offset);
        c.set32(d, c.ld32(lo, out.hi));
      };
    case 1:
      return (c) => {
        const lo = addOffset(c.pcLo, c.pcHi, offset);
        const v = c.ld64(lo, out.hi);
        c.set64(d, v, out.hi);
      };
    case 2:
      return (c) => {
        const lo = addOffset(c.pcLo, c.pcHi, offset);
        const v = c.ld32(lo, out.hi);
        c.set64(d, v, v >> 31);
      };
    default:
      return prefetch;
  }
}

/** LDP/STP/LDPSW/LDNP/STNP: two registers, imm7 scaled, with offset, pre- or post-index. */
function decodePairUnchecked(w: number): Op | undefined {
  if (field(w, 26, 26) === 1) return undefined;
  const opc = field(w, 31, 30);
  const mode = field(w, 24, 23); // 0 no-allocate offset, 1 post-index, 2 offset, 3 pre-index
  const load = field(w, 22, 22) === 1;
  if (opc === 3 || (opc === 1 && (!load || mode === 0))) return undefined;
  const wide = opc === 2;
  const signed = opc === 1; // LDPSW
  const scale = wide ? 3 : 2;
  const size = 1 << scale;
  const imm = signExtend(field(w, 21, 15), 7) * size;
  const t1 = rd(w);
  const t2 = field(w, 14, 10);
  const n = regSp(rn(w));
  const preOffset = mode === 1 ? 0 : imm;
  const writeback = mode === 1 || mode === 3;
  return (c) => {
    const r = c.r;
    const lo = addOffset(r[2 * n]!, r[2 * n + 1]!, preOffset);
    const hi = out.hi;
    const lo2 = addOffset(lo, hi, size);
    const hi2 = out.hi;
    if (load) {
      // Both loads complete before either register changes, so a fault leaves them intact.
      if (wide) {
        const aLo = c.ld64(lo, hi);
        const aHi = out.hi;
        const bLo = c.ld64(lo2, hi2);
        const bHi = out.hi;
        c.set64(dstZr(t1), aLo, aHi);
        c.set64(dstZr(t2), bLo, bHi);
      } else {
        const a = c.ld32(lo, hi);
        const b = c.ld32(lo2, hi2);
        if (signed) {
          c.set64(dstZr(t1), a, a >> 31);
          c.set64(dstZr(t2), b, b >> 31);
        } else {
          c.set32(dstZr(t1), a);
          c.set32(dstZr(t2), b);
        }
      }
    } else if (wide) {
      c.st64(lo, hi, r[2 * t1]!, r[2 * t1 + 1]!);
      c.st64(lo2, hi2, r[2 * t2]!, r[2 * t2 + 1]!);
    } else {
      c.st32(lo, hi, r[2 * t1]!);
      c.st32(lo2, hi2, r[2 * t2]!);
    }
    if (writeback) {
      const wl = addOffset(r[2 * n]!, r[2 * n + 1]!, imm);
      c.set64(n, wl, out.hi);
    }
  };
}

/**
 * Load/store exclusive and acquire/release (ARMv8.0 forms): LDXR, LDAXR, STXR,
 * STLXR, LDXP, LDAXP, STXP, STLXP, LDAR, STLR. All need natural alignment.
 * The exclusive monitor remembers the physical address of the last
 * load-exclusive; a store-exclusive succeeds (status 0) only if it still matches,
 * and any successful store-exclusive to that address by another core clears it.
 */
function decodeExclusiveUnchecked(w: number): Op | undefined {
  const size = field(w, 31, 30);
  const o2 = field(w, 23, 23);
  const load = field(w, 22, 22) === 1;
  const o1 = field(w, 21, 21);
  const s = field(w, 20, 16);
  const o0 = field(w, 15, 15);
  const t2 = field(w, 14, 10);
  const n = regSp(rn(w));
  const t = rd(w);
  const bytes = 1 << size;
  if (o2 === 1) {
    // LDAR/STLR (o1 = 0, o0 = 1); the rest of this space is ARMv8.1 (LDLAR, CAS...).
    if (o1 !== 0 || o0 !== 1) return undefined;
    const transfer = transferFor(size, load ? 1 : 0, t)!;
    const kind = load ? AccessKind.AlignedRead : AccessKind.AlignedWrite;
    return (c) => {
      const lo = c.r[2 * n]!;
      const hi = c.r[2 * n + 1]!;
      c.exclusivePa(lo, hi, bytes, kind);
      transfer(c, lo, hi);
    };
  }
  const pair = o1 === 1;
  if (pair && size < 2) return undefined;
  const total = pair ? 2 * bytes : bytes;
  if (load) {
    const single = transferFor(size, 1, t)!;
    return (c) => {
      const lo = c.r[2 * n]!;
      const hi = c.r[2 * n + 1]!;
      const pa = c.exclusivePa(lo, hi, total, AccessKind.AlignedRead);
      if (pair) {
        const lo2 = addOffset(lo, hi, bytes);
        const hi2 = out.hi;
        if (bytes === 8) {
          const aLo = c.ld64(lo, hi);
          const aHi = out.hi;
          const bLo = c.ld64(lo2, hi2);
          c.set64(dstZr(t2), bLo, out.hi);
          c.set64(dstZr(t), aLo, aHi);
        } else {
          const a = c.ld32(lo, hi);
          const b = c.ld32(lo2, hi2);
          c.set32(dstZr(t), a);
          c.set32(dstZr(t2), b);
        }
      } else single(c, lo, hi);
      c.exclusiveAddr = pa;
    };
  }
  const status = dstZr(s);
  return (c) => {
    const lo = c.r[2 * n]!;
    const hi = c.r[2 * n + 1]!;
    const pa = c.exclusivePa(lo, hi, total, AccessKind.AlignedWrite);
    if (c.exclusiveAddr !== pa) {
      c.exclusiveAddr = -1;
      c.set32(status, 1);
      return;
    }
    const r = c.r;
    if (pair) {
      const lo2 = addOffset(lo, hi, bytes);
      const hi2 = out.hi;
      if (bytes === 8) {
        c.st64(lo, hi, r[2 * t]!, r[2 * t + 1]!);
        c.st64(lo2, hi2, r[2 * t2]!, r[2 * t2 + 1]!);
      } else {
        c.st32(lo, hi, r[2 * t]!);
        c.st32(lo2, hi2, r[2 * t2]!);
      }
    } else if (bytes === 8) c.st64(lo, hi, r[2 * t]!, r[2 * t + 1]!);
    else if (bytes === 4) c.st32(lo, hi, r[2 * t]!);
    else if (bytes === 2) c.st16(lo, hi, r[2 * t]!);
    else c.st8(lo, hi, r[2 * t]!);
    c.exclusiveAddr = -1;
    c.bus.exclusiveStore(pa, c);
    c.set32(status, 0);
  };
}


/**
 * SP alignment checking (Arm ARM D1.8.2): a load or store whose base register is
 * SP takes an SP alignment fault (EC 0x26) when SP is not a multiple of 16 and
 * SCTLR_ELx.SA (SA0 for EL0) is set, as it is at reset. QEMU 7.2 and unicorn do
 * not check this; we follow the architecture, which a real Cortex-A53 enforces.
 */
function checkingSp(decodeFn: (w: number) => Op | undefined): (w: number) => Op | undefined {
  return (w) => {
    const op = decodeFn(w);
    if (op === undefined || op === prefetch || rn(w) !== 31) return op;
    return (c) => {
      if ((c.r[2 * SP]! & 15) !== 0 && spAlignmentChecked(c)) {
        c.syncException(EC.SP_ALIGNMENT, 0);
        return;
      }
      op(c);
    };
  };
}

function spAlignmentChecked(c: Cpu): boolean {
  if (c.el === 2) return (c.sys.values[2 * Reg.SCTLR_EL2]! & (1 << 3)) !== 0;
  return (c.sys.values[2 * Reg.SCTLR_EL1]! & (c.el === 0 ? 1 << 4 : 1 << 3)) !== 0;
}

/** The same check for compiled blocks (emit.ts), which have tested SP's low bits: fault by throwing, as an access does. */
export function spAlignmentFault(c: Cpu): void {
  if (!spAlignmentChecked(c)) return;
  c.syncException(EC.SP_ALIGNMENT, 0);
  throw EXCEPTION_TAKEN;
}

export const decodeUnsignedOffset = checkingSp(decodeUnsignedOffsetUnchecked);
export const decodeImm9 = checkingSp(decodeImm9Unchecked);
export const decodeRegisterOffset = checkingSp(decodeRegisterOffsetUnchecked);
export const decodePair = checkingSp(decodePairUnchecked);
export const decodeExclusive = checkingSp(decodeExclusiveUnchecked);
