// A debugger's breakpoints: virtual addresses at which a core stops *before* executing the
// instruction there. Nothing is written into guest memory (no BRK is planted), so a breakpoint
// cannot be seen by the guest, survives the page's code being re-decoded, and applies to every
// core and every translation regime alike: it is a virtual address, checked against the PC.
//
// The run loop asks once per block (a straight run of instructions within one 4 KiB page)
// where the next breakpoint on that page is, so setting breakpoints costs nothing per
// instruction, and having none costs one comparison per block.

/** Instructions in a 4 KiB page: "no breakpoint on this page" as an index. */
const PAGE_END = 1024;

export class Breakpoints {
  /** Per virtual page (VA bits 63:12 as an exact double), the sorted word indices that have one. */
  private readonly pages = new Map<number, number[]>();
  /** How many breakpoints are set; the run loop skips every check while this is 0. */
  count = 0;

  /** Sets a breakpoint at the 64-bit virtual address `va`; false when it was already set. */
  add(va: bigint): boolean {
    const { key, index } = locate(va);
    const indices = this.pages.get(key) ?? [];
    if (indices.includes(index)) return false;
    indices.push(index);
    indices.sort((a, b) => a - b);
    this.pages.set(key, indices);
    this.count++;
    return true;
  }

  /** Clears the breakpoint at `va`; false when there was none. */
  remove(va: bigint): boolean {
    const { key, index } = locate(va);
    const indices = this.pages.get(key);
    const at = indices?.indexOf(index) ?? -1;
    if (indices === undefined || at < 0) return false;
    indices.splice(at, 1);
    if (indices.length === 0) this.pages.delete(key);
    this.count--;
    return true;
  }

  clear(): void {
    this.pages.clear();
    this.count = 0;
  }

  /**
   * The lowest word index at or after `from` on the page whose base is (`baseLo`, `hi`) that
   * holds a breakpoint, or 1024 when none does.
   */
  next(baseLo: number, hi: number, from: number): number {
    const indices = this.pages.get(pageKey(baseLo, hi));
    if (indices === undefined) return PAGE_END;
    for (const index of indices) if (index >= from) return index;
    return PAGE_END;
  }
}

/** VA bits 63:12 as a double: exact, since 52 bits fit in its mantissa. */
function pageKey(lo: number, hi: number): number {
  return (hi >>> 0) * 0x100000 + (lo >>> 12);
}

function locate(va: bigint): { key: number; index: number } {
  const lo = Number(va & 0xffffffffn);
  const hi = Number((va >> 32n) & 0xffffffffn);
  return { key: pageKey(lo, hi), index: (lo & 0xfff) >>> 2 };
}
