// Checks on the reference vector set itself (not on the emulator): it is big enough, every
// instruction class is there, and every vector has the shape of the step protocol. If one
// of these fails, regenerate with `python3 emulator/vectors/generate.py` (see its README).

import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VECTOR_CLASSES, VECTOR_DIR, readVectorLines } from './vectors/read-vectors';

const MIN_TOTAL = 50_000;
const MIN_PER_CLASS = 800;
/** Fewer distinct instruction words than this means the generator lost its randomness. */
const MIN_DISTINCT_INSNS = 50;

const classes = Object.keys(VECTOR_CLASSES);

/** Load/store classes: bits 27 and 25 of the word are 1 and 0 (Arm ARM C4.1, op0 = x1x0). */
const isLoadStore = (insn: number): boolean => ((insn >>> 25) & 0b0101) === 0b0100;

describe('reference vector set', () => {
  it('has a file for every listed class and no unlisted files', () => {
    const files = readdirSync(VECTOR_DIR).filter((f) => f.endsWith('.jsonl.gz'));
    expect(files.map((f) => f.slice(0, -'.jsonl.gz'.length)).sort()).toEqual([...classes].sort());
  });

  it(`holds at least ${MIN_TOTAL} vectors in total`, () => {
    const total = classes.reduce((sum, name) => sum + readVectorLines(name).length, 0);
    expect(total).toBeGreaterThanOrEqual(MIN_TOTAL);
  });

  for (const name of classes) {
    it(`${name}: at least ${MIN_PER_CLASS} well-formed, varied vectors`, () => {
      const lines = readVectorLines(name);
      expect(lines.length).toBeGreaterThanOrEqual(MIN_PER_CLASS);
      expect(lines.filter((line) => typeof line === 'string').slice(0, 3)).toEqual([]);

      const insns = new Set<string>();
      const badRegions: string[] = [];
      for (const line of lines) {
        if (typeof line === 'string') continue;
        insns.add(line.in.insn);
        // "out.mem" may only name input regions, with their length unchanged.
        for (const region of line.out.mem) {
          const before = line.in.mem.find((r) => r.addr === region.addr);
          if (before === undefined || before.hex.length !== region.hex.length) {
            badRegions.push(`${line.in.insn}: output region ${region.addr}`);
          }
        }
      }
      expect(badRegions.slice(0, 3)).toEqual([]);
      expect(insns.size).toBeGreaterThanOrEqual(MIN_DISTINCT_INSNS);
    });

    it(`${name}: SP is 16-byte aligned whenever it is a load/store base (else a real A53 faults; unicorn does not check)`, () => {
      const misaligned = readVectorLines(name)
        .filter((line) => typeof line !== 'string')
        .filter((line) => {
          const insn = parseInt(line.in.insn, 16);
          const literal = ((insn >>> 27) & 7) === 0b011 && ((insn >>> 24) & 3) === 0; // PC-relative: no base register
          return isLoadStore(insn) && !literal && ((insn >>> 5) & 31) === 31 && BigInt(line.in.sp) % 16n !== 0n;
        })
        .map((line) => line.in.insn);
      expect(misaligned.slice(0, 3)).toEqual([]);
    });
  }
});
