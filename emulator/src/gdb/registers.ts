// The registers a debugger sees, in the order GDB numbers them: the AArch64 core registers
// (x0-x30, sp, pc, cpsr), as GDB's feature "org.gnu.gdb.aarch64.core" defines them, then a
// few system registers a kernel developer reads to understand an exception or the MMU. The
// target description (target.xml) tells GDB this list, so it needs no built-in knowledge of
// our machine; the system registers are read-only.
import { out } from '../bits';
import { SP, type Cpu } from '../cpu/cpu';
import { Reg } from '../cpu/sysregs';

interface Register {
  readonly name: string;
  readonly bits: 32 | 64;
  /** GDB's type for it; plain integers by default. */
  readonly type?: 'code_ptr' | 'data_ptr' | 'uint64';
  /** The value (low half returned, high half in out.hi). */
  read(c: Cpu): number;
  /** Absent for read-only registers. */
  write?(c: Cpu, lo: number, hi: number): void;
}

const general = Array.from({ length: 31 }, (_, n): Register => ({
  name: `x${n}`,
  bits: 64,
  read: (c) => c.get64(n),
  write: (c, lo, hi) => c.set64(n, lo, hi),
}));

/** The stack pointer PSTATE selects now (SP_EL0, or the current EL's own). */
const stackPointer: Register = { name: 'sp', bits: 64, type: 'data_ptr', read: (c) => c.get64(SP), write: (c, lo, hi) => c.set64(SP, lo, hi) };

const programCounter: Register = {
  name: 'pc',
  bits: 64,
  type: 'code_ptr',
  read: (c) => {
    out.hi = c.pcHi;
    return c.pcLo;
  },
  write: (c, lo, hi) => {
    c.pcLo = lo;
    c.pcHi = hi;
  },
};

/**
 * PSTATE in the SPSR's layout, as GDB's cpsr. A debugger may change the flags (NZCV) and the
 * masks (DAIF); the exception level and stack selection stay as the guest set them.
 */
const cpsr: Register = {
  name: 'cpsr',
  bits: 32,
  read: (c) => {
    out.hi = 0;
    return c.spsrValue | 0;
  },
  write: (c, lo) => {
    c.nzcv = lo >>> 28;
    c.daif = (lo >>> 6) & 0xf;
  },
};

function system(name: string, slot: number): Register {
  return { name, bits: 64, type: 'uint64', read: (c) => c.sys.lo(slot) };
}

function bankedSp(el: number): Register {
  return { name: `sp_el${el}`, bits: 64, type: 'data_ptr', read: (c) => c.readSp(el) };
}

/**
 * Every register, by GDB's register number (its index here). Each EL's stack pointer is
 * there too: after an exception, the interrupted code's stack (and the trap frame) is found
 * through the one it was using.
 */
export const REGISTERS: readonly Register[] = [
  ...general,
  stackPointer,
  programCounter,
  cpsr,
  bankedSp(0),
  bankedSp(1),
  bankedSp(2),
  system('elr_el1', Reg.ELR_EL1),
  system('esr_el1', Reg.ESR_EL1),
  system('far_el1', Reg.FAR_EL1),
  system('spsr_el1', Reg.SPSR_EL1),
  system('vbar_el1', Reg.VBAR_EL1),
  system('sctlr_el1', Reg.SCTLR_EL1),
  system('tcr_el1', Reg.TCR_EL1),
  system('ttbr0_el1', Reg.TTBR0_EL1),
  system('ttbr1_el1', Reg.TTBR1_EL1),
  system('mair_el1', Reg.MAIR_EL1),
  system('elr_el2', Reg.ELR_EL2),
  system('esr_el2', Reg.ESR_EL2),
  system('far_el2', Reg.FAR_EL2),
  system('spsr_el2', Reg.SPSR_EL2),
  system('hcr_el2', Reg.HCR_EL2),
];

/** How many registers the 'g' packet carries: the core ones (x0-x30, sp, pc, cpsr). */
export const CORE_REGISTERS = 34;

/** The register's value as GDB wants it: target byte order (little-endian), in hex. */
export function readRegister(c: Cpu, number: number): string {
  const register = REGISTERS[number];
  const lo = register.read(c);
  const hi = out.hi;
  return register.bits === 32 ? littleEndianHex(lo) : littleEndianHex(lo) + littleEndianHex(hi);
}

/** Sets a register from GDB's hex; false for a read-only register or a malformed value. */
export function writeRegister(c: Cpu, number: number, hex: string): boolean {
  const register = REGISTERS[number];
  if (register?.write === undefined || hex.length !== register.bits / 4 || !/^[0-9a-fA-F]+$/.test(hex)) return false;
  register.write(c, fromLittleEndianHex(hex.slice(0, 8)), register.bits === 64 ? fromLittleEndianHex(hex.slice(8, 16)) : 0);
  return true;
}

/** The target description GDB reads with qXfer:features:read:target.xml. */
export function targetXml(): string {
  const reg = (r: Register) => `<reg name="${r.name}" bitsize="${r.bits}"${r.type ? ` type="${r.type}"` : ''}/>`;
  const core = REGISTERS.slice(0, CORE_REGISTERS).map(reg).join('');
  const extra = REGISTERS.slice(CORE_REGISTERS).map(reg).join('');
  return (
    '<?xml version="1.0"?><!DOCTYPE target SYSTEM "gdb-target.dtd"><target version="1.0">' +
    '<architecture>aarch64</architecture>' +
    `<feature name="org.gnu.gdb.aarch64.core">${core}</feature>` +
    `<feature name="org.bramble.aarch64.system">${extra}</feature>` +
    '</target>'
  );
}

function littleEndianHex(word: number): string {
  let hex = '';
  for (let i = 0; i < 4; i++) hex += ((word >>> (8 * i)) & 0xff).toString(16).padStart(2, '0');
  return hex;
}

function fromLittleEndianHex(hex: string): number {
  let word = 0;
  for (let i = 3; i >= 0; i--) word = (word << 8) | parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return word | 0;
}
