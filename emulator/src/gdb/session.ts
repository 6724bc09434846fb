// A GDB remote-protocol stub for the emulated Pi: one debugger session, GDB's packets in,
// replies out, and the machine paused and resumed as GDB asks. The four cores are GDB's four
// threads (ids 1-4); memory is read and written at virtual addresses, through the selected
// core's current translation; breakpoints are the machine's own (nothing is written into
// guest memory), so they work the same for GDB's "break" and "hbreak".
//
// The session does not run the machine: its host (emulator/node/gdb-server.ts and the run
// loop that uses it) runs it while `state` is 'running' or 'detached', reports pauses with
// `paused`, Ctrl-C with `interrupted` and the end with `ended`. Pure: no Node or DOM API.
//
// Packets are those of the GDB manual's appendix E ("Remote Serial Protocol"), the subset a
// kernel developer's session uses: ? g G p P m M X c s vCont Z0/z0 Z1/z1 H T k D and the
// q queries GDB asks on connecting. Anything else gets the empty reply, which tells GDB the
// packet is not supported.
import type { Machine } from '../machine';
import { RAM_END } from '../memory';
import { framePacket, latin1, MAX_PACKET, PacketReader } from './packets';
import { CORE_REGISTERS, readRegister, REGISTERS, targetXml, writeRegister } from './registers';

/**
 * - `halted`: paused for the debugger; nothing runs until GDB says so.
 * - `running`: GDB resumed the machine and waits for the next stop.
 * - `detached`: the debugger left; the machine runs on by itself.
 * - `killed`: GDB asked to end the run.
 */
export type RunState = 'halted' | 'running' | 'detached' | 'killed';

/** Signal numbers in stop replies (GDB's own numbering): a breakpoint or step, and Ctrl-C. */
const SIGTRAP = 5;
const SIGINT = 2;

/** GDB's errno-like error replies: a bad request, and memory that cannot be reached. */
const BAD_REQUEST = 'E01';
const NO_MEMORY = 'E14';

export class GdbSession {
  private runState: RunState = 'halted';
  /** The core whose registers and memory GDB reads (its Hg thread), 0-3. */
  private selected = 0;
  /** The core and signal of the last stop, for the '?' query. */
  private lastStop = { core: 0, signal: SIGTRAP };
  private readonly reader = new PacketReader();
  /** Packets that arrived while the machine ran (GDB sends none then, but a confused client may). */
  private readonly waiting: Uint8Array[] = [];
  /** The next stop is not announced (see `connected`). */
  private quietStop = false;
  /** GDB pressed Ctrl-C: the host should pause the machine and call `interrupted`. */
  interruptRequested = false;
  /** One line for the user when something is wrong with what GDB sent. */
  onMessage: (line: string) => void = () => {};
  /** The run state changed (the host's loop may be waiting for that). */
  onStateChange: () => void = () => {};

  constructor(
    private readonly machine: Machine,
    private readonly send: (bytes: Uint8Array) => void,
  ) {}

  get state(): RunState {
    return this.runState;
  }

  /** Bytes from the debugger's connection. */
  receive(bytes: Uint8Array): void {
    for (const incoming of this.reader.feed(bytes)) {
      switch (incoming.kind) {
        case 'interrupt':
          if (this.runState === 'running') this.interruptRequested = true;
          break;
        case 'corrupt':
          this.onMessage(`gdb: ignored a malformed packet: ${incoming.text}`);
          this.send(Uint8Array.of(0x2d)); // '-': send it again
          break;
        case 'packet':
          this.send(Uint8Array.of(0x2b)); // '+': received
          if (this.runState === 'running') this.waiting.push(incoming.payload);
          else this.handle(latin1(incoming.payload));
          break;
      }
    }
  }

  /** The machine paused for the debugger: core `core` reached a breakpoint or ended a step. */
  paused(core: number): void {
    this.stop(core, SIGTRAP);
  }

  /** The host paused the machine after `interruptRequested`. */
  interrupted(): void {
    this.interruptRequested = false;
    const awake = this.machine.cores.find((c) => c.sleeping === 'no');
    this.stop(awake?.index ?? this.selected, SIGINT);
  }

  /** The machine stopped for good: the guest exited with `exitCode`, or (null) it failed. */
  ended(exitCode: number | null): void {
    if (this.runState === 'detached' || this.runState === 'killed') return;
    this.reply(exitCode === null ? `X${hex2(6)}` : `W${hex2(exitCode & 0xff)}`);
    this.setState('killed');
  }

  /**
   * A debugger connected. One that comes after another left finds the machine running: it is
   * paused for the newcomer, who asks where it stopped ('?') rather than being told.
   */
  connected(): void {
    if (this.runState !== 'detached') return;
    this.quietStop = true;
    this.interruptRequested = true;
    this.setState('running');
  }

  /** The debugger's connection closed: clear its breakpoints and let the machine run on. */
  disconnected(): void {
    if (this.runState === 'killed') return;
    this.release();
    this.onMessage('gdb: the debugger disconnected; the machine runs on without it');
  }

  private stop(core: number, signal: number): void {
    this.selected = core;
    this.lastStop = { core, signal };
    this.setState('halted');
    if (!this.quietStop) this.reply(this.stopReply());
    this.quietStop = false;
    // Whatever GDB sent while the machine ran is answered now, in order.
    for (const payload of this.waiting.splice(0)) if (this.runState === 'halted') this.handle(latin1(payload));
  }

  private stopReply(): string {
    return `T${hex2(this.lastStop.signal)}thread:${threadId(this.lastStop.core)};`;
  }

  private setState(state: RunState): void {
    this.runState = state;
    this.onStateChange();
  }

  private reply(payload: string): void {
    this.send(framePacket(payload));
  }

  private handle(packet: string): void {
    const answer = this.answer(packet);
    if (answer !== null) this.reply(answer);
  }

  /** The reply to one packet, or null when it has none (resuming, killing). */
  private answer(packet: string): string | null {
    const command = packet[0];
    const args = packet.slice(1);
    switch (command) {
      case '?':
        return this.stopReply();
      case 'g':
        return REGISTERS.slice(0, CORE_REGISTERS)
          .map((_, n) => readRegister(this.core(), n))
          .join('');
      case 'G':
        return this.writeAllRegisters(args);
      case 'p':
        return this.readOneRegister(args);
      case 'P':
        return this.writeOneRegister(args);
      case 'm':
        return this.readMemory(args);
      case 'M':
        return this.writeMemory(args, 'hex');
      case 'X':
        return this.writeMemory(args, 'binary');
      case 'c':
      case 'C':
        return this.resume(undefined, args, command === 'C');
      case 's':
      case 'S':
        return this.resume(this.selected, args, command === 'S');
      case 'Z':
      case 'z':
        return this.breakpoint(command === 'Z', args);
      case 'H':
        return this.selectThread(args);
      case 'T':
        return this.threadNumber(args) === null ? BAD_REQUEST : 'OK';
      case 'D':
        this.reply('OK');
        this.release();
        return null;
      case 'k':
        this.setState('killed');
        return null;
      case 'q':
        return this.query(args);
      case 'v':
        return this.verbose(args);
      default:
        return '';
    }
  }

  private core() {
    return this.machine.cores[this.selected];
  }

  private query(args: string): string {
    if (args.startsWith('Supported')) return `PacketSize=${MAX_PACKET.toString(16)};qXfer:features:read+;vContSupported+`;
    if (args.startsWith('Xfer:features:read:')) return this.targetDescription(args.slice('Xfer:features:read:'.length));
    if (args === 'Attached') return '1'; // the machine existed before GDB: detaching leaves it running
    if (args === 'C') return `QC${threadId(this.selected)}`;
    if (args === 'fThreadInfo') return `m${this.machine.cores.map((c) => threadId(c.index)).join(',')}`;
    if (args === 'sThreadInfo') return 'l';
    if (args.startsWith('ThreadExtraInfo,')) {
      const core = this.threadNumber(args.slice('ThreadExtraInfo,'.length));
      if (core === null) return BAD_REQUEST;
      const c = this.machine.cores[core];
      const state = c.sleeping === 'no' ? 'running' : `asleep in ${c.sleeping.toUpperCase()}`;
      return hexOfText(`core ${core}, EL${c.el}, ${state}`);
    }
    return '';
  }

  private targetDescription(args: string): string {
    const match = /^target\.xml:([0-9a-fA-F]+),([0-9a-fA-F]+)$/.exec(args);
    if (!match) return BAD_REQUEST;
    const xml = targetXml();
    const offset = parseInt(match[1], 16);
    const chunk = xml.slice(offset, offset + parseInt(match[2], 16));
    return (offset + chunk.length >= xml.length ? 'l' : 'm') + chunk;
  }

  private verbose(args: string): string | null {
    if (args === 'Cont?') return 'vCont;c;C;s;S';
    if (args.startsWith('Cont;')) return this.vCont(args.slice('Cont;'.length));
    if (args.startsWith('Kill')) {
      this.reply('OK');
      this.setState('killed');
      return null;
    }
    return '';
  }

  /**
   * vCont;action[:thread];...: the first action naming a step ('s' or 'S') says which core
   * steps. Every other core runs on meanwhile: the machine keeps one schedule, so a core
   * cannot be held back without changing what the others do.
   */
  private vCont(actions: string): string | null {
    let step: number | undefined;
    for (const action of actions.split(';')) {
      const [kind, thread] = action.split(':');
      if (kind === undefined || !/^[cCsS]([0-9a-fA-F]{2})?$/.test(kind)) return BAD_REQUEST;
      if ((kind[0] === 's' || kind[0] === 'S') && step === undefined) {
        const core = thread === undefined ? this.selected : this.threadNumber(thread);
        if (core === null) return BAD_REQUEST;
        step = core;
      }
    }
    return this.resume(step, '', false);
  }

  /** c, s and their signal forms; an address argument resumes there (on the selected core). */
  private resume(step: number | undefined, args: string, withSignal: boolean): string | null {
    const address = withSignal ? args.split(';')[1] : args;
    if (address !== undefined && address !== '') {
      const pc = parseHex(address);
      if (pc === null) return BAD_REQUEST;
      const c = this.core();
      c.pcLo = Number(pc & 0xffffffffn) | 0;
      c.pcHi = Number(pc >> 32n) | 0;
    }
    this.machine.resumeDebugging(step);
    this.setState('running');
    return null;
  }

  /** The debugger lets go: no breakpoints, no step, and the machine runs by itself. */
  private release(): void {
    this.machine.breakpoints.clear();
    this.machine.resumeDebugging();
    this.interruptRequested = false;
    this.waiting.length = 0;
    this.setState('detached');
  }

  /** Z0/Z1 (software and hardware breakpoints) set, z0/z1 clear; watchpoints are not offered. */
  private breakpoint(set: boolean, args: string): string {
    const match = /^([01]),([0-9a-fA-F]{1,16}),([0-9a-fA-F]+)$/.exec(args);
    if (!match) return /^[234],/.test(args) ? '' : BAD_REQUEST;
    const va = BigInt(`0x${match[2]}`);
    if ((va & 3n) !== 0n) return BAD_REQUEST; // A64 instructions are word-aligned
    if (set) this.machine.breakpoints.add(va);
    else this.machine.breakpoints.remove(va);
    return 'OK';
  }

  /** Hg selects the core whose registers and memory GDB reads; Hc is superseded by vCont. */
  private selectThread(args: string): string {
    const kind = args[0];
    const thread = args.slice(1);
    if (kind !== 'g' && kind !== 'c') return BAD_REQUEST;
    if (thread === '0' || thread === '-1') return 'OK'; // any thread: keep the current one
    const core = this.threadNumber(thread);
    if (core === null) return BAD_REQUEST;
    if (kind === 'g') this.selected = core;
    return 'OK';
  }

  /** GDB's thread id (hex, 1-4) as a core number, or null. */
  private threadNumber(text: string): number | null {
    if (!/^[0-9a-fA-F]+$/.test(text)) return null;
    const id = parseInt(text, 16);
    return id >= 1 && id <= this.machine.cores.length ? id - 1 : null;
  }

  private writeAllRegisters(hex: string): string {
    const c = this.core();
    let at = 0;
    for (let n = 0; n < CORE_REGISTERS; n++) {
      const width = REGISTERS[n].bits / 4;
      if (!writeRegister(c, n, hex.slice(at, at + width))) return BAD_REQUEST;
      at += width;
    }
    return at === hex.length ? 'OK' : BAD_REQUEST;
  }

  private readOneRegister(args: string): string {
    const n = /^[0-9a-fA-F]+$/.test(args) ? parseInt(args, 16) : -1;
    return n >= 0 && n < REGISTERS.length ? readRegister(this.core(), n) : BAD_REQUEST;
  }

  private writeOneRegister(args: string): string {
    const match = /^([0-9a-fA-F]+)=([0-9a-fA-F]+)$/.exec(args);
    if (!match) return BAD_REQUEST;
    return writeRegister(this.core(), parseInt(match[1], 16), match[2]) ? 'OK' : BAD_REQUEST;
  }

  /** m addr,length: the bytes that translate; an error if the first does not. */
  private readMemory(args: string): string {
    const request = parseRange(args);
    if (request === null) return BAD_REQUEST;
    let hex = '';
    for (let i = 0n; i < request.length; i++) {
      const pa = this.physical(request.address + i);
      if (pa < 0) break;
      hex += hex2(this.machine.memory.chunk(pa).u8[pa & 0xffff]);
    }
    return hex === '' && request.length > 0n ? NO_MEMORY : hex;
  }

  /** M addr,length:hex and X addr,length:binary; nothing is written unless every byte translates. */
  private writeMemory(args: string, encoding: 'hex' | 'binary'): string {
    const colon = args.indexOf(':');
    const request = colon < 0 ? null : parseRange(args.slice(0, colon));
    if (request === null) return BAD_REQUEST;
    const data = args.slice(colon + 1);
    const bytes = encoding === 'hex' ? bytesOfHex(data) : Array.from(data, (ch) => ch.charCodeAt(0));
    if (bytes === null || BigInt(bytes.length) !== request.length) return BAD_REQUEST;
    const addresses = bytes.map((_, i) => this.physical(request.address + BigInt(i)));
    if (addresses.some((pa) => pa < 0)) return NO_MEMORY;
    addresses.forEach((pa, i) => this.machine.debugWrite(pa, bytes[i]));
    return 'OK';
  }

  /**
   * The RAM address a virtual address reaches on the selected core, or -1. Device registers
   * are not offered: reading one can change the device (a UART's data register pops a byte),
   * and a look must not change what the guest does next.
   */
  private physical(va: bigint): number {
    if (va < 0n || va > 0xffffffffffffffffn) return -1;
    const lo = Number(va & 0xffffffffn) | 0;
    const hi = Number(va >> 32n) | 0;
    const pa = this.core().mmu.debugTranslate(lo, hi);
    return pa >= 0 && pa < RAM_END ? pa : -1;
  }
}

function threadId(core: number): string {
  return (core + 1).toString(16);
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

function hexOfText(text: string): string {
  return Array.from(new TextEncoder().encode(text), hex2).join('');
}

function parseHex(text: string): bigint | null {
  return /^[0-9a-fA-F]{1,16}$/.test(text) ? BigInt(`0x${text}`) : null;
}

/** "addr,length" in hex; a length over 64 KiB is not a request GDB makes. */
function parseRange(text: string): { address: bigint; length: bigint } | null {
  const [address, length] = text.split(',');
  const start = address === undefined ? null : parseHex(address);
  const count = length === undefined ? null : parseHex(length);
  if (start === null || count === null || count > 0x10000n) return null;
  return { address: start, length: count };
}

function bytesOfHex(hex: string): number[] | null {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) return null;
  const bytes: number[] = [];
  for (let i = 0; i < hex.length; i += 2) bytes.push(parseInt(hex.slice(i, i + 2), 16));
  return bytes;
}
