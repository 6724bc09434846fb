// The GDB remote serial protocol's framing (GDB manual, appendix E.1 "Overview"): what comes
// over the connection is a stream of bytes holding
//   $payload#cc   a packet; cc is the sum of the payload's bytes mod 256, in two hex digits
//   +  -          the other side's acknowledgement (or request to send again)
//   0x03          an interrupt (Ctrl-C in GDB), outside any packet
// Inside a payload, `}` escapes the next byte (which is XOR 0x20): binary data (the X packet)
// can hold `$`, `#` and `}` that way.
//
// Pure: bytes in, events out; the connection itself belongs to the host (emulator/node).

/** What the reader found in the bytes given so far, in order. */
export type Incoming =
  | { kind: 'packet'; payload: Uint8Array }
  | { kind: 'interrupt' }
  /** A packet whose checksum did not match: the sender should be asked to send it again. */
  | { kind: 'corrupt'; text: string };

const START = 0x24; // $
const END = 0x23; // #
const ESCAPE = 0x7d; // }
const INTERRUPT = 0x03;
/** The longest packet accepted: more is not a packet GDB would send (it reads PacketSize). */
export const MAX_PACKET = 0x4000;

/**
 * Splits a byte stream into packets and interrupts. Bytes may arrive in any pieces: a packet
 * cut in two is completed by the next call.
 */
export class PacketReader {
  private state: 'idle' | 'payload' | 'checksum' = 'idle';
  private payload: number[] = [];
  private checksum = '';

  feed(bytes: Uint8Array): Incoming[] {
    const found: Incoming[] = [];
    for (const byte of bytes) {
      switch (this.state) {
        case 'idle':
          // Acknowledgements need no action: every reply is sent once, and a '-' (a reply
          // garbled on a TCP connection, which cannot happen) would only ask for it again.
          if (byte === START) {
            this.state = 'payload';
            this.payload = [];
          } else if (byte === INTERRUPT) {
            found.push({ kind: 'interrupt' });
          }
          break;
        case 'payload':
          if (byte === END) {
            this.state = 'checksum';
            this.checksum = '';
          } else if (this.payload.length > MAX_PACKET) {
            found.push({ kind: 'corrupt', text: `a packet longer than ${MAX_PACKET} bytes` });
            this.state = 'idle';
          } else {
            this.payload.push(byte);
          }
          break;
        case 'checksum':
          this.checksum += String.fromCharCode(byte);
          if (this.checksum.length === 2) {
            this.state = 'idle';
            found.push(this.finish());
          }
          break;
      }
    }
    return found;
  }

  private finish(): Incoming {
    const raw = Uint8Array.from(this.payload);
    const expected = sum(raw);
    const text = latin1(raw);
    if (!/^[0-9a-fA-F]{2}$/.test(this.checksum) || parseInt(this.checksum, 16) !== expected) {
      return { kind: 'corrupt', text: `$${text}#${this.checksum}: its checksum should be ${hex2(expected)}` };
    }
    return { kind: 'packet', payload: unescape(raw) };
  }
}

/** A reply as it goes on the wire: `$payload#cc`, with the bytes that need it escaped. */
export function framePacket(payload: string): Uint8Array {
  const body: number[] = [];
  for (let i = 0; i < payload.length; i++) {
    const byte = payload.charCodeAt(i) & 0xff;
    if (byte === START || byte === END || byte === ESCAPE || byte === 0x2a /* *, run-length marker */) {
      body.push(ESCAPE, byte ^ 0x20);
    } else {
      body.push(byte);
    }
  }
  const bytes = Uint8Array.from(body);
  const framed = new Uint8Array(bytes.length + 4);
  framed[0] = START;
  framed.set(bytes, 1);
  framed[bytes.length + 1] = END;
  const check = hex2(sum(bytes));
  framed[bytes.length + 2] = check.charCodeAt(0);
  framed[bytes.length + 3] = check.charCodeAt(1);
  return framed;
}

function unescape(raw: Uint8Array): Uint8Array {
  const bytes: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === ESCAPE && i + 1 < raw.length) bytes.push(raw[++i] ^ 0x20);
    else bytes.push(raw[i]);
  }
  return Uint8Array.from(bytes);
}

function sum(bytes: Uint8Array): number {
  let total = 0;
  for (const byte of bytes) total = (total + byte) & 0xff;
  return total;
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

/** Bytes as a string of the same length, one character per byte. */
export function latin1(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return text;
}
