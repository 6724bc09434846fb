// Pieces every instruction group uses: register-number meaning, conditions,
// flag-setting addition, and the bitmask-immediate decoder.

import { out } from '../../bits';
import { type Cpu, SP, ZR_SINK } from '../cpu';

/** Register field as a source where 31 means XZR. */
export const srcZr = (n: number): number => n;
/** Register field as a destination where 31 means XZR (writes go to the sink). */
export const dstZr = (n: number): number => (n === 31 ? ZR_SINK : n);
/** Register field where 31 means SP (source or destination). */
export const regSp = (n: number): number => (n === 31 ? SP : n);

export const rd = (w: number): number => w & 31;
export const rn = (w: number): number => (w >>> 5) & 31;
export const rm = (w: number): number => (w >>> 16) & 31;
/** Bit 31, "sf": 1 for the 64-bit (X register) form. */
export const sf = (w: number): boolean => w >>> 31 === 1;

/** ConditionHolds (Arm ARM J1.2.4), one function per condition, chosen at decode time. */
const CONDITIONS: readonly ((c: Cpu) => boolean)[] = [
  (c) => c.z === 1, // EQ
  (c) => c.z === 0, // NE
  (c) => c.c === 1, // CS/HS
  (c) => c.c === 0, // CC/LO
  (c) => c.n === 1, // MI
  (c) => c.n === 0, // PL
  (c) => c.v === 1, // VS
  (c) => c.v === 0, // VC
  (c) => c.c === 1 && c.z === 0, // HI
  (c) => !(c.c === 1 && c.z === 0), // LS
  (c) => c.n === c.v, // GE
  (c) => c.n !== c.v, // LT
  (c) => c.z === 0 && c.n === c.v, // GT
  (c) => !(c.z === 0 && c.n === c.v), // LE
  () => true, // AL
  () => true, // NV (behaves as AL in A64)
];

export function condition(code: number): (c: Cpu) => boolean {
  return CONDITIONS[code & 15]!;
}

/**
 * AddWithCarry (Arm ARM J1.1.3) for 64 bits: a + b + carryIn. Returns the low
 * half (high half in out.hi) and, when `setFlags`, sets NZCV.
 */
export function addWithCarry64(c: Cpu, alo: number, ahi: number, blo: number, bhi: number, carryIn: number, setFlags: boolean): number {
  const l = (alo >>> 0) + (blo >>> 0) + carryIn;
  const lo = l | 0;
  const h = (ahi >>> 0) + (bhi >>> 0) + (l > 0xffffffff ? 1 : 0);
  const hi = h | 0;
  if (setFlags) {
    c.n = hi >>> 31;
    c.z = (lo | hi) === 0 ? 1 : 0;
    c.c = h > 0xffffffff ? 1 : 0;
    c.v = ((ahi ^ hi) & (bhi ^ hi)) < 0 ? 1 : 0;
  }
  out.hi = hi;
  return lo;
}

/** AddWithCarry for 32 bits; the result as an int32. */
export function addWithCarry32(c: Cpu, a: number, b: number, carryIn: number, setFlags: boolean): number {
  const s = (a >>> 0) + (b >>> 0) + carryIn;
  const r = s | 0;
  if (setFlags) {
    c.n = r >>> 31;
    c.z = r === 0 ? 1 : 0;
    c.c = s > 0xffffffff ? 1 : 0;
    c.v = ((a ^ r) & (b ^ r)) < 0 ? 1 : 0;
  }
  return r;
}

/** Flags for a logical result (ANDS, BICS, TST): N and Z from the result, C and V cleared. */
export function logicFlags64(c: Cpu, lo: number, hi: number): void {
  c.n = hi >>> 31;
  c.z = (lo | hi) === 0 ? 1 : 0;
  c.c = 0;
  c.v = 0;
}

export function logicFlags32(c: Cpu, r: number): void {
  c.n = r >>> 31;
  c.z = r === 0 ? 1 : 0;
  c.c = 0;
  c.v = 0;
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
