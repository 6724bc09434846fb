// 64-bit arithmetic on pairs of 32-bit halves.
//
// JavaScript numbers hold integers exactly only up to 2^53, and BigInt is about
// seven times slower than plain numbers (measured: ../../shared/notes/machine.md).
// So the emulator keeps every 64-bit value as two int32 halves, `lo` and `hi`,
// and does 64-bit arithmetic here, by hand. A function that produces a 64-bit
// value returns its low half and leaves the high half in `out.hi`: one return
// value and one property store, with nothing allocated on the way.

/** The high half of the last 64-bit result (see the file comment). */
export const out = { hi: 0 };

/** Unsigned 32 x 32 -> 64 multiply through 16-bit pieces, so no partial product exceeds 2^32. */
export function umul32(a: number, b: number): number {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  const p00 = a0 * b0;
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  out.hi = (a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16)) | 0;
  return ((mid << 16) | (p00 & 0xffff)) | 0;
}

/** Low 64 bits of a 64 x 64 multiply (the same for signed and unsigned operands). */
export function mul64(alo: number, ahi: number, blo: number, bhi: number): number {
  const lo = umul32(alo, blo);
  out.hi = (out.hi + Math.imul(alo, bhi) + Math.imul(ahi, blo)) | 0;
  return lo;
}

/** High 64 bits of the unsigned 128-bit product (UMULH). */
export function umulh64(alo: number, ahi: number, blo: number, bhi: number): number {
  // Schoolbook multiplication in 32-bit columns; each column sum stays below 2^53.
  umul32(alo, blo); // only the carry into column 1 matters
  const llh = out.hi >>> 0;
  const lhl = umul32(alo, bhi) >>> 0;
  const lhh = out.hi >>> 0;
  const hll = umul32(ahi, blo) >>> 0;
  const hlh = out.hi >>> 0;
  const hhl = umul32(ahi, bhi) >>> 0;
  const hhh = out.hi >>> 0;
  const col1 = llh + lhl + hll; // bits 32..63 of the product, plus carries
  const col2 = lhh + hlh + hhl + Math.floor(col1 / 0x100000000);
  const col3 = hhh + Math.floor(col2 / 0x100000000);
  out.hi = col3 | 0;
  return col2 | 0;
}

/** High 64 bits of the signed 128-bit product (SMULH): the unsigned one, corrected for negative operands. */
export function smulh64(alo: number, ahi: number, blo: number, bhi: number): number {
  let lo = umulh64(alo, ahi, blo, bhi);
  let hi = out.hi;
  if (ahi < 0) {
    lo = sub64(lo, hi, blo, bhi);
    hi = out.hi;
  }
  if (bhi < 0) {
    lo = sub64(lo, hi, alo, ahi);
    hi = out.hi;
  }
  out.hi = hi;
  return lo;
}

export function add64(alo: number, ahi: number, blo: number, bhi: number): number {
  const lo = (alo >>> 0) + (blo >>> 0);
  out.hi = (ahi + bhi + (lo > 0xffffffff ? 1 : 0)) | 0;
  return lo | 0;
}

export function sub64(alo: number, ahi: number, blo: number, bhi: number): number {
  const lo = (alo >>> 0) - (blo >>> 0);
  out.hi = (ahi - bhi - (lo < 0 ? 1 : 0)) | 0;
  return lo | 0;
}

/** Add a small signed offset (|offset| < 2^31) to a 64-bit value: addresses, PC-relative targets. */
export function addOffset(lo: number, hi: number, offset: number): number {
  const sum = (lo >>> 0) + offset;
  out.hi = sum > 0xffffffff ? (hi + 1) | 0 : sum < 0 ? (hi - 1) | 0 : hi;
  return sum | 0;
}

export function lsl64(lo: number, hi: number, n: number): number {
  if (n === 0) {
    out.hi = hi;
    return lo;
  }
  if (n < 32) {
    out.hi = (hi << n) | (lo >>> (32 - n));
    return lo << n;
  }
  out.hi = lo << (n - 32);
  return 0;
}

export function lsr64(lo: number, hi: number, n: number): number {
  if (n === 0) {
    out.hi = hi;
    return lo;
  }
  if (n < 32) {
    out.hi = hi >>> n;
    return (lo >>> n) | (hi << (32 - n));
  }
  out.hi = 0;
  return hi >>> (n - 32);
}

export function asr64(lo: number, hi: number, n: number): number {
  if (n === 0) {
    out.hi = hi;
    return lo;
  }
  if (n < 32) {
    out.hi = hi >> n;
    return (lo >>> n) | (hi << (32 - n));
  }
  out.hi = hi >> 31;
  return hi >> (n - 32);
}

export function ror64(lo: number, hi: number, n: number): number {
  if (n === 0) {
    out.hi = hi;
    return lo;
  }
  if (n === 32) {
    out.hi = lo;
    return hi;
  }
  if (n < 32) {
    out.hi = (hi >>> n) | (lo << (32 - n));
    return (lo >>> n) | (hi << (32 - n));
  }
  const m = n - 32;
  out.hi = (lo >>> m) | (hi << (32 - m));
  return (hi >>> m) | (lo << (32 - m));
}

export function ror32(x: number, n: number): number {
  return n === 0 ? x : (x >>> n) | (x << (32 - n));
}

/** A 64-bit pair as a BigInt: only for rare operations (64-bit divide) and for decoding. */
export function toBig(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

/** Low half of a BigInt (mod 2^64); the high half goes to `out.hi`. */
export function fromBig(v: bigint): number {
  const m = BigInt.asUintN(64, v);
  out.hi = Number(m >> 32n) | 0;
  return Number(m & 0xffffffffn) | 0;
}

/** "0x..." for a 64-bit pair, lowercase, no leading zeros: the form reports and JSON use. */
export function hex64(lo: number, hi: number): string {
  return '0x' + toBig(lo, hi).toString(16);
}

/** Parse "0x..." (or decimal) into a pair; throws a one-line Error on anything else. */
export function parse64(text: string): number {
  if (!/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(text)) throw new Error(`not a 64-bit number: ${JSON.stringify(text)}`);
  const v = BigInt(text);
  if (v >= 1n << 64n) throw new Error(`wider than 64 bits: ${text}`);
  return fromBig(v);
}

/** Bits [hi:lo] of a 32-bit word, as an unsigned number. */
export function field(word: number, hi: number, lo: number): number {
  return (word >>> lo) & (hi - lo === 31 ? 0xffffffff : (1 << (hi - lo + 1)) - 1);
}

/** Sign-extend the low `bits` bits of `x` to a JavaScript number. */
export function signExtend(x: number, bits: number): number {
  const shift = 32 - bits;
  return (x << shift) >> shift;
}
