// Branches (Arm ARM C4.1.88, the branch part): immediate, conditional,
// compare-and-branch, test-and-branch, register branches and ERET.

import { signExtend } from '../../bits';
import type { Cpu, Op } from '../cpu';
import { Reg } from '../sysregs';
import { condition, type Fields, srcZr } from './common';

/** Branch to this instruction's address plus `offset` (|offset| < 2^31). */
function branchBy(cpu: Cpu, offset: number): void {
  const l = (cpu.pcLo >>> 0) + offset;
  cpu.branchTo(l | 0, (cpu.pcHi + (l > 0xffffffff ? 1 : l < 0 ? -1 : 0)) | 0);
}

/** X30 = the address of the next instruction: the return address of BL and BLR. */
function link(cpu: Cpu): void {
  const l = (cpu.pcLo >>> 0) + 4;
  cpu.set64(30, l | 0, (cpu.pcHi + (l > 0xffffffff ? 1 : 0)) | 0);
}

/** B, BL: PC-relative by imm26 words; BL writes the return address to X30. */
export function decodeBranchImm({ op, imm26 }: Fields<'op' | 'imm26'>): Op {
  const offset = signExtend(imm26, 26) * 4;
  if (op === 1) {
    return (cpu) => {
      link(cpu);
      branchBy(cpu, offset);
    };
  }
  return (cpu) => branchBy(cpu, offset);
}

/** B.cond (o1 = 0, o0 = 0; the rest of the class is unallocated in ARMv8.0). */
export function decodeBranchCond({ o1, imm19, o0, cond }: Fields<'o1' | 'imm19' | 'o0' | 'cond'>): Op | undefined {
  if (o1 !== 0 || o0 !== 0) return undefined;
  const offset = signExtend(imm19, 19) * 4;
  const holds = condition(cond);
  return (cpu) => {
    if (holds(cpu)) branchBy(cpu, offset);
  };
}

/** CBZ, CBNZ. */
export function decodeCompareBranch({ sf, op, imm19, Rt }: Fields<'sf' | 'op' | 'imm19' | 'Rt'>): Op {
  const nonZero = op === 1;
  const t = srcZr(Rt);
  const offset = signExtend(imm19, 19) * 4;
  return (cpu) => {
    const zero = sf === 1 ? (cpu.lo(t) | cpu.hi(t)) === 0 : cpu.lo(t) === 0;
    if (zero !== nonZero) branchBy(cpu, offset);
  };
}

/** TBZ, TBNZ: branch on bit b5:b40. */
export function decodeTestBranch({ b5, op, b40, imm14, Rt }: Fields<'b5' | 'op' | 'b40' | 'imm14' | 'Rt'>): Op {
  const nonZero = op === 1;
  const t = srcZr(Rt);
  const mask = 1 << (b40 & 31);
  const offset = signExtend(imm14, 14) * 4;
  return (cpu) => {
    const half = b5 === 1 ? cpu.hi(t) : cpu.lo(t);
    if (((half & mask) !== 0) === nonZero) branchBy(cpu, offset);
  };
}

/** BR, BLR, RET, ERET (the pointer-authentication forms are not in ARMv8.0). */
export function decodeBranchReg({ opc, op2, op3, Rn, op4 }: Fields<'opc' | 'op2' | 'op3' | 'Rn' | 'op4'>): Op | undefined {
  if (op2 !== 31 || op3 !== 0 || op4 !== 0) return undefined;
  const n = srcZr(Rn);
  switch (opc) {
    case 0: // BR
    case 2: // RET (a hint to the branch predictor that this returns)
      return (cpu) => cpu.branchTo(cpu.lo(n), cpu.hi(n));
    case 1: // BLR: read the target before writing X30, in case Rn is X30
      return (cpu) => {
        const lo = cpu.lo(n);
        const hi = cpu.hi(n);
        link(cpu);
        cpu.branchTo(lo, hi);
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
function exceptionReturn(cpu: Cpu): void {
  if (cpu.el === 0) {
    cpu.undefinedInstruction();
    return;
  }
  const spsr = cpu.sys.spsr(cpu.el);
  const elr = cpu.el === 2 ? Reg.ELR_EL2 : Reg.ELR_EL1;
  const lo = cpu.sys.low32(elr);
  const hi = cpu.sys.high32(elr);
  const targetEl = (spsr >>> 2) & 3;
  const aarch32 = (spsr & 0x10) !== 0;
  // M[3:0] = 0b0001 would be EL0 with SP_EL0's alternative, SP_ELx, which does not exist.
  const el0WithSpx = targetEl === 0 && (spsr & 1) !== 0;
  const illegal = aarch32 || targetEl > cpu.el || (spsr & 2) !== 0 || el0WithSpx || (targetEl === 1 && !cpu.sys.el1IsAArch64());
  cpu.nzcv = spsr >>> 28;
  cpu.daif = (spsr >>> 6) & 0xf;
  cpu.exclusiveAddr = -1;
  if (illegal) {
    cpu.il = 1;
  } else {
    cpu.il = (spsr >>> 20) & 1;
    cpu.setMode(targetEl, spsr & 1);
  }
  if (aarch32 && cpu.stop === null) {
    cpu.halt({ kind: 'error', message: `ERET to AArch32 (SPSR 0x${spsr.toString(16)}) at pc ${cpu.pcString()}: this emulator runs AArch64 only` });
  }
  cpu.branchTo(lo, hi);
  cpu.yieldAfter(); // the restored DAIF may unmask a pending interrupt
}

