// Exception generation and system instructions (Arm ARM C4.1.88): SVC, HVC, BRK,
// HLT (semihosting), hints (NOP, WFI, WFE, SEV), barriers, MSR (immediate),
// SYS (cache, TLB and address-translation maintenance) and MRS/MSR (register).

import { type Cpu, EC, type Op, VectorKind } from '../cpu';
import { genericName, key as sysKey, lookup, readInto, Reg } from '../sysregs';
import { dstZr, type Fields, plusHi, plusLo } from './common';

/** The immediate QEMU and Arm's semihosting spec use with HLT for a semihosting call on A64. */
const SEMIHOSTING_HLT = 0xf000;

/** SVC, HVC, SMC, BRK, HLT. */
export function decodeExceptionGen({ opc, imm16, op2, LL }: Fields<'opc' | 'imm16' | 'op2' | 'LL'>): Op | undefined {
  if (op2 !== 0) return undefined;
  if (opc === 0 && LL === 1) {
    // SVC: to EL1 from EL0/EL1 (to EL2 when executed at EL2); ELR is the next instruction.
    return (cpu) => cpu.syncException(EC.SVC, imm16, true);
  }
  if (opc === 0 && LL === 2) {
    // HVC: UNDEFINED at EL0 and when HCR_EL2.HCD (bit 29) disables it; otherwise to EL2.
    return (cpu) => {
      if (cpu.el === 0 || (cpu.sys.low32(Reg.HCR_EL2) & (1 << 29)) !== 0) {
        cpu.undefinedInstruction();
        return;
      }
      const esr = ((EC.HVC << 26) | (1 << 25) | imm16) >>> 0;
      cpu.takeException(2, VectorKind.SYNC, esr, plusLo(cpu.pcLo, 4), plusHi(cpu.pcLo, cpu.pcHi, 4));
    };
  }
  if (opc === 0 && LL === 3) return (cpu) => cpu.undefinedInstruction(); // SMC: no EL3 on this machine
  if (opc === 1 && LL === 0) return (cpu) => cpu.syncException(EC.BRK, imm16); // ELR = the BRK itself
  if (opc === 2 && LL === 0) {
    if (imm16 !== SEMIHOSTING_HLT) return (cpu) => cpu.undefinedInstruction(); // halting debug is not enabled
    return (cpu) => {
      // Semihosting, as QEMU's -semihosting provides it: only from EL1 and above.
      if (cpu.el === 0) {
        cpu.undefinedInstruction();
        return;
      }
      const stop = cpu.bus.semihost(cpu);
      if (stop !== null) cpu.halt(stop);
    };
  }
  return undefined;
}

/** NOP, YIELD, WFE, WFI, SEV, SEVL: the hint number is CRm:op2. */
export function decodeHint({ CRm, op2 }: Fields<'CRm' | 'op2'>): Op {
  switch ((CRm << 3) | op2) {
    case 2: // WFE: sleep unless the event register is set (then just clear it)
      return (cpu) => {
        if (cpu.eventRegister !== 0) {
          cpu.eventRegister = 0;
          return;
        }
        if (wfxTrapped(cpu, true)) return;
        cpu.yieldAfter();
        cpu.sleeping = 'wfe';
      };
    case 3: // WFI: sleep until an interrupt is pending, masked or not
      return (cpu) => {
        if (cpu.irqLine || cpu.fiqLine) return cpu.yieldAfter();
        if (wfxTrapped(cpu, false)) return;
        cpu.yieldAfter();
        cpu.sleeping = 'wfi';
      };
    case 4: // SEV
      return (cpu) => {
        cpu.bus.sendEvent();
        cpu.yieldAfter();
      };
    case 5: // SEVL: this core only
      return (cpu) => {
        cpu.eventRegister = 1;
      };
    default:
      // NOP, YIELD and every unallocated hint behave as NOP (Arm ARM C6.2: "hint instructions").
      return () => {};
  }
}

/**
 * A WFI or WFE that would wait is trapped (EC 0x01) when EL0 runs it with SCTLR_EL1.nTWI/nTWE
 * clear (to EL1), or EL0/EL1 with HCR_EL2.TWI/TWE set (to EL2): Arm ARM
 * AArch64.CheckForWFxTrap. ISS: CV = 1 and COND = 0b1110 for A64, TI = 1 for WFE.
 */
function wfxTrapped(cpu: Cpu, wfe: boolean): boolean {
  const iss = (1 << 24) | (0xe << 20) | (wfe ? 1 : 0);
  if (cpu.el === 0 && (cpu.sys.low32(Reg.SCTLR_EL1) & (wfe ? 1 << 18 : 1 << 16)) === 0) {
    cpu.syncException(EC.WFX, iss, false, 1);
    return true;
  }
  if (cpu.el < 2 && (cpu.sys.low32(Reg.HCR_EL2) & (wfe ? 1 << 14 : 1 << 13)) !== 0) {
    cpu.syncException(EC.WFX, iss, false, 2);
    return true;
  }
  return false;
}

/** CLREX, DSB, DMB, ISB. */
export function decodeBarrier({ op2, Rt }: Fields<'op2' | 'Rt'>): Op | undefined {
  if (Rt !== 31) return undefined;
  switch (op2) {
    case 2: // CLREX
      return (cpu) => {
        cpu.exclusiveAddr = -1;
      };
    case 4: // DSB
    case 5: // DMB
      // Cores run one at a time, so memory is always coherent and ordered.
      return () => {};
    case 6: // ISB: later instructions see every earlier system-register change, which ours always do
      return () => {};
    default:
      return undefined;
  }
}

/** MSR SPSel/DAIFSet/DAIFClr, #imm. */
export function decodeMsrImmediate({ op1, CRm, op2, Rt }: Fields<'op1' | 'CRm' | 'op2' | 'Rt'>): Op | undefined {
  if (Rt !== 31) return undefined;
  if (op1 === 0 && op2 === 5) {
    return (cpu) => (cpu.el === 0 ? cpu.undefinedInstruction() : cpu.setMode(cpu.el, CRm & 1));
  }
  if (op1 === 3 && (op2 === 6 || op2 === 7)) {
    const set = op2 === 6;
    return (cpu) => {
      if (cpu.el === 0 && !userMayAccessDaif(cpu)) {
        // The syndrome describes this instruction: Op0 = 0, Op1 = 3, CRn = 4, CRm = the mask.
        trapSysReg(cpu, (3 << 11) | (4 << 7) | (CRm << 3) | op2, 31, false);
        return;
      }
      cpu.daif = set ? cpu.daif | CRm : cpu.daif & ~CRm;
      cpu.yieldAfter(); // an unmasked interrupt is taken before the next instruction
    };
  }
  return undefined;
}

const userMayAccessDaif = (cpu: Cpu): boolean => (cpu.sys.low32(Reg.SCTLR_EL1) & (1 << 9)) !== 0; // SCTLR_EL1.UMA

/** SYS: DC, IC, AT and TLBI are all SYS instructions with particular operands. */
export function decodeSys({ L, op1, CRn, CRm, op2, Rt }: Fields<'L' | 'op1' | 'CRn' | 'CRm' | 'op2' | 'Rt'>): Op | undefined {
  const crn = CRn;
  const crm = CRm;
  const rt = Rt;
  if (L === 1) return undefined; // SYSL has no allocated uses in ARMv8.0
  if (crn === 8) {
    // TLBI. The forms by VA at EL1 (VAE1, VAAE1, VALE1, VAALE1: op2 odd; CRm 3 for their Inner
    // Shareable versions, 7 for the others) drop every core's translations of the page Xt
    // names; any other form empties every core's TLBs. Each is a superset of what the form
    // asks (every core, every ASID), as the TLBs hold the current ASID's translations alone
    // (a write to TTBR0_EL1 empties them). Xt holds VA[55:12] in bits 43:0, and VA bits 63:56
    // copy bit 55.
    const byVa = op1 === 0 && (crm === 3 || crm === 7) && (op2 & 1) === 1;
    return (cpu) => {
      if (cpu.el === 0) return cpu.undefinedInstruction();
      if (byVa) {
        const lo = cpu.lo(rt);
        const va55to32 = (lo >>> 20) | ((cpu.hi(rt) & 0xfff) << 12);
        cpu.bus.flushTlbPage(lo << 12, (va55to32 << 8) >> 8);
      } else cpu.bus.flushTlbs();
      cpu.yieldAfter();
    };
  }
  if (crn === 7 && op1 === 3 && crm === 4 && op2 === 1) {
    // DC ZVA: zero a 64-byte block (DCZID_EL0.BS = 4 words^2 = 64 bytes).
    return (cpu) => {
      if (cpu.el === 0 && (cpu.sys.low32(Reg.SCTLR_EL1) & (1 << 14)) === 0) {
        trapSysReg(cpu, sysKey(1, 3, 7, 4, 1), rt, false);
        return;
      }
      const lo = cpu.lo(rt) & ~63;
      const hi = cpu.hi(rt);
      for (let i = 0; i < 64; i += 8) cpu.st64(lo + i, hi, 0, 0);
    };
  }
  if (crn === 7 && (crm === 8 || crm === 9)) return decodeAt(op1, crm, op2, rt);
  if (crn === 7) {
    // DC (clean/invalidate by VA or set/way) and IC: our memory has no caches to maintain, and
    // stores already drop stale decoded code. At EL0 only the forms with op1 = 3 exist (DC CVAC,
    // CVAU, CIVAC, IC IVAU); SCTLR_EL1.UCI = 0 traps them to EL1 with EC 0x18 (Arm ARM: DC CVAU
    // etc., AArch64.SystemAccessTrap), and every other form is UNDEFINED there.
    return (cpu) => {
      if (cpu.el !== 0) return;
      if (op1 !== 3) cpu.undefinedInstruction();
      else if ((cpu.sys.low32(Reg.SCTLR_EL1) & (1 << 26)) === 0) trapSysReg(cpu, sysKey(1, op1, crn, crm, op2), rt, false);
    };
  }
  return undefined;
}

/** AT S1E1R/S1E1W/S1E0R/S1E0W: translate Xt and put the result in PAR_EL1. */
function decodeAt(op1: number, crm: number, op2: number, rt: number): Op | undefined {
  if (op1 !== 0 || crm !== 8 || op2 > 3) return undefined;
  const write = (op2 & 1) === 1;
  const asEl0 = op2 >= 2;
  const par = lookup(sysKey(3, 0, 7, 4, 0))!.slot!;
  return (cpu) => {
    if (cpu.el === 0) return cpu.undefinedInstruction();
    cpu.mmu.addressTranslate(cpu.lo(rt), cpu.hi(rt), write, asEl0, par);
  };
}

/** MRS Xt, <reg> / MSR <reg>, Xt; the register is op0 (2 + o0), op1, CRn, CRm, op2. */
export function decodeSysRegMove({ L, o0, op1, CRn, CRm, op2, Rt }: Fields<'L' | 'o0' | 'op1' | 'CRn' | 'CRm' | 'op2' | 'Rt'>): Op {
  const read = L === 1;
  const rt = Rt;
  const k = sysKey(2 + o0, op1, CRn, CRm, op2);
  const def = lookup(k);
  if (def === undefined) {
    // The ID space (op0=3, op1=0, CRn=0, CRm=1..7) reads as zero where nothing is assigned.
    if (read && (k >>> 7) === ((3 << 7) | 0) && ((k >>> 3) & 15) >= 1 && ((k >>> 3) & 15) <= 7) {
      return (cpu) => (cpu.el === 0 ? cpu.undefinedInstruction() : cpu.set64(dstZr(rt), 0, 0));
    }
    const what = `${read ? 'MRS' : 'MSR'} of system register ${genericName(k)}`;
    return (cpu) => {
      cpu.halt({ kind: 'error', message: `unimplemented ${what} at pc ${cpu.pcString()}` });
    };
  }
  const dest = dstZr(rt);
  return (cpu) => {
    if (cpu.el < def.minEl) {
      // EL0 reaching an EL1 register, or EL1 an EL2 one: UNDEFINED (Arm ARM D1.10: "UNDEFINED at ELx").
      cpu.undefinedInstruction();
      return;
    }
    if (cpu.el === 0 && !el0Allowed(cpu, def.name)) {
      trapSysReg(cpu, k, rt, read);
      return;
    }
    if (cpu.el === 1 && !el1Allowed(cpu, def.name)) {
      trapSysReg(cpu, k, rt, read, 2);
      return;
    }
    if (read) {
      if (def.writeOnly) return cpu.undefinedInstruction();
      readInto(cpu, def, dest);
    } else {
      if (def.readOnly) return cpu.undefinedInstruction();
      const lo = cpu.lo(rt);
      const hi = rt === 31 ? 0 : cpu.hi(rt);
      if (def.write) def.write(cpu, rt === 31 ? 0 : lo, hi);
      else cpu.sys.setSlot(def.slot!, rt === 31 ? 0 : lo, hi);
    }
  };
}

/** EL0 access to registers that software can open to it through SCTLR_EL1 and CNTKCTL_EL1. */
function el0Allowed(cpu: Cpu, name: string): boolean {
  const sctlr = cpu.sys.low32(Reg.SCTLR_EL1);
  const cntkctl = cpu.sys.low32(Reg.CNTKCTL_EL1);
  switch (name) {
    case 'DAIF':
      return (sctlr & (1 << 9)) !== 0; // UMA
    case 'CTR_EL0':
      return (sctlr & (1 << 15)) !== 0; // UCT
    case 'CNTFRQ_EL0':
    case 'CNTPCT_EL0':
      return (cntkctl & 1) !== 0 || (cntkctl & 2) !== 0; // EL0PCTEN or EL0VCTEN
    case 'CNTVCT_EL0':
      return (cntkctl & 2) !== 0;
    case 'CNTP_CTL_EL0':
    case 'CNTP_CVAL_EL0':
    case 'CNTP_TVAL_EL0':
      return (cntkctl & (1 << 9)) !== 0; // EL0PTEN
    case 'CNTV_CTL_EL0':
    case 'CNTV_CVAL_EL0':
    case 'CNTV_TVAL_EL0':
      return (cntkctl & (1 << 8)) !== 0; // EL0VTEN
    default:
      return true;
  }
}

/** EL1 access to the physical counter and timer, which EL2 opens through CNTHCTL_EL2.EL1PCTEN and EL1PCEN. */
function el1Allowed(cpu: Cpu, name: string): boolean {
  const cnthctl = cpu.sys.low32(Reg.CNTHCTL_EL2);
  if (name === 'CNTPCT_EL0') return (cnthctl & 1) !== 0;
  if (name.startsWith('CNTP_')) return (cnthctl & 2) !== 0;
  return true;
}

/** A trapped MSR/MRS (EC 0x18) with its ISS: Op0, Op2, Op1, CRn, Rt, CRm, Direction (Arm ARM D17.2.37). */
function trapSysReg(cpu: Cpu, k: number, rt: number, read: boolean, routeTo?: number): void {
  const op0 = k >>> 14;
  const op1 = (k >>> 11) & 7;
  const crn = (k >>> 7) & 15;
  const crm = (k >>> 3) & 15;
  const op2 = k & 7;
  const iss = (op0 << 20) | (op2 << 17) | (op1 << 14) | (crn << 10) | (rt << 5) | (crm << 1) | (read ? 1 : 0);
  cpu.syncException(EC.MSR_MRS, iss, false, routeTo);
}

