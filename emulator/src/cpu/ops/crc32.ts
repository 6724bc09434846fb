// CRC32B/H/W/X and CRC32CB/CH/CW/CX (Arm ARM C6.2, "CRC32*"; data-processing 2 source,
// opcode 010Csz): the optional CRC32 extension, which the Pi 3's Cortex-A53 implements
// (ID_AA64ISAR0_EL1.CRC32 = 1; Linux lists "crc32" in /proc/cpuinfo).
//
// Wd = CRC of the low 8, 16, 32 or 64 bits of the value register, continuing from the 32-bit
// accumulator Wn. The Arm ARM states it with bit reversals around a polynomial division;
// that is the reflected CRC that software computes a byte at a time, least significant
// byte first, with no initial or final inversion (the program does those itself).

import type { Op } from '../cpu';
import { dstZr, type Fields, srcZr } from './common';

/** The polynomials bit-reversed: CRC-32 (0x04C11DB7, ISO-HDLC) and CRC-32C (0x1EDC6F41, Castagnoli). */
const REFLECTED_POLYNOMIAL = { crc32: 0xedb88320, crc32c: 0x82f63b78 } as const;

/** The CRC of each byte value on its own: one table lookup does a byte's eight division steps. */
function byteTable(polynomial: number): Int32Array {
  const table = new Int32Array(256);
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ polynomial : crc >>> 1;
    table[byte] = crc;
  }
  return table;
}

const TABLES = { crc32: byteTable(REFLECTED_POLYNOMIAL.crc32), crc32c: byteTable(REFLECTED_POLYNOMIAL.crc32c) };

/** The accumulator `crc` carried through the `bytes` low bytes of `value`, lowest first. */
function update(table: Int32Array, crc: number, value: number, bytes: number): number {
  for (let i = 0; i < bytes; i++) crc = (crc >>> 8) ^ table[(crc ^ (value >>> (8 * i))) & 0xff];
  return crc;
}

/** The CRC32 instructions (opcode 010Csz of data-processing (2 source)); undefined for the unallocated ones among them. */
export function decodeCrc32({ sf, Rm, opcode, Rn, Rd }: Fields<'sf' | 'Rm' | 'opcode' | 'Rn' | 'Rd'>): Op | undefined {
  const size = opcode & 3; // 0 byte, 1 halfword, 2 word, 3 doubleword
  // Only CRC32X/CRC32CX take an X register; the others are 32-bit forms (sf = 0).
  if ((sf === 1) !== (size === 3)) return undefined;
  const table = (opcode & 4) !== 0 ? TABLES.crc32c : TABLES.crc32;
  const n = srcZr(Rn);
  const m = srcZr(Rm);
  const d = dstZr(Rd);
  if (size === 3) {
    return (cpu) => cpu.set32(d, update(table, update(table, cpu.lo(n), cpu.lo(m), 4), cpu.hi(m), 4));
  }
  const bytes = 1 << size;
  return (cpu) => cpu.set32(d, update(table, cpu.lo(n), cpu.lo(m), bytes));
}
