// Mailbox 0 and the property channel against the Raspberry Pi firmware's mailbox
// documentation: FIFO status bits, the request/response codes of a tag buffer, value
// lengths, unknown tags left unanswered, the bus address aliases of RAM.
import { describe, expect, it } from 'vitest';
import { Bcm2835Mailbox } from '../src/devices/bcm2835-mailbox';
import { VideoCoreProperties } from '../src/devices/videocore-properties';
import { PhysicalMemory } from '../src/memory';

const READ = 0x00;
const STATUS = 0x18;
const CONFIG = 0x1c;
const WRITE = 0x20;
const FULL = 0x8000_0000;
const EMPTY = 0x4000_0000;
const BUFFER = 0x1000;

function mailbox() {
  const memory = new PhysicalMemory();
  const warnings: string[] = [];
  const properties = new VideoCoreProperties(memory);
  properties.onWarning = (m) => warnings.push(m);
  const box = new Bcm2835Mailbox(properties);
  box.onWarning = (m) => warnings.push(m);
  /** Lay out a buffer of tags (id, value buffer size, request values) at BUFFER. */
  const buffer = (tags: [number, number, number[]][]) => {
    const words = [0, 0];
    for (const [id, size, values] of tags) {
      words.push(id, size, 0);
      for (let i = 0; i < size / 4; i++) words.push(values[i] ?? 0);
    }
    words.push(0);
    words[0] = words.length * 4;
    words.forEach((w, i) => memory.write(BUFFER + 4 * i, 4, w >>> 0));
  };
  const word = (index: number) => memory.read(BUFFER + 4 * index, 4);
  return { memory, box, warnings, buffer, word };
}

describe('BCM2835 mailbox and the property channel', () => {
  it('is empty until a request is posted, then holds the reply (the same word)', () => {
    const { box, buffer } = mailbox();
    expect(box.read(STATUS)).toBe(EMPTY);
    buffer([[0x00010002, 4, []]]);
    box.write(WRITE, 4, BUFFER | 8);
    expect(box.read(STATUS)).toBe(1); // one message waiting: neither full nor empty
    expect(box.read(READ)).toBe(BUFFER | 8);
    expect(box.read(STATUS)).toBe(EMPTY);
  });

  it('answers in place: buffer code 0x80000000, each tag 0x80000000 | its value length', () => {
    const { box, buffer, word } = mailbox();
    buffer([
      [0x00010002, 4, []], // board revision
      [0x00010005, 8, []], // ARM memory
    ]);
    box.write(WRITE, 4, BUFFER | 8);
    expect(word(1)).toBe(0x8000_0000);
    expect([word(4), word(5)]).toEqual([0x8000_0004, 0xa02082]);
    expect([word(8), word(9), word(10)]).toEqual([0x8000_0008, 0, 0x3c00_0000]);
  });

  it('cuts a value to its buffer but reports its full length', () => {
    const { box, buffer, word } = mailbox();
    buffer([[0x00010005, 4, []]]); // ARM memory needs 8 bytes
    box.write(WRITE, 4, BUFFER | 8);
    expect([word(4), word(5), word(6)]).toEqual([0x8000_0008, 0, 0]); // base 0; the size did not fit
  });

  it('leaves an unknown tag unanswered and reports it once; the tags after it are answered', () => {
    const { box, buffer, word, warnings } = mailbox();
    buffer([
      [0x0003_ffff, 4, [0x1234]],
      [0x0000_0001, 4, []],
    ]);
    box.write(WRITE, 4, BUFFER | 8);
    box.write(WRITE, 4, BUFFER | 8);
    expect([word(4), word(5)]).toEqual([0, 0x1234]);
    expect(word(8)).toBe(0x8000_0004);
    expect(warnings).toEqual(['mailbox: property tag 0x0003ffff is not modelled; left unanswered']);
  });

  it('translates bus addresses: the four RAM aliases reach the same buffer', () => {
    for (const alias of [0x0000_0000, 0x4000_0000, 0x8000_0000, 0xc000_0000]) {
      const { box, buffer, word } = mailbox();
      buffer([[0x00010002, 4, []]]);
      box.write(WRITE, 4, (alias | BUFFER | 8) >>> 0);
      expect(word(5)).toBe(0xa02082);
      expect(box.read(READ)).toBe((alias | BUFFER | 8) >>> 0);
    }
  });

  it('power state: set switches a device, get reports it (bit 0 on, bit 1 clear: it exists)', () => {
    const { box, buffer, word } = mailbox();
    buffer([[0x00028001, 8, [3, 0]]]); // device 3 off
    box.write(WRITE, 4, BUFFER | 8);
    expect([word(4), word(5), word(6)]).toEqual([0x8000_0008, 3, 0]);
    buffer([
      [0x00020001, 8, [3]],
      [0x00020001, 8, [0]],
    ]);
    box.write(WRITE, 4, BUFFER | 8);
    expect([word(5), word(6)]).toEqual([3, 0]);
    expect([word(10), word(11)]).toEqual([0, 1]);
  });

  it('holds eight replies; reading an empty mailbox gives 0xFFFFFFFF and sets the underflow error', () => {
    const { box, buffer } = mailbox();
    buffer([[0x00000001, 4, []]]);
    for (let i = 0; i < 8; i++) box.write(WRITE, 4, BUFFER | 8);
    expect(box.read(STATUS)).toBe((FULL | 8) >>> 0);
    for (let i = 0; i < 8; i++) box.read(READ);
    expect(box.read(READ)).toBe(0xffff_ffff);
    expect(box.read(CONFIG) & (1 << 10)).not.toBe(0);
    box.write(CONFIG, 4, 0); // any write clears the error bits
    expect(box.read(CONFIG)).toBe(0);
  });

  it('ignores and reports other channels', () => {
    const { box, warnings } = mailbox();
    box.write(WRITE, 4, BUFFER | 1); // the framebuffer channel
    expect(box.read(STATUS)).toBe(EMPTY);
    expect(warnings).toEqual(['mailbox: channel 1 is not modelled; message 0x1001 ignored']);
  });
});
