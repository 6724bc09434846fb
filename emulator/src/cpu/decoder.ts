// The A64 decoder, as tables a reader can hold against the Arm ARM.
//
// The Arm ARM (DDI 0487, chapter C4 "A64 Instruction Set Encoding") decodes an
// instruction top-down: bits 28:25 pick a group, then more bits pick a class
// within it. Each row below is one class: its name as the Arm ARM writes it, and
// its encoding as a 32-character pattern read from bit 31 down to bit 0, where
// 0 and 1 must match and x is any value (spaces are for reading only and group
// the bits as the Arm ARM's encoding diagrams do). The first matching row wins.
//
// A row's decoder returns an Op, or `undefined` when the word is an
// unallocated encoding inside that class. A word that matches no row at all is
// unallocated in ARMv8.0 too (this table covers every integer class, with the
// optional CRC32 instructions the Cortex-A53 has, and FP/SIMD is absent from
// this CPU model). Both are UNDEFINED and take the
// undefined-instruction exception, as on hardware and in QEMU; a word matching
// no row is also reported once, since a kernel without a vector table would
// otherwise fail silently.

import { hex64 } from '../bits';
import type { Op } from './cpu';
import { decodeCrc32 } from './ops/crc32';
import { decodeBranchCond, decodeBranchImm, decodeBranchReg, decodeCompareBranch, decodeTestBranch } from './ops/branch';
import { decodeAddSubImm, decodeBitfield, decodeExtract, decodeLogicalImm, decodeMoveWide, decodePcRel } from './ops/data-immediate';
import {
  decodeAddSubCarry,
  decodeAddSubExtended,
  decodeAddSubShifted,
  decodeCondCompare,
  decodeCondSelect,
  decodeLogicalShifted,
  decodeOneSource,
  decodeThreeSource,
  decodeTwoSource,
} from './ops/data-register';
import { decodeExclusive, decodeImm9, decodeLiteral, decodePair, decodeRegisterOffset, decodeUnsignedOffset } from './ops/load-store';
import { decodeExceptionGen, decodeSystem } from './ops/system';

interface Row {
  readonly name: string;
  readonly mask: number;
  readonly value: number;
  readonly decode: (word: number) => Op | undefined;
}

function row(name: string, pattern: string, decode: (word: number) => Op | undefined): Row {
  const bits = pattern.replace(/ /g, '');
  if (!/^[01x]{32}$/.test(bits)) throw new Error(`decoder row ${name}: pattern must be 32 bits of 0, 1 or x`);
  let mask = 0;
  let value = 0;
  for (const ch of bits) {
    mask = (mask << 1) | (ch === 'x' ? 0 : 1);
    value = (value << 1) | (ch === '1' ? 1 : 0);
  }
  return { name, mask: mask >>> 0, value: value >>> 0, decode };
}

/** A permanently UNDEFINED encoding: takes the exception, like the real core. */
const undefinedEncoding = (): Op | undefined => undefined;

export const DECODE_TABLE: readonly Row[] = [
  //                                         31                              0
  row('UDF (permanently undefined)',          '0000 0000 0000 0000 xxxx xxxx xxxx xxxx', undefinedEncoding),

  // Data Processing -- Immediate (op0 = 100x)
  row('PC-rel. addressing (ADR, ADRP)',       'xxx1 0000 xxxx xxxx xxxx xxxx xxxx xxxx', decodePcRel),
  row('Add/subtract (immediate)',             'xxx1 0001 0xxx xxxx xxxx xxxx xxxx xxxx', decodeAddSubImm),
  row('Logical (immediate)',                  'xxx1 0010 0xxx xxxx xxxx xxxx xxxx xxxx', decodeLogicalImm),
  row('Move wide (immediate)',                'xxx1 0010 1xxx xxxx xxxx xxxx xxxx xxxx', decodeMoveWide),
  row('Bitfield',                             'xxx1 0011 0xxx xxxx xxxx xxxx xxxx xxxx', decodeBitfield),
  row('Extract',                              'xxx1 0011 1xxx xxxx xxxx xxxx xxxx xxxx', decodeExtract),

  // Branches, Exception Generating and System instructions (op0 = 101x)
  row('Conditional branch (immediate)',       '0101 0100 xxxx xxxx xxxx xxxx xxxx xxxx', decodeBranchCond),
  row('Exception generation',                 '1101 0100 xxxx xxxx xxxx xxxx xxxx xxxx', decodeExceptionGen),
  row('System (hints, barriers, PSTATE, SYS, MSR/MRS)', '1101 0101 00xx xxxx xxxx xxxx xxxx xxxx', decodeSystem),
  row('Unconditional branch (register)',      '1101 011x xxxx xxxx xxxx xxxx xxxx xxxx', decodeBranchReg),
  row('Unconditional branch (immediate)',     'x001 01xx xxxx xxxx xxxx xxxx xxxx xxxx', decodeBranchImm),
  row('Compare and branch (immediate)',       'x011 010x xxxx xxxx xxxx xxxx xxxx xxxx', decodeCompareBranch),
  row('Test and branch (immediate)',          'x011 011x xxxx xxxx xxxx xxxx xxxx xxxx', decodeTestBranch),

  // Loads and Stores (op0 = x1x0)
  row('Load/store exclusive, acquire/release', 'xx00 1000 xxxx xxxx xxxx xxxx xxxx xxxx', decodeExclusive),
  row('Load register (literal)',              'xx01 1x00 xxxx xxxx xxxx xxxx xxxx xxxx', decodeLiteral),
  row('Load/store register pair',             'xx10 1x0x xxxx xxxx xxxx xxxx xxxx xxxx', decodePair),
  row('Load/store register (imm9 forms)',     'xx11 1x00 xx0x xxxx xxxx xxxx xxxx xxxx', decodeImm9),
  row('Load/store register (register offset)', 'xx11 1x00 xx1x xxxx xxxx 10xx xxxx xxxx', decodeRegisterOffset),
  row('Load/store register (unsigned immediate)', 'xx11 1x01 xxxx xxxx xxxx xxxx xxxx xxxx', decodeUnsignedOffset),

  // Data Processing -- Register (op0 = x101)
  row('CRC32 (2 source, opcode 010Csz)',      'x001 1010 110x xxxx 010x xxxx xxxx xxxx', decodeCrc32),
  row('Data-processing (2 source)',           'x0x1 1010 110x xxxx xxxx xxxx xxxx xxxx', decodeTwoSource),
  row('Data-processing (1 source)',           'x1x1 1010 110x xxxx xxxx xxxx xxxx xxxx', decodeOneSource),
  row('Logical (shifted register)',           'xxx0 1010 xxxx xxxx xxxx xxxx xxxx xxxx', decodeLogicalShifted),
  row('Add/subtract (shifted register)',      'xxx0 1011 xx0x xxxx xxxx xxxx xxxx xxxx', decodeAddSubShifted),
  row('Add/subtract (extended register)',     'xxx0 1011 xx1x xxxx xxxx xxxx xxxx xxxx', decodeAddSubExtended),
  row('Add/subtract (with carry)',            'xxx1 1010 000x xxxx xxxx xxxx xxxx xxxx', decodeAddSubCarry),
  row('Conditional compare',                  'xxx1 1010 010x xxxx xxxx xxxx xxxx xxxx', decodeCondCompare),
  row('Conditional select',                   'xxx1 1010 100x xxxx xxxx xxxx xxxx xxxx', decodeCondSelect),
  row('Data-processing (3 source)',           'xxx1 1011 xxxx xxxx xxxx xxxx xxxx xxxx', decodeThreeSource),

  // Data Processing -- Scalar Floating-Point and Advanced SIMD (op0 = x111). Bramble's
  // guests are soft-float and this CPU model has no FP/SIMD unit: every such word is UNDEFINED.
  row('Scalar Floating-Point and Advanced SIMD', 'xxxx 111x xxxx xxxx xxxx xxxx xxxx xxxx', undefinedEncoding),
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

const takeUndefined: Op = (c) => c.undefinedInstruction();

/** Decode one instruction word. */
export function decode(word: number): Op {
  const w = word >>> 0;
  for (const r of DECODE_TABLE) {
    if ((w & r.mask) >>> 0 === r.value) return r.decode(w) ?? takeUndefined;
  }
  const what = `undefined instruction 0x${w.toString(16).padStart(8, '0')} (${groupOf(w)})`;
  return (c) => {
    c.bus.memory.report(`${what} at pc ${hex64(c.pcLo, c.pcHi)}`);
    c.undefinedInstruction();
  };
}
