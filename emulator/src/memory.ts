// Physical memory: RAM, allocated lazily, and the devices mapped above it.
//
// The Pi 3 has 1 GiB of RAM at physical address 0, but its top 16 MiB are hidden
// behind the peripheral window at 0x3F000000 (QEMU's raspi3b does the same). A
// browser tab should not have to find a gigabyte up front, so RAM is kept in
// 64 KiB chunks created on first touch; an untouched chunk reads as zeros.
//
// Typed arrays use the host's byte order. Every host this runs on is
// little-endian, like the Pi; `PhysicalMemory` checks that once rather than
// paying for DataView on every access.

/** End of RAM as the CPU sees it: the peripheral window starts here. */
export const RAM_END = 0x3f000000;
/** Base of the BCM2835 peripherals (the "ARM physical" view of the VideoCore bus at 0x7E000000). */
export const PERIPHERAL_BASE = 0x3f000000;
/** Base of the BCM2836 per-core "local" peripherals (timers, mailboxes, interrupt routing). */
export const LOCAL_BASE = 0x40000000;

const CHUNK_SHIFT = 16;
const CHUNK_SIZE = 1 << CHUNK_SHIFT;
const CHUNK_MASK = CHUNK_SIZE - 1;

/** RAM seen through the three widths the CPU loads and stores. */
export interface Views {
  readonly u8: Uint8Array;
  readonly u16: Uint16Array;
  readonly i32: Int32Array;
}

/** One 64 KiB piece of RAM, and views of each of its 4 KiB pages (made when first asked for). */
export interface Chunk extends Views {
  readonly pages: (Views | undefined)[];
}

/** A memory-mapped device. Offsets are relative to the device's base; sizes are 1, 2 or 4 bytes. */
export interface Device {
  readonly name: string;
  read(offset: number, size: number): number;
  write(offset: number, size: number, value: number): void;
}

interface Mapping {
  readonly base: number;
  readonly end: number;
  readonly device: Device;
}

/** Whether this host stores a number's low byte first, as the guest does (the views of RAM rely on it). */
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * A chunk table with no chunk yet, which each memory copies: filling a new array of 16,128
 * slots took a third of the time the unicorn vectors spend making a machine for each step.
 */
const NO_CHUNKS: readonly (Chunk | undefined)[] = new Array<Chunk | undefined>(RAM_END >>> CHUNK_SHIFT).fill(undefined);

export class PhysicalMemory {
  private readonly chunks: (Chunk | undefined)[] = NO_CHUNKS.slice();
  private readonly mappings: Mapping[] = [];
  /** Called once for each distinct unmapped physical address the guest touches. */
  onUnmapped: (what: string) => void = () => {};
  /** The PC of the instruction being executed, for reports; set by the machine. */
  currentPc: () => string = () => '?';
  private readonly reported = new Set<string>();

  constructor() {
    if (!LITTLE_ENDIAN_HOST) throw new Error('this emulator needs a little-endian host');
  }

  /** The chunk holding RAM address `pa` (which must be below RAM_END), created on first use. */
  chunk(pa: number): Chunk {
    const index = pa >>> CHUNK_SHIFT;
    let c = this.chunks[index];
    if (c === undefined) {
      const buffer = new ArrayBuffer(CHUNK_SIZE);
      c = { u8: new Uint8Array(buffer), u16: new Uint16Array(buffer), i32: new Int32Array(buffer), pages: new Array<Views | undefined>(CHUNK_SIZE >>> 12).fill(undefined) };
      this.chunks[index] = c;
    }
    return c;
  }

  /**
   * Views of the 4 KiB page of RAM holding `pa` alone, for the TLBs' fast paths: an offset in
   * the page is an index in them, with nothing to add (compiled blocks, cpu/emit.ts).
   */
  page(pa: number): Views {
    const c = this.chunk(pa);
    const index = (pa & CHUNK_MASK) >>> 12;
    let p = c.pages[index];
    if (p === undefined) {
      const buffer = c.u8.buffer;
      const at = index << 12;
      p = { u8: new Uint8Array(buffer, at, 4096), u16: new Uint16Array(buffer, at, 2048), i32: new Int32Array(buffer, at, 1024) };
      c.pages[index] = p;
    }
    return p;
  }

  map(base: number, size: number, device: Device): void {
    this.mappings.push({ base, end: base + size, device });
  }

  /** The device at `pa` and the offset into it, or undefined for a hole. */
  private find(pa: number): Mapping | undefined {
    for (const m of this.mappings) if (pa >= m.base && pa < m.end) return m;
    return undefined;
  }

  /** Read 1, 2 or 4 bytes; `pa` is aligned to `size` (the CPU splits anything else). Unsigned result. */
  read(pa: number, size: number): number {
    if (pa < RAM_END) {
      const c = this.chunk(pa);
      const off = pa & CHUNK_MASK;
      if (size === 4) return c.i32[off >>> 2] >>> 0;
      if (size === 2) return c.u16[off >>> 1];
      return c.u8[off];
    }
    const m = this.find(pa);
    if (m === undefined) {
      this.report(`read of ${size} bytes at unmapped physical address 0x${pa.toString(16)} (pc ${this.currentPc()}) returned 0`);
      return 0;
    }
    return m.device.read(pa - m.base, size) >>> 0;
  }

  write(pa: number, size: number, value: number): void {
    if (pa < RAM_END) {
      const c = this.chunk(pa);
      const off = pa & CHUNK_MASK;
      if (size === 4) c.i32[off >>> 2] = value;
      else if (size === 2) c.u16[off >>> 1] = value;
      else c.u8[off] = value;
      return;
    }
    const m = this.find(pa);
    if (m === undefined) {
      this.report(`write of ${size} bytes at unmapped physical address 0x${pa.toString(16)} (pc ${this.currentPc()}) ignored`);
      return;
    }
    m.device.write(pa - m.base, size, value);
  }

  /** Copy bytes into RAM (loading images, the firmware stub). */
  load(pa: number, bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; ) {
      const c = this.chunk(pa + i);
      const off = (pa + i) & CHUNK_MASK;
      const n = Math.min(CHUNK_SIZE - off, bytes.length - i);
      c.u8.set(bytes.subarray(i, i + n), off);
      i += n;
    }
  }

  /** Report a guest mistake once per distinct message. */
  report(what: string): void {
    if (this.reported.has(what)) return;
    this.reported.add(what);
    this.onUnmapped(what);
  }
}

/** A device whose registers are unknown to us: reads give 0, each register is reported once. */
export class UnimplementedDevice implements Device {
  constructor(
    readonly name: string,
    private readonly memory: PhysicalMemory,
  ) {}
  read(offset: number, size: number): number {
    this.memory.report(`${this.name}: read of ${size} bytes at offset 0x${offset.toString(16)} is not modelled, returned 0`);
    return 0;
  }
  write(offset: number, size: number): void {
    this.memory.report(`${this.name}: write of ${size} bytes at offset 0x${offset.toString(16)} is not modelled, ignored`);
  }
}
