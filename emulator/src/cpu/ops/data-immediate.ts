// Data processing -- immediate (Arm ARM C4.1.86): PC-relative addressing,
// add/subtract, logical, move wide, bitfield and extract.
//
// Each `decode…` function runs once per instruction word and returns an Op with
// every field already extracted; the Op itself does only the arithmetic.

import { addOffset, field, lsl64, lsr64, out, ror32, ror64, signExtend } from '../../bits';
import type { Op } from '../cpu';
import { addWithCarry32, addWithCarry64, decodeBitMasks, dstZr, logicFlags32, logicFlags64, pairOf, rd, regSp, rn, sf, srcZr } from './common';

/** ADR, ADRP: Rd = PC + imm (ADRP: of the 4 KiB page, immediate in pages). */
export function decodePcRel(w: number): Op {
  const d = dstZr(rd(w));
  const immlo = field(w, 30, 29);
  const immhi = signExtend(field(w, 23, 5), 19);
  const page = w >>> 31 === 1;
  if (!page) {
    const imm = immhi * 4 + immlo;
    return (c) => {
      const lo = addOffset(c.pcLo, c.pcHi, imm);
      c.set64(d, lo, out.hi);
    };
  }
  // ADRP: imm is in 4 KiB pages and may reach +-4 GiB: add hi and lo parts separately.
  const pages = immhi * 4 + immlo; // signed, 21 bits
  const offHi = Math.floor((pages * 4096) / 0x100000000);
  const offLo = (pages * 4096) | 0;
  return (c) => {
    const baseLo = c.pcLo & ~0xfff;
    const l = (baseLo >>> 0) + (offLo >>> 0);
    c.set64(d, l | 0, (c.pcHi + offHi + (l > 0xffffffff ? 1 : 0)) | 0);
  };
}

/** ADD/ADDS/SUB/SUBS (immediate). Rn and (for ADD/SUB) Rd may be SP. */
export function decodeAddSubImm(w: number): Op | undefined {
  const is64 = sf(w);
  const sub = field(w, 30, 30) === 1;
  const setFlags = field(w, 29, 29) === 1;
  const shift = field(w, 22, 22);
  const imm = field(w, 21, 10) << (shift * 12);
  const n = regSp(rn(w));
  const d = setFlags ? dstZr(rd(w)) : regSp(rd(w));
  // Subtraction is addition of the complement plus one (Arm ARM AddWithCarry).
  const bLo = sub ? ~imm : imm;
  const bHi = sub ? -1 : 0;
  const carry = sub ? 1 : 0;
  if (is64) {
    if (!setFlags) {
      // The most common instruction class: keep it free of flag work.
      return (c) => {
        const r = c.r;
        const a = r[2 * n]!;
        const l = (a >>> 0) + (bLo >>> 0) + carry;
        r[2 * d] = l;
        r[2 * d + 1] = (r[2 * n + 1]! + bHi + (l > 0xffffffff ? 1 : 0)) | 0;
      };
    }
    return (c) => {
      const lo = addWithCarry64(c, c.r[2 * n]!, c.r[2 * n + 1]!, bLo, bHi, carry, true);
      c.set64(d, lo, out.hi);
    };
  }
  return (c) => c.set32(d, addWithCarry32(c, c.r[2 * n]!, bLo, carry, setFlags));
}

/** AND/ORR/EOR/ANDS (immediate) with a bitmask immediate. Rd may be SP except for ANDS. */
export function decodeLogicalImm(w: number): Op | undefined {
  const is64 = sf(w);
  const opc = field(w, 30, 29);
  const nBit = field(w, 22, 22);
  if (!is64 && nBit === 1) return undefined;
  const masks = decodeBitMasks(nBit, field(w, 15, 10), field(w, 21, 16), true, is64 ? 64 : 32);
  if (masks === undefined) return undefined;
  const [mLo, mHi] = pairOf(masks[0]);
  const n = srcZr(rn(w));
  const d = opc === 3 ? dstZr(rd(w)) : regSp(rd(w));
  if (is64) {
    switch (opc) {
      case 0:
        return (c) => c.set64(d, c.r[2 * n]! & mLo, c.r[2 * n + 1]! & mHi);
      case 1:
        return (c) => c.set64(d, c.r[2 * n]! | mLo, c.r[2 * n + 1]! | mHi);
      case 2:
        return (c) => c.set64(d, c.r[2 * n]! ^ mLo, c.r[2 * n + 1]! ^ mHi);
      default:
        return (c) => {
          const lo = c.r[2 * n]! & mLo;
          const hi = c.r[2 * n + 1]! & mHi;
          logicFlags64(c, lo, hi);
          c.set64(d, lo, hi);
        };
    }
  }
  switch (opc) {
    case 0:
      return (c) => c.set32(d, c.r[2 * n]! & mLo);
    case 1:
      return (c) => c.set32(d, c.r[2 * n]! | mLo);
    case 2:
      return (c) => c.set32(d, c.r[2 * n]! ^ mLo);
    default:
      return (c) => {
        const v = c.r[2 * n]! & mLo;
        logicFlags32(c, v);
        c.set32(d, v);
      };
  }
}

/** MOVN/MOVZ/MOVK: a 16-bit immediate at bit 16*hw. */
export function decodeMoveWide(w: number): Op | undefined {
  const is64 = sf(w);
  const opc = field(w, 30, 29);
  const hw = field(w, 22, 21);
  if (opc === 1 || (!is64 && hw >= 2)) return undefined;
  const imm = field(w, 20, 5);
  const d = dstZr(rd(w));
  const shift = hw * 16;
  const lo = shift < 32 ? imm << shift : 0;
  const hi = shift >= 32 ? imm << (shift - 32) : 0;
  if (opc === 0) {
    // MOVN: the inverse of the shifted immediate.
    return is64 ? (c) => c.set64(d, ~lo, ~hi) : (c) => c.set32(d, ~lo);
  }
  if (opc === 2) return is64 ? (c) => c.set64(d, lo, hi) : (c) => c.set32(d, lo);
  // MOVK keeps the other bits of Rd.
  const keepLo = shift < 32 ? ~(0xffff << shift) : -1;
  const keepHi = shift >= 32 ? ~(0xffff << (shift - 32)) : -1;
  return (c) => {
    const r = c.r;
    r[2 * d] = (r[2 * d]! & keepLo) | lo;
    r[2 * d + 1] = is64 ? (r[2 * d + 1]! & keepHi) | hi : 0;
  };
}

/**
 * SBFM/BFM/UBFM (Arm ARM C6.2: the pseudocode of BFM). Every shift and
 * extend alias (LSL, LSR, ASR, SXTB, UBFX, BFI, ...) is one of these.
 */
export function decodeBitfield(w: number): Op | undefined {
  const is64 = sf(w);
  const opc = field(w, 30, 29);
  const nBit = field(w, 22, 22);
  if (opc === 3 || nBit !== (is64 ? 1 : 0)) return undefined;
  const immr = field(w, 21, 16);
  const imms = field(w, 15, 10);
  if (!is64 && (immr >= 32 || imms >= 32)) return undefined;
  const masks = decodeBitMasks(nBit, imms, immr, false, is64 ? 64 : 32);
  if (masks === undefined) return undefined;
  const [wLo, wHi] = pairOf(masks[0]);
  const [tLo, tHi] = pairOf(masks[1]);
  const n = srcZr(rn(w));
  const d = dstZr(rd(w));
  const signed = opc === 0;
  const keepDst = opc === 1; // BFM merges into Rd; SBFM/UBFM start from zero
  const s = imms;
  if (is64) {
    return (c) => {
      const r = c.r;
      const srcLo = r[2 * n]!;
      const srcHi = r[2 * n + 1]!;
      const dLo = keepDst ? r[2 * d]! : 0;
      const dHi = keepDst ? r[2 * d + 1]! : 0;
      const rotLo = ror64(srcLo, srcHi, immr);
      const rotHi = out.hi;
      const botLo = (dLo & ~wLo) | (rotLo & wLo);
      const botHi = (dHi & ~wHi) | (rotHi & wHi);
      let topLo = dLo;
      let topHi = dHi;
      if (signed) {
        const bit = s < 32 ? (srcLo >>> s) & 1 : (srcHi >>> (s - 32)) & 1;
        topLo = topHi = -bit;
      }
      r[2 * d] = (topLo & ~tLo) | (botLo & tLo);
      r[2 * d + 1] = (topHi & ~tHi) | (botHi & tHi);
    };
  }
  return (c) => {
    const src = c.r[2 * n]!;
    const dst = keepDst ? c.r[2 * d]! : 0;
    const bot = (dst & ~wLo) | (ror32(src, immr) & wLo);
    const top = signed ? -((src >>> s) & 1) : dst;
    c.set32(d, (top & ~tLo) | (bot & tLo));
  };
}

/** EXTR: bits from the concatenation Rn:Rm, starting at bit lsb of Rm (ROR when Rn = Rm). */
export function decodeExtract(w: number): Op | undefined {
  const is64 = sf(w);
  const nBit = field(w, 22, 22);
  const lsb = field(w, 15, 10);
  if (field(w, 30, 29) !== 0 || field(w, 21, 21) !== 0 || nBit !== (is64 ? 1 : 0) || (!is64 && lsb >= 32)) return undefined;
  const n = srcZr(rn(w));
  const m = srcZr(w >>> 16 & 31);
  const d = dstZr(rd(w));
  if (is64) {
    return (c) => {
      const r = c.r;
      if (lsb === 0) {
        c.set64(d, r[2 * m]!, r[2 * m + 1]!);
        return;
      }
      const lowLo = lsr64(r[2 * m]!, r[2 * m + 1]!, lsb);
      const lowHi = out.hi;
      const highLo = lsl64(r[2 * n]!, r[2 * n + 1]!, 64 - lsb);
      c.set64(d, lowLo | highLo, lowHi | out.hi);
    };
  }
  return (c) => {
    const lo = c.r[2 * m]!;
    const hi = c.r[2 * n]!;
    c.set32(d, lsb === 0 ? lo : (lo >>> lsb) | (hi << (32 - lsb)));
  };
}
