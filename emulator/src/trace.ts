// Tracing, as QEMU's `-d` does it: one line per event of the kinds asked for, for a person
// finding out why a kernel went wrong (`npm start -- NN --trace int,mmu,unimp`).
//   int    every exception taken: the core, from and to which EL, the kind, the vector, and
//          the syndrome (ESR), fault address (FAR) and return address (ELR) it left
//   mmu    every translation table walk (a TLB miss): the address and the page it reached,
//          or the fault
//   unimp  accesses the emulator does not model and undefined instructions (each once)
// Pure: the lines go to `write`, which the host sends where it likes (stderr).
import { hex64, out } from './bits';
import { EC, VectorKind, type Cpu } from './cpu/cpu';
import { Reg } from './cpu/sysregs';
import type { Machine } from './machine';

export const TRACE_CATEGORIES = ['int', 'mmu', 'unimp'] as const;
export type TraceCategory = (typeof TRACE_CATEGORIES)[number];

const KINDS: Record<number, string> = {
  [VectorKind.SYNC]: 'synchronous exception',
  [VectorKind.IRQ]: 'IRQ',
  [VectorKind.FIQ]: 'FIQ',
  [VectorKind.SERROR]: 'SError',
};

/** Exception classes whose FAR means something: the aborts and the PC alignment fault. */
const WITH_FAULT_ADDRESS = new Set<number>([
  EC.INSTRUCTION_ABORT_LOWER,
  EC.INSTRUCTION_ABORT_SAME,
  EC.PC_ALIGNMENT,
  EC.DATA_ABORT_LOWER,
  EC.DATA_ABORT_SAME,
]);

/** Starts tracing `categories` on every core of `machine`, a line at a time to `write`. */
export function startTrace(machine: Machine, categories: readonly TraceCategory[], write: (line: string) => void): void {
  for (const c of machine.cores) {
    if (categories.includes('int')) c.onException = (core, from, kind) => write(exceptionLine(core, from, kind));
    if (categories.includes('mmu')) {
      c.mmu.onWalk = (lo, hi, page, level, fault) => write(walkLine(c, lo, hi, page, level, fault));
    }
  }
  if (categories.includes('unimp')) {
    const warn = machine.onWarning;
    machine.onWarning = (message) => {
      write(`unimp: ${message}`);
      warn(message);
    };
  }
}

function exceptionLine(c: Cpu, from: number, kind: number): string {
  const to = c.el;
  const elrLo = c.sys.elr(to);
  const elr = hex64(elrLo, out.hi);
  const where = `core ${c.index}: ${KINDS[kind]} from EL${from} to EL${to}, vector ${c.pcString()}, ELR ${elr}`;
  if (kind !== VectorKind.SYNC) return `int: ${where}`;
  const esr = c.sys.values[2 * (to === 2 ? Reg.ESR_EL2 : Reg.ESR_EL1)] >>> 0;
  const ec = esr >>> 26;
  const syndrome = `ESR 0x${esr.toString(16).padStart(8, '0')} (class 0x${ec.toString(16).padStart(2, '0')})`;
  if (!WITH_FAULT_ADDRESS.has(ec)) return `int: ${where}, ${syndrome}`;
  const farLo = c.sys.lo(to === 2 ? Reg.FAR_EL2 : Reg.FAR_EL1);
  return `int: ${where}, ${syndrome}, FAR ${hex64(farLo, out.hi)}`;
}

function walkLine(c: Cpu, lo: number, hi: number, page: number, level: number, fault: number): string {
  const va = hex64(lo, hi);
  if (page < 0) return `mmu: core ${c.index}: ${va} does not translate: ${faultName(fault)}`;
  const size = level === 1 ? '1 GiB block' : level === 2 ? '2 MiB block' : '4 KiB page';
  return `mmu: core ${c.index}: ${va} -> 0x${(page + (lo & 0xfff)).toString(16)} (${size} at level ${level})`;
}

/** A fault status code (DFSC/IFSC) in words, as the Arm ARM names it. */
function faultName(status: number): string {
  const level = status & 3;
  switch (status & 0x3c) {
    case 0x00:
      return `address size fault at level ${level}`;
    case 0x04:
      return `translation fault at level ${level}`;
    case 0x08:
      return `access flag fault at level ${level}`;
    case 0x0c:
      return `permission fault at level ${level}`;
    default:
      return `fault status 0x${status.toString(16)}`;
  }
}
