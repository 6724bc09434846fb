// JavaScript source for one instruction, for the block compiler (compiler.ts).
//
// Each emitter takes an instruction's fields, by the names of its row in decoder.ts (as the
// row's decoder does), and returns the statements that do what the instruction's closure in
// ops/*.ts does, with every field turned into a constant, or
// `undefined` when it leaves that word to the closure (the compiled block then calls the
// closure itself). The two must agree bit for bit: test/compiler.test.ts runs random
// programs through both and compares every register and flag.
//
// The statements run inside the block's function, where these names are in scope:
//   cpu      the Cpu;  r  its register halves (cpu.r)
//   base     the virtual address of the page (bits 31:0, 4 KiB aligned); pageHi its bits 63:32
//   frTagLo, frTagHi, frBytes, frHalves, frWords (and fw...)   the arrays of the core's FastTlbs at its EL (mmu.ts)
// Register slots are the Cpu's (cpu.ts): 31 reads as zero, 32 is the write-only sink, 33 is SP.
// Each emitter wraps its statements in braces and declares its temporaries with `const`; the
// block compiler makes them variables of the whole function (compiler.ts, hoisted), so an
// emitter assigns each before reading it and never declares one name in two nested braces.

import { signExtend } from '../bits';
import { ZR, ZR_SINK } from './cpu';
import { decodeBitMasks, dstZr, type Fields, Index, pairOf, regSp, Shift, srcZr } from './ops/common';

/** What kind of instruction the block compiler is looking at. */
export const Emitted = {
  /** Straight-line code: the block continues after it. */
  Plain: 0,
  /** Ends the block: it may set the PC (a branch), and the block returns after it. */
  Branch: 1,
  /** Touches memory: may fault, reach a device, or store into code (compiler.ts guards it). */
  Memory: 2,
} as const;
export type Emitted = (typeof Emitted)[keyof typeof Emitted];

export interface Emission {
  readonly kind: Emitted;
  readonly source: string;
  /**
   * An instruction that sets NZCV: the flags, as conditions over its temporaries. Its source
   * has the FLAGS marker where they are known; the block compiler writes them there only where
   * something may read them (compiler.ts, the flags' liveness), and a B.cond straight after it
   * tests its condition there, on the temporaries (`holds`), instead of on the flags.
   */
  readonly flags?: FlagValues;
  /** B.cond: the condition code; its source has the CONDITION marker where the test goes. */
  readonly cond?: number;
}

/** N, Z, C and V of a result, each a boolean expression over the emitter's temporaries ('false' for a flag cleared). */
export interface FlagValues {
  readonly n: string;
  readonly z: string;
  readonly c: string;
  readonly v: string;
}

/** Where a flag-setting instruction's flags are known (see Emission.flags). */
export const FLAGS = '/*flags*/';
/** Where a B.cond's test goes (see Emission.cond). */
export const CONDITION = '/*condition*/';

const plain = (source: string): Emission => ({ kind: Emitted.Plain, source });

/** A flag-setting instruction (its source has FLAGS), or a plain one when it sets none. */
const setting = (source: string, flags: FlagValues | undefined): Emission => ({ kind: Emitted.Plain, source, flags });

/** The statements writing NZCV from their values. */
export function flagWrites({ n, z, c, v }: FlagValues): string {
  const bit = (f: string): string => (f === 'false' ? '0' : `${f} ? 1 : 0`);
  return `cpu.n = ${bit(n)}; cpu.z = ${bit(z)}; cpu.c = ${bit(c)}; cpu.v = ${bit(v)};`;
}

/** ConditionHolds (Arm ARM J1.2.4) on flags given as values: one expression, with no flag read. */
export function holds(code: number, { n, z, c, v }: FlagValues): string {
  const tests = [z, c, n, v, `(${c} && !(${z}))`, `(${n}) === (${v})`, `(!(${z}) && (${n}) === (${v}))`, 'true'];
  const test = tests[(code >> 1) & 7];
  return (code & 1) === 1 && code !== 15 ? `!(${test})` : test;
}

/** The low and high halves of a source slot, as expressions (XZR is the constant 0). */
const lo = (s: number): string => (s === ZR ? '0' : `r[${2 * s}]`);
const hi = (s: number): string => (s === ZR ? '0' : `r[${2 * s + 1}]`);

/** Statements writing a 64-bit result (its halves already in temporaries or constants). */
function set64(d: number, l: string, h: string): string {
  return d === ZR_SINK ? '' : `r[${2 * d}] = ${l}; r[${2 * d + 1}] = ${h};`;
}

/** A W-register write clears bits 63:32. */
function set32(d: number, v: string): string {
  return d === ZR_SINK ? '' : `r[${2 * d}] = ${v}; r[${2 * d + 1}] = 0;`;
}

/**
 * Statements declaring `l` and `h` as the 64-bit value (lo, hi) plus a constant `offset`
 * (|offset| < 2^31), as an address is formed: an offset of 0 adds nothing.
 *
 * Sums here stay in 32 bits: `(x + y) | 0` is one machine addition to V8, and the carry into
 * the high half is computed from the sign bits (carryBit), with no branch: a sum of two
 * unsigned halves that may pass 2^32 would be a double, converted and compared, and a
 * conditional is a branch, of which a block with dozens of addresses would have dozens
 * (V8's optimising compiler takes longer over each, and the block runs slowly until it is done).
 * With the constant's sign bit known, the carry is x's sign bit where the sum's is clear
 * (offset > 0), and the borrow the sum's sign bit where x's is clear (offset < 0).
 */
function plus(l: string, h: string, lo: string, hi: string, offset: number): string {
  if (offset === 0) return `const ${l} = ${lo}; const ${h} = ${hi};`;
  if (offset > 0) return `const ${l} = (${lo} + ${offset}) | 0; const ${h} = (${hi} + ((${lo} & ~${l}) >>> 31)) | 0;`;
  return `const ${l} = (${lo} - ${-offset}) | 0; const ${h} = (${hi} - ((~${lo} & ${l}) >>> 31)) | 0;`;
}

/** ConditionHolds (Arm ARM J1.2.4) as an expression over the Cpu's flag fields. */
export function conditionSource(code: number): string {
  const forms = [
    'cpu.z === 1',
    'cpu.z === 0',
    'cpu.c === 1',
    'cpu.c === 0',
    'cpu.n === 1',
    'cpu.n === 0',
    'cpu.v === 1',
    'cpu.v === 0',
    '(cpu.c === 1 && cpu.z === 0)',
    '!(cpu.c === 1 && cpu.z === 0)',
    'cpu.n === cpu.v',
    'cpu.n !== cpu.v',
    '(cpu.z === 0 && cpu.n === cpu.v)',
    '!(cpu.z === 0 && cpu.n === cpu.v)',
    'true',
    'true',
  ];
  return forms[code & 15] ?? 'true';
}

/**
 * The carry out of the 32-bit sum `sum` = a + b + carry-in, whatever the carry-in, as a sign
 * bit: a full adder's carry out of bit 31 is the majority of a's bit, b's bit and the carry
 * into bit 31, which is a ^ b ^ sum there. So the carry is set iff this expression is negative.
 */
function carrySign(a: string, b: string, sum: string): string {
  return `((${a} & ${b}) | ((${a} | ${b}) & ~${sum}))`;
}

/** The carry out of `sum` = a + b + carry-in as 0 or 1. */
function carryBit(a: string, b: string, sum: string): string {
  return `(${carrySign(a, b, sum)} >>> 31)`;
}

/** The carry out of `sum` = a + b + carry-in as a boolean. */
function carryOut(a: string, b: string, sum: string): string {
  return `${carrySign(a, b, sum)} < 0`;
}

/**
 * AddWithCarry (Arm ARM J1.1.3) of the 64-bit values a (temporaries al, ah) and a constant or
 * temporary b, as statements leaving the result in `lo`, `hi` (and the FLAGS marker after them
 * when it sets flags, which flags64 gives), in 32-bit additions (see plus), the carry between
 * the halves computed from the low halves' sign bits (carryBit).
 */
function addWithCarry64(bl: string, bh: string, carry: number, setFlags: boolean): string {
  const s = `const lo = (al + (${bl}) + ${carry}) | 0; const hi = (ah + (${bh}) + ${carryBit('al', `(${bl})`, 'lo')}) | 0;`;
  return setFlags ? `${s} ${FLAGS}` : s;
}

/** The flags addWithCarry64 sets. */
const flags64 = (bh: string): FlagValues => ({ n: 'hi < 0', z: '(lo | hi) === 0', c: carryOut('ah', `(${bh})`, 'hi'), v: `((ah ^ hi) & ((${bh}) ^ hi)) < 0` });

/** The same for 32 bits: the result in `v`. */
function addWithCarry32(b: string, carry: number, setFlags: boolean): string {
  const s = `const v = (al + (${b}) + ${carry}) | 0;`;
  return setFlags ? `${s} ${FLAGS}` : s;
}

const flags32 = (b: string): FlagValues => ({ n: 'v < 0', z: 'v === 0', c: carryOut('al', `(${b})`, 'v'), v: `((al ^ v) & ((${b}) ^ v)) < 0` });

/** The flags of ANDS and BICS: N and Z from the result, C and V cleared. */
const LOGICAL_FLAGS_64: FlagValues = { n: 'hi < 0', z: '(lo | hi) === 0', c: 'false', v: 'false' };
const LOGICAL_FLAGS_32: FlagValues = { n: 'v < 0', z: 'v === 0', c: 'false', v: 'false' };

/** A 64-bit register shifted by a constant (LSL, LSR, ASR, ROR), from temporaries ml, mh (or others): [low, high] expressions. */
function shift64(type: number, k: number, ml = 'ml', mh = 'mh'): [string, string] {
  if (k === 0) return [ml, mh];
  const j = 32 - k;
  switch (type) {
    case 0:
      if (k < 32) return [`(${ml} << ${k})`, `((${mh} << ${k}) | (${ml} >>> ${j}))`];
      return ['0', k === 32 ? ml : `(${ml} << ${k - 32})`];
    case 1:
      if (k < 32) return [`((${ml} >>> ${k}) | (${mh} << ${j}))`, `(${mh} >>> ${k})`];
      return [k === 32 ? mh : `(${mh} >>> ${k - 32})`, '0'];
    case 2:
      if (k < 32) return [`((${ml} >>> ${k}) | (${mh} << ${j}))`, `(${mh} >> ${k})`];
      return [`(${mh} >> ${k - 32})`, `(${mh} >> 31)`];
    default: {
      if (k < 32) return [`((${ml} >>> ${k}) | (${mh} << ${j}))`, `((${mh} >>> ${k}) | (${ml} << ${j}))`];
      if (k === 32) return [mh, ml];
      const m = k - 32;
      return [`((${mh} >>> ${m}) | (${ml} << ${32 - m}))`, `((${ml} >>> ${m}) | (${mh} << ${32 - m}))`];
    }
  }
}

/** A 32-bit register (temporary ml) shifted by a constant. */
function shift32(type: number, k: number): string {
  if (k === 0) return 'ml';
  switch (type) {
    case 0:
      return `(ml << ${k})`;
    case 1:
      return `(ml >>> ${k})`;
    case 2:
      return `(ml >> ${k})`;
    default:
      return `((ml >>> ${k}) | (ml << ${32 - k}))`;
  }
}

// ---------------------------------------------------------------- data processing, immediate

export function addSubImm({ sf, op, S, sh, imm12, Rn, Rd }: Fields<'sf' | 'op' | 'S' | 'sh' | 'imm12' | 'Rn' | 'Rd'>): Emission {
  const is64 = sf === 1;
  const sub = op === 1;
  const setFlags = S === 1;
  const imm = imm12 << (sh * 12);
  const n = regSp(Rn);
  const d = setFlags ? dstZr(Rd) : regSp(Rd);
  const bl = sub ? ~imm : imm;
  const bh = sub ? -1 : 0;
  const carry = sub ? 1 : 0;
  if (is64) {
    return setting(
      `{ const al = ${lo(n)}; const ah = ${hi(n)}; ${addWithCarry64(String(bl), String(bh), carry, setFlags)} ${set64(d, 'lo', 'hi')} }`,
      setFlags ? flags64(String(bh)) : undefined,
    );
  }
  return setting(`{ const al = ${lo(n)}; ${addWithCarry32(String(bl), carry, setFlags)} ${set32(d, 'v')} }`, setFlags ? flags32(String(bl)) : undefined);
}

export function logicalImm({ sf, opc, N, immr, imms, Rn, Rd }: Fields<'sf' | 'opc' | 'N' | 'immr' | 'imms' | 'Rn' | 'Rd'>): Emission | undefined {
  const is64 = sf === 1;
  if (!is64 && N === 1) return undefined;
  const masks = decodeBitMasks(N, imms, immr, true, is64 ? 64 : 32);
  if (masks === undefined) return undefined;
  const [mLo, mHi] = pairOf(masks[0]);
  const n = srcZr(Rn);
  const d = opc === 3 ? dstZr(Rd) : regSp(Rd);
  const op = ['&', '|', '^', '&'][opc];
  const flags = opc === 3;
  const f = flags ? ` ${FLAGS}` : '';
  if (is64) {
    return setting(`{ const lo = ${lo(n)} ${op} ${mLo}; const hi = ${hi(n)} ${op} ${mHi};${f} ${set64(d, 'lo', 'hi')} }`, flags ? LOGICAL_FLAGS_64 : undefined);
  }
  return setting(`{ const v = ${lo(n)} ${op} ${mLo};${f} ${set32(d, 'v')} }`, flags ? LOGICAL_FLAGS_32 : undefined);
}

export function moveWide({ sf, opc, hw, imm16, Rd }: Fields<'sf' | 'opc' | 'hw' | 'imm16' | 'Rd'>): Emission | undefined {
  const is64 = sf === 1;
  if (opc === 1 || (!is64 && hw >= 2)) return undefined;
  const imm = imm16;
  const d = dstZr(Rd);
  const shift = hw * 16;
  const l = shift < 32 ? imm << shift : 0;
  const h = shift >= 32 ? imm << (shift - 32) : 0;
  if (opc === 0) return plain(is64 ? set64(d, String(~l), String(~h)) : set32(d, String(~l)));
  if (opc === 2) return plain(is64 ? set64(d, String(l), String(h)) : set32(d, String(l)));
  if (d === ZR_SINK) return plain('');
  const keepLo = shift < 32 ? ~(0xffff << shift) : -1;
  const keepHi = shift >= 32 ? ~(0xffff << (shift - 32)) : -1;
  const high = is64 ? `(r[${2 * d + 1}] & ${keepHi}) | ${h}` : '0';
  return plain(`r[${2 * d}] = (r[${2 * d}] & ${keepLo}) | ${l}; r[${2 * d + 1}] = ${high};`);
}

/** ADR, ADRP: the PC is `base | offset` in the block (a page never crosses a 4 GiB line). */
export function pcRel({ op, immlo, immhi, Rd }: Fields<'op' | 'immlo' | 'immhi' | 'Rd'>, offset: number): Emission {
  const d = dstZr(Rd);
  const pages = signExtend(immhi, 19) * 4 + immlo;
  if (op === 0) {
    const imm = pages;
    return plain(`{ ${plus('lo', 'hi', `(base | ${offset})`, 'pageHi', imm)} ${set64(d, 'lo', 'hi')} }`);
  }
  const offHi = Math.floor((pages * 4096) / 0x100000000);
  const offLo = (pages * 4096) | 0;
  return plain(`{ const l = (base >>> 0) + ${offLo >>> 0}; ${set64(d, 'l | 0', `(pageHi + ${offHi} + (l > 0xffffffff ? 1 : 0)) | 0`)} }`);
}

/** SBFM, BFM, UBFM with their masks as constants (the closure's formula, ops/data-immediate.ts). */
export function bitfield({ sf, opc, N, immr, imms, Rn, Rd }: Fields<'sf' | 'opc' | 'N' | 'immr' | 'imms' | 'Rn' | 'Rd'>): Emission | undefined {
  const is64 = sf === 1;
  if (opc === 3 || N !== sf) return undefined;
  if (!is64 && (immr >= 32 || imms >= 32)) return undefined;
  const masks = decodeBitMasks(N, imms, immr, false, is64 ? 64 : 32);
  if (masks === undefined) return undefined;
  const [wLo, wHi] = pairOf(masks[0]);
  const [tLo, tHi] = pairOf(masks[1]);
  const n = srcZr(Rn);
  const d = dstZr(Rd);
  if (d === ZR_SINK) return plain('');
  const signed = opc === 0;
  const keep = opc === 1;
  if (is64) {
    const [rl, rh] = shift64(Shift.ROR, immr);
    const bit = imms < 32 ? `((ml >>> ${imms}) & 1)` : `((mh >>> ${imms - 32}) & 1)`;
    const dl = keep ? `r[${2 * d}]` : '0';
    const dh = keep ? `r[${2 * d + 1}]` : '0';
    const top = signed ? `const tl = -${bit}; const th = tl;` : `const tl = dl; const th = dh;`;
    return plain(
      `{ const ml = ${lo(n)}; const mh = ${hi(n)}; const dl = ${dl}; const dh = ${dh}; ` +
        `const bl = (dl & ${~wLo}) | (${rl} & ${wLo}); const bh = (dh & ${~wHi}) | (${rh} & ${wHi}); ${top} ` +
        `r[${2 * d}] = (tl & ${~tLo}) | (bl & ${tLo}); r[${2 * d + 1}] = (th & ${~tHi}) | (bh & ${tHi}); }`,
    );
  }
  const rot = immr === 0 ? 'ml' : `((ml >>> ${immr}) | (ml << ${32 - immr}))`;
  const dst = keep ? `r[${2 * d}]` : '0';
  const top = signed ? `-((ml >>> ${imms}) & 1)` : 'dv';
  return plain(`{ const ml = ${lo(n)}; const dv = ${dst}; const b = (dv & ${~wLo}) | (${rot} & ${wLo}); ${set32(d, `(${top} & ${~tLo}) | (b & ${tLo})`)} }`);
}

/** EXTR (ROR when Rn = Rm): bits from the concatenation Rn:Rm, from bit lsb of Rm. */
export function extract({ sf, op21, N, o0, Rm, imms, Rn, Rd }: Fields<'sf' | 'op21' | 'N' | 'o0' | 'Rm' | 'imms' | 'Rn' | 'Rd'>): Emission | undefined {
  const is64 = sf === 1;
  const lsb = imms;
  if (op21 !== 0 || o0 !== 0 || N !== sf || (!is64 && lsb >= 32)) return undefined;
  const n = srcZr(Rn);
  const m = srcZr(Rm);
  const d = dstZr(Rd);
  if (is64) {
    if (lsb === 0) return plain(`{ const lo = ${lo(m)}; const hi = ${hi(m)}; ${set64(d, 'lo', 'hi')} }`);
    const [ll, lh] = shift64(Shift.LSR, lsb);
    const [hl, hh] = shift64(Shift.LSL, 64 - lsb, 'nl', 'nh');
    return plain(`{ const ml = ${lo(m)}; const mh = ${hi(m)}; const nl = ${lo(n)}; const nh = ${hi(n)}; const lo = ${ll} | ${hl}; const hi = ${lh} | ${hh}; ${set64(d, 'lo', 'hi')} }`);
  }
  const v = lsb === 0 ? 'ml' : `(ml >>> ${lsb}) | (nl << ${32 - lsb})`;
  return plain(`{ const ml = ${lo(m)}; const nl = ${lo(n)}; ${set32(d, v)} }`);
}

// ---------------------------------------------------------------- data processing, register

export function logicalShifted({ sf, opc, shift, N, Rm, imm6, Rn, Rd }: Fields<'sf' | 'opc' | 'shift' | 'N' | 'Rm' | 'imm6' | 'Rn' | 'Rd'>): Emission | undefined {
  const is64 = sf === 1;
  const type = shift;
  const invert = N === 1;
  const k = imm6;
  if (!is64 && k >= 32) return undefined;
  const n = srcZr(Rn);
  const m = srcZr(Rm);
  const d = dstZr(Rd);
  const op = ['&', '|', '^', '&'][opc];
  const flags = opc === 3;
  const not = invert ? '~' : '';
  const f = flags ? ` ${FLAGS}` : '';
  if (is64) {
    const [bl, bh] = shift64(type, k);
    return setting(
      `{ const ml = ${lo(m)}; const mh = ${hi(m)}; const lo = ${lo(n)} ${op} ${not}${bl}; const hi = ${hi(n)} ${op} ${not}${bh};${f} ${set64(d, 'lo', 'hi')} }`,
      flags ? LOGICAL_FLAGS_64 : undefined,
    );
  }
  return setting(`{ const ml = ${lo(m)}; const v = ${lo(n)} ${op} ${not}${shift32(type, k)};${f} ${set32(d, 'v')} }`, flags ? LOGICAL_FLAGS_32 : undefined);
}

export function addSubShifted({ sf, op, S, shift, Rm, imm6, Rn, Rd }: Fields<'sf' | 'op' | 'S' | 'shift' | 'Rm' | 'imm6' | 'Rn' | 'Rd'>): Emission | undefined {
  const is64 = sf === 1;
  const sub = op === 1;
  const setFlags = S === 1;
  const type = shift;
  const k = imm6;
  if (type === Shift.ROR || (!is64 && k >= 32)) return undefined;
  const n = srcZr(Rn);
  const m = srcZr(Rm);
  const d = dstZr(Rd);
  const not = sub ? '~' : '';
  const carry = sub ? 1 : 0;
  if (is64) {
    const [bl, bh] = shift64(type, k);
    return setting(
      `{ const ml = ${lo(m)}; const mh = ${hi(m)}; const al = ${lo(n)}; const ah = ${hi(n)}; const bl = ${not}${bl}; const bh = ${not}${bh}; ` +
        `${addWithCarry64('bl', 'bh', carry, setFlags)} ${set64(d, 'lo', 'hi')} }`,
      setFlags ? flags64('bh') : undefined,
    );
  }
  return setting(
    `{ const ml = ${lo(m)}; const al = ${lo(n)}; const b = ${not}${shift32(type, k)}; ${addWithCarry32('b', carry, setFlags)} ${set32(d, 'v')} }`,
    setFlags ? flags32('b') : undefined,
  );
}

export function condSelect({ sf, op, S, Rm, cond, op2, Rn, Rd }: Fields<'sf' | 'op' | 'S' | 'Rm' | 'cond' | 'op2' | 'Rn' | 'Rd'>): Emission | undefined {
  if (S !== 0 || op2 > 1) return undefined;
  const is64 = sf === 1;
  const kind = (op << 1) | op2; // 0 CSEL, 1 CSINC, 2 CSINV, 3 CSNEG
  const n = srcZr(Rn);
  const m = srcZr(Rm);
  const d = dstZr(Rd);
  const otherwise = [
    '',
    'lo = (lo + 1) | 0; if (lo === 0) hi = (hi + 1) | 0;',
    'lo = ~lo; hi = ~hi;',
    'lo = (~lo + 1) | 0; hi = (~hi + (lo === 0 ? 1 : 0)) | 0;',
  ][kind];
  const write = is64 ? set64(d, 'lo', 'hi') : set32(d, 'lo');
  return plain(
    `{ let lo; let hi; if (${conditionSource(cond)}) { lo = ${lo(n)}; hi = ${hi(n)}; } else { lo = ${lo(m)}; hi = ${hi(m)}; ${otherwise} } ${write} }`,
  );
}

// ---------------------------------------------------------------- loads and stores

// Loads and stores are written out with Cpu.ld32's (st32's, ...) own fast path: an aligned
// access to a page in the current EL's FastTlb (mmu.ts) reads or writes the RAM chunk
// directly. Stores to pages holding code never hit it (FastTlb keeps them out).
//
// Everything else (a TLB miss, a device, a fault, a store into code, SP misaligned) is the
// slow path, and it is the instruction's own closure: the emitted source tests every access
// the instruction makes before it changes anything, and where a test fails it has the SLOW
// marker, where the block compiler leaves the block to run the closure (compiler.ts). A slow
// path that came back into the block would be a call on the block's fast path, across which
// the engine can keep nothing in machine registers; one that leaves it costs that block's
// remaining instructions their compiled speed, once per TLB miss.

/** Where a load or store leaves its fast path: the block compiler runs the instruction's closure there instead. */
export const SLOW = '/*slow*/';

/** One access of an instruction: the FastTlb lookup (a statement), the miss test, and the access itself. */
interface Access {
  readonly lookup: string;
  /** An int32 expression, 0 on a hit. */
  readonly miss: string;
  readonly body: string;
}

/**
 * The FastTlb lookup for address (l, h) of `bytes` bytes. The miss test includes the alignment
 * the fast path needs, and is one expression, 0 on a hit, with no branch in it: the tests of
 * all an instruction's accesses are ORed together into one branch to the slow path. The
 * FastTlbs are the core's at its EL, which cannot change inside a block, since whatever
 * changes it (an exception, ERET) ends the block (compiler.ts, FAST_TLB_ARRAYS).
 */
function fastPath(tlb: 'fr' | 'fw', l: string, h: string, bytes: number): Pick<Access, 'lookup' | 'miss'> {
  const aligned = bytes === 1 ? '' : `(${l} & ${bytes - 1}) | `;
  return { lookup: `const i${l} = (${l} >>> 12) & 255;`, miss: `${aligned}(${tlb}TagLo[i${l}] ^ (${l} >>> 12)) | (${tlb}TagHi[i${l}] ^ ${h})` };
}

/** The FastTlb's views of its pages for accesses of 1, 2 and 4 bytes (log2 of the size), as Cpu.ld8, ld16, ld32 use them. */
const VIEWS = ['Bytes', 'Halves', 'Words'];

/** The hit entry's page, as the view for accesses of 2^size bytes, and the element index in it (the offset in the page, scaled). */
const view = (tlb: 'fr' | 'fw', l: string, size: number): string => `${tlb}${VIEWS[size]}[i${l}]`;
const element = (l: string, size: number): string => `(${l} & 0xfff) >>> ${size}`;

/** A load of 2^size bytes (size 0 to 2) at (l, h) into a new `v`: bytes and halfwords zero-extended, a word as an int32. */
function load(size: number, l: string, h: string, v: string): Access {
  return { ...fastPath('fr', l, h, 1 << size), body: `const ${v} = ${view('fr', l, size)}[${element(l, size)}];` };
}

/** A load of 64 bits at (l, h) into new `v` (low half) and `vh`. */
function load64(l: string, h: string, v: string, vh: string): Access {
  const words = `${v}Words`;
  const w = `${v}At`;
  return {
    ...fastPath('fr', l, h, 8),
    body: `const ${w} = ${element(l, 2)}; const ${words} = ${view('fr', l, 2)}; const ${v} = ${words}[${w}]; const ${vh} = ${words}[${w} + 1];`,
  };
}

/** A store of the low 2^size bytes (size 0 to 2) of `value` at (l, h). */
function store(size: number, l: string, h: string, value: string): Access {
  return { ...fastPath('fw', l, h, 1 << size), body: `${view('fw', l, size)}[${element(l, size)}] = ${value};` };
}

function store64(l: string, h: string, value: string, valueHi: string): Access {
  return {
    ...fastPath('fw', l, h, 8),
    body: `{ const w = ${element(l, 2)}; const words = ${view('fw', l, 2)}; words[w] = ${value}; words[w + 1] = ${valueHi}; }`,
  };
}

/**
 * Statements doing `accesses` on their fast paths, then `after` (the register writes), once
 * every access has passed its test: on the slow path the instruction has changed nothing yet
 * when its closure runs it from the start.
 */
function guarded(accesses: Access[], after: string): string {
  const lookups = accesses.map((a) => a.lookup).join(' ');
  const misses = accesses.map((a) => a.miss).join(' | ');
  return `${lookups} if ((${misses}) !== 0) ${SLOW} ${accesses.map((a) => a.body).join(' ')} ${after}`;
}

/** The access of a single-register instruction at address (al, ah) and its register write, or undefined/null as in ops/load-store.ts. */
function transfer(size: number, opc: number, t: number): [Access, string] | undefined | null {
  const d = dstZr(t);
  if (opc === 0) return [size === 3 ? store64('al', 'ah', lo(t), hi(t)) : store(size, 'al', 'ah', lo(t)), ''];
  if (opc === 1) {
    if (size === 3) return [load64('al', 'ah', 'x', 'xh'), set64(d, 'x', 'xh')];
    return [load(size, 'al', 'ah', 'x'), set32(d, 'x')];
  }
  // LDRSB, LDRSH, LDRSW: sign-extended to 64 bits (opc 2) or 32 (opc 3).
  const to64 = opc === 2;
  if (size === 3 || (size === 2 && !to64)) return size === 3 && to64 ? null : undefined;
  const value = size === 0 ? '((x << 24) >> 24)' : size === 1 ? '((x << 16) >> 16)' : 'x';
  const write = d === ZR_SINK ? '' : to64 ? `{ const v = ${value}; r[${2 * d}] = v; r[${2 * d + 1}] = v >> 31; }` : set32(d, value);
  return [load(size, 'al', 'ah', 'x'), write];
}

/**
 * The SP alignment check of ops/load-store.ts (checkingSp), which comes first: a base of SP
 * that is not 16-byte aligned leaves the fast path, and the closure faults or not, as
 * SCTLR_ELx.SA says.
 */
function spCheck(rnField: number): string {
  return rnField === 31 ? `if ((r[${2 * 33}] & 15) !== 0) ${SLOW} ` : '';
}

function memory(source: string): Emission {
  return { kind: Emitted.Memory, source };
}

export function unsignedOffset({ size, V, opc, imm12, Rn, Rt }: Fields<'size' | 'V' | 'opc' | 'imm12' | 'Rn' | 'Rt'>): Emission | undefined {
  if (V === 1) return undefined;
  const t = transfer(size, opc, Rt);
  if (t === null) return plain(''); // PRFM: a hint, never checked or faulting
  if (t === undefined) return undefined;
  const n = regSp(Rn);
  const offset = imm12 << size;
  return memory(`{ ${spCheck(Rn)}${plus('al', 'ah', lo(n), hi(n), offset)} ${guarded([t[0]], t[1])} }`);
}

/** LDUR/STUR, post-index and pre-index (the unprivileged forms stay with their closure). */
export function imm9({ size, V, opc, imm9, Rn, Rt }: Fields<'size' | 'V' | 'opc' | 'imm9' | 'Rn' | 'Rt'>, index: Index): Emission | undefined {
  if (V === 1) return undefined;
  const imm = signExtend(imm9, 9);
  const t = transfer(size, opc, Rt);
  if (t === null) return index === Index.Offset ? plain('') : undefined;
  if (t === undefined) return undefined;
  const n = regSp(Rn);
  const check = spCheck(Rn);
  if (index === Index.Offset) return memory(`{ ${check}${plus('al', 'ah', lo(n), hi(n), imm)} ${guarded([t[0]], t[1])} }`);
  if (index === Index.Post) {
    return memory(`{ ${check}const al = ${lo(n)}; const ah = ${hi(n)}; ${guarded([t[0]], t[1])} ${plus('wl', 'wh', 'al', 'ah', imm)} ${set64(n, 'wl', 'wh')} }`);
  }
  return memory(`{ ${check}${plus('al', 'ah', lo(n), hi(n), imm)} ${guarded([t[0]], t[1])} ${set64(n, 'al', 'ah')} }`);
}

/** LDR/STR (register offset): Xn|SP plus Rm, extended (UXTW, SXTW) or not, shifted by the size when S is set. */
export function registerOffset({ size, V, opc, Rm, option, S, Rn, Rt }: Fields<'size' | 'V' | 'opc' | 'Rm' | 'option' | 'S' | 'Rn' | 'Rt'>): Emission | undefined {
  if (V === 1) return undefined;
  if ((option & 2) === 0) return undefined;
  const t = transfer(size, opc, Rt);
  if (t === null) return plain(''); // PRFM
  if (t === undefined) return undefined;
  const n = regSp(Rn);
  const m = Rm;
  const high = option === 2 ? '0' : option === 6 ? '(ml >> 31)' : hi(m);
  const [ol, oh] = shift64(Shift.LSL, S === 1 ? size : 0);
  return memory(
    `{ ${spCheck(Rn)}const ml = ${lo(m)}; const mh = ${high}; const nl = ${lo(n)}; const ol = ${ol}; const al = (nl + ol) | 0; ` +
      `const ah = (${hi(n)} + ${oh} + ${carryBit('nl', 'ol', 'al')}) | 0; ${guarded([t[0]], t[1])} }`,
  );
}

/** LDP/STP of X or W registers (LDPSW stays with its closure). */
export function pair({ opc, V, L, imm7, Rt2, Rn, Rt }: Fields<'opc' | 'V' | 'L' | 'imm7' | 'Rt2' | 'Rn' | 'Rt'>, index: Index): Emission | undefined {
  if (V === 1) return undefined;
  if (opc !== 0 && opc !== 2) return undefined;
  const loads = L === 1;
  const wide = opc === 2;
  const size = wide ? 8 : 4;
  const imm = signExtend(imm7, 7) * size;
  const t1 = Rt;
  const t2 = Rt2;
  const n = regSp(Rn);
  const pre = index === Index.Post ? 0 : imm;
  let accesses: Access[];
  let writes = '';
  if (loads) {
    const d1 = dstZr(t1);
    const d2 = dstZr(t2);
    accesses = wide ? [load64('al', 'ah', 'a', 'ahh'), load64('bl', 'bh', 'b', 'bhh')] : [load(2, 'al', 'ah', 'a'), load(2, 'bl', 'bh', 'b')];
    writes = wide ? `${set64(d1, 'a', 'ahh')} ${set64(d2, 'b', 'bhh')}` : `${set32(d1, 'a')} ${set32(d2, 'b')}`;
  } else {
    accesses = wide ? [store64('al', 'ah', lo(t1), hi(t1)), store64('bl', 'bh', lo(t2), hi(t2))] : [store(2, 'al', 'ah', lo(t1)), store(2, 'bl', 'bh', lo(t2))];
  }
  const writeback = index !== Index.Offset ? ` ${plus('wl', 'wh', lo(n), hi(n), imm)} ${set64(n, 'wl', 'wh')}` : '';
  return memory(`{ ${spCheck(Rn)}${plus('al', 'ah', lo(n), hi(n), pre)} ${plus('bl', 'bh', 'al', 'ah', size)} ${guarded(accesses, writes)}${writeback} }`);
}

// ---------------------------------------------------------------- branches

function branch(source: string): Emission {
  return { kind: Emitted.Branch, source };
}

/**
 * Where the block compiler may chain a branch inside the page straight back into its own block:
 * it replaces this marker, followed by the target's byte offset, by the jump (compiler.ts).
 */
export const CHAIN = '/*chain*/';

/** Statements setting the PC to `offset` bytes from this instruction (at `at` in the page). */
function jump(at: number, offset: number): string {
  const target = at + offset;
  if (target >= 0 && target < 4096) return `${CHAIN}${target}; cpu.pcLo = base | ${target}; cpu.pcHi = pageHi; cpu.signal |= 1;`;
  return `{ ${plus('tl', 'th', `(base | ${at})`, 'pageHi', offset)} cpu.pcLo = tl; cpu.pcHi = th; cpu.signal |= 1; }`;
}

/** X30 = the address of the next instruction, which may be the next page's first. */
function link(at: number): string {
  return at + 4 < 4096 ? `r[60] = base | ${at + 4}; r[61] = pageHi;` : `{ ${plus('ll', 'lh', `(base | ${at})`, 'pageHi', 4)} r[60] = ll; r[61] = lh; }`;
}

export function branchImm({ op, imm26 }: Fields<'op' | 'imm26'>, at: number): Emission {
  const offset = signExtend(imm26, 26) * 4;
  if (op === 0) return branch(jump(at, offset));
  return branch(`${link(at)} ${jump(at, offset)}`);
}

export function branchCond({ o1, imm19, o0, cond }: Fields<'o1' | 'imm19' | 'o0' | 'cond'>, at: number): Emission | undefined {
  if (o1 !== 0 || o0 !== 0) return undefined;
  const offset = signExtend(imm19, 19) * 4;
  return { kind: Emitted.Branch, source: `if (${CONDITION}) { ${jump(at, offset)} }`, cond };
}

export function compareBranch({ sf, op, imm19, Rt }: Fields<'sf' | 'op' | 'imm19' | 'Rt'>, at: number): Emission {
  const t = srcZr(Rt);
  const offset = signExtend(imm19, 19) * 4;
  const value = sf === 1 ? `(${lo(t)} | ${hi(t)})` : lo(t);
  return branch(`if (${value} ${op === 1 ? '!==' : '==='} 0) { ${jump(at, offset)} }`);
}

export function testBranch({ b5, op, b40, imm14, Rt }: Fields<'b5' | 'op' | 'b40' | 'imm14' | 'Rt'>, at: number): Emission {
  const t = srcZr(Rt);
  const half = b5 === 1 ? hi(t) : lo(t);
  const offset = signExtend(imm14, 14) * 4;
  return branch(`if ((${half} & ${1 << b40}) ${op === 1 ? '!==' : '==='} 0) { ${jump(at, offset)} }`);
}

/** BR, RET and BLR; ERET and the rest stay with their closures. */
export function branchReg({ opc, op2, op3, Rn, op4 }: Fields<'opc' | 'op2' | 'op3' | 'Rn' | 'op4'>, at: number): Emission | undefined {
  if (op2 !== 31 || op3 !== 0 || op4 !== 0) return undefined;
  const n = srcZr(Rn);
  const to = `cpu.pcLo = tl; cpu.pcHi = th; cpu.signal |= 1;`;
  if (opc === 0 || opc === 2) return branch(`{ const tl = ${lo(n)}; const th = ${hi(n)}; ${to} }`);
  if (opc !== 1) return undefined;
  return branch(`{ const tl = ${lo(n)}; const th = ${hi(n)}; ${link(at)} ${to} }`);
}
