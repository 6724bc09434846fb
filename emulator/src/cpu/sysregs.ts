// System registers, as a table keyed by their MRS/MSR encoding.
//
// MRS and MSR name a register by five fields, op0:op1:CRn:CRm:op2, which sit in
// bits 20:5 of the instruction. `key(op0, op1, crn, crm, op2)` packs them the same
// way, so the decoder takes `(word >>> 5) & 0xffff` and looks the register up.
// Each row below can be checked against the Arm ARM's register descriptions
// (chapter D17) and the Cortex-A53 TRM for the reset and ID values.
//
// Most registers only hold what software writes. The ones with behaviour (the
// stack pointers, PSTATE fields, the counter and timers, translation controls
// that must flush the TLB) have `read`/`write` hooks.

import { out } from '../bits';
import type { Cpu } from './cpu';

export function key(op0: number, op1: number, crn: number, crm: number, op2: number): number {
  return (op0 << 14) | (op1 << 11) | (crn << 7) | (crm << 3) | op2;
}

/** Who may access a register: the lowest EL, and whether EL0 access depends on a control bit. */
export interface SysRegDef {
  readonly name: string;
  readonly key: number;
  /** Lowest exception level that can access it; op1 says this for most registers (Arm ARM C5.3). */
  readonly minEl: number;
  readonly readOnly?: boolean;
  readonly writeOnly?: boolean;
  readonly reset?: bigint;
  /** Produce the value (low half returned, high half in out.hi). */
  readonly read?: (cpu: Cpu) => number;
  readonly write?: (cpu: Cpu, lo: number, hi: number) => void;
}

// The registers whose values the emulator itself consults; their slots are fixed here.
export const Reg = {
  SCTLR_EL1: 0,
  TCR_EL1: 1,
  TTBR0_EL1: 2,
  TTBR1_EL1: 3,
  MAIR_EL1: 4,
  VBAR_EL1: 5,
  VBAR_EL2: 6,
  ESR_EL1: 7,
  ESR_EL2: 8,
  FAR_EL1: 9,
  FAR_EL2: 10,
  ELR_EL1: 11,
  ELR_EL2: 12,
  SPSR_EL1: 13,
  SPSR_EL2: 14,
  HCR_EL2: 15,
  SCTLR_EL2: 16,
  CNTHCTL_EL2: 17,
  CNTVOFF_EL2: 18,
  CNTKCTL_EL1: 19,
  CPACR_EL1: 20,
  CNTFRQ_EL0: 21,
} as const;
const FIRST_FREE_SLOT = 22;

const flushTlb = (cpu: Cpu): void => {
  cpu.mmu.flush();
  cpu.yieldAfter();
};

/** A plain register with a fixed slot, optionally with a hook run after each write. */
function stored(name: string, k: number, minEl: number, slot: number, reset = 0n, after?: (cpu: Cpu) => void): SysRegDef & { slot: number } {
  return {
    name,
    key: k,
    minEl,
    reset,
    slot,
    ...(after ? { write: (cpu: Cpu, lo: number, hi: number) => (cpu.sys.setSlot(slot, lo, hi), after(cpu)) } : {}),
  };
}

function constant(name: string, k: number, minEl: number, value: number | ((cpu: Cpu) => number)): SysRegDef {
  return {
    name,
    key: k,
    minEl,
    readOnly: true,
    read: (cpu) => {
      out.hi = 0;
      return typeof value === 'number' ? value : value(cpu);
    },
  };
}

/** Cortex-A53 as QEMU's raspi3b presents it: EL0-EL2 in AArch64 (no EL3), no FP/SIMD used by our softfloat guests. */
const MIDR = 0x410fd034;

export const SYSREGS: readonly SysRegDef[] = [
  // Identification (read-only).
  constant('MIDR_EL1', key(3, 0, 0, 0, 0), 1, MIDR),
  constant('MPIDR_EL1', key(3, 0, 0, 0, 5), 1, (cpu) => (0x80000000 | cpu.index) | 0),
  constant('REVIDR_EL1', key(3, 0, 0, 0, 6), 1, 0),
  constant('ID_AA64PFR0_EL1', key(3, 0, 0, 4, 0), 1, 0x0222),
  constant('ID_AA64PFR1_EL1', key(3, 0, 0, 4, 1), 1, 0),
  constant('ID_AA64DFR0_EL1', key(3, 0, 0, 5, 0), 1, 0x10305106),
  // CRC32 (bits 19:16) = 1, as the Pi 3's Cortex-A53 reports; no AES, SHA1 or SHA2: the BCM2837
  // was built without the crypto extension.
  constant('ID_AA64ISAR0_EL1', key(3, 0, 0, 6, 0), 1, 0x10000),
  constant('ID_AA64ISAR1_EL1', key(3, 0, 0, 6, 1), 1, 0),
  constant('ID_AA64MMFR0_EL1', key(3, 0, 0, 7, 0), 1, 0x00001122),
  constant('ID_AA64MMFR1_EL1', key(3, 0, 0, 7, 1), 1, 0),
  constant('CTR_EL0', key(3, 3, 0, 0, 1), 0, 0x84448004 | 0),
  constant('DCZID_EL0', key(3, 3, 0, 0, 7), 0, 4),
  constant('CurrentEL', key(3, 0, 4, 2, 2), 1, (cpu) => cpu.el << 2),

  // PSTATE fields as registers.
  {
    name: 'NZCV',
    key: key(3, 3, 4, 2, 0),
    minEl: 0,
    read: (cpu) => ((out.hi = 0), (cpu.nzcv << 28) | 0),
    write: (cpu, lo) => {
      cpu.nzcv = lo >>> 28;
    },
  },
  {
    name: 'DAIF',
    key: key(3, 3, 4, 2, 1),
    minEl: 0, // EL0 only when SCTLR_EL1.UMA is set: checked in access()
    read: (cpu) => ((out.hi = 0), cpu.daif << 6),
    write: (cpu, lo) => {
      cpu.daif = (lo >>> 6) & 0xf;
      cpu.yieldAfter(); // unmasking may let a pending interrupt in before the next instruction
    },
  },
  {
    name: 'SPSel',
    key: key(3, 0, 4, 2, 0),
    minEl: 1,
    read: (cpu) => ((out.hi = 0), cpu.spsel),
    write: (cpu, lo) => cpu.setMode(cpu.el, lo & 1),
  },
  {
    name: 'SP_EL0',
    key: key(3, 0, 4, 1, 0),
    minEl: 1,
    read: (cpu) => cpu.readSp(0),
    write: (cpu, lo, hi) => cpu.writeSp(0, lo, hi),
  },
  {
    name: 'SP_EL1',
    key: key(3, 4, 4, 1, 0),
    minEl: 2,
    read: (cpu) => cpu.readSp(1),
    write: (cpu, lo, hi) => cpu.writeSp(1, lo, hi),
  },

  // EL1 exception handling and translation.
  stored('SCTLR_EL1', key(3, 0, 1, 0, 0), 1, Reg.SCTLR_EL1, 0x00c50838n, flushTlb),
  stored('TCR_EL1', key(3, 0, 2, 0, 2), 1, Reg.TCR_EL1, 0n, flushTlb),
  stored('TTBR0_EL1', key(3, 0, 2, 0, 0), 1, Reg.TTBR0_EL1, 0n, flushTlb),
  stored('TTBR1_EL1', key(3, 0, 2, 0, 1), 1, Reg.TTBR1_EL1, 0n, flushTlb),
  stored('MAIR_EL1', key(3, 0, 10, 2, 0), 1, Reg.MAIR_EL1),
  stored('VBAR_EL1', key(3, 0, 12, 0, 0), 1, Reg.VBAR_EL1),
  stored('ESR_EL1', key(3, 0, 5, 2, 0), 1, Reg.ESR_EL1),
  stored('FAR_EL1', key(3, 0, 6, 0, 0), 1, Reg.FAR_EL1),
  stored('ELR_EL1', key(3, 0, 4, 0, 1), 1, Reg.ELR_EL1),
  stored('SPSR_EL1', key(3, 0, 4, 0, 0), 1, Reg.SPSR_EL1),
  stored('CPACR_EL1', key(3, 0, 1, 0, 2), 1, Reg.CPACR_EL1),
  stored('CNTKCTL_EL1', key(3, 0, 14, 1, 0), 1, Reg.CNTKCTL_EL1),

  // EL2.
  stored('HCR_EL2', key(3, 4, 1, 1, 0), 2, Reg.HCR_EL2, 0x80000000n, (cpu) => cpu.yieldAfter()),
  // EL2's own translation regime is not modelled (Bramble's kernels run at EL1): say so, rather than run untranslated.
  stored('SCTLR_EL2', key(3, 4, 1, 0, 0), 2, Reg.SCTLR_EL2, 0x30c50838n, (cpu) => {
    if ((cpu.sys.values[2 * Reg.SCTLR_EL2] & 1) !== 0) {
      cpu.halt({ kind: 'error', message: `SCTLR_EL2.M turns on EL2's MMU, which this emulator does not model (pc ${cpu.pcString()})` });
    }
  }),
  stored('VBAR_EL2', key(3, 4, 12, 0, 0), 2, Reg.VBAR_EL2),
  stored('ESR_EL2', key(3, 4, 5, 2, 0), 2, Reg.ESR_EL2),
  stored('FAR_EL2', key(3, 4, 6, 0, 0), 2, Reg.FAR_EL2),
  stored('ELR_EL2', key(3, 4, 4, 0, 1), 2, Reg.ELR_EL2),
  stored('SPSR_EL2', key(3, 4, 4, 0, 0), 2, Reg.SPSR_EL2),
  stored('CNTHCTL_EL2', key(3, 4, 14, 1, 0), 2, Reg.CNTHCTL_EL2, 3n),
  stored('CNTVOFF_EL2', key(3, 4, 14, 0, 3), 2, Reg.CNTVOFF_EL2),

  // The generic counter. CNTFRQ_EL0 is written by firmware at EL2 and read-only below it.
  stored('CNTFRQ_EL0', key(3, 3, 14, 0, 0), 0, Reg.CNTFRQ_EL0, 62_500_000n),
];

/** Registers without hooks or fixed slots: plain storage, slots allotted after the fixed ones. */
const PLAIN: readonly [string, number, number][] = [
  ['TPIDR_EL0', key(3, 3, 13, 0, 2), 0],
  ['TPIDRRO_EL0', key(3, 3, 13, 0, 3), 0],
  ['TPIDR_EL1', key(3, 0, 13, 0, 4), 1],
  ['CONTEXTIDR_EL1', key(3, 0, 13, 0, 1), 1],
  ['AMAIR_EL1', key(3, 0, 10, 3, 0), 1],
  ['AFSR0_EL1', key(3, 0, 5, 1, 0), 1],
  ['AFSR1_EL1', key(3, 0, 5, 1, 1), 1],
  ['PAR_EL1', key(3, 0, 7, 4, 0), 1],
  ['MDSCR_EL1', key(2, 0, 0, 2, 2), 1],
  ['CSSELR_EL1', key(3, 2, 0, 0, 0), 1],
  ['ACTLR_EL1', key(3, 0, 1, 0, 1), 1],
  ['TPIDR_EL2', key(3, 4, 13, 0, 2), 2],
  ['CPTR_EL2', key(3, 4, 1, 1, 2), 2],
  ['HSTR_EL2', key(3, 4, 1, 1, 3), 2],
  ['MDCR_EL2', key(3, 4, 1, 1, 1), 2],
  ['VTTBR_EL2', key(3, 4, 2, 1, 0), 2],
  ['TCR_EL2', key(3, 4, 2, 0, 2), 2],
  ['TTBR0_EL2', key(3, 4, 2, 0, 0), 2],
  ['MAIR_EL2', key(3, 4, 10, 2, 0), 2],
  ['VPIDR_EL2', key(3, 4, 0, 0, 0), 2],
  ['VMPIDR_EL2', key(3, 4, 0, 0, 5), 2],
  ['ACTLR_EL2', key(3, 4, 1, 0, 1), 2],
];

/** Every register by key; rows added by the timer module join through `register`. */
const byKey = new Map<number, SysRegDef & { slot?: number }>();
let slotCount = FIRST_FREE_SLOT;
for (const d of SYSREGS) byKey.set(d.key, d);
for (const [name, k, minEl] of PLAIN) byKey.set(k, { name, key: k, minEl, slot: slotCount++ });

/** MRS: register slot `d` of `cpu` = the value of system register `def`. */
export function readInto(cpu: Cpu, def: SysRegDef & { slot?: number }, d: number): void {
  const lo = def.read !== undefined ? def.read(cpu) : cpu.sys.lo(def.slot!);
  cpu.set64(d, lo, out.hi);
}

export function register(def: SysRegDef): void {
  byKey.set(def.key, def);
}

export function lookup(k: number): (SysRegDef & { slot?: number }) | undefined {
  return byKey.get(k);
}

/** The generic name "S<op0>_<op1>_C<n>_C<m>_<op2>" the assembler accepts for any register. */
export function genericName(k: number): string {
  return `S${k >>> 14}_${(k >>> 11) & 7}_C${(k >>> 7) & 15}_C${(k >>> 3) & 15}_${k & 7}`;
}

/** One core's system-register values. */
export class SystemRegisters {
  readonly values = new Int32Array(2 * 64);

  constructor() {
    for (const d of byKey.values()) {
      if (d.slot !== undefined && d.reset !== undefined) {
        this.setSlot(d.slot, Number(d.reset & 0xffffffffn) | 0, Number(d.reset >> 32n) | 0);
      }
    }
  }

  /** Bits 31:0 of a register, where the control bits the ops test live. */
  low32(slot: number): number {
    return this.values[2 * slot];
  }

  /** Bits 63:32 of a register. */
  high32(slot: number): number {
    return this.values[2 * slot + 1];
  }

  lo(slot: number): number {
    out.hi = this.values[2 * slot + 1];
    return this.values[2 * slot];
  }

  setSlot(slot: number, lo: number, hi: number): void {
    this.values[2 * slot] = lo;
    this.values[2 * slot + 1] = hi;
  }

  setElr(el: number, lo: number, hi: number): void {
    this.setSlot(el === 2 ? Reg.ELR_EL2 : Reg.ELR_EL1, lo, hi);
  }
  elr(el: number): number {
    return this.lo(el === 2 ? Reg.ELR_EL2 : Reg.ELR_EL1);
  }
  setSpsr(el: number, v: number): void {
    this.setSlot(el === 2 ? Reg.SPSR_EL2 : Reg.SPSR_EL1, v, 0);
  }
  spsr(el: number): number {
    return this.values[2 * (el === 2 ? Reg.SPSR_EL2 : Reg.SPSR_EL1)] >>> 0;
  }
  setEsr(el: number, v: number): void {
    this.setSlot(el === 2 ? Reg.ESR_EL2 : Reg.ESR_EL1, v, 0);
  }
  setFar(el: number, lo: number, hi: number): void {
    this.setSlot(el === 2 ? Reg.FAR_EL2 : Reg.FAR_EL1, lo, hi);
  }
  vbarLo(el: number): number {
    return this.lo(el === 2 ? Reg.VBAR_EL2 : Reg.VBAR_EL1);
  }
  /** HCR_EL2.FMO: physical FIQs go to EL2. */
  fiqToEl2(): boolean {
    return (this.values[2 * Reg.HCR_EL2] & (1 << 3)) !== 0;
  }
  /** HCR_EL2.IMO: physical IRQs go to EL2. */
  irqToEl2(): boolean {
    return (this.values[2 * Reg.HCR_EL2] & (1 << 4)) !== 0;
  }
  /**
   * A virtual SError is pending for EL1 and EL0: HCR_EL2.VSE (bit 8) with AMO (bit 5), which
   * routes SErrors to EL2 and turns on the virtual ones, and not TGE (bit 27).
   */
  virtualSErrorPending(): boolean {
    const hcr = this.values[2 * Reg.HCR_EL2];
    return (hcr & ((1 << 8) | (1 << 5) | (1 << 27))) === ((1 << 8) | (1 << 5));
  }
  /** Taking the virtual SError clears HCR_EL2.VSE. */
  clearVirtualSError(): void {
    this.values[2 * Reg.HCR_EL2] = this.values[2 * Reg.HCR_EL2] & ~(1 << 8);
  }
  /** HCR_EL2.RW: EL1 is AArch64. */
  el1IsAArch64(): boolean {
    return (this.values[2 * Reg.HCR_EL2] & 0x80000000) !== 0;
  }
}
