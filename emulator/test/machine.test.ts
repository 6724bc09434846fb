// The Machine's contract with its users: bad images are refused with one-line
// messages, and runs are deterministic.
import { describe, expect, it } from 'vitest';
import { Machine } from '../src/index';

/** Semihosting SYS_EXIT with the exit status in x7 (our encodings, as below; checked with llvm-mc). */
const EXIT_WITH_X7 = [
  0xd2a00125, // movz x5, #9, lsl #16      parameter block at 0x90000
  0xd28004c6, // movz x6, #0x26
  0xf2a00046, // movk x6, #2, lsl #16      ADP_Stopped_ApplicationExit = 0x20026
  0xa9001ca6, // stp x6, x7, [x5]
  0xaa0503e1, // mov x1, x5
  0x52800300, // mov w0, #0x18             SYS_EXIT
  0xd45e0000, // hlt #0xf000
];

/** A tiny guest: a countdown loop, then semihosting SYS_EXIT(7). */
const COUNTDOWN = [
  0xd2a00020, // movz x0, #1, lsl #16      x0 = 65536
  0xf1000400, // 1: subs x0, x0, #1
  0x54ffffe1, // b.ne 1b
  0xd28000e7, // movz x7, #7               exit status
  ...EXIT_WITH_X7,
];

function image(words: number[]): Uint8Array {
  const bytes = new Uint8Array(words.length * 4);
  const view = new DataView(bytes.buffer);
  words.forEach((w, i) => view.setUint32(i * 4, w, true));
  return bytes;
}

describe('Machine', () => {
  it('refuses an empty image with a one-line message', () => {
    expect(() => new Machine({ kernel: new Uint8Array(0) })).toThrow(/^the kernel image is empty$/);
  });

  it('refuses an image larger than RAM', () => {
    expect(() => new Machine({ kernel: new Uint8Array(0x3f000000) })).toThrow(/does not fit in RAM/);
  });

  it('runs a guest to its semihosting exit status', () => {
    const m = new Machine({ kernel: image(COUNTDOWN) });
    expect(m.run(10_000_000)).toEqual({ kind: 'exit', code: 7 });
  });

  it('counts instructions exactly: the firmware stub, the loop and the exit sequence', () => {
    const m = new Machine({ kernel: image(COUNTDOWN) });
    m.run(10_000_000);
    // Core 0: 6 stub instructions + 1 movz + 65536 * (subs + b.ne) + 8 up to and including the HLT.
    // Cores 1-3: mrs, and, movz, wfe of the spin-table stub each, then they sleep.
    expect(m.instructions).toBe(6 + 1 + 65536 * 2 + 8 + 3 * 4);
  });

  it('stops at the instruction budget and goes on where it stopped', () => {
    const m = new Machine({ kernel: image(COUNTDOWN) });
    expect(m.run(1000)).toEqual({ kind: 'budget' });
    expect(m.instructions).toBe(1000);
    expect(m.run(10_000_000)).toEqual({ kind: 'exit', code: 7 });
    expect(m.instructions).toBe(6 + 1 + 65536 * 2 + 8 + 3 * 4);
  });

  it('stops at a deadline of virtual time, and goes on from there to the same end', () => {
    const m = new Machine({ kernel: image(COUNTDOWN) });
    expect(m.run(10_000_000, 0.001)).toEqual({ kind: 'deadline' });
    expect(m.seconds).toBe(0.001);
    expect(m.run(10_000_000, 0.001)).toEqual({ kind: 'deadline' });
    expect(m.run(10_000_000)).toEqual({ kind: 'exit', code: 7 });
    expect(m.instructions).toBe(6 + 1 + 65536 * 2 + 8 + 3 * 4);
  });

  it('an unallocated encoding takes the undefined-instruction exception and is reported once', () => {
    // 0x00800000 lies in the reserved group (op0 = 0000) but is not UDF: unallocated, so UNDEFINED.
    // VBAR_EL2 is 0 at reset, so the exception (taken at EL2 from EL2 with SP_EL2) enters 0x200, where
    // RAM holds zeros: UDF, which traps to 0x200 again, for ever.
    const m = new Machine({ kernel: image([0x00800000]) });
    const warnings: string[] = [];
    m.onWarning = (w) => warnings.push(w);
    m.run(100);
    expect(warnings).toEqual(['undefined instruction 0x00800000 (Reserved) at pc 0x80000']);
    expect(m.cores[0].pcString()).toBe('0x200');
  });

  it('CRC32 runs, and its encodings with the wrong register width are UNDEFINED', () => {
    // crc32cx w0, w0, x1 (0x9ac15c00) is allocated; the same with sf = 0 (0x1ac15c00) is not.
    // With x0 = x1 = 0 the CRC stays 0; then the bad word traps to VBAR_EL2 + 0x200 = 0x200.
    // Core 0 runs first: 6 instructions of the firmware stub, then these four (the last one traps).
    const m = new Machine({ kernel: image([0xd2800000, 0xd2800001, 0x9ac15c00, 0x1ac15c00]) });
    m.run(6 + 4);
    expect(m.cores[0].pcString()).toBe('0x200');
    expect(m.cores[0].sys.elr(2)).toBe(0x8000c); // the exception came from the fourth word
  });
});

describe('running in slices', () => {
  it('gives the same result and count whatever the slice size (no instruction replayed or skipped at a boundary)', () => {
    for (const slice of [1, 7, 1000]) {
      const m = new Machine({ kernel: image(COUNTDOWN) });
      let stop = m.run(slice);
      while (stop.kind === 'budget') stop = m.run(slice);
      expect(stop).toEqual({ kind: 'exit', code: 7 });
      expect(m.instructions).toBe(6 + 1 + 65536 * 2 + 8 + 3 * 4);
    }
  });
});

describe('faults that repeat', () => {
  it('a vector that itself faults still lets run() return at its budget', () => {
    // VBAR_EL2 = 0x80001 is misaligned, so the UDF's exception enters 0x80201 and takes a PC
    // alignment fault there, whose vector is 0x80201 again: a loop with no instruction in it.
    const m = new Machine({
      kernel: image([
        0xd2a00100, // movz x0, #0x8, lsl #16
        0x91000400, // add  x0, x0, #1
        0xd51cc000, // msr  vbar_el2, x0
        0x00000000, // udf  #0
      ]),
    });
    expect(m.run(1000)).toEqual({ kind: 'budget' });
    expect(m.cores[0].pcString()).toBe('0x80201');
  });
});

describe('code that is overwritten', () => {
  it('runs as the new instruction after a store replaces it, even once decoded', () => {
    // The movz at 0x8000c runs once (and is decoded), is then overwritten by `movz x0, #2`,
    // and runs again: the exit status is what the second pass left in x0.
    const m = new Machine({
      kernel: image([
        0x10000062, // adr  x2, target (0x8000c)
        0x180001c1, // ldr  w1, newinsn (0x8003c)
        0xd2800043, // mov  x3, #2
        0xd2800020, // target: movz x0, #1
        0xb9000041, // str  w1, [x2]
        0xf1000463, // subs x3, x3, #1
        0x54ffffa1, // b.ne target
        0xaa0003e7, // mov  x7, x0              exit status
        ...EXIT_WITH_X7,
        0xd2800040, // newinsn: movz x0, #2
      ]),
    });
    expect(m.run(1000)).toEqual({ kind: 'exit', code: 2 });
  });

  it('runs the new instruction after the page it runs from took enough stores to count as data', () => {
    // The loop at `fill` stores 70 words into its own page, staying in it; the first pass has
    // run `target` (decoded), and then replaces it with `movz x0, #2`, which the second pass
    // must run: the exit status is 2 (1 if the old decoding of the page ran on).
    const program = [
      0x10004002, // adr  x2, 0x80800
      0xd2800043, // mov  x3, #2
      0x18000241, // ldr  w1, newinsn
      0x10000026, // adr  x6, target
      0xd2800020, // target: movz x0, #1
      0xd28008c4, // mov  x4, #70
      0xb800445f, // fill: str wzr, [x2], #4
      0xf1000484, // subs x4, x4, #1
      0x54ffffc1, // b.ne fill
      0xb90000c1, // str  w1, [x6]
      0xf1000463, // subs x3, x3, #1
      0x54ffff21, // b.ne target
      0xaa0003e7, // mov  x7, x0              exit status
      ...EXIT_WITH_X7,
      0xd2800040, // newinsn: movz x0, #2
    ];
    for (const compile of [false, true]) {
      expect(new Machine({ kernel: image(program), compile, compileAfter: 0 }).run(10_000), compile ? 'compiled' : 'interpreted').toEqual({ kind: 'exit', code: 2 });
    }
  });

  it('runs the new code of a page that took enough stores to count as data, compiled or not', () => {
    // A function at the end of page 0x81000 runs (and is decoded, and compiled at once when
    // the compiler is on), then a loop copies page 0x82000 over the whole page, word 0 first:
    // after its first stores the page counts as data, its decoded and compiled code is dropped,
    // and the later stores, which overwrite the function, take the fast path. The function
    // then runs again: the exit status is 16 * (its first result) + its second, 16 + 2.
    const words = new Array<number>(3 * 1024).fill(0);
    words.splice(0, 20, ...[
      0x1000ffc2, // adr  x2, 0x81ff8           the function
      0xd63f0040, // blr  x2                    x0 = 1
      0xaa0003e8, // mov  x8, x0
      0x10007fa2, // adr  x2, 0x81000
      0x1000ff83, // adr  x3, 0x82000
      0xd2808004, // mov  x4, #1024
      0xb8404465, // 1: ldr w5, [x3], #4
      0xb8004445, // str  w5, [x2], #4
      0xf1000484, // subs x4, x4, #1
      0x54ffffa1, // b.ne 1b
      0x1000fe82, // adr  x2, 0x81ff8
      0xd63f0040, // blr  x2                    x0 = 2, if the new code runs
      0x8b081007, // add  x7, x0, x8, lsl #4    exit status
      ...EXIT_WITH_X7,
    ]);
    words.splice(2046, 2, 0xd2800020, 0xd65f03c0); // 0x81ff8: movz x0, #1; ret
    words.splice(3070, 2, 0xd2800040, 0xd65f03c0); // 0x82ff8: movz x0, #2; ret
    const compiled = new Machine({ kernel: image(words), compile: true, compileAfter: 0 });
    const interpreted = new Machine({ kernel: image(words), compile: false });
    expect(compiled.run(100_000)).toEqual({ kind: 'exit', code: 18 });
    expect(interpreted.run(100_000)).toEqual({ kind: 'exit', code: 18 });
    expect(compiled.instructions).toBe(interpreted.instructions);
  });
});

