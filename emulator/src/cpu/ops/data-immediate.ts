// Data processing -- immediate (Arm ARM C4.1.86): PC-relative addressing,
// add/subtract, logical, move wide, bitfield and extract.
//
// Each `decode…` function runs once per instruction word, given the word's fields
// by the names of its row in decoder.ts, and returns an Op with every field already
// turned into constants; the Op itself does only the arithmetic.

import { signExtend } from '../../bits';
import type { Op } from '../cpu';
import { addWithCarry32, addWithCarry64, decodeBitMasks, dstZr, type Fields, logicFlags32, logicFlags64, pairOf, regSp, Shift, shifted32, shiftedHi, shiftedLo, srcZr } from './common';

/** ADR, ADRP: Rd = PC + imm (ADRP: of the 4 KiB page, immediate in pages). */
export function decodePcRel({ op, immlo, immhi, Rd }: Fields<'op' | 'immlo' | 'immhi' | 'Rd'>): Op {
  const d = dstZr(Rd);
  const imm = signExtend(immhi, 19) * 4 + immlo; // signed, 21 bits
  if (op === 0) {
    return (cpu) => {
      const l = (cpu.pcLo >>> 0) + imm;
      cpu.set64(d, l | 0, (cpu.pcHi + Math.floor(l / 0x100000000)) | 0);
    };
  }
  // ADRP: imm is in 4 KiB pages and may reach +-4 GiB: add hi and lo parts separately.
  const offHi = Math.floor((imm * 4096) / 0x100000000);
  const offLo = (imm * 4096) | 0;
  return (cpu) => {
    const l = ((cpu.pcLo & ~0xfff) >>> 0) + (offLo >>> 0);
    cpu.set64(d, l | 0, (cpu.pcHi + offHi + (l > 0xffffffff ? 1 : 0)) | 0);
  };
}

/** ADD/ADDS/SUB/SUBS (immediate). Rn and (for ADD/SUB) Rd may be SP. */
export function decodeAddSubImm({ sf, op, S, sh, imm12, Rn, Rd }: Fields<'sf' | 'op' | 'S' | 'sh' | 'imm12' | 'Rn' | 'Rd'>): Op {
  const sub = op === 1;
  const setFlags = S === 1;
  const imm = imm12 << (sh * 12);
  const n = regSp(Rn);
  const d = setFlags ? dstZr(Rd) : regSp(Rd);
  // Subtraction is addition of the complement plus one (Arm ARM AddWithCarry).
  const bLo = sub ? ~imm : imm;
  const bHi = sub ? -1 : 0;
  const carry = sub ? 1 : 0;
  if (sf === 1) {
    if (!setFlags) {
      // The most common instruction class: keep it free of flag work.
      return (cpu) => {
        const l = (cpu.lo(n) >>> 0) + (bLo >>> 0) + carry;
        cpu.set64(d, l | 0, (cpu.hi(n) + bHi + (l > 0xffffffff ? 1 : 0)) | 0);
      };
    }
    return (cpu) => addWithCarry64(cpu, d, cpu.lo(n), cpu.hi(n), bLo, bHi, carry, true);
  }
  return (cpu) => cpu.set32(d, addWithCarry32(cpu, cpu.lo(n), bLo, carry, setFlags));
}

/** AND/ORR/EOR/ANDS (immediate) with a bitmask immediate. Rd may be SP except for ANDS. */
export function decodeLogicalImm({ sf, opc, N, immr, imms, Rn, Rd }: Fields<'sf' | 'opc' | 'N' | 'immr' | 'imms' | 'Rn' | 'Rd'>): Op | undefined {
  if (sf === 0 && N === 1) return undefined;
  const masks = decodeBitMasks(N, imms, immr, true, sf === 1 ? 64 : 32);
  if (masks === undefined) return undefined;
  const [mLo, mHi] = pairOf(masks[0]);
  const n = srcZr(Rn);
  const d = opc === 3 ? dstZr(Rd) : regSp(Rd);
  if (sf === 1) {
    switch (opc) {
      case 0:
        return (cpu) => cpu.set64(d, cpu.lo(n) & mLo, cpu.hi(n) & mHi);
      case 1:
        return (cpu) => cpu.set64(d, cpu.lo(n) | mLo, cpu.hi(n) | mHi);
      case 2:
        return (cpu) => cpu.set64(d, cpu.lo(n) ^ mLo, cpu.hi(n) ^ mHi);
      default:
        return (cpu) => {
          const lo = cpu.lo(n) & mLo;
          const hi = cpu.hi(n) & mHi;
          logicFlags64(cpu, lo, hi);
          cpu.set64(d, lo, hi);
        };
    }
  }
  switch (opc) {
    case 0:
      return (cpu) => cpu.set32(d, cpu.lo(n) & mLo);
    case 1:
      return (cpu) => cpu.set32(d, cpu.lo(n) | mLo);
    case 2:
      return (cpu) => cpu.set32(d, cpu.lo(n) ^ mLo);
    default:
      return (cpu) => {
        const v = cpu.lo(n) & mLo;
        logicFlags32(cpu, v);
        cpu.set32(d, v);
      };
  }
}

/** MOVN/MOVZ/MOVK: a 16-bit immediate at bit 16*hw. */
export function decodeMoveWide({ sf, opc, hw, imm16, Rd }: Fields<'sf' | 'opc' | 'hw' | 'imm16' | 'Rd'>): Op | undefined {
  if (opc === 1 || (sf === 0 && hw >= 2)) return undefined;
  const d = dstZr(Rd);
  const shift = hw * 16;
  const lo = shift < 32 ? imm16 << shift : 0;
  const hi = shift >= 32 ? imm16 << (shift - 32) : 0;
  if (opc === 0) {
    // MOVN: the inverse of the shifted immediate.
    return sf === 1 ? (cpu) => cpu.set64(d, ~lo, ~hi) : (cpu) => cpu.set32(d, ~lo);
  }
  if (opc === 2) return sf === 1 ? (cpu) => cpu.set64(d, lo, hi) : (cpu) => cpu.set32(d, lo);
  // MOVK keeps the other bits of Rd.
  const keepLo = shift < 32 ? ~(0xffff << shift) : -1;
  const keepHi = shift >= 32 ? ~(0xffff << (shift - 32)) : -1;
  if (sf === 0) return (cpu) => cpu.set32(d, (cpu.lo(d) & keepLo) | lo);
  return (cpu) => cpu.set64(d, (cpu.lo(d) & keepLo) | lo, (cpu.hi(d) & keepHi) | hi);
}

/**
 * SBFM/BFM/UBFM (Arm ARM C6.2: the pseudocode of BFM). Every shift and
 * extend alias (LSL, LSR, ASR, SXTB, UBFX, BFI, ...) is one of these.
 */
export function decodeBitfield({ sf, opc, N, immr, imms, Rn, Rd }: Fields<'sf' | 'opc' | 'N' | 'immr' | 'imms' | 'Rn' | 'Rd'>): Op | undefined {
  if (opc === 3 || N !== sf) return undefined;
  if (sf === 0 && (immr >= 32 || imms >= 32)) return undefined;
  const masks = decodeBitMasks(N, imms, immr, false, sf === 1 ? 64 : 32);
  if (masks === undefined) return undefined;
  const [wLo, wHi] = pairOf(masks[0]);
  const [tLo, tHi] = pairOf(masks[1]);
  const n = srcZr(Rn);
  const d = dstZr(Rd);
  const signed = opc === 0;
  const keepDst = opc === 1; // BFM merges into Rd; SBFM/UBFM start from zero
  if (sf === 1) {
    return (cpu) => {
      const srcLo = cpu.lo(n);
      const srcHi = cpu.hi(n);
      const dLo = keepDst ? cpu.lo(d) : 0;
      const dHi = keepDst ? cpu.hi(d) : 0;
      const botLo = (dLo & ~wLo) | (shiftedLo(Shift.ROR, srcLo, srcHi, immr) & wLo);
      const botHi = (dHi & ~wHi) | (shiftedHi(Shift.ROR, srcLo, srcHi, immr) & wHi);
      let topLo = dLo;
      let topHi = dHi;
      if (signed) {
        const bit = imms < 32 ? (srcLo >>> imms) & 1 : (srcHi >>> (imms - 32)) & 1;
        topLo = topHi = -bit;
      }
      cpu.set64(d, (topLo & ~tLo) | (botLo & tLo), (topHi & ~tHi) | (botHi & tHi));
    };
  }
  return (cpu) => {
    const src = cpu.lo(n);
    const dst = keepDst ? cpu.lo(d) : 0;
    const bot = (dst & ~wLo) | (shifted32(Shift.ROR, src, immr) & wLo);
    const top = signed ? -((src >>> imms) & 1) : dst;
    cpu.set32(d, (top & ~tLo) | (bot & tLo));
  };
}

/** EXTR: bits from the concatenation Rn:Rm, starting at bit lsb of Rm (ROR when Rn = Rm). */
export function decodeExtract({ sf, op21, N, o0, Rm, imms, Rn, Rd }: Fields<'sf' | 'op21' | 'N' | 'o0' | 'Rm' | 'imms' | 'Rn' | 'Rd'>): Op | undefined {
  const lsb = imms;
  if (op21 !== 0 || o0 !== 0 || N !== sf || (sf === 0 && lsb >= 32)) return undefined;
  const n = srcZr(Rn);
  const m = srcZr(Rm);
  const d = dstZr(Rd);
  if (sf === 1) {
    if (lsb === 0) return (cpu) => cpu.set64(d, cpu.lo(m), cpu.hi(m));
    return (cpu) => {
      const mLo = cpu.lo(m);
      const mHi = cpu.hi(m);
      const nLo = cpu.lo(n);
      const nHi = cpu.hi(n);
      cpu.set64(
        d,
        shiftedLo(Shift.LSR, mLo, mHi, lsb) | shiftedLo(Shift.LSL, nLo, nHi, 64 - lsb),
        shiftedHi(Shift.LSR, mLo, mHi, lsb) | shiftedHi(Shift.LSL, nLo, nHi, 64 - lsb),
      );
    };
  }
  return (cpu) => {
    const lo = cpu.lo(m);
    const hi = cpu.lo(n);
    cpu.set32(d, lsb === 0 ? lo : (lo >>> lsb) | (hi << (32 - lsb)));
  };
}
