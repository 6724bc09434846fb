// Pieces every instruction group uses: the fields a decoder reads, register-number
// meaning, addressing modes, 64-bit shifts and address arithmetic a half at a time,
// conditions, flag-setting addition, and the bitmask-immediate decoder.

import { type Cpu, SP, ZR_SINK } from '../cpu';

/**
 * The fields a decoder reads, by the names its row's pattern gives them (decoder.ts): a
 * decoder of `Fields<'sf' | 'Rd'>` may sit only on a row whose pattern has `sf` and `Rd`.
 */
export type Fields<K extends string> = { readonly [Name in K]: number };

/** Register field as a source where 31 means XZR. */
export const srcZr = (n: number): number => n;
/** Register field as a destination where 31 means XZR (writes go to the sink). */
export const dstZr = (n: number): number => (n === 31 ? ZR_SINK : n);
/** Register field where 31 means SP (source or destination). */
export const regSp = (n: number): number => (n === 31 ? SP : n);

/** How a load or store forms its address from its base register; one decoder row each. */
export const Index = {
  /** [Xn, #imm]: the base plus the offset, the base unchanged. */
  Offset: 0,
  /** [Xn], #imm: the base itself, then the base plus the offset written back. */
  Post: 1,
  /** [Xn, #imm]!: the base plus the offset, written back. */
  Pre: 2,
} as const;
export type Index = (typeof Index)[keyof typeof Index];

/** Bits 31:0 of the 64-bit value (lo, hi) plus a small signed offset (|offset| < 2^31): addresses. */
export const plusLo = (lo: number, offset: number): number => (lo + offset) | 0;

/** Bits 63:32 of the same sum: hi, plus the carry or less the borrow out of the low half. */
export function plusHi(lo: number, hi: number, offset: number): number {
  const l = (lo >>> 0) + offset;
  return l > 0xffffffff ? (hi + 1) | 0 : l < 0 ? (hi - 1) | 0 : hi;
}

/** ShiftReg's shift types (Arm ARM J1.1.3), as the `shift` fields encode them. */
export const Shift = { LSL: 0, LSR: 1, ASR: 2, ROR: 3 } as const;

/**
 * Bits 31:0 of a 64-bit value (halves lo, hi) shifted by `k` (0 to 63) as `type` says.
 * With shiftedHi, a 64-bit shift as two plain expressions: no result to pass on the side.
 */
export function shiftedLo(type: number, lo: number, hi: number, k: number): number {
  if (k === 0) return lo;
  if (type === Shift.LSL) return k < 32 ? lo << k : 0;
  if (k < 32) return (lo >>> k) | (hi << (32 - k));
  if (type === Shift.LSR) return (hi >>> (k - 32)) | 0;
  if (type === Shift.ASR) return hi >> (k - 32);
  return k === 32 ? hi : (hi >>> (k - 32)) | (lo << (64 - k));
}

/** Bits 63:32 of the same shift. */
export function shiftedHi(type: number, lo: number, hi: number, k: number): number {
  if (k === 0) return hi;
  switch (type) {
    case Shift.LSL:
      return k < 32 ? (hi << k) | (lo >>> (32 - k)) : lo << (k - 32);
    case Shift.LSR:
      return k < 32 ? hi >>> k : 0;
    case Shift.ASR:
      return k < 32 ? hi >> k : hi >> 31;
    default:
      if (k < 32) return (hi >>> k) | (lo << (32 - k));
      return k === 32 ? lo : (lo >>> (k - 32)) | (hi << (64 - k));
  }
}

/** A 32-bit value shifted by `k` (0 to 31) as `type` says. */
export function shifted32(type: number, v: number, k: number): number {
  if (k === 0) return v;
  switch (type) {
    case Shift.LSL:
      return v << k;
    case Shift.LSR:
      return v >>> k;
    case Shift.ASR:
      return v >> k;
    default:
      return (v >>> k) | (v << (32 - k));
  }
}

/** ConditionHolds (Arm ARM J1.2.4), one function per condition, chosen at decode time. */
const CONDITIONS: readonly ((cpu: Cpu) => boolean)[] = [
  (cpu) => cpu.z === 1, // EQ
  (cpu) => cpu.z === 0, // NE
  (cpu) => cpu.c === 1, // CS/HS
  (cpu) => cpu.c === 0, // CC/LO
  (cpu) => cpu.n === 1, // MI
  (cpu) => cpu.n === 0, // PL
  (cpu) => cpu.v === 1, // VS
  (cpu) => cpu.v === 0, // VC
  (cpu) => cpu.c === 1 && cpu.z === 0, // HI
  (cpu) => !(cpu.c === 1 && cpu.z === 0), // LS
  (cpu) => cpu.n === cpu.v, // GE
  (cpu) => cpu.n !== cpu.v, // LT
  (cpu) => cpu.z === 0 && cpu.n === cpu.v, // GT
  (cpu) => !(cpu.z === 0 && cpu.n === cpu.v), // LE
  () => true, // AL
  () => true, // NV (behaves as AL in A64)
];

export function condition(code: number): (cpu: Cpu) => boolean {
  return CONDITIONS[code & 15];
}

/**
 * AddWithCarry (Arm ARM J1.1.3) for 64 bits: register slot `d` = a + b + carryIn, and NZCV
 * when `setFlags` (a compare passes the sink, ZR_SINK, as `d`).
 */
export function addWithCarry64(cpu: Cpu, d: number, alo: number, ahi: number, blo: number, bhi: number, carryIn: number, setFlags: boolean): void {
  const l = (alo >>> 0) + (blo >>> 0) + carryIn;
  const lo = l | 0;
  const h = (ahi >>> 0) + (bhi >>> 0) + (l > 0xffffffff ? 1 : 0);
  const hi = h | 0;
  if (setFlags) {
    cpu.n = hi >>> 31;
    cpu.z = (lo | hi) === 0 ? 1 : 0;
    cpu.c = h > 0xffffffff ? 1 : 0;
    cpu.v = ((ahi ^ hi) & (bhi ^ hi)) < 0 ? 1 : 0;
  }
  cpu.set64(d, lo, hi);
}

/** AddWithCarry for 32 bits; the result as an int32. */
export function addWithCarry32(cpu: Cpu, a: number, b: number, carryIn: number, setFlags: boolean): number {
  const s = (a >>> 0) + (b >>> 0) + carryIn;
  const r = s | 0;
  if (setFlags) {
    cpu.n = r >>> 31;
    cpu.z = r === 0 ? 1 : 0;
    cpu.c = s > 0xffffffff ? 1 : 0;
    cpu.v = ((a ^ r) & (b ^ r)) < 0 ? 1 : 0;
  }
  return r;
}

/** Flags for a logical result (ANDS, BICS, TST): N and Z from the result, C and V cleared. */
export function logicFlags64(cpu: Cpu, lo: number, hi: number): void {
  cpu.n = hi >>> 31;
  cpu.z = (lo | hi) === 0 ? 1 : 0;
  cpu.c = 0;
  cpu.v = 0;
}

export function logicFlags32(cpu: Cpu, r: number): void {
  cpu.n = r >>> 31;
  cpu.z = r === 0 ? 1 : 0;
  cpu.c = 0;
  cpu.v = 0;
}

/** A 64-bit constant split for closures: [lo, hi]. */
export type Pair = readonly [number, number];

export function pairOf(v: bigint): Pair {
  const m = BigInt.asUintN(64, v);
  return [Number(m & 0xffffffffn) | 0, Number(m >> 32n) | 0];
}

/**
 * DecodeBitMasks (Arm ARM J1.1.3): the immediate of logical-immediate and
 * bitfield instructions. Returns [wmask, tmask], or undefined for a reserved
 * encoding. Runs at decode time only, so BigInt is fine here.
 */
export function decodeBitMasks(n: number, imms: number, immr: number, immediate: boolean, dataSize: number): [bigint, bigint] | undefined {
  const combined = (n << 6) | (~imms & 0x3f);
  if (combined === 0) return undefined;
  const len = 31 - Math.clz32(combined);
  if (len < 1) return undefined;
  const levels = (1 << len) - 1;
  if (immediate && (imms & levels) === levels) return undefined;
  const s = imms & levels;
  const r = immr & levels;
  const diff = (s - r) & levels;
  const esize = 1 << len;
  if (esize > dataSize) return undefined;
  const ones = (k: number): bigint => (1n << BigInt(k)) - 1n;
  const welem = ones(s + 1);
  const telem = ones(diff + 1);
  const rorE = (x: bigint, amount: number): bigint => {
    if (amount === 0) return x;
    const e = BigInt(esize);
    return ((x >> BigInt(amount)) | (x << (e - BigInt(amount)))) & ones(esize);
  };
  const replicate = (x: bigint): bigint => {
    let v = 0n;
    for (let i = 0; i < dataSize; i += esize) v |= x << BigInt(i);
    return v;
  };
  return [replicate(rorE(welem, r)), replicate(telem)];
}
