// Data processing -- register (Arm ARM C4.1.87): logical and add/subtract with a
// shifted or extended register, add/subtract with carry, conditional compare and
// select, and the one-, two- and three-source groups (bit operations, divide,
// variable shifts, multiply).

import { add64, asr64, field, fromBig, lsl64, lsr64, mul64, out, ror32, ror64, smulh64, sub64, toBig, umul32, umulh64 } from '../../bits';
import type { Cpu, Op } from '../cpu';
import { addWithCarry32, addWithCarry64, condition, dstZr, logicFlags32, logicFlags64, rd, regSp, rm, rn, sf, srcZr } from './common';

/** ShiftReg (Arm ARM J1.1.3) on a 64-bit pair: 0 LSL, 1 LSR, 2 ASR, 3 ROR. Low half returned. */
function shift64(type: number, lo: number, hi: number, amount: number): number {
  switch (type) {
    case 0:
      return lsl64(lo, hi, amount);
    case 1:
      return lsr64(lo, hi, amount);
    case 2:
      return asr64(lo, hi, amount);
    default:
      return ror64(lo, hi, amount);
  }
}

function shift32(type: number, v: number, amount: number): number {
  if (amount === 0) return v;
  switch (type) {
    case 0:
      return v << amount;
    case 1:
      return v >>> amount;
    case 2:
      return v >> amount;
    default:
      return ror32(v, amount);
  }
}

/** AND, BIC, ORR, ORN, EOR, EON, ANDS, BICS (shifted register). */
export function decodeLogicalShifted(w: number): Op | undefined {
  const is64 = sf(w);
  const opc = field(w, 30, 29);
  const type = field(w, 23, 22);
  const invert = field(w, 21, 21) === 1;
  const amount = field(w, 15, 10);
  if (!is64 && amount >= 32) return undefined;
  const n = srcZr(rn(w));
  const m = srcZr(rm(w));
  const d = dstZr(rd(w));
  if (is64) {
    // MOV Xd, Xm is ORR Xd, XZR, Xm: one of the most frequent instructions of all.
    if (opc === 1 && !invert && n === 31 && amount === 0) return (c) => c.set64(d, c.r[2 * m]!, c.r[2 * m + 1]!);
    const fast = !invert && opc < 3 ? fastLogical64(opc, type, amount, n, m, d) : undefined;
    if (fast) return fast;
    return (c) => {
      const r = c.r;
      let bLo = shift64(type, r[2 * m]!, r[2 * m + 1]!, amount);
      let bHi = out.hi;
      if (invert) (bLo = ~bLo), (bHi = ~bHi);
      const aLo = r[2 * n]!;
      const aHi = r[2 * n + 1]!;
      let lo: number;
      let hi: number;
      if (opc === 1) (lo = aLo | bLo), (hi = aHi | bHi);
      else if (opc === 2) (lo = aLo ^ bLo), (hi = aHi ^ bHi);
      else (lo = aLo & bLo), (hi = aHi & bHi);
      if (opc === 3) logicFlags64(c, lo, hi);
      r[2 * d] = lo;
      r[2 * d + 1] = hi;
    };
  }
  if (opc === 1 && !invert && n === 31 && amount === 0) return (c) => c.set32(d, c.r[2 * m]!);
  return (c) => {
    let b = shift32(type, c.r[2 * m]!, amount);
    if (invert) b = ~b;
    const a = c.r[2 * n]!;
    const v = opc === 1 ? a | b : opc === 2 ? a ^ b : a & b;
    if (opc === 3) logicFlags32(c, v);
    c.set32(d, v);
  };
}

/**
 * AND, ORR, EOR Xd, Xn, Xm, LSL|LSR #k with 0 < k < 32, the forms compilers emit for hashing
 * and xorshift-style arithmetic, with the shift written out: no call, no run-time switch.
 */
function fastLogical64(opc: number, type: number, k: number, n: number, m: number, d: number): Op | undefined {
  if (k === 0 || k >= 32 || type > 1) return undefined;
  const j = 32 - k;
  if (type === 0) {
    // LSL #k: high = (mhi << k) | (mlo >>> (32 - k)), low = mlo << k
    if (opc === 0) return (c) => { const r = c.r; const lo = r[2 * m]!; const hi = r[2 * m + 1]!; r[2 * d + 1] = r[2 * n + 1]! & ((hi << k) | (lo >>> j)); r[2 * d] = r[2 * n]! & (lo << k); };
    if (opc === 1) return (c) => { const r = c.r; const lo = r[2 * m]!; const hi = r[2 * m + 1]!; r[2 * d + 1] = r[2 * n + 1]! | (hi << k) | (lo >>> j); r[2 * d] = r[2 * n]! | (lo << k); };
    return (c) => { const r = c.r; const lo = r[2 * m]!; const hi = r[2 * m + 1]!; r[2 * d + 1] = r[2 * n + 1]! ^ ((hi << k) | (lo >>> j)); r[2 * d] = r[2 * n]! ^ (lo << k); };
  }
  // LSR #k: low = (mlo >>> k) | (mhi << (32 - k)), high = mhi >>> k
  if (opc === 0) return (c) => { const r = c.r; const lo = r[2 * m]!; const hi = r[2 * m + 1]!; r[2 * d] = r[2 * n]! & ((lo >>> k) | (hi << j)); r[2 * d + 1] = r[2 * n + 1]! & (hi >>> k); };
  if (opc === 1) return (c) => { const r = c.r; const lo = r[2 * m]!; const hi = r[2 * m + 1]!; r[2 * d] = r[2 * n]! | (lo >>> k) | (hi << j); r[2 * d + 1] = r[2 * n + 1]! | (hi >>> k); };
  return (c) => { const r = c.r; const lo = r[2 * m]!; const hi = r[2 * m + 1]!; r[2 * d] = r[2 * n]! ^ ((lo >>> k) | (hi << j)); r[2 * d + 1] = r[2 * n + 1]! ^ (hi >>> k); };
}

/** ADD, ADDS, SUB, SUBS (shifted register); ROR is reserved here. */
export function decodeAddSubShifted(w: number): Op | undefined {
  const is64 = sf(w);
  const sub = field(w, 30, 30) === 1;
  const setFlags = field(w, 29, 29) === 1;
  const type = field(w, 23, 22);
  const amount = field(w, 15, 10);
  if (type === 3 || (!is64 && amount >= 32)) return undefined;
  const n = srcZr(rn(w));
  const m = srcZr(rm(w));
  const d = dstZr(rd(w));
  const carry = sub ? 1 : 0;
  if (is64 && !setFlags && type === 0 && amount < 32) {
    // ADD/SUB Xd, Xn, Xm, LSL #k (address arithmetic: base + index * size), shift written out.
    const j = 32 - amount;
    return (c) => {
      const r = c.r;
      const mlo = r[2 * m]!;
      const mhi = r[2 * m + 1]!;
      let bLo = mlo << amount;
      let bHi = amount === 0 ? mhi : (mhi << amount) | (mlo >>> j);
      if (sub) (bLo = ~bLo), (bHi = ~bHi);
      const l = (r[2 * n]! >>> 0) + (bLo >>> 0) + carry;
      r[2 * d + 1] = (r[2 * n + 1]! + bHi + (l > 0xffffffff ? 1 : 0)) | 0;
      r[2 * d] = l | 0;
    };
  }
  if (is64) {
    return (c) => {
      const r = c.r;
      let bLo = shift64(type, r[2 * m]!, r[2 * m + 1]!, amount);
      let bHi = out.hi;
      if (sub) (bLo = ~bLo), (bHi = ~bHi);
      const lo = addWithCarry64(c, r[2 * n]!, r[2 * n + 1]!, bLo, bHi, carry, setFlags);
      c.set64(d, lo, out.hi);
    };
  }
  return (c) => {
    let b = shift32(type, c.r[2 * m]!, amount);
    if (sub) b = ~b;
    c.set32(d, addWithCarry32(c, c.r[2 * n]!, b, carry, setFlags));
  };
}

/**
 * ExtendReg (Arm ARM J1.1.3): the low 8/16/32/64 bits of a register, zero- or
 * sign-extended, then shifted left by 0-4. option: 0 UXTB 1 UXTH 2 UXTW 3 UXTX 4 SXTB 5 SXTH 6 SXTW 7 SXTX.
 */
function extend64(lo: number, hi: number, option: number, shift: number): number {
  let l: number;
  let h: number;
  switch (option) {
    case 0:
      (l = lo & 0xff), (h = 0);
      break;
    case 1:
      (l = lo & 0xffff), (h = 0);
      break;
    case 2:
      (l = lo), (h = 0);
      break;
    case 4:
      (l = (lo << 24) >> 24), (h = l >> 31);
      break;
    case 5:
      (l = (lo << 16) >> 16), (h = l >> 31);
      break;
    case 6:
      (l = lo), (h = lo >> 31);
      break;
    default:
      (l = lo), (h = hi);
  }
  return lsl64(l, h, shift);
}

/** ADD, ADDS, SUB, SUBS (extended register): Rn (and Rd unless flags are set) may be SP. */
export function decodeAddSubExtended(w: number): Op | undefined {
  const is64 = sf(w);
  const sub = field(w, 30, 30) === 1;
  const setFlags = field(w, 29, 29) === 1;
  const option = field(w, 15, 13);
  const shift = field(w, 12, 10);
  if (shift > 4 || field(w, 23, 22) !== 0) return undefined;
  const n = regSp(rn(w));
  const m = srcZr(rm(w));
  const d = setFlags ? dstZr(rd(w)) : regSp(rd(w));
  const carry = sub ? 1 : 0;
  if (is64) {
    return (c) => {
      const r = c.r;
      let bLo = extend64(r[2 * m]!, r[2 * m + 1]!, option, shift);
      let bHi = out.hi;
      if (sub) (bLo = ~bLo), (bHi = ~bHi);
      const lo = addWithCarry64(c, r[2 * n]!, r[2 * n + 1]!, bLo, bHi, carry, setFlags);
      c.set64(d, lo, out.hi);
    };
  }
  return (c) => {
    let b = extend64(c.r[2 * m]!, 0, option, shift);
    if (sub) b = ~b;
    c.set32(d, addWithCarry32(c, c.r[2 * n]!, b, carry, setFlags));
  };
}

/** ADC, ADCS, SBC, SBCS. */
export function decodeAddSubCarry(w: number): Op | undefined {
  if (field(w, 15, 10) !== 0) return undefined;
  const is64 = sf(w);
  const sub = field(w, 30, 30) === 1;
  const setFlags = field(w, 29, 29) === 1;
  const n = srcZr(rn(w));
  const m = srcZr(rm(w));
  const d = dstZr(rd(w));
  if (is64) {
    return (c) => {
      const r = c.r;
      let bLo = r[2 * m]!;
      let bHi = r[2 * m + 1]!;
      if (sub) (bLo = ~bLo), (bHi = ~bHi);
      const lo = addWithCarry64(c, r[2 * n]!, r[2 * n + 1]!, bLo, bHi, c.c, setFlags);
      c.set64(d, lo, out.hi);
    };
  }
  return (c) => {
    const b = sub ? ~c.r[2 * m]! : c.r[2 * m]!;
    c.set32(d, addWithCarry32(c, c.r[2 * n]!, b, c.c, setFlags));
  };
}

/** CCMN, CCMP (register or immediate): compare if the condition holds, else set NZCV to #nzcv. */
export function decodeCondCompare(w: number): Op | undefined {
  if (field(w, 29, 29) !== 1 || field(w, 10, 10) !== 0 || field(w, 4, 4) !== 0) return undefined;
  const is64 = sf(w);
  const sub = field(w, 30, 30) === 1; // CCMP subtracts, CCMN adds
  const useImm = field(w, 11, 11) === 1;
  const imm5 = rm(w);
  const m = srcZr(rm(w));
  const n = srcZr(rn(w));
  const holds = condition(field(w, 15, 12));
  const flags = w & 15;
  return (c) => {
    if (!holds(c)) {
      c.nzcv = flags;
      return;
    }
    const r = c.r;
    let bLo = useImm ? imm5 : r[2 * m]!;
    let bHi = useImm || !is64 ? 0 : r[2 * m + 1]!;
    if (sub) (bLo = ~bLo), (bHi = ~bHi);
    if (is64) addWithCarry64(c, r[2 * n]!, r[2 * n + 1]!, bLo, bHi, sub ? 1 : 0, true);
    else addWithCarry32(c, r[2 * n]!, bLo, sub ? 1 : 0, true);
  };
}

/** CSEL, CSINC, CSINV, CSNEG (and their aliases CSET, CINC, CNEG, ...). */
export function decodeCondSelect(w: number): Op | undefined {
  if (field(w, 29, 29) !== 0 || field(w, 11, 11) !== 0) return undefined;
  const is64 = sf(w);
  const op = (field(w, 30, 30) << 1) | field(w, 10, 10); // 0 CSEL, 1 CSINC, 2 CSINV, 3 CSNEG
  const n = srcZr(rn(w));
  const m = srcZr(rm(w));
  const d = dstZr(rd(w));
  const holds = condition(field(w, 15, 12));
  return (c) => {
    const r = c.r;
    let lo: number;
    let hi: number;
    if (holds(c)) {
      lo = r[2 * n]!;
      hi = r[2 * n + 1]!;
    } else {
      lo = r[2 * m]!;
      hi = r[2 * m + 1]!;
      if (op === 1) {
        const l = (lo >>> 0) + 1;
        hi = (hi + (l > 0xffffffff ? 1 : 0)) | 0;
        lo = l | 0;
      } else if (op === 2) {
        (lo = ~lo), (hi = ~hi);
      } else if (op === 3) {
        // Negate: ~x + 1.
        const l = (~lo >>> 0) + 1;
        hi = (~hi + (l > 0xffffffff ? 1 : 0)) | 0;
        lo = l | 0;
      }
    }
    if (is64) c.set64(d, lo, hi);
    else c.set32(d, lo);
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
export function decodeOneSource(w: number): Op | undefined {
  if (field(w, 29, 29) !== 0 || field(w, 20, 16) !== 0) return undefined;
  const is64 = sf(w);
  const opcode = field(w, 15, 10);
  const n = srcZr(rn(w));
  const d = dstZr(rd(w));
  if (is64) {
    switch (opcode) {
      case 0: // RBIT
        return (c) => c.set64(d, reverseBits32(c.r[2 * n + 1]!), reverseBits32(c.r[2 * n]!));
      case 1: // REV16
        return (c) => c.set64(d, bswap16x2(c.r[2 * n]!), bswap16x2(c.r[2 * n + 1]!));
      case 2: // REV32
        return (c) => c.set64(d, bswap32(c.r[2 * n]!), bswap32(c.r[2 * n + 1]!));
      case 3: // REV
        return (c) => c.set64(d, bswap32(c.r[2 * n + 1]!), bswap32(c.r[2 * n]!));
      case 4: // CLZ
        return (c) => {
          const hi = c.r[2 * n + 1]!;
          c.set64(d, hi !== 0 ? Math.clz32(hi) : 32 + Math.clz32(c.r[2 * n]!), 0);
        };
      case 5: // CLS
        return (c) => {
          const hi = c.r[2 * n + 1]!;
          const lo = c.r[2 * n]!;
          const inHi = cls32(hi);
          // All 31 non-sign bits of the high half match the sign: keep counting into the low half.
          const v = inHi < 31 ? inHi : 31 + Math.clz32((lo ^ (hi >> 31)) >>> 0);
          c.set64(d, v, 0);
        };
      default:
        return undefined;
    }
  }
  switch (opcode) {
    case 0:
      return (c) => c.set32(d, reverseBits32(c.r[2 * n]!));
    case 1:
      return (c) => c.set32(d, bswap16x2(c.r[2 * n]!));
    case 2:
      return (c) => c.set32(d, bswap32(c.r[2 * n]!));
    case 4:
      return (c) => c.set32(d, Math.clz32(c.r[2 * n]!));
    case 5:
      return (c) => c.set32(d, cls32(c.r[2 * n]!));
    default:
      return undefined;
  }
}

/** UDIV, SDIV, LSLV, LSRV, ASRV, RORV. Division by zero gives zero (Arm ARM: no trap). */
export function decodeTwoSource(w: number): Op | undefined {
  if (field(w, 29, 29) !== 0) return undefined;
  const is64 = sf(w);
  const opcode = field(w, 15, 10);
  const n = srcZr(rn(w));
  const m = srcZr(rm(w));
  const d = dstZr(rd(w));
  if (opcode === 2 || opcode === 3) return is64 ? divide64(opcode === 3, n, m, d) : divide32(opcode === 3, n, m, d);
  if (opcode < 8 || opcode > 11) return undefined;
  const type = opcode - 8;
  if (is64) return (c) => c.set64(d, shift64(type, c.r[2 * n]!, c.r[2 * n + 1]!, c.r[2 * m]! & 63), out.hi);
  return (c) => c.set32(d, shift32(type, c.r[2 * n]!, c.r[2 * m]! & 31));
}

function divide32(signed: boolean, n: number, m: number, d: number): Op {
  if (signed) {
    return (c) => {
      const b = c.r[2 * m]!;
      // INT_MIN / -1 overflows to INT_MIN, which `| 0` gives for free.
      c.set32(d, b === 0 ? 0 : Math.trunc(c.r[2 * n]! / b) | 0);
    };
  }
  return (c) => {
    const b = c.r[2 * m]! >>> 0;
    c.set32(d, b === 0 ? 0 : Math.floor((c.r[2 * n]! >>> 0) / b) | 0);
  };
}

function divide64(signed: boolean, n: number, m: number, d: number): Op {
  return (c: Cpu) => {
    const r = c.r;
    const bLo = r[2 * m]!;
    const bHi = r[2 * m + 1]!;
    if ((bLo | bHi) === 0) {
      c.set64(d, 0, 0);
      return;
    }
    const aLo = r[2 * n]!;
    const aHi = r[2 * n + 1]!;
    if (!signed && aHi === 0 && bHi === 0) {
      c.set64(d, Math.floor((aLo >>> 0) / (bLo >>> 0)) | 0, 0);
      return;
    }
    // Rare in kernels: BigInt keeps it exact (INT64_MIN / -1 wraps to INT64_MIN via fromBig).
    let a = toBig(aLo, aHi);
    let b = toBig(bLo, bHi);
    if (signed) (a = BigInt.asIntN(64, a)), (b = BigInt.asIntN(64, b));
    const lo = fromBig(a / b);
    c.set64(d, lo, out.hi);
  };
}

/** Xd = Xa + product, or Xa - product: the last step of every multiply-add and multiply-subtract. */
function accumulate(c: Cpu, d: number, a: number, pLo: number, pHi: number, subtract: boolean): void {
  const r = c.r;
  const lo = subtract ? sub64(r[2 * a]!, r[2 * a + 1]!, pLo, pHi) : add64(r[2 * a]!, r[2 * a + 1]!, pLo, pHi);
  c.set64(d, lo, out.hi);
}

/** MADD, MSUB, SMADDL, SMSUBL, SMULH, UMADDL, UMSUBL, UMULH. */
export function decodeThreeSource(w: number): Op | undefined {
  const is64 = sf(w);
  const op54 = field(w, 30, 29);
  const op31 = field(w, 23, 21);
  const o0 = field(w, 15, 15);
  const n = srcZr(rn(w));
  const m = srcZr(rm(w));
  const a = srcZr(field(w, 14, 10));
  const d = dstZr(rd(w));
  if (op54 !== 0) return undefined;
  if (op31 === 0) {
    // MADD/MSUB: Ra +- Rn * Rm.
    if (is64) {
      return (c) => {
        const r = c.r;
        const pLo = mul64(r[2 * n]!, r[2 * n + 1]!, r[2 * m]!, r[2 * m + 1]!);
        accumulate(c, d, a, pLo, out.hi, o0 === 1);
      };
    }
    return (c) => {
      const p = Math.imul(c.r[2 * n]!, c.r[2 * m]!);
      c.set32(d, o0 === 1 ? (c.r[2 * a]! - p) | 0 : (c.r[2 * a]! + p) | 0);
    };
  }
  if (!is64) return undefined;
  if (op31 === 1 || op31 === 5) {
    // SMADDL/SMSUBL (op31 = 1) and UMADDL/UMSUBL (op31 = 5): 32 x 32 -> 64, plus or minus Xa.
    const signed = op31 === 1;
    return (c) => {
      const r = c.r;
      const x = r[2 * n]!;
      const y = r[2 * m]!;
      const pLo = umul32(x, y);
      let pHi = out.hi;
      if (signed) {
        // Signed correction of the unsigned product: subtract y<<32 if x < 0, x<<32 if y < 0.
        if (x < 0) pHi = (pHi - y) | 0;
        if (y < 0) pHi = (pHi - x) | 0;
      }
      accumulate(c, d, a, pLo, pHi, o0 === 1);
    };
  }
  if ((op31 === 2 || op31 === 6) && o0 === 0) {
    const high = op31 === 2 ? smulh64 : umulh64;
    return (c) => {
      const r = c.r;
      const lo = high(r[2 * n]!, r[2 * n + 1]!, r[2 * m]!, r[2 * m + 1]!);
      c.set64(d, lo, out.hi);
    };
  }
  return undefined;
}
