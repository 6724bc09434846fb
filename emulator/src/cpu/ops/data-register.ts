// Data processing -- register (Arm ARM C4.1.87): logical and add/subtract with a
// shifted or extended register, add/subtract with carry, conditional compare and
// select, and the one-, two- and three-source groups (bit operations, divide,
// variable shifts, CRC32, multiply).

import { toBig } from '../../bits';
import type { Cpu, Op } from '../cpu';
import { ZR_SINK } from '../cpu';
import { decodeCrc32 } from './crc32';
import {
  addWithCarry32,
  addWithCarry64,
  condition,
  dstZr,
  type Fields,
  logicFlags32,
  logicFlags64,
  regSp,
  Shift,
  shifted32,
  shiftedHi,
  shiftedLo,
  srcZr,
} from './common';

/** AND, BIC, ORR, ORN, EOR, EON, ANDS, BICS (shifted register). */
export function decodeLogicalShifted({ sf, opc, shift, N, Rm, imm6, Rn, Rd }: Fields<'sf' | 'opc' | 'shift' | 'N' | 'Rm' | 'imm6' | 'Rn' | 'Rd'>): Op | undefined {
  const invert = N === 1;
  const amount = imm6;
  if (sf === 0 && amount >= 32) return undefined;
  const n = srcZr(Rn);
  const m = srcZr(Rm);
  const d = dstZr(Rd);
  // MOV Xd, Xm is ORR Xd, XZR, Xm: one of the most frequent instructions of all.
  const move = opc === 1 && !invert && n === 31 && amount === 0;
  if (sf === 1) {
    if (move) return (cpu) => cpu.set64(d, cpu.lo(m), cpu.hi(m));
    return (cpu) => {
      const mLo = cpu.lo(m);
      const mHi = cpu.hi(m);
      let bLo = shiftedLo(shift, mLo, mHi, amount);
      let bHi = shiftedHi(shift, mLo, mHi, amount);
      if (invert) (bLo = ~bLo), (bHi = ~bHi);
      const aLo = cpu.lo(n);
      const aHi = cpu.hi(n);
      let lo: number;
      let hi: number;
      if (opc === 1) (lo = aLo | bLo), (hi = aHi | bHi);
      else if (opc === 2) (lo = aLo ^ bLo), (hi = aHi ^ bHi);
      else (lo = aLo & bLo), (hi = aHi & bHi);
      if (opc === 3) logicFlags64(cpu, lo, hi);
      cpu.set64(d, lo, hi);
    };
  }
  if (move) return (cpu) => cpu.set32(d, cpu.lo(m));
  return (cpu) => {
    let b = shifted32(shift, cpu.lo(m), amount);
    if (invert) b = ~b;
    const a = cpu.lo(n);
    const v = opc === 1 ? a | b : opc === 2 ? a ^ b : a & b;
    if (opc === 3) logicFlags32(cpu, v);
    cpu.set32(d, v);
  };
}

/** ADD, ADDS, SUB, SUBS (shifted register); ROR is reserved here. */
export function decodeAddSubShifted({ sf, op, S, shift, Rm, imm6, Rn, Rd }: Fields<'sf' | 'op' | 'S' | 'shift' | 'Rm' | 'imm6' | 'Rn' | 'Rd'>): Op | undefined {
  const sub = op === 1;
  const setFlags = S === 1;
  const amount = imm6;
  if (shift === Shift.ROR || (sf === 0 && amount >= 32)) return undefined;
  const n = srcZr(Rn);
  const m = srcZr(Rm);
  const d = dstZr(Rd);
  const carry = sub ? 1 : 0;
  if (sf === 1) {
    return (cpu) => {
      const mLo = cpu.lo(m);
      const mHi = cpu.hi(m);
      let bLo = shiftedLo(shift, mLo, mHi, amount);
      let bHi = shiftedHi(shift, mLo, mHi, amount);
      if (sub) (bLo = ~bLo), (bHi = ~bHi);
      addWithCarry64(cpu, d, cpu.lo(n), cpu.hi(n), bLo, bHi, carry, setFlags);
    };
  }
  return (cpu) => {
    let b = shifted32(shift, cpu.lo(m), amount);
    if (sub) b = ~b;
    cpu.set32(d, addWithCarry32(cpu, cpu.lo(n), b, carry, setFlags));
  };
}

/**
 * ExtendReg (Arm ARM J1.1.3) before its shift: the low 8/16/32/64 bits of a register, zero-
 * or sign-extended. option: 0 UXTB 1 UXTH 2 UXTW 3 UXTX 4 SXTB 5 SXTH 6 SXTW 7 SXTX. Bits 31:0.
 */
function extendedLo(lo: number, option: number): number {
  switch (option) {
    case 0:
      return lo & 0xff;
    case 1:
      return lo & 0xffff;
    case 4:
      return (lo << 24) >> 24;
    case 5:
      return (lo << 16) >> 16;
    default:
      return lo;
  }
}

/** Bits 63:32 of the same extension. */
function extendedHi(lo: number, hi: number, option: number): number {
  if (option === 3 || option === 7) return hi;
  return option < 3 ? 0 : extendedLo(lo, option) >> 31;
}

/** ADD, ADDS, SUB, SUBS (extended register): Rn (and Rd unless flags are set) may be SP. */
export function decodeAddSubExtended({ sf, op, S, opt, Rm, option, imm3, Rn, Rd }: Fields<'sf' | 'op' | 'S' | 'opt' | 'Rm' | 'option' | 'imm3' | 'Rn' | 'Rd'>): Op | undefined {
  const sub = op === 1;
  const setFlags = S === 1;
  const shift = imm3;
  if (shift > 4 || opt !== 0) return undefined;
  const n = regSp(Rn);
  const m = srcZr(Rm);
  const d = setFlags ? dstZr(Rd) : regSp(Rd);
  const carry = sub ? 1 : 0;
  if (sf === 1) {
    return (cpu) => {
      const eLo = extendedLo(cpu.lo(m), option);
      const eHi = extendedHi(cpu.lo(m), cpu.hi(m), option);
      let bLo = shiftedLo(Shift.LSL, eLo, eHi, shift);
      let bHi = shiftedHi(Shift.LSL, eLo, eHi, shift);
      if (sub) (bLo = ~bLo), (bHi = ~bHi);
      addWithCarry64(cpu, d, cpu.lo(n), cpu.hi(n), bLo, bHi, carry, setFlags);
    };
  }
  return (cpu) => {
    let b = extendedLo(cpu.lo(m), option) << shift;
    if (sub) b = ~b;
    cpu.set32(d, addWithCarry32(cpu, cpu.lo(n), b, carry, setFlags));
  };
}

/** ADC, ADCS, SBC, SBCS. */
export function decodeAddSubCarry({ sf, op, S, Rm, opcode2, Rn, Rd }: Fields<'sf' | 'op' | 'S' | 'Rm' | 'opcode2' | 'Rn' | 'Rd'>): Op | undefined {
  if (opcode2 !== 0) return undefined;
  const sub = op === 1;
  const setFlags = S === 1;
  const n = srcZr(Rn);
  const m = srcZr(Rm);
  const d = dstZr(Rd);
  if (sf === 1) {
    return (cpu) => {
      const bLo = sub ? ~cpu.lo(m) : cpu.lo(m);
      const bHi = sub ? ~cpu.hi(m) : cpu.hi(m);
      addWithCarry64(cpu, d, cpu.lo(n), cpu.hi(n), bLo, bHi, cpu.c, setFlags);
    };
  }
  return (cpu) => {
    const b = sub ? ~cpu.lo(m) : cpu.lo(m);
    cpu.set32(d, addWithCarry32(cpu, cpu.lo(n), b, cpu.c, setFlags));
  };
}

/**
 * CCMN, CCMP: compare Rn with `b` (the register Rm or the immediate imm5) if the condition
 * holds, else set NZCV to #nzcv. Both rows of the Arm ARM end here.
 */
function condCompare(sf: number, sub: boolean, cond: number, n: number, b: (cpu: Cpu) => number, bHigh: (cpu: Cpu) => number, nzcv: number): Op {
  const holds = condition(cond);
  const carry = sub ? 1 : 0;
  return (cpu) => {
    if (!holds(cpu)) {
      cpu.nzcv = nzcv;
      return;
    }
    const bLo = sub ? ~b(cpu) : b(cpu);
    const bHi = sub ? ~bHigh(cpu) : bHigh(cpu);
    if (sf === 1) addWithCarry64(cpu, ZR_SINK, cpu.lo(n), cpu.hi(n), bLo, bHi, carry, true);
    else addWithCarry32(cpu, cpu.lo(n), bLo, carry, true);
  };
}

type CondCompareFields = 'sf' | 'op' | 'S' | 'cond' | 'o2' | 'Rn' | 'o3' | 'nzcv';

/** CCMN, CCMP (register). */
export function decodeCondCompareRegister(f: Fields<CondCompareFields | 'Rm'>): Op | undefined {
  if (f.S !== 1 || f.o2 !== 0 || f.o3 !== 0) return undefined;
  const m = srcZr(f.Rm);
  return condCompare(f.sf, f.op === 1, f.cond, srcZr(f.Rn), (cpu) => cpu.lo(m), (cpu) => cpu.hi(m), f.nzcv);
}

/** CCMN, CCMP (immediate). */
export function decodeCondCompareImmediate(f: Fields<CondCompareFields | 'imm5'>): Op | undefined {
  if (f.S !== 1 || f.o2 !== 0 || f.o3 !== 0) return undefined;
  const imm = f.imm5;
  return condCompare(f.sf, f.op === 1, f.cond, srcZr(f.Rn), () => imm, () => 0, f.nzcv);
}

/** CSEL, CSINC, CSINV, CSNEG (and their aliases CSET, CINC, CNEG, ...). */
export function decodeCondSelect({ sf, op, S, Rm, cond, op2, Rn, Rd }: Fields<'sf' | 'op' | 'S' | 'Rm' | 'cond' | 'op2' | 'Rn' | 'Rd'>): Op | undefined {
  if (S !== 0 || op2 > 1) return undefined;
  const kind = (op << 1) | op2; // 0 CSEL, 1 CSINC, 2 CSINV, 3 CSNEG
  const n = srcZr(Rn);
  const m = srcZr(Rm);
  const d = dstZr(Rd);
  const holds = condition(cond);
  return (cpu) => {
    let lo: number;
    let hi: number;
    if (holds(cpu)) {
      lo = cpu.lo(n);
      hi = cpu.hi(n);
    } else {
      lo = cpu.lo(m);
      hi = cpu.hi(m);
      if (kind === 1) {
        const l = (lo >>> 0) + 1;
        hi = (hi + (l > 0xffffffff ? 1 : 0)) | 0;
        lo = l | 0;
      } else if (kind === 2) {
        (lo = ~lo), (hi = ~hi);
      } else if (kind === 3) {
        // Negate: ~x + 1.
        const l = (~lo >>> 0) + 1;
        hi = (~hi + (l > 0xffffffff ? 1 : 0)) | 0;
        lo = l | 0;
      }
    }
    if (sf === 1) cpu.set64(d, lo, hi);
    else cpu.set32(d, lo);
  };
}

function reverseBits32(x: number): number {
  x = ((x >>> 1) & 0x55555555) | ((x & 0x55555555) << 1);
  x = ((x >>> 2) & 0x33333333) | ((x & 0x33333333) << 2);
  x = ((x >>> 4) & 0x0f0f0f0f) | ((x & 0x0f0f0f0f) << 4);
  x = ((x >>> 8) & 0x00ff00ff) | ((x & 0x00ff00ff) << 8);
  return (x >>> 16) | (x << 16);
}

const bswap32 = (x: number): number => ((x >>> 24) | ((x >>> 8) & 0xff00) | ((x << 8) & 0xff0000) | (x << 24)) | 0;
const bswap16x2 = (x: number): number => (((x >>> 8) & 0x00ff00ff) | ((x << 8) & 0xff00ff00)) | 0;
/** CLS: leading bits equal to the sign bit, not counting the sign bit itself. */
const cls32 = (x: number): number => Math.clz32(x ^ (x >> 31)) - 1;

/** RBIT, REV16, REV32, REV, CLZ, CLS. */
export function decodeOneSource({ sf, S, opcode2, opcode, Rn, Rd }: Fields<'sf' | 'S' | 'opcode2' | 'opcode' | 'Rn' | 'Rd'>): Op | undefined {
  if (S !== 0 || opcode2 !== 0) return undefined;
  const n = srcZr(Rn);
  const d = dstZr(Rd);
  if (sf === 1) {
    switch (opcode) {
      case 0: // RBIT
        return (cpu) => cpu.set64(d, reverseBits32(cpu.hi(n)), reverseBits32(cpu.lo(n)));
      case 1: // REV16
        return (cpu) => cpu.set64(d, bswap16x2(cpu.lo(n)), bswap16x2(cpu.hi(n)));
      case 2: // REV32
        return (cpu) => cpu.set64(d, bswap32(cpu.lo(n)), bswap32(cpu.hi(n)));
      case 3: // REV
        return (cpu) => cpu.set64(d, bswap32(cpu.hi(n)), bswap32(cpu.lo(n)));
      case 4: // CLZ
        return (cpu) => {
          const hi = cpu.hi(n);
          cpu.set64(d, hi !== 0 ? Math.clz32(hi) : 32 + Math.clz32(cpu.lo(n)), 0);
        };
      case 5: // CLS
        return (cpu) => {
          const hi = cpu.hi(n);
          const inHi = cls32(hi);
          // All 31 non-sign bits of the high half match the sign: keep counting into the low half.
          const v = inHi < 31 ? inHi : 31 + Math.clz32((cpu.lo(n) ^ (hi >> 31)) >>> 0);
          cpu.set64(d, v, 0);
        };
      default:
        return undefined;
    }
  }
  switch (opcode) {
    case 0:
      return (cpu) => cpu.set32(d, reverseBits32(cpu.lo(n)));
    case 1:
      return (cpu) => cpu.set32(d, bswap16x2(cpu.lo(n)));
    case 2:
      return (cpu) => cpu.set32(d, bswap32(cpu.lo(n)));
    case 4:
      return (cpu) => cpu.set32(d, Math.clz32(cpu.lo(n)));
    case 5:
      return (cpu) => cpu.set32(d, cls32(cpu.lo(n)));
    default:
      return undefined;
  }
}

/** UDIV, SDIV, LSLV, LSRV, ASRV, RORV, and CRC32* (opcode 010Csz). Division by zero gives zero (Arm ARM: no trap). */
export function decodeTwoSource({ sf, S, Rm, opcode, Rn, Rd }: Fields<'sf' | 'S' | 'Rm' | 'opcode' | 'Rn' | 'Rd'>): Op | undefined {
  if (S !== 0) return undefined;
  if (opcode >>> 3 === 0b010) return decodeCrc32({ sf, Rm, opcode, Rn, Rd });
  const n = srcZr(Rn);
  const m = srcZr(Rm);
  const d = dstZr(Rd);
  if (opcode === 2 || opcode === 3) return sf === 1 ? divide64(opcode === 3, n, m, d) : divide32(opcode === 3, n, m, d);
  if (opcode < 8 || opcode > 11) return undefined;
  const type = opcode - 8;
  if (sf === 1) {
    return (cpu) => {
      const k = cpu.lo(m) & 63;
      cpu.set64(d, shiftedLo(type, cpu.lo(n), cpu.hi(n), k), shiftedHi(type, cpu.lo(n), cpu.hi(n), k));
    };
  }
  return (cpu) => cpu.set32(d, shifted32(type, cpu.lo(n), cpu.lo(m) & 31));
}

function divide32(signed: boolean, n: number, m: number, d: number): Op {
  if (signed) {
    return (cpu) => {
      const b = cpu.lo(m);
      // INT_MIN / -1 overflows to INT_MIN, which `| 0` gives for free.
      cpu.set32(d, b === 0 ? 0 : Math.trunc(cpu.lo(n) / b) | 0);
    };
  }
  return (cpu) => {
    const b = cpu.lo(m) >>> 0;
    cpu.set32(d, b === 0 ? 0 : Math.floor((cpu.lo(n) >>> 0) / b) | 0);
  };
}

function divide64(signed: boolean, n: number, m: number, d: number): Op {
  return (cpu) => {
    const bLo = cpu.lo(m);
    const bHi = cpu.hi(m);
    if ((bLo | bHi) === 0) {
      cpu.set64(d, 0, 0);
      return;
    }
    const aLo = cpu.lo(n);
    const aHi = cpu.hi(n);
    if (!signed && aHi === 0 && bHi === 0) {
      cpu.set64(d, Math.floor((aLo >>> 0) / (bLo >>> 0)) | 0, 0);
      return;
    }
    // Rare in kernels: BigInt keeps it exact (INT64_MIN / -1 wraps to INT64_MIN, mod 2^64).
    let a = toBig(aLo, aHi);
    let b = toBig(bLo, bHi);
    if (signed) (a = BigInt.asIntN(64, a)), (b = BigInt.asIntN(64, b));
    const q = BigInt.asUintN(64, a / b);
    cpu.set64(d, Number(q & 0xffffffffn) | 0, Number(q >> 32n) | 0);
  };
}

/** Bits 63:32 of the unsigned product of two 32-bit values, through 16-bit pieces so no partial product exceeds 2^53. */
function umulHi32(a: number, b: number): number {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const mid = ((a0 * b0) >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  return (a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16)) | 0;
}

/** Register slot `d` = Xa + product, or Xa - product: the last step of every multiply-add and multiply-subtract. */
function accumulate(cpu: Cpu, d: number, a: number, pLo: number, pHi: number, subtract: boolean): void {
  const aLo = cpu.lo(a);
  const aHi = cpu.hi(a);
  if (subtract) {
    const l = (aLo >>> 0) - (pLo >>> 0);
    cpu.set64(d, l | 0, (aHi - pHi - (l < 0 ? 1 : 0)) | 0);
  } else {
    const l = (aLo >>> 0) + (pLo >>> 0);
    cpu.set64(d, l | 0, (aHi + pHi + (l > 0xffffffff ? 1 : 0)) | 0);
  }
}

/** SMULH, UMULH: register slot `d` = bits 127:64 of the 128-bit product, schoolbook in 32-bit columns (each sum below 2^53). */
function multiplyHigh(cpu: Cpu, d: number, aLo: number, aHi: number, bLo: number, bHi: number, signed: boolean): void {
  const col1 = (umulHi32(aLo, bLo) >>> 0) + (Math.imul(aLo, bHi) >>> 0) + (Math.imul(aHi, bLo) >>> 0);
  const col2 = (umulHi32(aLo, bHi) >>> 0) + (umulHi32(aHi, bLo) >>> 0) + (Math.imul(aHi, bHi) >>> 0) + Math.floor(col1 / 0x100000000);
  let lo = col2 | 0;
  let hi = ((umulHi32(aHi, bHi) >>> 0) + Math.floor(col2 / 0x100000000)) | 0;
  if (signed) {
    // The signed product is the unsigned one less b * 2^64 when a < 0, and a * 2^64 when b < 0.
    if (aHi < 0) {
      const l = (lo >>> 0) - (bLo >>> 0);
      hi = (hi - bHi - (l < 0 ? 1 : 0)) | 0;
      lo = l | 0;
    }
    if (bHi < 0) {
      const l = (lo >>> 0) - (aLo >>> 0);
      hi = (hi - aHi - (l < 0 ? 1 : 0)) | 0;
      lo = l | 0;
    }
  }
  cpu.set64(d, lo, hi);
}

/** MADD, MSUB, SMADDL, SMSUBL, SMULH, UMADDL, UMSUBL, UMULH. */
export function decodeThreeSource({ sf, op54, op31, Rm, o0, Ra, Rn, Rd }: Fields<'sf' | 'op54' | 'op31' | 'Rm' | 'o0' | 'Ra' | 'Rn' | 'Rd'>): Op | undefined {
  const n = srcZr(Rn);
  const m = srcZr(Rm);
  const a = srcZr(Ra);
  const d = dstZr(Rd);
  const subtract = o0 === 1;
  if (op54 !== 0) return undefined;
  if (op31 === 0) {
    // MADD/MSUB: Ra +- Rn * Rm (the low 64 bits of the product are the same signed or not).
    if (sf === 1) {
      return (cpu) => {
        const nLo = cpu.lo(n);
        const mLo = cpu.lo(m);
        const pHi = (umulHi32(nLo, mLo) + Math.imul(nLo, cpu.hi(m)) + Math.imul(cpu.hi(n), mLo)) | 0;
        accumulate(cpu, d, a, Math.imul(nLo, mLo), pHi, subtract);
      };
    }
    return (cpu) => {
      const p = Math.imul(cpu.lo(n), cpu.lo(m));
      cpu.set32(d, subtract ? (cpu.lo(a) - p) | 0 : (cpu.lo(a) + p) | 0);
    };
  }
  if (sf === 0) return undefined;
  if (op31 === 1 || op31 === 5) {
    // SMADDL/SMSUBL (op31 = 1) and UMADDL/UMSUBL (op31 = 5): 32 x 32 -> 64, plus or minus Xa.
    const signed = op31 === 1;
    return (cpu) => {
      const x = cpu.lo(n);
      const y = cpu.lo(m);
      let pHi = umulHi32(x, y);
      if (signed) {
        // Signed correction of the unsigned product: subtract y<<32 if x < 0, x<<32 if y < 0.
        if (x < 0) pHi = (pHi - y) | 0;
        if (y < 0) pHi = (pHi - x) | 0;
      }
      accumulate(cpu, d, a, Math.imul(x, y), pHi, subtract);
    };
  }
  if ((op31 === 2 || op31 === 6) && o0 === 0) {
    const signed = op31 === 2;
    return (cpu) => multiplyHigh(cpu, d, cpu.lo(n), cpu.hi(n), cpu.lo(m), cpu.hi(m), signed);
  }
  return undefined;
}
