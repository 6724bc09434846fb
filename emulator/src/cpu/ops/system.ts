// Exception generation and system instructions (Arm ARM C4.1.88): SVC, HVC, BRK,
// HLT (semihosting), hints (NOP, WFI, WFE, SEV), barriers, MSR (immediate),
// SYS (cache, TLB and address-translation maintenance) and MRS/MSR (register).

import { addOffset, field, out } from '../../bits';
import { type Cpu, EC, type Op, VectorKind } from '../cpu';
import { genericName, key as sysKey, lookup, Reg } from '../sysregs';

/** The immediate QEMU and Arm's semihosting spec use with HLT for a semihosting call on A64. */
const SEMIHOSTING_HLT = 0xf000;

/** SVC, HVC, SMC, BRK, HLT. */
export function decodeExceptionGen(w: number): Op | undefined {
  const opc = field(w, 23, 21);
  const imm16 = field(w, 20, 5);
  const ll = field(w, 1, 0);
  if (field(w, 4, 2) !== 0) return undefined;
  if (opc === 0 && ll === 1) {
    // SVC: to EL1 from EL0/EL1 (to EL2 when executed at EL2); ELR is the next instruction.
    return (c) => c.syncException(EC.SVC, imm16, true);
  }
  if (opc === 0 && ll === 2) {
    // HVC: UNDEFINED at EL0 and when HCR_EL2.HCD (bit 29) disables it; otherwise to EL2.
    return (c) => {
      if (c.el === 0 || (c.sys.values[2 * Reg.HCR_EL2]! & (1 << 29)) !== 0) {
        c.undefinedInstruction();
        return;
      }
      const esr = ((EC.HVC << 26) | (1 << 25) | imm16) >>> 0;
      const next = addOffset(c.pcLo, c.pcHi, 4);
      c.takeException(2, VectorKind.SYNC, esr, next, out.hi);
    };
  }
  if (opc === 0 && ll === 3) return (c) => c.undefinedInstruction(); // SMC: no EL3 on this machine
  if (opc === 1 && ll === 0) return (c) => c.syncException(EC.BRK, imm16); // ELR = the BRK itself
  if (opc === 2 && ll === 0) {
    if (imm16 !== SEMIHOSTING_HLT) return (c) => c.undefinedInstruction(); // halting debug is not enabled
    return (c) => {
      // Semihosting, as QEMU's -semihosting provides it: only from EL1 and above.
      if (c.el === 0) {
        c.undefinedInstruction();
        return;
      }
      const stop = c.bus.semihost(c);
      if (stop !== null) c.halt(stop);
    };
  }
  return undefined;
}

/** Everything with bits 31:22 = 1101010100: hints, barriers, PSTATE, SYS and system-register moves. */
export function decodeSystem(w: number): Op | undefined {
  const l = field(w, 21, 21);
  const op0 = field(w, 20, 19);
  const op1 = field(w, 18, 16);
  const crn = field(w, 15, 12);
  const crm = field(w, 11, 8);
  const op2 = field(w, 7, 5);
  const rt = w & 31;
  if (op0 === 0 && l === 0) {
    if (crn === 2 && op1 === 3 && rt === 31) return decodeHint((crm << 3) | op2);
    if (crn === 3 && op1 === 3 && rt === 31) return decodeBarrier(op2);
    if (crn === 4 && rt === 31) return decodeMsrImmediate(op1, op2, crm);
    return undefined;
  }
  if (op0 === 1) return decodeSys(l, op1, crn, crm, op2, rt);
  if (op0 >= 2) return decodeSysRegMove(w, l === 1, rt);
  return undefined;
}

function decodeHint(hint: number): Op {
  switch (hint) {
    case 2: // WFE: sleep unless the event register is set (then just clear it)
      return (c) => {
        if (c.eventRegister !== 0) {
          c.eventRegister = 0;
          return;
        }
        if (wfxTrapped(c, true)) return;
        c.yieldAfter();
        c.sleeping = 'wfe';
      };
    case 3: // WFI: sleep until an interrupt is pending, masked or not
      return (c) => {
        if (c.irqLine || c.fiqLine) return c.yieldAfter();
        if (wfxTrapped(c, false)) return;
        c.yieldAfter();
        c.sleeping = 'wfi';
      };
    case 4: // SEV
      return (c) => {
        c.bus.sendEvent();
        c.yieldAfter();
      };
    case 5: // SEVL: this core only
      return (c) => {
        c.eventRegister = 1;
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
function wfxTrapped(c: Cpu, wfe: boolean): boolean {
  const iss = (1 << 24) | (0xe << 20) | (wfe ? 1 : 0);
  if (c.el === 0 && (c.sys.values[2 * Reg.SCTLR_EL1]! & (wfe ? 1 << 18 : 1 << 16)) === 0) {
    c.syncException(EC.WFX, iss, false, 1);
    return true;
  }
  if (c.el < 2 && (c.sys.values[2 * Reg.HCR_EL2]! & (wfe ? 1 << 14 : 1 << 13)) !== 0) {
    c.syncException(EC.WFX, iss, false, 2);
    return true;
  }
  return false;
}

function decodeBarrier(op2: number): Op | undefined {
  switch (op2) {
    case 2: // CLREX
      return (c) => {
        c.exclusiveAddr = -1;
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
function decodeMsrImmediate(op1: number, op2: number, crm: number): Op | undefined {
  if (op1 === 0 && op2 === 5) {
    return (c) => (c.el === 0 ? c.undefinedInstruction() : c.setMode(c.el, crm & 1));
  }
  if (op1 === 3 && (op2 === 6 || op2 === 7)) {
    const set = op2 === 6;
    return (c) => {
      if (c.el === 0 && !userMayAccessDaif(c)) {
        // The syndrome describes this instruction: Op0 = 0, Op1 = 3, CRn = 4, CRm = the mask.
        trapSysReg(c, (3 << 11) | (4 << 7) | (crm << 3) | op2, 31, false);
        return;
      }
      c.daif = set ? c.daif | crm : c.daif & ~crm;
      c.yieldAfter(); // an unmasked interrupt is taken before the next instruction
    };
  }
  return undefined;
}

const userMayAccessDaif = (c: Cpu): boolean => (c.sys.values[2 * Reg.SCTLR_EL1]! & (1 << 9)) !== 0; // SCTLR_EL1.UMA

/** SYS: DC, IC, AT and TLBI are all SYS instructions with particular operands. */
function decodeSys(l: number, op1: number, crn: number, crm: number, op2: number, rt: number): Op | undefined {
  if (l === 1) return undefined; // SYSL has no allocated uses in ARMv8.0
  if (crn === 8) {
    // TLBI: any form empties every core's TLBs (a superset of what each form asks; always correct).
    return (c) => {
      if (c.el === 0) return c.undefinedInstruction();
      c.bus.flushTlbs();
      c.yieldAfter();
    };
  }
  if (crn === 7 && op1 === 3 && crm === 4 && op2 === 1) {
    // DC ZVA: zero a 64-byte block (DCZID_EL0.BS = 4 words^2 = 64 bytes).
    return (c) => {
      if (c.el === 0 && (c.sys.values[2 * Reg.SCTLR_EL1]! & (1 << 14)) === 0) {
        trapSysReg(c, sysKey(1, 3, 7, 4, 1), rt, false);
        return;
      }
      const lo = c.r[2 * rt]! & ~63;
      const hi = c.r[2 * rt + 1]!;
      for (let i = 0; i < 64; i += 8) c.st64(lo + i, hi, 0, 0);
    };
  }
  if (crn === 7 && (crm === 8 || crm === 9)) return decodeAt(op1, crm, op2, rt);
  if (crn === 7) {
    // DC (clean/invalidate by VA or set/way) and IC: our memory has no caches to maintain, and
    // stores already drop stale decoded code. At EL0 only the forms with op1 = 3 exist (DC CVAC,
    // CVAU, CIVAC, IC IVAU); SCTLR_EL1.UCI = 0 traps them to EL1 with EC 0x18 (Arm ARM: DC CVAU
    // etc., AArch64.SystemAccessTrap), and every other form is UNDEFINED there.
    return (c) => {
      if (c.el !== 0) return;
      if (op1 !== 3) c.undefinedInstruction();
      else if ((c.sys.values[2 * Reg.SCTLR_EL1]! & (1 << 26)) === 0) trapSysReg(c, sysKey(1, op1, crn, crm, op2), rt, false);
    };
  }
  return undefined;
}

/** AT S1E1R/S1E1W/S1E0R/S1E0W: translate Xt and put the result in PAR_EL1. */
function decodeAt(op1: number, crm: number, op2: number, rt: number): Op | undefined {
  if (op1 !== 0 || crm !== 8 || op2 > 3) return undefined;
  const write = (op2 & 1) === 1;
  const asEl0 = op2 >= 2;
  const par = lookup(sysKey(3, 0, 7, 4, 0))!;
  return (c) => {
    if (c.el === 0) return c.undefinedInstruction();
    const lo = c.r[2 * rt]!;
    const hi = c.r[2 * rt + 1]!;
    const parLo = c.mmu.addressTranslate(lo, hi, write, asEl0);
    c.sys.setSlot(par.slot!, parLo, out.hi);
  };
}

/** MRS Xt, <reg> / MSR <reg>, Xt. */
function decodeSysRegMove(w: number, read: boolean, rt: number): Op {
  const k = (w >>> 5) & 0xffff;
  const def = lookup(k);
  if (def === undefined) {
    // The ID space (op0=3, op1=0, CRn=0, CRm=1..7) reads as zero where nothing is assigned.
    if (read && (k >>> 7) === ((3 << 7) | 0) && ((k >>> 3) & 15) >= 1 && ((k >>> 3) & 15) <= 7) {
      return (c) => (c.el === 0 ? c.undefinedInstruction() : c.set64(rt === 31 ? 32 : rt, 0, 0));
    }
    const what = `${read ? 'MRS' : 'MSR'} of system register ${genericName(k)}`;
    return (c) => {
      c.halt({ kind: 'error', message: `unimplemented ${what} at pc ${c.pcString()}` });
    };
  }
  const dest = rt === 31 ? 32 : rt; // XZR
  return (c) => {
    if (c.el < def.minEl) {
      // EL0 reaching an EL1 register, or EL1 an EL2 one: UNDEFINED (Arm ARM D1.10: "UNDEFINED at ELx").
      c.undefinedInstruction();
      return;
    }
    if (c.el === 0 && !el0Allowed(c, def.name)) {
      trapSysReg(c, k, rt, read);
      return;
    }
    if (c.el === 1 && !el1Allowed(c, def.name)) {
      trapSysReg(c, k, rt, read, 2);
      return;
    }
    if (read) {
      if (def.writeOnly) return c.undefinedInstruction();
      let lo: number;
      if (def.read) lo = def.read(c);
      else lo = c.sys.lo(def.slot!);
      c.set64(dest, lo, out.hi);
    } else {
      if (def.readOnly) return c.undefinedInstruction();
      const lo = c.r[2 * rt]!;
      const hi = rt === 31 ? 0 : c.r[2 * rt + 1]!;
      if (def.write) def.write(c, rt === 31 ? 0 : lo, hi);
      else c.sys.setSlot(def.slot!, rt === 31 ? 0 : lo, hi);
    }
  };
}

/** EL0 access to registers that software can open to it through SCTLR_EL1 and CNTKCTL_EL1. */
function el0Allowed(c: Cpu, name: string): boolean {
  const sctlr = c.sys.values[2 * Reg.SCTLR_EL1]!;
  const cntkctl = c.sys.values[2 * Reg.CNTKCTL_EL1]!;
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
function el1Allowed(c: Cpu, name: string): boolean {
  const cnthctl = c.sys.values[2 * Reg.CNTHCTL_EL2]!;
  if (name === 'CNTPCT_EL0') return (cnthctl & 1) !== 0;
  if (name.startsWith('CNTP_')) return (cnthctl & 2) !== 0;
  return true;
}

/** A trapped MSR/MRS (EC 0x18) with its ISS: Op0, Op2, Op1, CRn, Rt, CRm, Direction (Arm ARM D17.2.37). */
function trapSysReg(c: Cpu, k: number, rt: number, read: boolean, routeTo?: number): void {
  const op0 = k >>> 14;
  const op1 = (k >>> 11) & 7;
  const crn = (k >>> 7) & 15;
  const crm = (k >>> 3) & 15;
  const op2 = k & 7;
  const iss = (op0 << 20) | (op2 << 17) | (op1 << 14) | (crn << 10) | (rt << 5) | (crm << 1) | (read ? 1 : 0);
  c.syncException(EC.MSR_MRS, iss, false, routeTo);
}

