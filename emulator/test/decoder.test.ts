// The decoder's table (src/cpu/decoder.ts): one row per encoding class of the Arm ARM, with
// named fields. No word may match two rows, so the rows' order decides nothing; each pattern
// accounts for all 32 bits; and a word's fields reach its decoder under their Arm ARM names.
import { describe, expect, it } from 'vitest';
import { DECODE_TABLE, fieldsOf, row, rowFor } from '../src/cpu/decoder';
import { decodeAddSubImm } from '../src/cpu/ops/data-immediate';

const hex = (v: number): string => `0x${(v >>> 0).toString(16).padStart(8, '0')}`;

describe('the decoder table', () => {
  it('has no two rows that a word could match both of', () => {
    const overlaps: string[] = [];
    DECODE_TABLE.forEach((a, i) => {
      for (const b of DECODE_TABLE.slice(i + 1)) {
        // Two rows share a word exactly when their fixed bits agree wherever both fix one.
        if (((a.value ^ b.value) & a.mask & b.mask) === 0) overlaps.push(`${a.name} / ${b.name}`);
      }
    });
    expect(overlaps).toEqual([]);
  });

  it('accounts for every bit of every pattern once, as a fixed bit or in one field', () => {
    for (const r of DECODE_TABLE) {
      let covered = r.mask;
      for (const f of r.fields) {
        const bits = (((1 << f.width) - 1) << f.shift) >>> 0;
        expect((covered & bits) >>> 0, `${r.name}: field ${f.name}`).toBe(0);
        covered = (covered | bits) >>> 0;
      }
      expect(hex(covered), r.name).toBe(hex(0xffffffff));
      expect(new Set(r.fields.map((f) => f.name)).size, `${r.name}: a field named twice`).toBe(r.fields.length);
    }
  });

  it('rejects a pattern that is not 32 bits of fixed bits and name:width fields', () => {
    const none = (): undefined => undefined;
    expect(() => row('short', '0101 imm26:26 Rd:1', none)).toThrow('decoder row short: the pattern has 31 bits, not 32');
    expect(() => row('long', '0101 imm26:26 Rd:3', none)).toThrow('decoder row long: the pattern has 33 bits, not 32');
    expect(() => row('x bits', 'xxxx imm26:26 Rd:2', none)).toThrow("decoder row x bits: 'xxxx' is neither fixed bits nor name:width");
    expect(row('fine', '0101 imm26:26 Rd:2', none).fields.map((f) => [f.name, f.shift, f.width])).toEqual([
      ['imm26', 2, 26],
      ['Rd', 0, 2],
    ]);
  });

  it('has TypeScript refuse a decoder that reads a field its row does not name', () => {
    // `npm run typecheck` fails if this line ever type-checks: the pattern calls the field
    // imm, and decodeAddSubImm reads imm12, which such a row would never give it.
    // @ts-expect-error: property 'imm12' is missing in the pattern's fields
    const misnamed = row('Add/subtract (immediate)', 'sf:1 op:1 S:1 100010 sh:1 imm:12 Rn:5 Rd:5', decodeAddSubImm);
    expect(misnamed.fields.map((f) => f.name)).not.toContain('imm12');
  });

  it('gives a word its fields by their Arm ARM names', () => {
    // add x1, x2, #0x10, lsl #12
    const add = 0x91404041;
    const addRow = rowFor(add);
    expect(addRow?.name).toBe('Add/subtract (immediate)');
    expect(fieldsOf(addRow!, add)).toEqual({ sf: 1, op: 0, S: 0, sh: 1, imm12: 0x10, Rn: 2, Rd: 1 });
    // ldp x29, x30, [sp], #16
    const ldp = 0xa8c17bfd;
    const pair = rowFor(ldp);
    expect(pair?.name).toBe('Load/store register pair (post-indexed)');
    expect(fieldsOf(pair!, ldp)).toEqual({ opc: 2, V: 0, L: 1, imm7: 2, Rt2: 30, Rn: 31, Rt: 29 });
    // mrs x0, mpidr_el1: op0 = 3 is o0 = 1 in this class's diagram
    const mrs = 0xd53800a0;
    const move = rowFor(mrs);
    expect(move?.name).toBe('System register move');
    expect(fieldsOf(move!, mrs)).toEqual({ L: 1, o0: 1, op1: 0, CRn: 0, CRm: 0, op2: 5, Rt: 0 });
  });

  it('matches no row for a word in an unallocated part of the encoding space', () => {
    expect(rowFor(0x00800000)).toBeUndefined(); // reserved group, not UDF
    expect(rowFor(0x91800000)).toBeUndefined(); // add/subtract (immediate, with tags): not in ARMv8.0
    expect(rowFor(0xd5033fdf)?.name).toBe('Barriers'); // ... while ISB is one
  });
});
