// The A64 decoder, as a table a reader can hold against the Arm ARM.
//
// The Arm ARM (DDI 0487, chapter C4 "A64 Instruction Set Encoding") decodes an
// instruction top-down: bits 28:25 pick a group, then more bits pick an encoding class
// within it, drawn as a diagram of fixed bits and named fields. Each row below is one
// such class: its name as the Arm ARM writes it, and its diagram read from bit 31 down
// to bit 0, as runs of fixed bits (0, 1) and fields written `name:width`, with the
// field names of the Arm ARM:
//
//   'sf:1 op:1 S:1 100010 sh:1 imm12:12 Rn:5 Rd:5'      Add/subtract (immediate)
//
// A word matches a row when its fixed bits do; the row's decoder then receives the
// fields by name (`{ sf, op, S, sh, imm12, Rn, Rd }`, each an unsigned number), and
// TypeScript checks that it reads no field its row lacks (PatternFields below, against
// the `Fields<'sf' | 'Rd' ...>` each decoder declares). No two rows overlap
// (test/decoder.test.ts), so the order of the rows is the Arm ARM's, for reading only.
//
// A row's decoder returns an Op, or `undefined` when the word is an unallocated
// encoding inside that class. A word that matches no row at all is unallocated in
// ARMv8.0 too (this table covers every integer class, with the optional CRC32
// instructions the Cortex-A53 has, and FP/SIMD is absent from this CPU model). Both are
// UNDEFINED and take the undefined-instruction exception, as on hardware and in QEMU; a
// word matching no row is also reported once, since a kernel without a vector table
// would otherwise fail silently.
//
// A row may also name an emitter (emit.ts), which writes the same instruction as
// JavaScript source for the block compiler (compiler.ts), from the same fields.

import { hex64 } from '../bits';
import type { Op } from './cpu';
import * as emit from './emit';
import type { Emission } from './emit';
import * as branch from './ops/branch';
import * as immediate from './ops/data-immediate';
import * as register from './ops/data-register';
import { Index } from './ops/common';
import * as memory from './ops/load-store';
import * as system from './ops/system';

/** The names of a pattern's fields: `'sf:1 100010 Rd:5'` gives `'sf' | 'Rd'`. */
type FieldNames<P extends string> = P extends `${infer Head} ${infer Rest}` ? FieldName<Head> | FieldNames<Rest> : FieldName<P>;
type FieldName<T extends string> = T extends `${infer Name}:${string}` ? Name : never;

/** The fields of a pattern, by name, as a row's decoder receives them. */
export type PatternFields<P extends string> = { readonly [K in FieldNames<P>]: number };

/** One field of a row: its name and where it lies in the word. */
interface Field {
  readonly name: string;
  readonly shift: number;
  readonly width: number;
}

type FieldValues = Readonly<Record<string, number>>;

export interface DecodeRow {
  readonly name: string;
  /** The diagram as written, e.g. `'sf:1 op:1 S:1 100010 sh:1 imm12:12 Rn:5 Rd:5'`. */
  readonly pattern: string;
  /** The fixed bits: a word is of this class when `(word & mask) === value`. */
  readonly mask: number;
  readonly value: number;
  readonly fields: readonly Field[];
  /** The row's decoder, given the word's fields. */
  readonly decode: (fields: FieldValues) => Op | undefined;
  /** Its emitter for the block compiler, if it has one. */
  readonly emit: ((fields: FieldValues, at: number) => Emission | undefined) | undefined;
}

/** A row of the table: its class's name, its diagram, its decoder and (if any) its emitter. */
export function row<P extends string>(
  name: string,
  pattern: P,
  decode: (fields: PatternFields<P>) => Op | undefined,
  emitter?: (fields: PatternFields<P>, at: number) => Emission | undefined,
): DecodeRow {
  let mask = 0;
  let value = 0;
  let bit = 32;
  const fields: Field[] = [];
  for (const token of pattern.split(' ')) {
    const named = /^([A-Za-z][A-Za-z0-9]*):(\d+)$/.exec(token);
    if (named !== null) {
      const width = Number(named[2]);
      bit -= width;
      fields.push({ name: named[1] as string, shift: bit, width });
    } else if (/^[01]+$/.test(token)) {
      for (const ch of token) {
        bit--;
        mask |= 1 << bit;
        if (ch === '1') value |= 1 << bit;
      }
    } else throw new Error(`decoder row ${name}: '${token}' is neither fixed bits nor name:width`);
  }
  if (bit !== 0) throw new Error(`decoder row ${name}: the pattern has ${32 - bit} bits, not 32`);
  // The patterns' field names are checked against the decoders' by TypeScript (PatternFields<P>);
  // what reaches them at run time is an object with exactly those names.
  return {
    name,
    pattern,
    mask: mask >>> 0,
    value: value >>> 0,
    fields,
    decode: (f) => decode(f as PatternFields<P>),
    emit: emitter === undefined ? undefined : (f, at) => emitter(f as PatternFields<P>, at),
  };
}

/** A permanently UNDEFINED encoding: takes the exception, like the real core. */
const undefinedEncoding = (): Op | undefined => undefined;

export const DECODE_TABLE: readonly DecodeRow[] = [
  // Reserved (op0 = 0000)
  row('UDF (permanently undefined)', '0000 0000 0000 0000 imm16:16', undefinedEncoding),

  // Data Processing -- Immediate (op0 = 100x)
  row('PC-rel. addressing', 'op:1 immlo:2 10000 immhi:19 Rd:5', immediate.decodePcRel, emit.pcRel),
  row('Add/subtract (immediate)', 'sf:1 op:1 S:1 100010 sh:1 imm12:12 Rn:5 Rd:5', immediate.decodeAddSubImm, emit.addSubImm),
  row('Logical (immediate)', 'sf:1 opc:2 100100 N:1 immr:6 imms:6 Rn:5 Rd:5', immediate.decodeLogicalImm, emit.logicalImm),
  row('Move wide (immediate)', 'sf:1 opc:2 100101 hw:2 imm16:16 Rd:5', immediate.decodeMoveWide, emit.moveWide),
  row('Bitfield', 'sf:1 opc:2 100110 N:1 immr:6 imms:6 Rn:5 Rd:5', immediate.decodeBitfield, emit.bitfield),
  row('Extract', 'sf:1 op21:2 100111 N:1 o0:1 Rm:5 imms:6 Rn:5 Rd:5', immediate.decodeExtract, emit.extract),

  // Branches, Exception Generating and System instructions (op0 = 101x)
  row('Conditional branch (immediate)', '0101010 o1:1 imm19:19 o0:1 cond:4', branch.decodeBranchCond, emit.branchCond),
  row('Exception generation', '11010100 opc:3 imm16:16 op2:3 LL:2', system.decodeExceptionGen),
  row('Hints', '1101 0101 0000 0011 0010 CRm:4 op2:3 11111', system.decodeHint),
  row('Barriers', '1101 0101 0000 0011 0011 CRm:4 op2:3 Rt:5', system.decodeBarrier),
  row('PSTATE', '1101 0101 0000 0 op1:3 0100 CRm:4 op2:3 Rt:5', system.decodeMsrImmediate),
  row('System instructions', '1101 0101 00 L:1 01 op1:3 CRn:4 CRm:4 op2:3 Rt:5', system.decodeSys),
  row('System register move', '1101 0101 00 L:1 1 o0:1 op1:3 CRn:4 CRm:4 op2:3 Rt:5', system.decodeSysRegMove),
  row('Unconditional branch (register)', '1101011 opc:4 op2:5 op3:6 Rn:5 op4:5', branch.decodeBranchReg, emit.branchReg),
  row('Unconditional branch (immediate)', 'op:1 00101 imm26:26', branch.decodeBranchImm, emit.branchImm),
  row('Compare and branch (immediate)', 'sf:1 011010 op:1 imm19:19 Rt:5', branch.decodeCompareBranch, emit.compareBranch),
  row('Test and branch (immediate)', 'b5:1 011011 op:1 b40:5 imm14:14 Rt:5', branch.decodeTestBranch, emit.testBranch),

  // Loads and Stores (op0 = x1x0)
  row('Load/store exclusive', 'size:2 001000 o2:1 L:1 o1:1 Rs:5 o0:1 Rt2:5 Rn:5 Rt:5', memory.decodeExclusive),
  row('Load register (literal)', 'opc:2 011 V:1 00 imm19:19 Rt:5', memory.decodeLiteral),
  row('Load/store no-allocate pair (offset)', 'opc:2 101 V:1 000 L:1 imm7:7 Rt2:5 Rn:5 Rt:5',
    (f) => (f.opc === 1 ? undefined : memory.decodePair(f, Index.Offset)), // no LDPSW form
    (f) => emit.pair(f, Index.Offset)),
  row('Load/store register pair (post-indexed)', 'opc:2 101 V:1 001 L:1 imm7:7 Rt2:5 Rn:5 Rt:5',
    (f) => memory.decodePair(f, Index.Post),
    (f) => emit.pair(f, Index.Post)),
  row('Load/store register pair (offset)', 'opc:2 101 V:1 010 L:1 imm7:7 Rt2:5 Rn:5 Rt:5',
    (f) => memory.decodePair(f, Index.Offset),
    (f) => emit.pair(f, Index.Offset)),
  row('Load/store register pair (pre-indexed)', 'opc:2 101 V:1 011 L:1 imm7:7 Rt2:5 Rn:5 Rt:5',
    (f) => memory.decodePair(f, Index.Pre),
    (f) => emit.pair(f, Index.Pre)),
  row('Load/store register (unscaled immediate)', 'size:2 111 V:1 00 opc:2 0 imm9:9 00 Rn:5 Rt:5',
    (f) => memory.decodeImm9(f, Index.Offset),
    (f) => emit.imm9(f, Index.Offset)),
  row('Load/store register (immediate post-indexed)', 'size:2 111 V:1 00 opc:2 0 imm9:9 01 Rn:5 Rt:5',
    (f) => memory.decodeImm9(f, Index.Post),
    (f) => emit.imm9(f, Index.Post)),
  row('Load/store register (unprivileged)', 'size:2 111 V:1 00 opc:2 0 imm9:9 10 Rn:5 Rt:5', memory.decodeUnprivileged),
  row('Load/store register (immediate pre-indexed)', 'size:2 111 V:1 00 opc:2 0 imm9:9 11 Rn:5 Rt:5',
    (f) => memory.decodeImm9(f, Index.Pre),
    (f) => emit.imm9(f, Index.Pre)),
  row('Load/store register (register offset)', 'size:2 111 V:1 00 opc:2 1 Rm:5 option:3 S:1 10 Rn:5 Rt:5', memory.decodeRegisterOffset, emit.registerOffset),
  row('Load/store register (unsigned immediate)', 'size:2 111 V:1 01 opc:2 imm12:12 Rn:5 Rt:5', memory.decodeUnsignedOffset, emit.unsignedOffset),

  // Data Processing -- Register (op0 = x101)
  row('Data-processing (2 source)', 'sf:1 0 S:1 11010110 Rm:5 opcode:6 Rn:5 Rd:5', register.decodeTwoSource),
  row('Data-processing (1 source)', 'sf:1 1 S:1 11010110 opcode2:5 opcode:6 Rn:5 Rd:5', register.decodeOneSource),
  row('Logical (shifted register)', 'sf:1 opc:2 01010 shift:2 N:1 Rm:5 imm6:6 Rn:5 Rd:5', register.decodeLogicalShifted, emit.logicalShifted),
  row('Add/subtract (shifted register)', 'sf:1 op:1 S:1 01011 shift:2 0 Rm:5 imm6:6 Rn:5 Rd:5', register.decodeAddSubShifted, emit.addSubShifted),
  row('Add/subtract (extended register)', 'sf:1 op:1 S:1 01011 opt:2 1 Rm:5 option:3 imm3:3 Rn:5 Rd:5', register.decodeAddSubExtended),
  row('Add/subtract (with carry)', 'sf:1 op:1 S:1 11010000 Rm:5 opcode2:6 Rn:5 Rd:5', register.decodeAddSubCarry),
  row('Conditional compare (register)', 'sf:1 op:1 S:1 11010010 Rm:5 cond:4 0 o2:1 Rn:5 o3:1 nzcv:4', register.decodeCondCompareRegister),
  row('Conditional compare (immediate)', 'sf:1 op:1 S:1 11010010 imm5:5 cond:4 1 o2:1 Rn:5 o3:1 nzcv:4', register.decodeCondCompareImmediate),
  row('Conditional select', 'sf:1 op:1 S:1 11010100 Rm:5 cond:4 op2:2 Rn:5 Rd:5', register.decodeCondSelect, emit.condSelect),
  row('Data-processing (3 source)', 'sf:1 op54:2 11011 op31:3 Rm:5 o0:1 Ra:5 Rn:5 Rd:5', register.decodeThreeSource),

  // Data Processing -- Scalar Floating-Point and Advanced SIMD (op0 = x111). Bramble's
  // guests are soft-float and this CPU model has no FP/SIMD unit: every such word is UNDEFINED.
  row('Scalar Floating-Point and Advanced SIMD', 'op0:4 111 op1:25', undefinedEncoding),
];

/** The Arm ARM's top-level group for a word (bits 28:25), for reports. */
export function groupOf(word: number): string {
  const op0 = (word >>> 25) & 15;
  if ((op0 & 0b1110) === 0b1000) return 'Data Processing -- Immediate';
  if ((op0 & 0b1110) === 0b1010) return 'Branches, Exception Generating and System';
  if ((op0 & 0b0101) === 0b0100) return 'Loads and Stores';
  if ((op0 & 0b0111) === 0b0101) return 'Data Processing -- Register';
  if ((op0 & 0b0111) === 0b0111) return 'Data Processing -- Scalar Floating-Point and Advanced SIMD';
  return op0 === 0 ? 'Reserved' : 'Unallocated';
}

const takeUndefined: Op = (cpu) => cpu.undefinedInstruction();

/** The row a word matches, or undefined when it matches none. */
export function rowFor(word: number): DecodeRow | undefined {
  const w = word >>> 0;
  for (const r of DECODE_TABLE) if ((w & r.mask) >>> 0 === r.value) return r;
  return undefined;
}

/** A word's fields as its row names them. */
export function fieldsOf(r: DecodeRow, word: number): FieldValues {
  const values: Record<string, number> = {};
  for (const f of r.fields) values[f.name] = (word >>> f.shift) & ((1 << f.width) - 1);
  return values;
}

/** Whether a word is allocated: it matches a row whose decoder accepts it. */
export function decodesToOp(word: number): boolean {
  const r = rowFor(word);
  return r !== undefined && r.decode(fieldsOf(r, word >>> 0)) !== undefined;
}

/** Decode one instruction word. */
export function decode(word: number): Op {
  const w = word >>> 0;
  const r = rowFor(w);
  if (r !== undefined) return r.decode(fieldsOf(r, w)) ?? takeUndefined;
  const what = `undefined instruction 0x${w.toString(16).padStart(8, '0')} (${groupOf(w)})`;
  return (cpu) => {
    cpu.bus.memory.report(`${what} at pc ${hex64(cpu.pcLo, cpu.pcHi)}`);
    cpu.undefinedInstruction();
  };
}

/** The source the block compiler uses for word `w` at byte `at` of its page, or undefined when its closure runs it. */
export function emitted(w: number, at: number): Emission | undefined {
  const r = rowFor(w);
  return r?.emit?.(fieldsOf(r, w >>> 0), at);
}
