// The block compiler (src/cpu/compiler.ts) against the closures it stands in for: random
// programs, straight and looping, faulting and not, run in a machine that compiles and one
// that only interprets, sliced into random budgets; after every slice both must hold the same
// registers, flags, PC, exception registers and instruction count, and at the end the same
// memory. The programs set the flags and read them in the ways the compiler treats apart: a
// B.cond straight after (fused), a conditional select, the flags set again before any read
// (dead), or with a load or store between (live: it may fault). Then the cases a random
// program rarely reaches: code that rewrites itself inside a hot block, and a fault in the
// middle of one.
import { describe, expect, it } from 'vitest';
import { Machine } from '../src/index';
import { decodesToOp } from '../src/cpu/decoder';
import { Reg } from '../src/cpu/sysregs';
import { compileBlock, HOT } from '../src/cpu/compiler';

/** mulberry32: a small seeded generator, so a failing program can be regenerated from its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function image(words: number[]): Uint8Array {
  const bytes = new Uint8Array(words.length * 4);
  const view = new DataView(bytes.buffer);
  words.forEach((w, i) => view.setUint32(i * 4, w >>> 0, true));
  return bytes;
}

const KERNEL = 0x80000;
/** Where the programs' loads and stores go: four base registers and SP point into it. */
const DATA = 0x100000;
const DATA_SIZE = 0x100000;
const BASES = [20, 21, 22, 23];
const LOOP_COUNTER = 28;
/** The generators that branch, last in the list: the straight programs leave them out. */
const BRANCHING = 3;

const movz = (d: number, imm: number, hw: number): number => (0xd2800000 | (hw << 21) | ((imm & 0xffff) << 5) | d) >>> 0;
const movk = (d: number, imm: number, hw: number): number => (0xf2800000 | (hw << 21) | ((imm & 0xffff) << 5) | d) >>> 0;
/** Load a 32-bit constant into Xd. */
const load32 = (d: number, v: number): number[] => [movz(d, v & 0xffff, 0), movk(d, v >>> 16, 1)];

/**
 * A handler for synchronous exceptions at EL2 (VBAR_EL2 + 0x200): it records ELR, ESR and FAR
 * in x25..x27 and returns past the faulting instruction.
 */
const HANDLER = [
  0xd53c403b, // mrs x27, elr_el2
  0xd53c521a, // mrs x26, esr_el2
  0xd53c6019, // mrs x25, far_el2
  0x9100137b, // add x27, x27, #4
  0xd51c403b, // msr elr_el2, x27
  0xd69f03e0, // eret
];
const VBAR = 0x90000;

/**
 * The instruction word generators; each returns a word (or a few in a row) that its row
 * accepts, or null to try again.
 */
type Gen = (rnd: () => number, at: number, bodyEnd: number) => number | number[] | null;

/** The PL011's data register, where a program that prints writes its bytes. */
const UART_DR = 0x3f201000;
const UART_BASE = 19;

/**
 * A random program: x0..x15 random, a body of `bodyLength` random instructions run
 * `iterations` times, then a branch to itself. With `print`, every 16th pass writes w0's low
 * byte to the UART.
 */
function program(seed: number, bodyLength: number, iterations: number, branches = true, print = false): Uint8Array {
  const rnd = random(seed);
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const bits = (n: number): number => Math.floor(rnd() * 2 ** n);
  const dst = (): number => (rnd() < 0.05 ? 31 : bits(4)); // x0..x15, sometimes XZR/SP
  const src = (): number => (rnd() < 0.05 ? 31 : bits(4));
  const base = (): number => (rnd() < 0.15 ? 31 : pick(BASES));
  // The instructions the compiler knows that set the flags: ADDS/SUBS (CMP, CMN) with an
  // immediate or a shifted register, ANDS (TST) with an immediate or a shifted register.
  const setFlags = (): number =>
    pick([
      () => (bits(1) << 31) | (bits(1) << 30) | (1 << 29) | (0b100010 << 23) | (bits(1) << 22) | (bits(12) << 10) | (src() << 5) | dst(),
      () => (bits(1) << 31) | (0b11 << 29) | (0b100100 << 23) | (bits(5) << 16) | (0b1111 << 10) | (src() << 5) | dst(),
      () => (bits(1) << 31) | (0b11 << 29) | (0b01010 << 24) | (bits(2) << 22) | (src() << 16) | (bits(5) << 10) | (src() << 5) | dst(),
      () => (bits(1) << 31) | (bits(1) << 30) | (1 << 29) | (0b01011 << 24) | (bits(1) << 22) | (src() << 16) | (bits(5) << 10) | (src() << 5) | dst(),
    ])();
  const condSelect = (): number => (bits(2) << 30) | (0b11010100 << 21) | (src() << 16) | (bits(4) << 12) | (bits(1) << 10) | (src() << 5) | dst();
  const accesses = [
    () => (bits(2) << 30) | (0b111001 << 24) | (bits(2) << 22) | (bits(6) << 10) | (base() << 5) | bits(4),
    () => (bits(2) << 30) | (0b111000 << 24) | (bits(2) << 22) | (bits(9) << 12) | (bits(2) << 10) | (base() << 5) | bits(4),
    () => (pick([0, 2]) << 30) | (0b101 << 27) | (pick([1, 2, 3]) << 23) | (bits(1) << 22) | (bits(7) << 15) | (bits(4) << 10) | (base() << 5) | bits(4),
  ];
  const condBranch = (skip: number): number => (0x54 << 24) | (skip << 5) | bits(4);
  const gens: Gen[] = [
    // add/sub (immediate), with and without flags
    () => (bits(3) << 29) | (0b100010 << 23) | (bits(1) << 22) | (bits(12) << 10) | (src() << 5) | dst(),
    // logical (immediate)
    () => (bits(3) << 29) | (0b100100 << 23) | (bits(13) << 10) | (src() << 5) | dst(),
    // move wide
    () => (bits(3) << 29) | (0b100101 << 23) | (bits(18) << 5) | dst(),
    // bitfield
    () => (bits(3) << 29) | (0b100110 << 23) | (bits(13) << 10) | (src() << 5) | dst(),
    // logical (shifted register)
    () => (bits(3) << 29) | (0b01010 << 24) | (bits(3) << 21) | (src() << 16) | (bits(6) << 10) | (src() << 5) | dst(),
    // add/sub (shifted register)
    () => (bits(3) << 29) | (0b01011 << 24) | (bits(2) << 22) | (src() << 16) | (bits(6) << 10) | (src() << 5) | dst(),
    // conditional select
    condSelect,
    // flags set and read: a conditional select after them, or flags set again before anything
    // reads them (the first instruction's flags are dead, unless something may fault between)
    () => [setFlags(), condSelect()],
    () => [setFlags(), setFlags(), condSelect()],
    () => [setFlags(), condSelect(), setFlags()],
    // ADR, ADRP
    () => (bits(1) << 31) | (bits(2) << 29) | (0b10000 << 24) | (bits(19) << 5) | dst(),
    // left to the closures inside a block: multiply-add, divide, extract, conditional compare
    () => (bits(1) << 31) | (0b0011011000 << 21) | (src() << 16) | (bits(1) << 15) | (src() << 10) | (src() << 5) | dst(),
    () => (bits(1) << 31) | (0b0011010110 << 21) | (src() << 16) | (0b00001 << 11) | (bits(1) << 10) | (src() << 5) | dst(),
    () => (bits(2) << 30) | (0b111010010 << 21) | (src() << 16) | (bits(4) << 12) | (bits(1) << 11) | (src() << 5) | bits(4),
    // loads and stores: unsigned offset, imm9 (unscaled, post-, pre-index, unprivileged), pairs
    ...accesses,
    // one between two flag-setting instructions: the first one's flags are live, since the access may fault
    () => [setFlags(), pick(accesses)(), setFlags()],
    // register offset (Rm is x24, which holds a small value), and EXTR/ROR
    () => (bits(2) << 30) | (0b111000 << 24) | (bits(2) << 22) | (1 << 21) | (24 << 16) | (pick([2, 3, 6, 7]) << 13) | (bits(1) << 12) | (0b10 << 10) | (base() << 5) | bits(4),
    () => {
      const is64 = bits(1);
      return (is64 << 31) | (0b00100111 << 23) | (is64 << 22) | (src() << 16) | (bits(6) << 10) | (src() << 5) | dst();
    },
    // forward branches inside the body (the last BRANCHING generators): B.cond, CBZ/CBNZ, TBZ/TBNZ, B
    (_, at, end) => {
      const skip = 1 + bits(3);
      if (at + skip >= end) return null;
      return pick([
        (0x54 << 24) | (skip << 5) | bits(4),
        (bits(1) << 31) | (0b011010 << 25) | (bits(1) << 24) | (skip << 5) | src(),
        (bits(1) << 31) | (0b011011 << 25) | (bits(1) << 24) | (bits(5) << 19) | (skip << 5) | src(),
        (0b000101 << 26) | skip,
      ]);
    },
    // compare and branch (fused by the compiler), straight after each other or not
    (_, at, end) => {
      const skip = 1 + bits(3);
      if (at + 1 + skip >= end) return null;
      return [setFlags(), condBranch(skip)];
    },
    (_, at, end) => {
      const skip = 1 + bits(3);
      if (at + 2 + skip >= end) return null;
      return [setFlags(), setFlags(), condBranch(skip)];
    },
  ];
  const words: number[] = [];
  // x0..x15 random, bases and SP in the data area, the exception vector, the loop counter.
  for (let r = 0; r < 16; r++) words.push(...load32(r, bits(32)), movk(r, bits(16), 2), movk(r, bits(16), 3));
  BASES.forEach((r, i) => words.push(...load32(r, DATA + 0x40000 + i * 0x10000)));
  words.push(...load32(24, DATA + 0x80000), 0x9100031f); // mov sp, x24
  words.push(...load32(24, VBAR), 0xd51cc018); // msr vbar_el2, x24
  words.push(...load32(LOOP_COUNTER, iterations), ...load32(UART_BASE, UART_DR));
  const bodyStart = words.length;
  const bodyEnd = bodyStart + bodyLength;
  while (words.length < bodyEnd) {
    const generated = pick(branches ? gens : gens.slice(0, -BRANCHING))(rnd, words.length, bodyEnd);
    if (generated === null) continue;
    const ws = (typeof generated === 'number' ? [generated] : generated).map((w) => w >>> 0);
    if (words.length + ws.length > bodyEnd || !ws.every((w) => decodesToOp(w))) continue;
    words.push(...ws);
  }
  if (print) {
    words.push(0xf2400c1f | (LOOP_COUNTER << 5)); // tst x28, #15
    words.push(0x54000041); // b.ne 1f
    words.push(0x39000000 | (UART_BASE << 5)); // strb w0, [x19]
  }
  words.push(0xf1000400 | (LOOP_COUNTER << 5) | LOOP_COUNTER); // 1: subs x28, x28, #1
  words.push((0x54000001 | (((bodyStart - words.length) & 0x7ffff) << 5)) >>> 0); // b.ne body
  words.push(0x14000000); // b .
  const vectors = new Array<number>((VBAR - KERNEL) / 4 + 0x200 / 4 - words.length).fill(0xd503201f); // nop up to the vector
  return image([...words, ...vectors, ...HANDLER]);
}

/** Everything the two tiers must agree on after a slice. */
function state(m: Machine): unknown {
  const c = m.cores[0];
  return {
    instructions: m.instructions,
    r: Array.from(c.r.subarray(0, 2 * 31)),
    sp: c.readSp(2),
    pc: c.pcString(),
    nzcv: c.nzcv,
    el: c.el,
    elr: c.sys.lo(Reg.ELR_EL2),
    esr: c.sys.lo(Reg.ESR_EL2),
    exceptions: c.exceptionsTaken,
  };
}

function memoryOf(m: Machine): number[] {
  const bytes: number[] = [];
  for (let pa = DATA; pa < DATA + DATA_SIZE; pa += 0x10000) bytes.push(...m.memory.chunk(pa).i32);
  return bytes;
}

/**
 * The threshold the random programs are compiled after: few entries, so that a short program
 * runs its code both ways, and switches from one to the other, in every slice pattern.
 */
const FUZZ_COMPILE_AFTER = 31;

/** Run both tiers in the same random slices, comparing after each; returns the compiling machine. */
function compare(kernel: Uint8Array, total: number, seed: number, compileAfter = FUZZ_COMPILE_AFTER): Machine {
  const compiled = new Machine({ kernel, compile: true, compileAfter });
  const interpreted = new Machine({ kernel, compile: false });
  const rnd = random(seed ^ 0x5eed);
  for (let ran = 0; ran < total; ) {
    const slice = rnd() < 0.2 ? 1 + Math.floor(rnd() * 4) : 1 + Math.floor(rnd() * 300);
    const a = compiled.run(slice);
    const b = interpreted.run(slice);
    expect(a).toEqual(b);
    expect(state(compiled)).toEqual(state(interpreted));
    if (a.kind !== 'budget') break;
    ran += slice;
  }
  expect(memoryOf(compiled)).toEqual(memoryOf(interpreted));
  return compiled;
}

describe('the block compiler', () => {
  it('runs 60 random looping programs exactly as the closures do, slice by slice', () => {
    let blocks = 0;
    let chained = 0;
    let faults = 0;
    for (let seed = 1; seed <= 60; seed++) {
      const m = compare(program(seed, 16 + (seed % 48), 150), 12_000, seed, seed % 2 === 0 ? 0 : FUZZ_COMPILE_AFTER);
      blocks += m.compiler!.compiled;
      chained += m.compiler!.chained;
      faults += m.cores[0].exceptionsTaken;
    }
    // The programs must reach the compiler, its chaining of block to block and the exception
    // path, or this test proves nothing.
    expect(blocks).toBeGreaterThan(200);
    expect(chained).toBeGreaterThan(1000);
    expect(faults).toBeGreaterThan(50);
  }, 120_000);

  it('runs straight-line programs (each block entered from a loop of one) the same', () => {
    for (let seed = 100; seed < 120; seed++) compare(program(seed, 200, 40), 10_000, seed);
  }, 120_000);

  it('runs loops of one block, which go round inside the compiled function, the same', () => {
    for (let seed = 200; seed < 240; seed++) compare(program(seed, 3 + (seed % 40), 300, false), 8_000, seed);
  }, 120_000);

  it('compiles a straight run longer than a block whole, once its start is hot', () => {
    // A loop of 152 instructions: 150 adds, then subs and b.ne, three blocks (64, 64, 24).
    const adds = new Array<number>(150).fill(0x91000421); // add x1, x1, #1
    const words = [...load32(0, 1000), ...adds, 0xf1000400, (0x54000001 | ((-151 & 0x7ffff) << 5)) >>> 0, 0x14000000];
    // 45 passes: the loop's start is hot after FUZZ_COMPILE_AFTER (31), and all three of its
    // blocks are compiled then, not the second only after as many passes again.
    const m = compare(image(words), 45 * 152, 11);
    expect(m.compiler!.compiled).toBe(3);
    expect(m.cores[0].r[2]).toBeGreaterThan(40 * 150);
  });

  it('stops a block where another already starts, and chains to it, so no code is compiled twice', () => {
    // An outer loop whose head (a movz) comes just before an inner loop's of 100 adds. The
    // inner loop's head gets hot first: two blocks (64, 38). The outer one's run then stops
    // at the inner loop's head (one instruction), and the outer loop's tail is a block of
    // its own: four in all, where blocks of other bounds over the adds would make five.
    const adds = new Array<number>(100).fill(0x91000421); // add x1, x1, #1
    const words = [
      ...load32(0, 40), //                        x0: outer passes
      movz(2, 20, 0), //              outer:      x2: inner passes
      ...adds, //                     inner:
      0xf1000442, //                              subs x2, x2, #1
      (0x54000001 | ((-101 & 0x7ffff) << 5)) >>> 0, // b.ne inner
      0xf1000400, //                              subs x0, x0, #1
      (0x54000001 | ((-104 & 0x7ffff) << 5)) >>> 0, // b.ne outer
      0x14000000, //                              b .
    ];
    const m = compare(image(words), 40 * (20 * 102 + 3) + 10, 13);
    expect(m.cores[0].r[2]).toBe(40 * 20 * 100);
    expect(m.compiler!.compiled).toBe(4);
  });

  it("runs a block made for one core's TLBs on another core with that core's own", () => {
    // A block is made for the FastTlbs and registers of the core (and EL) it got hot on, which it holds;
    // any other runs it through those of its own. Two machines make the difference visible:
    // each has its own RAM, so a block reading through the other's TLB would read the other's.
    const words = [...load32(20, DATA), 0xf9400281, 0x91000421, 0xf9000681, 0x14000000]; // ldr x1, [x20]; add x1, x1, #1; str x1, [x20, #8]; b .
    const [a, b] = [0x11, 0x22].map((value) => {
      const m = new Machine({ kernel: image(words), compile: false });
      m.debugWrite(DATA, value);
      while (m.cores[0].pcLo !== KERNEL + 20) m.run(1); // through the boot stub and the store: the TLBs hold DATA's page
      m.cores[0].pcLo = KERNEL + 8; // back to the load
      return m;
    });
    const cpuA = a!.cores[0];
    const cpuB = b!.cores[0];
    const block = compileBlock((i) => words[i], 2, { version: 0 }, 'test', 64, { read: cpuA.mmu.fastRead[2], write: cpuA.mmu.fastWrite[2], registers: cpuA.r });
    for (const cpu of [cpuB, cpuA]) block.run(cpu, KERNEL, 0, 100);
    expect([cpuA.r[2], cpuB.r[2]]).toEqual([0x12, 0x23]);
    expect([a!.memory.chunk(DATA).i32[2], b!.memory.chunk(DATA).i32[2]]).toEqual([0x12, 0x23]);
  });

  it('sees a store into the block it is running, and runs the new instruction', () => {
    // A hot loop whose body rewrites its own next instruction: "add x1, x1, #1" becomes
    // "add x1, x1, #2" on the 100th pass. Both tiers must see the new word at once.
    const words = [
      ...load32(0, 200), //                       x0: passes left
      0xd2800001, //                              movz x1, #0
      ...load32(2, 0x91000821), //                x2: the word "add x1, x1, #2"
      ...load32(3, KERNEL + 4 * 10), //           x3: the address of the add below
      0xf101901f, //                  loop:       cmp x0, #100
      0x54000041, //                              b.ne 1f (skip the store)
      0xb9000062, //                              str w2, [x3]
      0x91000421, //                  1:          add x1, x1, #1 (rewritten)
      0xf1000400, //                              subs x0, x0, #1
      0x54ffff41, //                              b.ne loop
      0x14000000, //                              b .
    ];
    const kernel = image(words);
    const m = compare(kernel, 5_000, 7);
    // 100 passes adding 1, then 100 adding 2.
    expect(m.cores[0].r[2]).toBe(100 + 2 * 100);
    expect(m.compiler!.compiled).toBeGreaterThan(0);
  });

  it("sees a debugger's write into a compiled block", () => {
    const words = [
      ...load32(0, 1000), //                      x0: passes left
      0x91000421, //                  loop:       add x1, x1, #1
      0xf1000400, //                              subs x0, x0, #1
      0x54ffffc1, //                              b.ne loop
      0x14000000, //                              b .
    ];
    const results = [true, false].map((compile) => {
      const m = new Machine({ kernel: image(words), compile, compileAfter: FUZZ_COMPILE_AFTER });
      m.run(1000);
      // "add x1, x1, #1" becomes "add x1, x1, #2": imm12 is bits 21:10, so byte 1 goes from 0x04 to 0x08.
      m.debugWrite(KERNEL + 4 * 2 + 1, 0x08);
      m.run(10_000);
      return { x1: m.cores[0].r[2], instructions: m.instructions, compiled: m.compiler?.compiled ?? 0 };
    });
    expect(results[0].compiled).toBeGreaterThan(0);
    expect(results[0].x1).toBe(results[1].x1);
    expect(results[0].instructions).toBe(results[1].instructions);
    expect(results[0].x1).toBeGreaterThan(1000);
  });

  it('takes a fault in the middle of a compiled block precisely: ELR, ESR, FAR and the registers before it', () => {
    // An unaligned load (MMU off: Device memory, so an alignment fault) between two adds.
    const words = [
      ...load32(0, 100),
      ...load32(4, DATA + 1), //                  x4: an odd address
      ...load32(24, VBAR),
      0xd51cc018, //                              msr vbar_el2, x24
      0x91000421, //                  loop:       add x1, x1, #1
      0xf9400085, //                              ldr x5, [x4] (faults)
      0x91000842, //                              add x2, x2, #2
      0xf1000400, //                              subs x0, x0, #1
      0x54ffff81, //                              b.ne loop
      0x14000000, //                              b .
    ];
    const padding = new Array<number>((VBAR - KERNEL) / 4 + 0x200 / 4 - words.length).fill(0xd503201f);
    const m = compare(image([...words, ...padding, ...HANDLER]), 5_000, 3);
    const c = m.cores[0];
    expect(c.exceptionsTaken).toBe(100);
    expect(c.r[2]).toBe(100);
    expect(c.r[4]).toBe(200);
    expect(c.sys.lo(Reg.ESR_EL2) >>> 26).toBe(0x25); // a data abort at the same EL
    expect(c.r[2 * 25]).toBe(DATA + 1); // FAR
    expect(m.compiler!.compiled).toBeGreaterThan(0);
  });

  it('retires the same instructions, in the same order, and prints the same, whatever the threshold: 0, HOT and never', () => {
    // The threshold decides only which tier runs a block: machines compiling at once, after
    // HOT entries, and never must agree after every slice, and print the same bytes.
    for (const seed of [300, 301, 302]) {
      const iterations = HOT + 1000;
      const kernel = program(seed, 8 + (seed % 24), iterations, true, true);
      const machines = [0, HOT, undefined].map((compileAfter) => {
        const m = new Machine({ kernel, compile: compileAfter !== undefined, compileAfter });
        const printed: number[] = [];
        m.onOutput = (bytes) => printed.push(...bytes);
        return { m, printed };
      });
      const rnd = random(seed);
      // Until the loop counter (set by the program's first few hundred instructions) runs out.
      const first = machines[0].m;
      while (first.instructions < 1000 || first.cores[0].r[2 * LOOP_COUNTER] !== 0) {
        const slice = 1 + Math.floor(rnd() * 5000);
        const [stop, ...others] = machines.map(({ m }) => m.run(slice));
        for (const other of others) expect(other).toEqual(stop);
        const [a, ...rest] = machines.map(({ m }) => state(m));
        for (const s of rest) expect(s).toEqual(a);
        if (stop!.kind !== 'budget') break;
      }
      const [a, ...rest] = machines.map(({ printed }) => printed);
      expect(a!.length).toBe(Math.floor(iterations / 16)); // the passes with x28 a multiple of 16
      for (const p of rest) expect(p).toEqual(a);
      // Compiled at once, compiled once hot (after HOT passes, and the loop ran on past it), never.
      expect(machines.map(({ m }) => (m.compiler?.compiled ?? 0) > 0)).toEqual([true, true, false]);
    }
  }, 120_000);
});
