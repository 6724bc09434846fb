// Replays the unicorn reference vectors through our core, one instruction at a time.
//
// The expected states come from an independent implementation (unicorn 2.0.1 as a
// Cortex-A53, see emulator/vectors/README.md), never from this emulator. One test per
// instruction class, so a failure names the class; its message shows the first few
// differing vectors with their input and a field-by-field diff.

import { describe, expect, it } from 'vitest';
import { stepOne } from '../src/step';
import { VECTOR_CLASSES, readVectors } from './vectors/read-vectors';
import type { MemRegion, Vector } from './vectors/read-vectors';

/** How many differing vectors a failure message shows in full. */
const SHOWN_MISMATCHES = 4;

/** A step result in a canonical form: hex lowercase without leading zeros. */
type Outcome =
  | { kind: 'state'; x: string[]; sp: string; pc: string; nzcv: string; mem: MemRegion[] }
  | { kind: 'exception'; ec: string; iss: string }
  | { kind: 'malformed'; why: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** "0x00AB" and 0xab (as a number or bigint) all become "0xab"; anything else is shown as-is. */
function canonicalHex(value: unknown): string {
  if (typeof value === 'bigint' || (typeof value === 'number' && Number.isSafeInteger(value))) {
    return `0x${BigInt.asUintN(64, BigInt(value)).toString(16)}`;
  }
  if (typeof value === 'string' && /^0x[0-9a-f]+$/i.test(value)) return `0x${BigInt(value).toString(16)}`;
  return `<not a hex value: ${JSON.stringify(value) ?? String(value)}>`;
}

function nzcvText(value: unknown): string {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 15) {
    return `<not 0..15: ${JSON.stringify(value)}>`;
  }
  return [...'NZCV'].map((flag, i) => ((value >> (3 - i)) & 1 ? flag : flag.toLowerCase())).join('');
}

/** Reads whatever stepOne returned without trusting its shape, so a bad result is a diff, not a crash. */
function outcomeOf(result: unknown): Outcome {
  if (!isRecord(result)) return { kind: 'malformed', why: `result is ${JSON.stringify(result)}` };
  if (result.exception !== undefined) {
    const e = result.exception;
    if (!isRecord(e)) return { kind: 'malformed', why: `exception is ${JSON.stringify(e)}` };
    return { kind: 'exception', ec: canonicalHex(e.ec), iss: canonicalHex(e.iss) };
  }
  const { x, mem } = result;
  if (!Array.isArray(x) || x.length !== 31) return { kind: 'malformed', why: 'x is not a list of 31 values' };
  if (!Array.isArray(mem)) return { kind: 'malformed', why: 'mem is not a list' };
  return {
    kind: 'state',
    x: x.map(canonicalHex),
    sp: canonicalHex(result.sp),
    pc: canonicalHex(result.pc),
    nzcv: nzcvText(result.nzcv),
    mem: mem.map((r: unknown) =>
      isRecord(r)
        ? { addr: canonicalHex(r.addr), hex: typeof r.hex === 'string' ? r.hex.toLowerCase() : `<${JSON.stringify(r.hex)}>` }
        : { addr: `<${JSON.stringify(r)}>`, hex: '' },
    ),
  };
}

/** Lines of "field: expected A, got B"; empty when the outcomes agree. */
function differences(expected: Outcome, actual: Outcome): string[] {
  if (actual.kind === 'malformed') return [`malformed result: ${actual.why}`];
  if (expected.kind !== 'state') throw new Error('the vectors hold no exceptions');
  if (actual.kind === 'exception') return [`took an exception (ec ${actual.ec}, iss ${actual.iss}); expected none`];
  const lines: string[] = [];
  const field = (name: string, want: string, got: string) => {
    if (want !== got) lines.push(`${name}: expected ${want}, got ${got}`);
  };
  expected.x.forEach((want, i) => field(`x${i}`, want, actual.x[i] ?? '<missing>'));
  field('sp', expected.sp, actual.sp);
  field('pc', expected.pc, actual.pc);
  field('nzcv', expected.nzcv, actual.nzcv);
  const changed = (regions: MemRegion[]) => new Map(regions.map((r) => [r.addr, r.hex]));
  const wantMem = changed(expected.mem);
  const gotMem = changed(actual.mem);
  for (const addr of new Set([...wantMem.keys(), ...gotMem.keys()])) {
    field(`mem ${addr}`, wantMem.get(addr) ?? '(unchanged)', gotMem.get(addr) ?? '(unchanged)');
  }
  return lines;
}

function describeInput(v: Vector): string {
  const regs = v.in.x.map((value, i) => `x${i}=${value}`);
  const rows: string[] = [];
  for (let i = 0; i < regs.length; i += 4) rows.push(`    ${regs.slice(i, i + 4).join(' ')}`);
  const mem = v.in.mem.map((r) => `    mem ${r.addr}: ${r.hex}`);
  return [`  in: pc=${v.in.pc} sp=${v.in.sp} nzcv=${nzcvText(v.in.nzcv)}`, ...rows, ...mem].join('\n');
}

describe.each(['interpreted', 'compiled'] as const)('instruction vectors from unicorn (Cortex-A53), %s', (tier) => {
  for (const [name, covers] of Object.entries(VECTOR_CLASSES)) {
    it(`${name}: ${covers}`, () => {
      const vectors = readVectors(name);
      const reports: string[] = [];
      let mismatches = 0;
      for (const [i, v] of vectors.entries()) {
        const expected = outcomeOf(v.out);
        let diff: string[];
        try {
          diff = differences(expected, outcomeOf(stepOne(v.in, tier)));
        } catch (error) {
          diff = [`stepOne threw: ${error instanceof Error ? error.message : String(error)}`];
        }
        if (diff.length === 0) continue;
        mismatches += 1;
        if (reports.length < SHOWN_MISMATCHES) {
          reports.push([`${name} #${i}: insn ${v.in.insn}`, describeInput(v), ...diff.map((d) => `  ${d}`)].join('\n'));
        }
      }
      const summary = `${mismatches} of ${vectors.length} ${name} vectors differ from unicorn; the first ones:\n\n${reports.join('\n\n')}`;
      expect(mismatches, summary).toBe(0);
      // In the compiled tier each vector's instruction is compiled on its own (new Function):
      // a class of a few thousand takes seconds on a busy machine, over vitest's default 5 s.
    }, 60_000);
  }
});
