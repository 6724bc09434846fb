// Reading the unicorn reference vectors (written by emulator/vectors/generate.py).
//
// Each class file is gzip'd JSON lines, one `{"in": StepInput, "out": StepOutput}` per
// line, in the format of `npm run emu -- step`. This module only reads and shape-checks
// them; vectors.test.ts replays them and vectors.meta.test.ts checks the set itself.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

export interface MemRegion {
  addr: string;
  hex: string;
}

/** The machine state the step protocol carries (EL1h, MMU off; sp is SP_EL1). */
export interface VectorState {
  x: string[];
  sp: string;
  pc: string;
  nzcv: number;
  mem: MemRegion[];
}

export interface VectorInput extends VectorState {
  /** The instruction word as 8 hex digits (its value, not its byte order in memory). */
  insn: string;
}

export interface Vector {
  in: VectorInput;
  out: VectorState;
}

/** Every class the generator writes, and what each exercises. */
export const VECTOR_CLASSES: Record<string, string> = {
  add_sub_imm: 'ADD/ADDS/SUB/SUBS immediate, both shifts, SP forms',
  add_sub_shift: 'ADD/ADDS/SUB/SUBS shifted register',
  add_sub_ext: 'ADD/ADDS/SUB/SUBS extended register, SP forms',
  adc_sbc: 'ADC/ADCS/SBC/SBCS',
  logical_imm: 'AND/ORR/EOR/ANDS with bitmask immediates',
  logical_shift: 'AND/BIC/ORR/ORN/EOR/EON/ANDS/BICS shifted register, ROR included',
  move_wide: 'MOVZ/MOVN/MOVK, every hw',
  bitfield: 'SBFM/BFM/UBFM and their LSL/LSR/ASR/SXT*/UXT*/BFI/BFXIL aliases',
  extr: 'EXTR and ROR (immediate)',
  shift_var: 'LSLV/LSRV/ASRV/RORV',
  bit_ops: 'CLZ/CLS/RBIT/REV/REV16/REV32',
  cond_select: 'CSEL/CSINC/CSINV/CSNEG',
  cond_compare: 'CCMP/CCMN, immediate and register',
  mul: 'MADD/MSUB/SMADDL/SMSUBL/UMADDL/UMSUBL/SMULH/UMULH',
  div: 'UDIV/SDIV, division by zero and INT_MIN / -1 included',
  crc32: 'CRC32B/H/W/X and CRC32CB/CH/CW/CX',
  adr: 'ADR/ADRP',
  branch_imm: 'B/BL',
  branch_cond: 'B.cond, all 16 conditions',
  compare_branch: 'CBZ/CBNZ',
  test_branch: 'TBZ/TBNZ',
  branch_reg: 'BR/BLR/RET',
  ldst_uimm: 'LDR/STR B/H/W/X and LDRS* with unsigned offset',
  ldst_reg: 'LDR/STR/LDRS* with register offset (LSL/UXTW/SXTW/SXTX)',
  ldst_prepost: 'LDR/STR/LDRS* pre- and post-index',
  ldst_unscaled: 'LDUR/STUR/LDURS*',
  ldst_pair: 'LDP/STP/LDNP/STNP/LDPSW, offset, pre- and post-index',
  ld_literal: 'LDR (literal) W/X and LDRSW (literal)',
  ldst_exclusive: 'LDXR/STXR/LDAXR/STLXR/LDAR/STLR (a lone store-exclusive fails)',
  hints: 'NOP/YIELD/SEV/SEVL and unallocated hints',
};

/** The folder holding the class files: this module's own. */
export const VECTOR_DIR = fileURLToPath(new URL('.', import.meta.url));

const HEX64 = /^0x[0-9a-f]{1,16}$/;
const HEX_BYTES = /^(?:[0-9a-f]{2})+$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stateProblem(value: unknown): string | undefined {
  if (!isRecord(value)) return 'is not an object';
  const { x, sp, pc, nzcv, mem } = value;
  if (!Array.isArray(x) || x.length !== 31) return 'x is not a list of 31 values';
  const badX = x.findIndex((v) => typeof v !== 'string' || !HEX64.test(v));
  if (badX >= 0) return `x${badX} is not a 64-bit hex value`;
  if (typeof sp !== 'string' || !HEX64.test(sp)) return 'sp is not a 64-bit hex value';
  if (typeof pc !== 'string' || !HEX64.test(pc)) return 'pc is not a 64-bit hex value';
  if (typeof nzcv !== 'number' || !Number.isInteger(nzcv) || nzcv < 0 || nzcv > 15) return 'nzcv is not 0..15';
  if (!Array.isArray(mem)) return 'mem is not a list';
  for (const region of mem) {
    if (!isRecord(region)) return 'a mem region is not an object';
    if (typeof region.addr !== 'string' || !HEX64.test(region.addr)) return 'a mem region has a bad addr';
    if (typeof region.hex !== 'string' || !HEX_BYTES.test(region.hex)) return 'a mem region has bad hex';
  }
  return undefined;
}

/** Why `value` is not a well-formed vector, or undefined if it is one. */
export function vectorProblem(value: unknown): string | undefined {
  if (!isRecord(value)) return 'the line is not an object';
  const input = value.in;
  if (!isRecord(input)) return '"in" is missing';
  if (typeof input.insn !== 'string' || !/^[0-9a-f]{8}$/.test(input.insn)) return 'insn is not 8 hex digits';
  const inProblem = stateProblem(input);
  if (inProblem !== undefined) return `"in": ${inProblem}`;
  const outProblem = stateProblem(value.out);
  if (outProblem !== undefined) return `"out": ${outProblem}`;
  return undefined;
}

function isVector(value: unknown): value is Vector {
  return vectorProblem(value) === undefined;
}

/** The parsed lines of one class file, each either a vector or the reason it is not one. */
export function readVectorLines(className: string): (Vector | string)[] {
  const file = join(VECTOR_DIR, `${className}.jsonl.gz`);
  const text = gunzipSync(readFileSync(file)).toString('utf8');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line, i) => {
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        return `${className} line ${i + 1}: not JSON`;
      }
      return isVector(value) ? value : `${className} line ${i + 1}: ${vectorProblem(value)}`;
    });
}

/** The vectors of one class; a malformed line is an error naming the line. */
export function readVectors(className: string): Vector[] {
  return readVectorLines(className).map((entry) => {
    if (typeof entry === 'string') throw new Error(`malformed vector: ${entry}`);
    return entry;
  });
}
