// Branches (Arm ARM C4.1.88, the branch part): immediate, conditional,
// compare-and-branch, test-and-branch, register branches and ERET.

import { addOffset, field, out, signExtend } from '../../bits';
import type { Cpu, Op } from '../cpu';
import { condition, rn, srcZr } from './common';

/** B, BL: PC-relative by imm26 words; BL writes the return address to X30. */
export function decodeBranchImm(w: number): Op {
  const offset = signExtend(field(w, 25, 0), 26) * 4;
  if (w >>> 31 === 1) {
    return (c) => {
      const ret = addOffset(c.pcLo, c.pcHi, 4);
      c.set64(30, ret, out.hi);
      const lo = addOffset(c.pcLo, c.pcHi, offset);
      c.branchTo(lo, out.hi);
    };
  }
  return (c) => {
    const lo = addOffset(c.pcLo, c.pcHi, offset);
    c.branchTo(lo, out.hi);
  };
}

export function decodeBranchCond(w: number): Op | undefined {
  if (field(w, 4, 4) !== 0) return undefined;
  const offset = signExtend(field(w, 23, 5), 19) * 4;
  const holds = condition(w & 15);
  return (c) => {
    if (holds(c)) {
      const lo = addOffset(c.pcLo, c.pcHi, offset);
      c.branchTo(lo, out.hi);
    }
  };
}

/** CBZ, CBNZ. */
export function decodeCompareBranch(w: number): Op {
  const is64 = w >>> 31 === 1;
  const nonZero = field(w, 24, 24) === 1;
  const t = srcZr(w & 31);
  const offset = signExtend(field(w, 23, 5), 19) * 4;
  return (c) => {
    const zero = is64 ? (c.r[2 * t]! | c.r[2 * t + 1]!) === 0 : c.r[2 * t] === 0;
    if (zero !== nonZero) {
      const lo = addOffset(c.pcLo, c.pcHi, offset);
      c.branchTo(lo, out.hi);
    }
  };
}

/** TBZ, TBNZ: branch on one bit, b5:b40. */
export function decodeTestBranch(w: number): Op {
  const bit = (field(w, 31, 31) << 5) | field(w, 23, 19);
  const nonZero = field(w, 24, 24) === 1;
  const t = srcZr(w & 31);
  const slot = bit < 32 ? 2 * t : 2 * t + 1;
  const mask = 1 << (bit & 31);
  const offset = signExtend(field(w, 18, 5), 14) * 4;
  return (c) => {
    if (((c.r[slot]! & mask) !== 0) === nonZero) {
      const lo = addOffset(c.pcLo, c.pcHi, offset);
      c.branchTo(lo, out.hi);
    }
  };
}

/** BR, BLR, RET, ERET (the pointer-authentication forms are not in ARMv8.0). */
export function decodeBranchReg(w: number): Op | undefined {
  const opc = field(w, 24, 21);
  if (field(w, 20, 16) !== 31 || field(w, 15, 10) !== 0 || (w & 31) !== 0) return undefined;
  const n = srcZr(rn(w));
  switch (opc) {
    case 0: // BR
    case 2: // RET (a hint to the branch predictor that this returns)
      return (c) => c.branchTo(c.r[2 * n]!, c.r[2 * n + 1]!);
    case 1: // BLR: read the target before writing X30, in case Rn is X30
      return (c) => {
        const lo = c.r[2 * n]!;
        const hi = c.r[2 * n + 1]!;
        const ret = addOffset(c.pcLo, c.pcHi, 4);
        c.set64(30, ret, out.hi);
        c.branchTo(lo, hi);
      };
    case 4:
      return n === 31 ? exceptionReturn : undefined;
    default:
      return undefined;
  }
}

/**
 * ERET (Arm ARM D1.11): restore PSTATE from SPSR_ELx and jump to ELR_ELx. A
 * return to a higher EL, to a reserved mode (M[1] set, or EL0 with M[0] set), to
 * EL1 when HCR_EL2.RW says AArch32, or to AArch32 is an illegal exception return:
 * PSTATE.IL is set and the next instruction takes an Illegal State fault.
 */
function exceptionReturn(c: Cpu): void {
  if (c.el === 0) {
    c.undefinedInstruction();
    return;
  }
  const spsr = c.sys.spsr(c.el);
  const lo = c.sys.elr(c.el);
  const hi = out.hi;
  const targetEl = (spsr >>> 2) & 3;
  const aarch32 = (spsr & 0x10) !== 0;
  // M[3:0] = 0b0001 would be EL0 with SP_EL0's alternative, SP_ELx, which does not exist.
  const el0WithSpx = targetEl === 0 && (spsr & 1) !== 0;
  const illegal = aarch32 || targetEl > c.el || (spsr & 2) !== 0 || el0WithSpx || (targetEl === 1 && !c.sys.el1IsAArch64());
  c.nzcv = spsr >>> 28;
  c.daif = (spsr >>> 6) & 0xf;
  c.exclusiveAddr = -1;
  if (illegal) {
    c.il = 1;
  } else {
    c.il = (spsr >>> 20) & 1;
    c.setMode(targetEl, spsr & 1);
  }
  if (aarch32 && c.stop === null) {
    c.halt({ kind: 'error', message: `ERET to AArch32 (SPSR 0x${spsr.toString(16)}) at pc ${c.pcString()}: this emulator runs AArch64 only` });
  }
  c.branchTo(lo, hi);
  c.yieldAfter(); // the restored DAIF may unmask a pending interrupt
}

