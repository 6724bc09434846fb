// The PL011 model against the PrimeCell UART TRM (DDI 0183): transmit gating,
// receive at the baud rate, the FIFO trigger level (RX) and the receive timeout (RT).
import { describe, expect, it } from 'vitest';
import { Pl011, UART_INT } from '../src/devices/pl011';

const DR = 0x00;
const FR = 0x18;
const IBRD = 0x24;
const FBRD = 0x28;
const LCRH = 0x2c;
const CR = 0x30;
const IMSC = 0x38;
const RIS = 0x3c;
const MIS = 0x40;
const ICR = 0x44;
const HZ = 62_500_000;

// 48 MHz / (16 x (26 + 3/64)) = 48e6 / 416.75 = 115 177 baud, so one bit lasts
// 62.5e6 x 416.75 / 48e6 = 542.643 counter ticks: a 10-bit character round(5426.43) = 5426 ticks,
// the 32-bit receive timeout round(17364.58) = 17365.
const CHAR = 5426;
const TIMEOUT = 17365;

function uart(fifo: boolean) {
  let now = 0;
  const sent: number[] = [];
  const u = new Pl011((b) => sent.push(b), () => now, HZ);
  u.write(IBRD, 4, 26);
  u.write(FBRD, 4, 3);
  u.write(LCRH, 4, fifo ? 0x70 : 0x60); // 8 bits, FIFOs on or off
  u.write(CR, 4, 0x301); // UARTEN, TXE, RXE
  u.write(IMSC, 4, UART_INT.RX | UART_INT.RT);
  const runTo = (t: number) => {
    while (u.nextEvent() <= t) {
      now = u.nextEvent();
      u.advance(now);
    }
    now = t;
  };
  return { u, sent, runTo, time: () => now };
}

describe('PL011', () => {
  it('transmits only while UARTEN and TXE are set', () => {
    const sent: number[] = [];
    const u = new Pl011((b) => sent.push(b), () => 0, HZ);
    u.write(CR, 4, 0x100); // TXE without UARTEN
    u.write(DR, 4, 0x41);
    u.write(CR, 4, 0x101);
    u.write(DR, 4, 0x42);
    expect(sent).toEqual([0x42]);
  });

  it('starts as the firmware leaves it: enabled, transmitting, 115200 baud 8N1 with FIFOs', () => {
    const sent: number[] = [];
    const u = new Pl011((b) => sent.push(b), () => 0, HZ);
    expect([u.read(CR), u.read(IBRD), u.read(FBRD), u.read(LCRH)]).toEqual([0x301, 26, 3, 0x70]);
    u.write(DR, 4, 0x41);
    expect(sent).toEqual([0x41]);
  });

  it('reports output dropped with the transmitter off, once', () => {
    const warnings: string[] = [];
    const u = new Pl011(() => {}, () => 0, HZ);
    u.onWarning = (m) => warnings.push(m);
    u.write(CR, 4, 0x201); // UARTEN and RXE, no TXE
    u.write(DR, 4, 0x41);
    u.write(DR, 4, 0x42);
    expect(warnings).toEqual(['PL011: output dropped: the guest wrote to DR with its transmitter (CR.TXE) switched off']);
  });

  it('receives one character per 10 bit times at the programmed baud rate', () => {
    const { u, runTo } = uart(true);
    u.receive(Uint8Array.from([0x61, 0x62]));
    runTo(CHAR - 1);
    expect(u.read(FR) & 0x10).toBe(0x10); // RXFE: nothing yet
    runTo(CHAR);
    expect(u.read(FR) & 0x10).toBe(0);
    expect(u.read(DR)).toBe(0x61);
    runTo(2 * CHAR);
    expect(u.read(DR)).toBe(0x62);
  });

  it('with FIFOs on, RX waits for the trigger level (IFLS reset value: 1/2 full, 8 bytes)', () => {
    const { u, runTo } = uart(true);
    u.receive(new TextEncoder().encode('abcdefgh'));
    runTo(7 * CHAR);
    expect(u.read(RIS) & UART_INT.RX).toBe(0);
    runTo(8 * CHAR);
    expect(u.read(RIS) & UART_INT.RX).toBe(UART_INT.RX);
    expect(u.interruptAsserted).toBe(true);
    u.read(DR); // 7 left: below the trigger again
    expect(u.read(RIS) & UART_INT.RX).toBe(0);
  });

  it('switching the FIFOs off makes one waiting byte enough for RX (RX follows the level)', () => {
    const { u, runTo } = uart(true);
    u.receive(Uint8Array.from([0x78]));
    runTo(CHAR);
    expect(u.read(RIS) & UART_INT.RX).toBe(0); // 1 byte: below the 8-byte trigger
    u.write(LCRH, 4, 0x60);
    expect(u.read(RIS) & UART_INT.RX).toBe(UART_INT.RX);
  });

  it('a lone keystroke raises RT after 32 idle bit times; reading the FIFO empty clears it', () => {
    const { u, runTo } = uart(true);
    u.receive(Uint8Array.from([0x0d]));
    runTo(CHAR + TIMEOUT - 1);
    expect(u.read(MIS)).toBe(0);
    runTo(CHAR + TIMEOUT);
    expect(u.read(MIS)).toBe(UART_INT.RT);
    expect(u.read(DR)).toBe(0x0d);
    expect(u.read(MIS)).toBe(0);
  });

  it('ICR clears RT; RX stays while the FIFO is still at the trigger level', () => {
    const { u, runTo } = uart(true);
    u.receive(new TextEncoder().encode('abcdefgh'));
    runTo(8 * CHAR + TIMEOUT);
    expect(u.read(RIS)).toBe(UART_INT.RX | UART_INT.RT);
    u.write(ICR, 4, UART_INT.RX | UART_INT.RT);
    expect(u.read(RIS)).toBe(UART_INT.RX);
  });

  it('with FIFOs off, the single holding register raises RX on one character', () => {
    const { u, runTo } = uart(false);
    u.receive(Uint8Array.from([0x71, 0x72]));
    runTo(CHAR);
    expect(u.read(RIS) & UART_INT.RX).toBe(UART_INT.RX);
    runTo(10 * CHAR); // the second waits on the line: the holding register is full
    expect(u.read(DR)).toBe(0x71);
    runTo(11 * CHAR);
    expect(u.read(DR)).toBe(0x72);
  });

  it('never overflows: a long paste waits on the line until the FIFO has room', () => {
    const { u, runTo } = uart(true);
    const text = 'x'.repeat(40);
    u.receive(new TextEncoder().encode(text));
    runTo(100 * CHAR);
    expect(u.read(FR) & 0x40).toBe(0x40); // RXFF
    let got = '';
    for (let t = 100; got.length < 40; t++) {
      while ((u.read(FR) & 0x10) === 0) got += String.fromCharCode(u.read(DR));
      runTo(t * CHAR);
    }
    expect(got).toBe(text);
  });
});
