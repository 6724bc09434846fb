// 64-bit arithmetic on pairs of 32-bit halves.
//
// JavaScript numbers hold integers exactly only up to 2^53, and BigInt is about
// seven times slower than plain numbers (measured: ../../shared/notes/machine.md).
// So the emulator keeps every 64-bit value as two int32 halves, `lo` and `hi`.
// The few helpers here that produce a 64-bit value return its low half and leave
// the high half in `out.hi`: one return value and one property store, with nothing
// allocated on the way. The instructions' own arithmetic (cpu/ops) does without
// that side channel: its helpers compute each half, or write the destination
// register themselves (cpu/ops/common.ts).

/** The high half of the last 64-bit result (see the file comment). */
export const out = { hi: 0 };

/** Add a small signed offset (|offset| < 2^31) to a 64-bit value: addresses, PC-relative targets. */
export function addOffset(lo: number, hi: number, offset: number): number {
  const sum = (lo >>> 0) + offset;
  out.hi = sum > 0xffffffff ? (hi + 1) | 0 : sum < 0 ? (hi - 1) | 0 : hi;
  return sum | 0;
}

/** A 64-bit pair as a BigInt: only for rare operations (64-bit divide) and for reports. */
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

/** Sign-extend the low `bits` bits of `x` to a JavaScript number. */
export function signExtend(x: number, bits: number): number {
  const shift = 32 - bits;
  return (x << shift) >> shift;
}
