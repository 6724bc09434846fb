// The GDB stub: the protocol's framing and the packets a debugger session uses. That pausing
// for a debugger leaves four busy cores exactly as they were is checked on an assembly kernel
// with the others, in tools/test/kernels/debugger.test.ts.
import { describe, expect, it } from 'vitest';
import { framePacket, latin1, PacketReader } from '../src/gdb/packets';
import { GdbSession } from '../src/gdb/session';
import { Machine, type StopReason } from '../src/index';

/** A countdown loop on core 0, then semihosting SYS_EXIT with the status in x7 (7). */
const COUNTDOWN = [
  0xd2a00020, // 80000: movz x0, #1, lsl #16      x0 = 65536
  0xf1000400, // 80004: subs x0, x0, #1
  0x54ffffe1, // 80008: b.ne 80004
  0xd2a00125, // 8000c: movz x5, #9, lsl #16      parameter block at 0x90000
  0xd28004c6, // 80010: movz x6, #0x26
  0xf2a00046, // 80014: movk x6, #2, lsl #16      ADP_Stopped_ApplicationExit = 0x20026
  0xd28000e7, // 80018: movz x7, #7               exit status
  0xa9001ca6, // 8001c: stp x6, x7, [x5]
  0xaa0503e1, // 80020: mov x1, x5
  0x52800300, // 80024: mov w0, #0x18             SYS_EXIT
  0xd45e0000, // 80028: hlt #0xf000
];
/** `movz x7, #9`: the exit status instruction with another status. */
const MOVZ_X7_9 = 0xd2800127;

function image(words: number[]): Uint8Array {
  const bytes = new Uint8Array(words.length * 4);
  const view = new DataView(bytes.buffer);
  words.forEach((w, i) => view.setUint32(i * 4, w, true));
  return bytes;
}

const encode = (text: string) => new TextEncoder().encode(text);

/** A session on a fresh machine, with GDB's side of the conversation recorded. */
function debugSession(kernel = image(COUNTDOWN)) {
  const machine = new Machine({ kernel });
  const sent: string[] = [];
  const messages: string[] = [];
  const session = new GdbSession(machine, (bytes) => sent.push(latin1(bytes)));
  session.onMessage = (line) => messages.push(line);
  /** Sends one packet as GDB would and returns the replies' payloads (acknowledgements left out). */
  const ask = (payload: string): string[] => {
    sent.length = 0;
    session.receive(framePacket(payload));
    return replies(sent);
  };
  /** Runs the machine as a host does while the session says so; returns the replies meanwhile. */
  const runOn = (): { stop: StopReason | undefined; replies: string[] } => {
    sent.length = 0;
    let stop: StopReason | undefined;
    while (session.state === 'running' || session.state === 'detached') {
      if (session.interruptRequested) {
        session.interrupted();
        break;
      }
      stop = machine.run(100_000);
      if (stop.kind === 'debug') session.paused(stop.core);
      else if (stop.kind === 'exit') {
        session.ended(stop.code);
        break;
      } else if (stop.kind !== 'budget') break;
    }
    return { stop, replies: replies(sent) };
  };
  return { machine, session, sent, messages, ask, runOn };
}

/** The payloads of the framed packets among what the stub sent. */
function replies(sent: readonly string[]): string[] {
  return sent
    .join('')
    .split(/(?=\$)/)
    .filter((chunk) => chunk.startsWith('$'))
    .map((packet) => packet.slice(1, packet.lastIndexOf('#')));
}

/** A 64-bit register from a g/p reply: little-endian hex. */
function registerValue(hex: string): bigint {
  return BigInt(`0x${hex.match(/../g)!.reverse().join('')}`);
}

describe('GDB packet framing', () => {
  it('frames a reply with its checksum, and reads it back whole or in pieces', () => {
    const framed = latin1(framePacket('OK'));
    expect(framed).toBe('$OK#9a');
    const reader = new PacketReader();
    expect(reader.feed(encode('+$m8000'))).toEqual([]);
    const found = reader.feed(encode('0,4#c5'));
    expect(found.map((f) => (f.kind === 'packet' ? latin1(f.payload) : f.kind))).toEqual(['m80000,4']);
  });

  it('tells an interrupt (Ctrl-C) from packets, and unescapes binary data', () => {
    const reader = new PacketReader();
    // X with the data bytes '#' and '}' escaped as }\x03 and }\x5d.
    const payload = 'X80000,2:}\x03}\x5d';
    let sum = 0;
    for (const ch of payload) sum = (sum + ch.charCodeAt(0)) & 0xff;
    const found = reader.feed(encode(`\x03$${payload}#${sum.toString(16).padStart(2, '0')}`));
    expect(found[0]).toEqual({ kind: 'interrupt' });
    expect(found[1].kind === 'packet' && latin1(found[1].payload)).toBe('X80000,2:#}');
  });

  it('reports a packet whose checksum is wrong', () => {
    const found = new PacketReader().feed(encode('$g#00'));
    expect(found).toEqual([{ kind: 'corrupt', text: '$g#00: its checksum should be 67' }]);
  });
});

describe('GDB session', () => {
  it('describes the target: AArch64 core registers, then system registers', () => {
    const { ask } = debugSession();
    expect(ask('qSupported:multiprocess+;swbreak+')[0]).toContain('qXfer:features:read+');
    const xml = ask('qXfer:features:read:target.xml:0,ffff')[0];
    expect(xml.startsWith('l<?xml')).toBe(true);
    expect(xml).toContain('<feature name="org.gnu.gdb.aarch64.core"><reg name="x0" bitsize="64"/>');
    expect(xml).toContain('<reg name="sp" bitsize="64" type="data_ptr"/><reg name="pc" bitsize="64" type="code_ptr"/><reg name="cpsr" bitsize="32"/></feature>');
    expect(xml).toContain('<reg name="esr_el1" bitsize="64" type="uint64"/>');
    // A read in pieces: 'm' while more follows.
    expect(ask('qXfer:features:read:target.xml:0,10')[0]).toBe('m<?xml version="1');
  });

  it('starts paused, with the four cores as threads 1-4', () => {
    const { ask } = debugSession();
    expect(ask('?')).toEqual(['T05thread:1;']);
    expect(ask('qfThreadInfo')).toEqual(['m1,2,3,4']);
    expect(ask('qsThreadInfo')).toEqual(['l']);
    expect(Buffer.from(ask('qThreadExtraInfo,2')[0], 'hex').toString()).toBe('core 1, EL2, running');
    expect(ask('T4')).toEqual(['OK']);
    expect(ask('T5')).toEqual(['E01']);
  });

  it('reads registers per thread: core 0 starts at 0, the others in the spin-table stub at 0x300', () => {
    const { ask } = debugSession();
    const g = ask('g')[0];
    expect(g.length).toBe(33 * 16 + 8); // x0-x30, sp, pc: 64 bits; cpsr: 32
    expect(registerValue(g.slice(32 * 16, 33 * 16))).toBe(0n);
    expect(ask('p21')).toEqual(['c9030000']); // cpsr: EL2h, DAIF masked (0x3c9)
    expect(ask('Hg3')).toEqual(['OK']);
    expect(registerValue(ask('p20')[0])).toBe(0x300n);
  });

  it('reads memory at virtual addresses, and answers an error for what cannot be read', () => {
    const { ask } = debugSession();
    expect(ask('m80000,8')).toEqual(['2000a0d2000400f1']);
    expect(ask('m3f201018,4')).toEqual(['E14']); // a device register: reading it could change it
    expect(ask('mffff000000080000,4')).toEqual(['E14']); // the MMU is off: no such address
    expect(ask('m80000,zz')).toEqual(['E01']);
  });

  it('stops at a breakpoint, steps one instruction, and resumes to the guest exit', () => {
    const { ask, runOn, machine } = debugSession();
    expect(ask('Z0,8000c,4')).toEqual(['OK']);
    ask('vCont;c');
    expect(runOn().replies).toEqual(['T05thread:1;']);
    expect(registerValue(ask('p20')[0])).toBe(0x8000cn);
    expect(registerValue(ask('p0')[0])).toBe(0n); // the countdown is over
    ask('vCont;s:1;c');
    expect(runOn().replies).toEqual(['T05thread:1;']);
    expect(registerValue(ask('p20')[0])).toBe(0x80010n);
    expect(registerValue(ask('p5')[0])).toBe(0x90000n);
    expect(ask('z0,8000c,4')).toEqual(['OK']);
    ask('c');
    expect(runOn().replies).toEqual(['W07']);
    expect(machine.instructions).toBe(6 + 1 + 65536 * 2 + 8 + 3 * 4);
  });

  it('writes memory and registers: a patched instruction runs as patched', () => {
    const { ask, runOn } = debugSession();
    const patch = MOVZ_X7_9.toString(16).match(/../g)!.reverse().join('');
    expect(ask(`M80018,4:${patch}`)).toEqual(['OK']);
    expect(ask('m80018,4')).toEqual([patch]);
    expect(ask('P3=2a00000000000000')).toEqual(['OK']);
    expect(ask('p3')).toEqual(['2a00000000000000']);
    expect(ask('P24=0000000000000000')).toEqual(['E01']); // a system register is read-only
    ask('c');
    expect(runOn().replies).toEqual(['W09']);
  });

  it('pauses a running machine on Ctrl-C, naming a thread', () => {
    const { session, ask, runOn } = debugSession(image([0x14000000])); // b .
    ask('c');
    session.receive(Uint8Array.of(0x03));
    expect(runOn().replies).toEqual(['T02thread:1;']);
    expect(session.state).toBe('halted');
  });

  it('survives bad input: a wrong checksum asks again, unknown packets get the empty reply', () => {
    const { session, sent, messages, ask } = debugSession();
    sent.length = 0;
    session.receive(encode('$g#00'));
    expect(sent).toEqual(['-']);
    expect(messages).toEqual(['gdb: ignored a malformed packet: $g#00: its checksum should be 67']);
    expect(ask('vMustReplyEmpty')).toEqual(['']);
    expect(ask('Z0,80002,4')).toEqual(['E01']); // not an instruction's address
    expect(ask('vCont;x')).toEqual(['E01']);
    expect(ask('?')).toEqual(['T05thread:1;']);
  });

  it('detaches (the machine runs on, breakpoints gone) and kills (the run ends) on request', () => {
    const detached = debugSession();
    detached.ask('Z0,8000c,4');
    expect(detached.ask('D;1')).toEqual(['OK']);
    expect(detached.session.state).toBe('detached');
    expect(detached.runOn().stop).toEqual({ kind: 'exit', code: 7 });
    const killed = debugSession();
    expect(killed.ask('vKill;1')).toEqual(['OK']);
    expect(killed.session.state).toBe('killed');
    const plain = debugSession();
    expect(plain.ask('k')).toEqual([]);
    expect(plain.session.state).toBe('killed');
  });

  it('lets the machine run on when the debugger leaves, its breakpoints gone', () => {
    const { ask, session, runOn, messages } = debugSession();
    ask('Z0,8000c,4');
    session.disconnected();
    expect(messages).toEqual(['gdb: the debugger disconnected; the machine runs on without it']);
    expect(runOn().stop).toEqual({ kind: 'exit', code: 7 });
  });
});
