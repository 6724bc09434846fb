// Execute exactly one instruction from a given state: the `npm run emu -- step`
// protocol, used by the instruction-level tests that replay reference vectors.
// The state is EL1h with the MMU off, as in the reference (unicorn) runs.

import { fromBig, hex64, out, parse64 } from './bits';
import { Breakpoints } from './cpu/breakpoints';
import { BRANCHED, Cpu, EXCEPTION_TAKEN, SP } from './cpu/cpu';
import { compileBlock } from './cpu/compiler';
import { decode } from './cpu/decoder';
import { PhysicalMemory, RAM_END } from './memory';
import { Reg } from './cpu/sysregs';

export interface MemoryRegion {
  addr: string;
  hex: string;
}

export interface StepInput {
  insn: string;
  x: string[];
  sp: string;
  pc: string;
  nzcv: number;
  mem?: MemoryRegion[];
}

export interface StepOutput {
  x: string[];
  sp: string;
  pc: string;
  nzcv: number;
  mem: MemoryRegion[];
  exception?: { ec: number; iss: number };
}

/** Check one input line's shape; throws an Error naming the first problem. */
export function validateStepInput(v: unknown): StepInput {
  if (typeof v !== 'object' || v === null) throw new Error('expected a JSON object');
  const o = v as Record<string, unknown>;
  if (typeof o.insn !== 'string' || !/^[0-9a-fA-F]{8}$/.test(o.insn)) throw new Error('"insn" must be 8 hex digits');
  if (!Array.isArray(o.x) || o.x.length !== 31 || !o.x.every((e) => typeof e === 'string')) throw new Error('"x" must be 31 strings');
  if (typeof o.sp !== 'string') throw new Error('"sp" must be a string');
  if (typeof o.pc !== 'string') throw new Error('"pc" must be a string');
  if (typeof o.nzcv !== 'number' || !Number.isInteger(o.nzcv) || o.nzcv < 0 || o.nzcv > 15) throw new Error('"nzcv" must be 0..15');
  if (o.mem !== undefined) {
    if (!Array.isArray(o.mem)) throw new Error('"mem" must be an array');
    for (const r of o.mem as unknown[]) {
      const m = r as Record<string, unknown>;
      if (typeof m?.addr !== 'string' || typeof m.hex !== 'string' || !/^([0-9a-fA-F]{2})*$/.test(m.hex)) {
        throw new Error('each "mem" entry needs "addr" and an even-length "hex"');
      }
    }
  }
  return o as unknown as StepInput;
}

function hexToBytes(hex: string): Uint8Array {
  const b = new Uint8Array(hex.length / 2);
  for (let i = 0; i < b.length; i++) b[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return b;
}

function bytesToHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/**
 * Which tier runs the instruction: its closure, or a compiled block of that one instruction
 * (cpu/compiler.ts), so the reference vectors check both.
 */
export type Tier = 'interpreted' | 'compiled';

export function stepOne(input: StepInput, tier: Tier = 'interpreted'): StepOutput {
  const memory = new PhysicalMemory();
  const regions = (input.mem ?? []).map((m) => {
    const lo = parse64(m.addr);
    const addr = out.hi * 0x100000000 + (lo >>> 0);
    const bytes = hexToBytes(m.hex);
    if (addr + bytes.length > RAM_END) throw new Error(`memory region ${m.addr} is outside RAM`);
    memory.load(addr, bytes);
    return { addr, text: m.addr, bytes };
  });
  const cpu = new Cpu(0, {
    memory,
    code: [],
    compiler: null,
    decodePage: () => {
      throw new Error('step mode executes only the given instruction');
    },
    codeOverwritten: () => false,
    semihost: () => null,
    now: () => 0,
    timersChanged: () => {},
    sendEvent: () => {},
    flushTlbs: () => {},
    flushTlbPage: () => {},
    exclusiveStore: () => {},
    breakpoints: new Breakpoints(),
  });
  cpu.setMode(1, 1);
  cpu.daif = 0xf;
  input.x.forEach((v, i) => cpu.set64(i, parse64(v), out.hi));
  cpu.set64(SP, parse64(input.sp), out.hi);
  cpu.pcLo = parse64(input.pc);
  cpu.pcHi = out.hi;
  cpu.nzcv = input.nzcv;

  const word = parseInt(input.insn, 16);
  cpu.signal = 0;
  if (tier === 'compiled') {
    const block = compileBlock(() => word, (cpu.pcLo & 0xfff) >>> 2, { version: 0 }, 'step', 1);
    block.run(cpu, cpu.pcLo & ~0xfff, cpu.pcHi, 1);
  } else {
    try {
      decode(word)(cpu);
    } catch (e) {
      if (e !== EXCEPTION_TAKEN) throw e;
    }
  }
  if (cpu.stop !== null && cpu.stop.kind === 'error') throw new Error(cpu.stop.message);
  const result: StepOutput = {
    x: Array.from({ length: 31 }, (_, i) => hex64(cpu.r[2 * i], cpu.r[2 * i + 1])),
    sp: hex64(cpu.readSp(1), out.hi),
    pc: '',
    nzcv: cpu.nzcv,
    mem: [],
  };
  // The syndrome of the EL that took the exception (HVC goes to EL2, everything else here to EL1).
  const esr = cpu.sys.lo(cpu.el === 2 ? Reg.ESR_EL2 : Reg.ESR_EL1) >>> 0;
  if (cpu.exceptionsTaken > 0) {
    result.exception = { ec: esr >>> 26, iss: esr & 0x1ffffff };
    // The PC stays on the instruction that took the exception.
    result.pc = hex64(parse64(input.pc), out.hi);
  } else {
    if ((cpu.signal & BRANCHED) === 0) {
      const lo = fromBig(BigInt(input.pc) + 4n);
      cpu.pcLo = lo;
      cpu.pcHi = out.hi;
    }
    result.pc = hex64(cpu.pcLo, cpu.pcHi);
  }
  for (const r of regions) {
    const now = new Uint8Array(r.bytes.length);
    for (let i = 0; i < now.length; i++) now[i] = memory.read(r.addr + i, 1);
    if (bytesToHex(now) !== bytesToHex(r.bytes)) result.mem.push({ addr: r.text, hex: bytesToHex(now) });
  }
  return result;
}
