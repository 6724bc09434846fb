// The second tier: hot straight runs of code compiled to JavaScript.
//
// The closures of decoder.ts (the first tier) cost a call through a page's array per
// instruction, and the run loop's bookkeeping around it. Once a spot in a page has been
// entered more often than the compiler's threshold (HOT by default) at the start of a straight
// run (a branch target, a page entry, or the instruction after a block), the
// words from there to the next branch (at most MAX_LENGTH, never past the page, and never
// into a word where a block already starts, which it chains to instead) become one
// JavaScript function, built with `new Function` (a longer run, as many, all at once): each instruction that emit.ts knows is
// written out with its fields as constants, and any other is a call to its own closure,
// which the engine can then inline, since each call site only ever sees one.
//
// A block does exactly what the closures would, in the same order, so the tiers cannot be
// told apart, nor runs with different thresholds (test/compiler.test.ts checks both):
// - Counting. The run loop enters a block only when all of it fits in the budget, and a
//   block returns the page index after the last instruction it retired (one that faulted
//   counts), so the run loop counts it as it counts its own steps.
// - Stopping. After an instruction that may set Cpu.signal (a branch, a closure) the block
//   returns if it did, as the run loop would stop after it. A load or store that leaves its
//   fast path (a TLB miss, a device, a fault, a store into code) leaves the block: its
//   closure runs it, and the block returns after it, signal or not. Before a closure it sets
//   the PC, which the exception, a device (through Cpu.now()) or the closure reads.
// - Faults. An access that faults throws EXCEPTION_TAKEN; the block catches it and returns
//   the count including that instruction, with the signal the exception set.
// - Chaining. A block that ends in its page (running off its end, or branching to a word of
//   it) goes on into the block there, if that one is compiled and fits in the budget, without
//   a return to the run loop (CompiledPage.chain), counting the branch as the run loop would.
// - Flags. An instruction's NZCV write is left out when nothing can read it: the next flag
//   reader in the block comes after another instruction setting them all, with no way out of
//   the block between (flagsLive). A B.cond straight after a flag-setting instruction tests
//   its condition on that instruction's result (compare and branch fused, emit.ts holds).
// - Its core. A block holds the FastTlbs of the core and EL it got hot on, and that core's
//   registers, as constants, for V8 to compile its loads and stores against; on any other it
//   runs as a second function, which reads the current ones at each entry.
// - Code that changes. A store into a word a block was compiled from empties the page's
//   blocks (Cpu.storeHitsCode tells BlockCompiler.stored), and so does dropping the page's
//   decoded code (BlockCompiler.forget: the page became data, or a debugger wrote to it).
//   Such a store takes the slow path, after which the block returns, so the next instruction
//   is decoded afresh; a closure's store (a block's other instructions) is followed by a look
//   at the page's version. TLB and ASID changes need nothing: blocks, like the closures,
//   belong to physical pages, and the run loop translates the PC before it enters a page.

import { type PhysicalMemory, RAM_END } from '../memory';
import { BRANCHED, type Cpu, EXCEPTION_TAKEN } from './cpu';
import { decode, decodesToOp, emitted } from './decoder';
import type { FastTlb } from './mmu';
import { CHAIN, CONDITION, conditionSource, type Emission, Emitted, FLAGS, flagWrites, holds, SLOW } from './emit';

/**
 * Entries into a spot that are interpreted before it is compiled. A new function runs in V8's
 * own interpreter, slower than the closures (which are long optimised), until V8 has seen it
 * called some thousands of times and optimises it; a block compiled sooner than that before
 * its code goes cold is a loss. Measured in processor time, each run in a fresh process (as a
 * browser's worker is), with BRAMBLE_COMPILE_AFTER from 32 to 256,000: chapter 05's boot and
 * 6,000 reads of its cost program, whose blocks run a few thousand times each, ran slower
 * than interpreted with any threshold up to 4,000 and 1.5 times faster from 8,000, as only the
 * copy loops then get compiled; its boot compiles a handful of blocks from 16,000; and the
 * bench guests' loops lose a fifth of their speed at 16,000, a third at 32,000 (they are
 * interpreted longer). Counted in entries of the start of a straight run; the head of a loop
 * counts LOOP_HEAD times (cpu.ts). Lowering the threshold to 8,000 instead did not make
 * chapter 05's reads faster (2.2-3.3 s of processor time against 2.1-3.0 s, four runs each).
 */
export const HOT = 16_000;
/** The highest threshold (a spot's heat is counted in 32 bits, and one entered this often is hot by any measure). */
const MAX_THRESHOLD = 1_000_000_000;
/** The longest block, so that one fits in a turn's budget near its end too. */
const MAX_LENGTH = 64;
/**
 * The most source (as emit.ts writes it) a block is given before it ends: some 60 loads and
 * stores. V8 never optimises a function whose bytecode is over 60 KiB (its
 * --max-optimized-bytecode-size): a block of twice that ran ten times slower than two blocks
 * half its size.
 */
const MAX_SOURCE = 32_000;
/** A page whose blocks were thrown away this many times (code and data sharing a page) stays interpreted. */
const MAX_INVALIDATIONS = 8;

/**
 * A compiled straight run of `length` instructions. `run` retires them (fewer when one stops
 * the run loop) and returns the page index of the next instruction; a block that branches to
 * its own start may go round again first, while the run() call's `budget` allows, doing the
 * run loop's counting itself (Cpu.runCount, Cpu.blockStart).
 */
export interface CompiledBlock {
  readonly length: number;
  /** The straight run went on past the block's end (it stopped at MAX_LENGTH or MAX_SOURCE, not at a branch). */
  readonly continues: boolean;
  readonly run: (cpu: Cpu, base: number, pageHi: number, budget: number) => number;
}

/** The blocks of one physical page of code, by the word index where each starts. */
export class CompiledPage {
  readonly blocks: (CompiledBlock | undefined)[] = new Array<CompiledBlock | undefined>(1024).fill(undefined);
  /** How often each spot was entered while it had no block. */
  private readonly heat = new Uint32Array(1024);
  /** Words some block was compiled from: a store to one of them empties the page. */
  private readonly covered = new Uint8Array(1024);
  /** Bumped when the blocks are thrown away: a running block then stops after its store. */
  version = 0;
  private invalidations = 0;

  constructor(
    private readonly compiler: BlockCompiler,
    readonly ppn: number,
  ) {}

  /**
   * The block to run at word `index`, if there is one that fits in `room` instructions.
   * `entry` is what this entry adds to the spot's heat: ENTRY at the start of a straight run,
   * LOOP_HEAD after a branch back to it, 0 elsewhere (only the starts of runs get hot; cpu.ts).
   */
  enter(cpu: Cpu, index: number, room: number, entry: number): CompiledBlock | undefined {
    let block = this.blocks[index];
    if (block === undefined) {
      if (entry === 0 || this.invalidations >= MAX_INVALIDATIONS) return undefined;
      const heat = this.heat[index] + entry;
      this.heat[index] = heat;
      if (heat <= this.compiler.threshold) return undefined;
      block = this.compile(cpu, index);
      // A straight run longer than a block is compiled whole: the blocks after the first are
      // as hot as it is, but the run loop would never count them as entered, so each would
      // wait for the threshold again (interpreted meanwhile) only once the one before it
      // was compiled.
      for (let b = block, at = index + b.length; b.continues && this.blocks[at] === undefined; at += b.length) {
        b = this.compile(cpu, at);
      }
    }
    return block.length <= room ? block : undefined;
  }

  private compile(cpu: Cpu, index: number): CompiledBlock {
    const block = this.compiler.compile(this, index, { read: cpu.mmu.fastRead[cpu.el], write: cpu.mmu.fastWrite[cpu.el], registers: cpu.r });
    this.blocks[index] = block;
    this.covered.fill(1, index, index + block.length);
    return block;
  }

  /**
   * Run `block` (just entered by the run loop at its start) and, chained to it, the blocks
   * that follow it in this page: after a block that ran to its end, the one at the next word;
   * after a branch to a word of this page, the one there, the branch counted as the run loop
   * counts it. Returns the page index to go on from, as a block does, when the next word has
   * no block that fits in the budget or something else asks the run loop to look (a fault, a
   * device, a store into this page's code, a branch out of the page).
   */
  chain(cpu: Cpu, block: CompiledBlock, base: number, pageHi: number, budget: number): number {
    for (;;) {
      let index = block.run(cpu, base, pageHi, budget);
      const signal = cpu.signal;
      if (signal !== 0) {
        if (signal !== BRANCHED || cpu.pcHi !== pageHi || (cpu.pcLo & ~0xfff) !== base || (cpu.pcLo & 3) !== 0) return index;
        cpu.runCount += index - cpu.blockStart;
        cpu.signal = 0;
        index = (cpu.pcLo & 0xfff) >>> 2;
        cpu.blockStart = index;
      }
      const next = this.blocks[index];
      const room = Math.min(1024, cpu.blockStart + (budget - cpu.runCount)) - index;
      if (next === undefined || next.length > room) return index;
      this.compiler.chained++;
      block = next;
    }
  }

  /** A store wrote word `word` of this page. */
  stored(word: number): void {
    if (this.covered[word] !== 0) this.throwAway();
  }

  /** The page's decoded code was dropped (it became data, or a debugger wrote to it): so are its blocks and heat. */
  forget(): void {
    if (this.blocks.some((block) => block !== undefined)) this.throwAway();
    else this.heat.fill(0);
  }

  private throwAway(): void {
    this.blocks.fill(undefined);
    this.heat.fill(0);
    this.covered.fill(0);
    this.version++;
    this.invalidations++;
  }
}

/**
 * An empty array, indexed by page number, already of the elements kind that storing a page
 * far into it gives (holey, of objects). An array made empty (`[]`) has another map until its
 * first such store, and the run loop, which V8 had optimised against the last machine's array,
 * was thrown away at each new machine's first page ("wrong map") and ran unoptimised until V8
 * had compiled it again: a tenth of a bench guest's run, each new machine.
 */
export function holeyArray<T>(): (T | undefined)[] {
  const array: (T | undefined)[] = [];
  array[1] = undefined;
  array.length = 0;
  return array;
}

/** Every core's compiled code, per physical page (shared, like the closures). */
export class BlockCompiler {
  /** The pages by their number: holey from the start (see holeyArray). */
  private readonly pages: (CompiledPage | undefined)[] = holeyArray<CompiledPage>();
  /** Blocks compiled so far (a statistic for the benchmark and tests). */
  compiled = 0;
  /** Times a block ran straight after another, without a return to the run loop (a statistic for the tests). */
  chained = 0;

  /**
   * `threshold`: the heat of a spot (its entries, a loop's head's counting LOOP_HEAD each)
   * that stays interpreted; the next entry compiles it (0: at its first entry). The tiers count instructions alike, so it changes only speed.
   */
  constructor(
    private readonly memory: PhysicalMemory,
    readonly threshold = HOT,
  ) {
    if (!Number.isInteger(threshold) || threshold < 0 || threshold > MAX_THRESHOLD) {
      throw new Error(`the compile threshold must be a whole number from 0 to ${MAX_THRESHOLD}, not ${threshold}`);
    }
  }

  /** The compiled page for `ppn`, or null for code outside RAM (which is never compiled). */
  page(ppn: number): CompiledPage | null {
    if (ppn * 4096 >= RAM_END) return null;
    let p = this.pages[ppn];
    if (p === undefined) {
      p = new CompiledPage(this, ppn);
      this.pages[ppn] = p;
    }
    return p;
  }

  /** A store of `size` bytes at physical address `pa`, in a page holding decoded code. */
  stored(pa: number, size: number): void {
    const p = this.pages[pa >>> 12];
    if (p === undefined) return;
    p.stored((pa & 0xfff) >>> 2);
    p.stored(((pa & 0xfff) + size - 1) >>> 2);
  }

  /** Page `ppn`'s decoded code was dropped: its compiled code goes with it. */
  forget(ppn: number): void {
    this.pages[ppn]?.forget();
  }

  /** Compile the block starting at word `start` of `page`, for the core and EL `core` gives. */
  compile(page: CompiledPage, start: number, core: OwnCore): CompiledBlock {
    const words = this.memory.chunk(page.ppn * 4096).i32;
    const first = ((page.ppn * 4096) & 0xffff) >>> 2;
    this.compiled++;
    return compileBlock((i) => words[first + i], start, page, `block_${page.ppn.toString(16)}_${(start << 2).toString(16)}`, MAX_LENGTH, core);
  }
}

/** What a block made for one core at one EL holds as constants: that core's read and write FastTlbs at that EL, and its registers. */
export interface OwnCore {
  readonly read: FastTlb;
  readonly write: FastTlb;
  readonly registers: Int32Array;
}

/** The arrays of FastTlbs `fr` and `fw` that emit.ts's loads and stores use, as constants named for them. */
const FAST_TLB_ARRAYS = ['fr', 'fw']
  .map(
    (t) =>
      `const ${t}TagLo = ${t}.tagLo; const ${t}TagHi = ${t}.tagHi; ` +
      `const ${t}Bytes = ${t}.bytes; const ${t}Halves = ${t}.halves; const ${t}Words = ${t}.words;`,
  )
  .join(' ');

/** The current core's FastTlbs at its current EL (fixed inside a block: whatever changes it ends the block). */
const CURRENT_FAST_TLBS = 'const fr = cpu.mmu.fastRead[cpu.el]; const fw = cpu.mmu.fastWrite[cpu.el];';

/**
 * Functions made so far in this JavaScript realm: each has its number in its name, so that no
 * two have the same source. V8 caches `new Function` by its source, and the closures of one
 * cached function share their optimised code, which then cannot hold one closure's FastTlbs
 * as constants (see compileBlock): a second machine's block of the same code was optimised
 * again, and the first's code thrown away.
 */
let made = 0;

/** Register halves (`r[N]`) and flags (`cpu.n` ...) in an emitted source; writes are those followed by a lone `=`. */
const REGISTER = /\br\[(\d+)\]/g;
const REGISTER_WRITE = /\br\[(\d+)\] =(?!=)/g;
const FLAG = /\bcpu\.([nzcv])\b(?!\()/g;
const FLAG_WRITE = /\bcpu\.([nzcv]) =(?!=)/g;
/** An emitted source that reads a flag (its own flags are not in it yet: emit.ts, FLAGS). */
const READS_FLAGS = /\bcpu\.[nzcv]\b(?!\()/;

/**
 * Registers and flags as the block's own locals, which the engine can keep in machine
 * registers: the emitted sources' `r[N]` become `rN` and `cpu.n` becomes `fn`. The Cpu's copy is
 * brought up to date (`flush`) wherever something outside the block may look at it: before a
 * closure (which reads and writes any of them, so the locals are read again after it,
 * `reload`), and before the block returns or goes round. The slow path of a load or store
 * writes them all back (`exits`) before it runs the instruction's closure.
 */
class Locals {
  private readonly used = new Set<string>();
  private readonly dirty = new Set<string>();

  /** Rewrite a source to the locals, noting what it reads and writes. */
  take(source: string): string {
    for (const m of source.matchAll(REGISTER)) this.used.add(`r${m[1]}`);
    for (const m of source.matchAll(FLAG)) this.used.add(`f${m[1]}`);
    for (const m of source.matchAll(REGISTER_WRITE)) this.dirty.add(`r${m[1]}`);
    for (const m of source.matchAll(FLAG_WRITE)) this.dirty.add(`f${m[1]}`);
    return source.replace(REGISTER, 'r$1').replace(FLAG, 'f$1');
  }

  private static store(locals: Iterable<string>): string {
    return [...locals].map((l) => `${Locals.home(l)} = ${l};`).join(' ');
  }

  /** Statements bringing the Cpu's copy up to date, where every path passes: it is then up to date. */
  flush(): string {
    const s = Locals.store(this.dirty);
    this.dirty.clear();
    return s;
  }

  /** Statements reading every local from the Cpu again (inserted after a closure, patched in at the end). */
  static readonly RELOAD = '/*reload*/';

  /**
   * Statements writing every local back, wherever the block is: a local not written since it
   * was read holds what the Cpu has, so writing it too is harmless, and one place serves all.
   */
  exits(): string {
    return Locals.store(this.used);
  }

  /** The declarations, and the text that reads them all again. */
  declarations(): { declare: string; reload: string } {
    const names = [...this.used];
    if (names.length === 0) return { declare: '', reload: '' };
    return {
      declare: `let ${names.map((l) => `${l} = ${Locals.home(l)}`).join(', ')};`,
      reload: names.map((l) => `${l} = ${Locals.home(l)};`).join(' '),
    };
  }

  private static home(local: string): string {
    return local.startsWith('r') ? `r[${local.slice(1)}]` : `cpu.${local.slice(1)}`;
  }
}

/** One instruction of a block: its byte offset in the page, its word, and its source (undefined: its closure). */
interface Instruction {
  readonly at: number;
  readonly word: number;
  readonly emission: Emission | undefined;
}

/**
 * The instructions of the straight run from word `start`: up to the first branch, at most
 * `maxLength` of them, never past the page, no more source than MAX_SOURCE, and not into a
 * word where a block already starts (`blockAt`).
 */
function straightRun(wordAt: (index: number) => number, start: number, maxLength: number, blockAt: (index: number) => boolean): Instruction[] {
  const run: Instruction[] = [];
  const end = start + Math.min(maxLength, 1024 - start);
  let size = 0;
  for (let i = start; i < end && size <= MAX_SOURCE && (i === start || !blockAt(i)); i++) {
    const word = wordAt(i) >>> 0;
    // A word its row's decoder rejects is UNDEFINED: its closure takes the exception.
    const emission = decodesToOp(word) ? emitted(word, i << 2) : undefined;
    run.push({ at: i << 2, word, emission });
    size += emission === undefined ? 0 : emission.source.length;
    if (emission?.kind === Emitted.Branch) break;
  }
  return run;
}

/**
 * Which flag-setting instructions of a run must write NZCV: those whose flags something may
 * read before the next instruction that sets them all again. A later reader in the block (a
 * conditional select) reads them; so may whatever comes after a way out of the block (a
 * branch, a closure, the block's end, and a load or store, which may fault: an exception
 * saves NZCV in SPSR), and at a way out interrupts may be taken too. Every instruction
 * emit.ts compiles that sets flags sets all four, so they live and die together.
 */
function flagsLive(run: readonly Instruction[]): boolean[] {
  const live = new Array<boolean>(run.length).fill(true);
  let read = true;
  for (let k = run.length - 1; k >= 0; k--) {
    const emission = run[k].emission;
    if (emission === undefined || emission.kind !== Emitted.Plain) {
      read = true;
      continue;
    }
    live[k] = read;
    if (emission.flags !== undefined) read = false;
    if (READS_FLAGS.test(emission.source)) read = true;
  }
  return live;
}

/** A temporary of emit.ts's sources, where it is declared. */
const TEMPORARY = /\bconst (\w+) =/g;

/**
 * A block's source with the temporaries of its instructions (each `const` in its own braces,
 * emit.ts) made the function's own variables, declared once (`scratch`) and assigned where
 * they were declared. V8 gives every declaration in a function a register of its own, and
 * its optimising compiler copies them all at each branch of the block (one per load and
 * store): a block of 64 instructions had some 400, and half the time V8 took to compile one
 * of bench-memory's blocks went on it (`node --single-threaded --turbo-stats`: 41 ms for a
 * block, 22 ms once hoisted). Each instruction assigns its temporaries before it reads them,
 * so the values do not change.
 */
function hoisted(source: string): { body: string; scratch: string } {
  const names = new Set<string>();
  const body = source.replace(TEMPORARY, (_, name: string) => {
    names.add(name);
    return `${name} =`;
  });
  return { body, scratch: names.size === 0 ? '' : `let ${[...names].join(', ')};` };
}

/**
 * Compile the straight run from word `start` of a page whose words `wordAt` gives. The block
 * stops early when `page.version` changes under it (a store into its own code). It ends
 * before a word where one of `page.blocks` starts, and is chained to it: an outer loop's head
 * just before an inner loop's, which got hot first, would otherwise compile the inner loop's
 * code again in blocks of other bounds (bench-loop's 154 instructions, twice), which V8 then
 * compiles again and the run uses only for the inner loop's first round. `core`: the core
 * and EL it is made for (others run it too).
 */
export function compileBlock(
  wordAt: (index: number) => number,
  start: number,
  page: { readonly version: number; readonly blocks?: readonly (CompiledBlock | undefined)[] },
  name: string,
  maxLength = MAX_LENGTH,
  core?: OwnCore,
): CompiledBlock {
  const closures: ((cpu: Cpu) => void)[] = [];
  /** The closures of the loads and stores, by their place in the block, for their slow paths. */
  const slowOps: ((cpu: Cpu) => void)[] = [];
  const lines: string[] = [];
  const locals = new Locals();
  // Returns give the index of the next instruction in the page, as the run loop counts.
  const next = (n: number): string => `return ${start + n};`;
  const run = straightRun(wordAt, start, maxLength, (i) => page.blocks?.[i] !== undefined);
  const live = flagsLive(run);
  let chained = '';
  for (let k = 0; k < run.length; k++) {
    const { at, word, emission } = run[k];
    const length = k + 1;
    const stop = `if (cpu.signal !== 0 || page.version !== version) ${next(length)}`;
    if (emission === undefined) {
      lines.push(`${locals.flush()} cpu.pcLo = base | ${at}; done = ${length - 1}; op${closures.length}(cpu); ${Locals.RELOAD}`, stop);
      closures.push(decode(word));
      continue;
    }
    if (emission.kind === Emitted.Memory) {
      // Where an access leaves its fast path (emit.ts, SLOW), the block is left for the
      // instruction's closure, which runs it from the start (the slow path, below).
      slowOps[k] = decode(word);
      lines.push(locals.take(emission.source).replaceAll(SLOW, `{ done = ${k}; break slow; }`));
      continue;
    }
    if (emission.kind !== Emitted.Branch) {
      let source = emission.source;
      if (emission.flags !== undefined) {
        // Compare and branch fused: a B.cond straight after a flag-setting instruction tests
        // its condition on that instruction's temporaries (the flags are still written: the
        // block ends at the branch, where they are live).
        const cond = run[k + 1]?.emission?.cond;
        const test = cond === undefined ? '' : ` taken = ${holds(cond, emission.flags)};`;
        source = source.replace(FLAGS, `${live[k] ? flagWrites(emission.flags) : ''}${test}`);
      }
      lines.push(locals.take(source));
      continue;
    }
    // A B.cond tests the flags, or what the instruction before it left in `taken`.
    const fused = emission.cond !== undefined && run[k - 1]?.emission?.flags !== undefined;
    const condition = emission.cond === undefined ? '' : fused ? 'taken' : conditionSource(emission.cond);
    const source = locals.take(emission.source.replace(CONDITION, condition));
    // The branch ends the block: what it leaves in the locals is written back before either
    // way out, going round again (a branch to the block's own start) or returning.
    const flush = locals.flush();
    chained = source.replaceAll(
      `${CHAIN}${start << 2};`,
      `if (budget - cpu.runCount - (${start + length} - cpu.blockStart) >= ${length}) ` +
        `{ ${flush} cpu.runCount += ${start + length} - cpu.blockStart; cpu.blockStart = ${start}; continue; }`,
    );
    lines.push(chained, flush);
  }
  const length = run.length;
  const continues = run[length - 1].emission?.kind !== Emitted.Branch && start + length < 1024;
  if (chained === '') lines.push(locals.flush());
  lines.push(next(length));
  const { declare, reload } = locals.declarations();
  const { body, scratch } = hoisted(lines.join('\n      ').replaceAll(Locals.RELOAD, reload).replace(/\/\*chain\*\/\d+;/g, ''));
  const names = closures.map((_, i) => `op${i}`);
  // The slow path: every local goes back to the Cpu (those not written since they were read
  // hold what it has), and the load or store that left its fast path (`done` instructions in)
  // runs as its closure, with the PC at it; the block then returns after it, as the run loop
  // would after any closure, stop or not. A fault in it (or in another closure) is caught
  // below, the faulting instruction counted.
  const fn = (prologue: string): string =>
    `function ${name}_${made++}(cpu, base, pageHi, budget) {\n  ${prologue}\n` +
    `  let done = 0;\n  let taken = false;\n  ${declare}\n  ${scratch}\n  for (;;) {\n    try {\n` +
    `      slow: {\n      ${body}\n      }\n      ${locals.exits()}\n      cpu.pcLo = base | ((${start} + done) << 2);\n      slowOps[done](cpu);\n      return ${start} + done + 1;\n` +
    `    } catch (e) {\n      if (e !== EXCEPTION_TAKEN) throw e;\n      return ${start} + done + 1;\n    }\n  }\n}`;
  const make = (source: string, ...more: [string, unknown][]): CompiledBlock['run'] =>
    new Function('page', 'version', 'slowOps', 'EXCEPTION_TAKEN', ...more.map(([n]) => n), ...names, source)(
      page,
      page.version,
      slowOps,
      EXCEPTION_TAKEN,
      ...more.map(([, v]) => v),
      ...closures,
    ) as CompiledBlock['run'];
  // Made on its first call: the block as it runs on any core, reading the current FastTlbs and registers at each entry.
  let anyCore: CompiledBlock['run'] | undefined;
  const onAnyCore: CompiledBlock['run'] = (cpu, base, pageHi, budget) =>
    (anyCore ??= make(`return ${fn(`${CURRENT_FAST_TLBS} ${FAST_TLB_ARRAYS} const r = cpu.r;`)};`))(cpu, base, pageHi, budget);
  if (core === undefined) return { length, continues, run: onAnyCore };
  // The block as it runs on the core and at the EL it was compiled for, whose FastTlbs and
  // registers it holds as constants: V8 then knows their arrays' addresses and lengths, so
  // the lookups' indexes (8 bits) and the registers' need no bounds checks, and the addresses
  // are constants in its machine code, not values spilled to the stack (the registers as
  // constants took one of bench-memory's blocks from 2,693 machine instructions to 2,591,
  // and 229 compares to 199). Any other core or EL runs the block made for any core.
  const own = make(
    `${FAST_TLB_ARRAYS}\n  return ${fn('if (cpu.mmu.fastRead[cpu.el] !== fr) return onAnyCore(cpu, base, pageHi, budget);')};`,
    ['fr', core.read],
    ['fw', core.write],
    ['r', core.registers],
    ['onAnyCore', onAnyCore],
  );
  return { length, continues, run: own };
}
