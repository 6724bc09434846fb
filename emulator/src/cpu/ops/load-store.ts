// Loads and stores (Arm ARM C4.1.89, integer forms only): single registers with
// every addressing mode, pairs, literals, exclusives and acquire/release.
// SIMD&FP forms (V = 1) are UNDEFINED: Bramble's guests are soft-float.
//
// A single-register access is built from two parts chosen at decode time: how
// the address is formed (unsigned offset, pre- or post-index, register offset,
// unscaled; one decoder row each) and what is transferred (size, sign extension,
// load or store).

import { signExtend } from '../../bits';
import { type Cpu, EC, EXCEPTION_TAKEN, type Op, SP } from '../cpu';
import { AccessKind } from '../mmu';
import { Reg } from '../sysregs';
import { dstZr, type Fields, Index, plusHi, plusLo, regSp, shiftedHi, shiftedLo, Shift } from './common';

/** Transfer between register Rt and memory at (lo, hi). */
type Transfer = (cpu: Cpu, lo: number, hi: number) => void;

/**
 * What a load or store moves, from its size and opc fields.
 * Returns undefined for unallocated combinations and null for PRFM (a hint: no access).
 */
function transferFor(size: number, opc: number, t: number): Transfer | undefined | null {
  const dst = dstZr(t);
  if (opc === 0) {
    // Stores: register 31 is XZR, which slot 31 always holds as zero.
    switch (size) {
      case 0:
        return (cpu, lo, hi) => cpu.st8(lo, hi, cpu.lo(t));
      case 1:
        return (cpu, lo, hi) => cpu.st16(lo, hi, cpu.lo(t));
      case 2:
        return (cpu, lo, hi) => cpu.st32(lo, hi, cpu.lo(t));
      default:
        return (cpu, lo, hi) => cpu.st64(lo, hi, cpu.lo(t), cpu.hi(t));
    }
  }
  if (opc === 1) {
    switch (size) {
      case 0:
        return (cpu, lo, hi) => cpu.set32(dst, cpu.ld8(lo, hi));
      case 1:
        return (cpu, lo, hi) => cpu.set32(dst, cpu.ld16(lo, hi));
      case 2:
        return (cpu, lo, hi) => cpu.set32(dst, cpu.ld32(lo, hi));
      default:
        return (cpu, lo, hi) => cpu.load64(dst, lo, hi);
    }
  }
  // opc 2: sign-extend to 64 bits; opc 3: sign-extend to 32 bits.
  const to64 = opc === 2;
  switch (size) {
    case 0:
      return (cpu, lo, hi) => setSigned(cpu, dst, (cpu.ld8(lo, hi) << 24) >> 24, to64);
    case 1:
      return (cpu, lo, hi) => setSigned(cpu, dst, (cpu.ld16(lo, hi) << 16) >> 16, to64);
    case 2:
      return to64 ? (cpu, lo, hi) => setSigned(cpu, dst, cpu.ld32(lo, hi), true) : undefined;
    default:
      return to64 ? null : undefined; // PRFM, or unallocated
  }
}

function setSigned(cpu: Cpu, d: number, v: number, to64: boolean): void {
  if (to64) cpu.set64(d, v, v >> 31);
  else cpu.set32(d, v);
}

const prefetch: Op = () => {};

/** LDR/STR (immediate, unsigned offset): the offset is imm12 scaled by the access size. */
export function decodeUnsignedOffset({ size, V, opc, imm12, Rn, Rt }: Fields<'size' | 'V' | 'opc' | 'imm12' | 'Rn' | 'Rt'>): Op | undefined {
  if (V === 1) return undefined;
  const offset = imm12 << size;
  const n = regSp(Rn);
  const transfer = transferFor(size, opc, Rt);
  if (transfer === null) return prefetch;
  if (transfer === undefined) return undefined;
  return checkingSp(Rn, (cpu) => transfer(cpu, plusLo(cpu.lo(n), offset), plusHi(cpu.lo(n), cpu.hi(n), offset)));
}

/** LDUR/STUR (unscaled, Index.Offset), post-index and pre-index forms, all with imm9. */
export function decodeImm9({ size, V, opc, imm9, Rn, Rt }: Fields<'size' | 'V' | 'opc' | 'imm9' | 'Rn' | 'Rt'>, index: Index): Op | undefined {
  if (V === 1) return undefined;
  const imm = signExtend(imm9, 9);
  const n = regSp(Rn);
  const transfer = transferFor(size, opc, Rt);
  if (transfer === null) return index === Index.Offset ? prefetch : undefined; // PRFUM; no writeback prefetch forms
  if (transfer === undefined) return undefined;
  switch (index) {
    case Index.Offset:
      return checkingSp(Rn, (cpu) => transfer(cpu, plusLo(cpu.lo(n), imm), plusHi(cpu.lo(n), cpu.hi(n), imm)));
    case Index.Post:
      return checkingSp(Rn, (cpu) => {
        const baseLo = cpu.lo(n);
        const baseHi = cpu.hi(n);
        transfer(cpu, baseLo, baseHi);
        cpu.set64(n, plusLo(baseLo, imm), plusHi(baseLo, baseHi, imm));
      });
    default:
      return checkingSp(Rn, (cpu) => {
        const lo = plusLo(cpu.lo(n), imm);
        const hi = plusHi(cpu.lo(n), cpu.hi(n), imm);
        transfer(cpu, lo, hi);
        cpu.set64(n, lo, hi);
      });
  }
}

/** LDTR/STTR and their sign-extending forms: at EL1 they check EL0's permissions (Arm ARM C3.2.4); elsewhere they are plain accesses. */
export function decodeUnprivileged({ size, V, opc, imm9, Rn, Rt }: Fields<'size' | 'V' | 'opc' | 'imm9' | 'Rn' | 'Rt'>): Op | undefined {
  if (V === 1) return undefined;
  const imm = signExtend(imm9, 9);
  const n = regSp(Rn);
  const transfer = transferFor(size, opc, Rt);
  if (transfer === null || transfer === undefined) return undefined;
  return checkingSp(Rn, (cpu) => {
    const lo = plusLo(cpu.lo(n), imm);
    const hi = plusHi(cpu.lo(n), cpu.hi(n), imm);
    cpu.el0Access = cpu.el === 1;
    try {
      transfer(cpu, lo, hi);
    } finally {
      cpu.el0Access = false;
    }
  });
}

/** LDR/STR (register offset): Xn|SP + (Rm extended by option, shifted by the size when S = 1). */
export function decodeRegisterOffset({ size, V, opc, Rm, option, S, Rn, Rt }: Fields<'size' | 'V' | 'opc' | 'Rm' | 'option' | 'S' | 'Rn' | 'Rt'>): Op | undefined {
  if (V === 1) return undefined;
  if ((option & 2) === 0) return undefined; // only UXTW, LSL(UXTX), SXTW, SXTX are allocated
  const shift = S === 1 ? size : 0;
  const n = regSp(Rn);
  const m = Rm;
  const transfer = transferFor(size, opc, Rt);
  if (transfer === null) return prefetch;
  if (transfer === undefined) return undefined;
  return checkingSp(Rn, (cpu) => {
    const mLo = cpu.lo(m);
    // UXTW takes Wm as unsigned, SXTW as signed; UXTX (LSL) and SXTX all of Xm.
    const mHi = option === 2 ? 0 : option === 6 ? mLo >> 31 : cpu.hi(m);
    const oLo = shiftedLo(Shift.LSL, mLo, mHi, shift);
    const oHi = shiftedHi(Shift.LSL, mLo, mHi, shift);
    const l = (cpu.lo(n) >>> 0) + (oLo >>> 0);
    transfer(cpu, l | 0, (cpu.hi(n) + oHi + (l > 0xffffffff ? 1 : 0)) | 0);
  });
}

/** LDR (literal), LDRSW (literal), PRFM (literal): PC-relative by imm19 words. */
export function decodeLiteral({ opc, V, imm19, Rt }: Fields<'opc' | 'V' | 'imm19' | 'Rt'>): Op | undefined {
  if (V === 1) return undefined;
  const offset = signExtend(imm19, 19) * 4;
  const d = dstZr(Rt);
  switch (opc) {
    case 0:
      return (cpu) => cpu.set32(d, cpu.ld32(plusLo(cpu.pcLo, offset), plusHi(cpu.pcLo, cpu.pcHi, offset)));
    case 1:
      return (cpu) => cpu.load64(d, plusLo(cpu.pcLo, offset), plusHi(cpu.pcLo, cpu.pcHi, offset));
    case 2:
      return (cpu) => setSigned(cpu, d, cpu.ld32(plusLo(cpu.pcLo, offset), plusHi(cpu.pcLo, cpu.pcHi, offset)), true);
    default:
      return prefetch;
  }
}

/** LDP/STP/LDPSW/LDNP/STNP: two registers, imm7 scaled, with offset, pre- or post-index. */
export function decodePair({ opc, V, L, imm7, Rt2, Rn, Rt }: Fields<'opc' | 'V' | 'L' | 'imm7' | 'Rt2' | 'Rn' | 'Rt'>, index: Index): Op | undefined {
  if (V === 1) return undefined;
  const load = L === 1;
  if (opc === 3 || (opc === 1 && !load)) return undefined;
  const wide = opc === 2;
  const signed = opc === 1; // LDPSW
  const size = wide ? 8 : 4;
  const imm = signExtend(imm7, 7) * size;
  const t1 = Rt;
  const t2 = Rt2;
  const d1 = dstZr(t1);
  const d2 = dstZr(t2);
  const n = regSp(Rn);
  const preOffset = index === Index.Post ? 0 : imm;
  const writeback = index !== Index.Offset;
  return checkingSp(Rn, (cpu) => {
    const lo = plusLo(cpu.lo(n), preOffset);
    const hi = plusHi(cpu.lo(n), cpu.hi(n), preOffset);
    const lo2 = plusLo(lo, size);
    const hi2 = plusHi(lo, hi, size);
    if (load) {
      // Both loads complete before either register changes, so a fault leaves them intact.
      if (wide) cpu.loadPair64(d1, d2, lo, hi, lo2, hi2);
      else {
        const a = cpu.ld32(lo, hi);
        const b = cpu.ld32(lo2, hi2);
        setSigned(cpu, d1, a, signed);
        setSigned(cpu, d2, b, signed);
      }
    } else if (wide) {
      cpu.st64(lo, hi, cpu.lo(t1), cpu.hi(t1));
      cpu.st64(lo2, hi2, cpu.lo(t2), cpu.hi(t2));
    } else {
      cpu.st32(lo, hi, cpu.lo(t1));
      cpu.st32(lo2, hi2, cpu.lo(t2));
    }
    if (writeback) cpu.set64(n, plusLo(cpu.lo(n), imm), plusHi(cpu.lo(n), cpu.hi(n), imm));
  });
}

/**
 * Load/store exclusive and acquire/release (ARMv8.0 forms): LDXR, LDAXR, STXR,
 * STLXR, LDXP, LDAXP, STXP, STLXP, LDAR, STLR. All need natural alignment.
 * The exclusive monitor remembers the physical address of the last
 * load-exclusive; a store-exclusive succeeds (status 0) only if it still matches,
 * and any successful store-exclusive to that address by another core clears it.
 */
export function decodeExclusive({ size, o2, L, o1, Rs, o0, Rt2, Rn, Rt }: Fields<'size' | 'o2' | 'L' | 'o1' | 'Rs' | 'o0' | 'Rt2' | 'Rn' | 'Rt'>): Op | undefined {
  const load = L === 1;
  const n = regSp(Rn);
  const t = Rt;
  const t2 = Rt2;
  const bytes = 1 << size;
  if (o2 === 1) {
    // LDAR/STLR (o1 = 0, o0 = 1); the rest of this space is ARMv8.1 (LDLAR, CAS...).
    if (o1 !== 0 || o0 !== 1) return undefined;
    const transfer = transferFor(size, load ? 1 : 0, t);
    if (transfer === null || transfer === undefined) return undefined;
    const kind = load ? AccessKind.AlignedRead : AccessKind.AlignedWrite;
    return checkingSp(Rn, (cpu) => {
      const lo = cpu.lo(n);
      const hi = cpu.hi(n);
      cpu.exclusivePa(lo, hi, bytes, kind);
      transfer(cpu, lo, hi);
    });
  }
  const pair = o1 === 1;
  if (pair && size < 2) return undefined;
  const total = pair ? 2 * bytes : bytes;
  if (load) {
    const single = transferFor(size, 1, t);
    if (single === null || single === undefined) return undefined;
    return checkingSp(Rn, (cpu) => {
      const lo = cpu.lo(n);
      const hi = cpu.hi(n);
      const pa = cpu.exclusivePa(lo, hi, total, AccessKind.AlignedRead);
      if (pair) {
        const lo2 = plusLo(lo, bytes);
        const hi2 = plusHi(lo, hi, bytes);
        if (bytes === 8) cpu.loadPair64(dstZr(t), dstZr(t2), lo, hi, lo2, hi2);
        else {
          const a = cpu.ld32(lo, hi);
          const b = cpu.ld32(lo2, hi2);
          cpu.set32(dstZr(t), a);
          cpu.set32(dstZr(t2), b);
        }
      } else single(cpu, lo, hi);
      // As an int32 (physical addresses are below 2^31): the translation's sum is a double to
      // V8, and the first double stored into a field that has held only small integers changes
      // the Cpu's hidden class, which throws away the optimised code of every function that
      // touches a Cpu (twenty of them, mid-boot: node --trace-deopt, "wrong map").
      cpu.exclusiveAddr = pa | 0;
    });
  }
  const status = dstZr(Rs);
  return checkingSp(Rn, (cpu) => {
    const lo = cpu.lo(n);
    const hi = cpu.hi(n);
    const pa = cpu.exclusivePa(lo, hi, total, AccessKind.AlignedWrite);
    if (cpu.exclusiveAddr !== pa) {
      cpu.exclusiveAddr = -1;
      cpu.set32(status, 1);
      return;
    }
    if (pair) {
      const lo2 = plusLo(lo, bytes);
      const hi2 = plusHi(lo, hi, bytes);
      if (bytes === 8) {
        cpu.st64(lo, hi, cpu.lo(t), cpu.hi(t));
        cpu.st64(lo2, hi2, cpu.lo(t2), cpu.hi(t2));
      } else {
        cpu.st32(lo, hi, cpu.lo(t));
        cpu.st32(lo2, hi2, cpu.lo(t2));
      }
    } else if (bytes === 8) cpu.st64(lo, hi, cpu.lo(t), cpu.hi(t));
    else if (bytes === 4) cpu.st32(lo, hi, cpu.lo(t));
    else if (bytes === 2) cpu.st16(lo, hi, cpu.lo(t));
    else cpu.st8(lo, hi, cpu.lo(t));
    cpu.exclusiveAddr = -1;
    cpu.bus.exclusiveStore(pa, cpu);
    cpu.set32(status, 0);
  });
}

/**
 * SP alignment checking (Arm ARM D1.8.2): a load or store whose base register is
 * SP takes an SP alignment fault (EC 0x26) when SP is not a multiple of 16 and
 * SCTLR_ELx.SA (SA0 for EL0) is set, as it is at reset. QEMU 7.2 and unicorn do
 * not check this; we follow the architecture, which a real Cortex-A53 enforces.
 * `op` is the access with base register field `rn`.
 */
function checkingSp(rn: number, op: Op): Op {
  if (rn !== 31) return op;
  return (cpu) => {
    if ((cpu.lo(SP) & 15) !== 0 && spAlignmentChecked(cpu)) {
      cpu.syncException(EC.SP_ALIGNMENT, 0);
      return;
    }
    op(cpu);
  };
}

function spAlignmentChecked(cpu: Cpu): boolean {
  if (cpu.el === 2) return (cpu.sys.values[2 * Reg.SCTLR_EL2] & (1 << 3)) !== 0;
  return (cpu.sys.values[2 * Reg.SCTLR_EL1] & (cpu.el === 0 ? 1 << 4 : 1 << 3)) !== 0;
}

/** The same check for compiled blocks (emit.ts), which have tested SP's low bits: fault by throwing, as an access does. */
export function spAlignmentFault(cpu: Cpu): void {
  if (!spAlignmentChecked(cpu)) return;
  cpu.syncException(EC.SP_ALIGNMENT, 0);
  throw EXCEPTION_TAKEN;
}
