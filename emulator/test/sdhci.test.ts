// The Arasan SD host controller and the SD card, through the controller's registers, against
// the SD Host Controller Simplified Specification 3.00 (registers, interrupt status) and the
// SD Physical Layer Simplified Specification 3.01 (commands, states, OCR/CID/CSD, addressing).
import { describe, expect, it } from 'vitest';
import { Gpio } from '../src/devices/gpio';
import { type CardStorage, SdCard } from '../src/devices/sd-card';
import { Err, Int, Sdhci, followSdPins } from '../src/devices/sdhci';

const BLKSIZECNT = 0x04;
const ARG1 = 0x08;
const CMDTM = 0x0c;
const RESP = [0x10, 0x14, 0x18, 0x1c];
const DATA = 0x20;
const STATUS = 0x24;
const CONTROL1 = 0x2c;
const INTERRUPT = 0x30;
const IRPT_MASK = 0x34;
const IRPT_EN = 0x38;

// Command register fields (spec 2.2.7), in the upper half of CMDTM.
const R_NONE = 0;
const R136 = 1 << 16;
const R48 = 2 << 16;
const R48_BUSY = 3 << 16;
const DATA_PRESENT = 1 << 21;
// Transfer mode (spec 2.2.5), the lower half.
const BLOCK_COUNT_ENABLE = 1 << 1;
const AUTO_CMD12 = 1 << 2;
const READ = 1 << 4;
const MULTI = 1 << 5;

const PS_CMD_INHIBIT = 1 << 0;
const PS_DAT_INHIBIT = 1 << 1;
const PS_READ_ACTIVE = 1 << 9;
const PS_BUFFER_READ_ENABLE = 1 << 11;
const PS_CARD_INSERTED = 1 << 16;
const RCA = 0x4567;

/** A controller with `storage` in its slot (or none), clock running, every status enabled. */
function host(storage: CardStorage | null) {
  const card = storage === null ? null : new SdCard(storage);
  const sdhci = new Sdhci(card);
  const warnings: string[] = [];
  let line = false;
  sdhci.onWarning = (m) => warnings.push(m);
  sdhci.onInterrupt = (level) => (line = level);
  sdhci.write(CONTROL1, 4, 0x000e_0001); // internal clock on, data timeout 2^27
  sdhci.write(CONTROL1, 4, 0x000e_0005); // SD clock on
  sdhci.write(IRPT_MASK, 4, 0xffff_ffff);
  sdhci.write(INTERRUPT, 4, 0xffff_ffff); // forget the pending card insertion
  /** Send a command; returns RESP0, after checking and clearing Command Complete. */
  const command = (index: number, arg: number, flags: number): number => {
    sdhci.write(ARG1, 4, arg);
    sdhci.write(CMDTM, 4, (index << 24) | flags);
    const status = sdhci.read(INTERRUPT, 4);
    if ((status & Int.COMMAND_COMPLETE) === 0) throw new Error(`CMD${index}: no command complete (interrupt status 0x${status.toString(16)})`);
    sdhci.write(INTERRUPT, 4, Int.COMMAND_COMPLETE | Int.TRANSFER_COMPLETE);
    return sdhci.read(RESP[0], 4);
  };
  /** CMD0 to CMD7: the card ends selected, in the transfer state; returns the OCR. */
  const initialise = (hcs = true): number => {
    command(0, 0, R_NONE);
    expect(command(8, 0x1aa, R48)).toBe(0x1aa);
    command(55, 0, R48);
    const ocr = command(41, (hcs ? 0x4000_0000 : 0) | 0x00ff_8000, R48);
    command(2, 0, R136);
    expect(command(3, 0, R48) >>> 16).toBe(RCA);
    command(7, RCA << 16, R48_BUSY);
    return ocr;
  };
  /** Reads `words` 32-bit words from the data port. */
  const readWords = (words: number) => Array.from({ length: words }, () => sdhci.read(DATA, 4));
  return { sdhci, card, warnings, line: () => line, command, initialise, readWords };
}

/** A 1 MiB standard-capacity image: byte o holds o mod 251 (a prime, so blocks differ). */
function smallImage(): Uint8Array {
  return new Uint8Array(1 << 20).map((_, o) => o % 251);
}

/** A big card (4 GiB unless said) whose every 512-byte block holds its block number in bytes 0-3. */
function bigStorage(length = 2 ** 32): CardStorage & { written: Map<number, Uint8Array> } {
  const written = new Map<number, Uint8Array>();
  return {
    length,
    written,
    subarray(begin: number, end: number): Uint8Array {
      const block = Math.floor(begin / 512);
      let bytes = written.get(block);
      if (bytes === undefined) {
        bytes = new Uint8Array(512);
        new DataView(bytes.buffer).setUint32(0, block, true);
        written.set(block, bytes);
      }
      return bytes.subarray(begin % 512, begin % 512 + (end - begin));
    },
  };
}

const le32 = (bytes: Uint8Array, at: number) => new DataView(bytes.buffer, bytes.byteOffset).getUint32(at, true);

describe('Arasan SD host controller', () => {
  it('reports its capabilities and version, and a card in the slot', () => {
    const { sdhci } = host(smallImage());
    expect(sdhci.read(0x40, 4)).toBe(0x052134b4);
    expect(sdhci.read(0xfe, 2)).toBe(0x9902); // vendor 0x99, specification 3.00
    // Inserted, stable, card detect, writable (bits 16-19), DAT[3:0] and CMD high (20-24).
    expect(sdhci.read(STATUS, 4)).toBe(0x01ff_0000);
  });

  it('says the internal clock is stable once it is enabled', () => {
    const sdhci = new Sdhci(null);
    sdhci.write(CONTROL1, 2, 0x0001);
    expect(sdhci.read(CONTROL1, 2)).toBe(0x0003);
  });

  it('with no card: no card inserted, and a command with a response times out without Command Complete', () => {
    const { sdhci, line } = host(null);
    expect(sdhci.read(STATUS, 4) & PS_CARD_INSERTED).toBe(0);
    sdhci.write(IRPT_EN, 4, 0xffff_0000); // signal errors only
    sdhci.write(CMDTM, 4, (8 << 24) | R48);
    expect(sdhci.read(INTERRUPT, 4)).toBe(((Err.COMMAND_TIMEOUT << 16) | Int.ERROR) >>> 0);
    expect(line()).toBe(true);
    sdhci.write(INTERRUPT, 4, Err.COMMAND_TIMEOUT << 16); // write 1 to clear
    expect(sdhci.read(INTERRUPT, 4)).toBe(0);
    expect(line()).toBe(false);
  });

  it('starts a command only when the command register upper byte is written', () => {
    const { sdhci } = host(smallImage());
    sdhci.write(CMDTM, 2, 0); // transfer mode alone
    expect(sdhci.read(INTERRUPT, 4)).toBe(0);
    sdhci.write(CMDTM + 2, 2, 0); // command register: CMD0
    expect(sdhci.read(INTERRUPT, 4)).toBe(Int.COMMAND_COMPLETE);
  });

  it('holds a command written while the SD clock is off until a command-line reset', () => {
    const sdhci = new Sdhci(new SdCard(smallImage()));
    const warnings: string[] = [];
    sdhci.onWarning = (m) => warnings.push(m);
    sdhci.write(CMDTM, 4, 0);
    expect(sdhci.read(STATUS, 4) & PS_CMD_INHIBIT).toBe(PS_CMD_INHIBIT);
    expect(warnings).toHaveLength(1);
    sdhci.write(CONTROL1 + 3, 1, 0x02); // software reset for the CMD line
    expect(sdhci.read(STATUS, 4) & PS_CMD_INHIBIT).toBe(0);
  });

  it('sets a status bit only while its status enable bit is set, and signals only enabled ones', () => {
    const { sdhci, line } = host(smallImage());
    sdhci.write(IRPT_MASK, 4, 0);
    sdhci.write(CMDTM, 4, 0);
    expect(sdhci.read(INTERRUPT, 4)).toBe(0);
    sdhci.write(IRPT_MASK, 4, Int.COMMAND_COMPLETE);
    sdhci.write(CMDTM, 4, 0);
    expect(sdhci.read(INTERRUPT, 4)).toBe(Int.COMMAND_COMPLETE);
    expect(line()).toBe(false);
    sdhci.write(IRPT_EN, 4, Int.COMMAND_COMPLETE);
    expect(line()).toBe(true);
    expect(sdhci.read(0xfc, 2) & 1).toBe(1); // slot interrupt status
  });

  it('shows the card insertion pending since power-on once its status is first enabled', () => {
    const sdhci = new Sdhci(new SdCard(smallImage()));
    sdhci.write(IRPT_MASK, 4, 0xffff_ffff);
    expect(sdhci.read(INTERRUPT, 4)).toBe(Int.CARD_INSERTION);
    sdhci.write(INTERRUPT, 4, Int.CARD_INSERTION);
    sdhci.write(IRPT_MASK, 4, 0);
    sdhci.write(IRPT_MASK, 4, 0xffff_ffff);
    expect(sdhci.read(INTERRUPT, 4)).toBe(0);
  });
});

describe('SD card (standard capacity, 1 MiB)', () => {
  it('answers the identification sequence: R7 echo, OCR without CCS, CID in R2, RCA in R6', () => {
    const { sdhci, command } = host(smallImage());
    command(0, 0, R_NONE);
    expect(command(8, 0x1aa, R48)).toBe(0x1aa); // voltage 2.7-3.6 V accepted, pattern 0xAA
    expect(command(55, 0, R48) & (1 << 5)).toBe(1 << 5); // APP_CMD
    expect(command(41, 0x40ff_8000, R48)).toBe(0x80ff_8000); // powered up, SDSC, 2.7-3.6 V
    command(2, 0, R136);
    // R2 in RESPONSE: CID bits 127:8 at 119:0, so MID (CID 127:120) is RESP3 bits 23:16, OID follows.
    expect(sdhci.read(RESP[3], 4) >>> 16).toBe(0x42);
    expect(sdhci.read(RESP[3], 4) & 0xffff).toBe(0x4252); // "BR"
    const r6 = command(3, 0, R48);
    expect(r6 >>> 16).toBe(RCA);
    expect(r6 & 0xffff).toBe((2 << 9) | (1 << 8)); // state "identification" when CMD3 arrived
  });

  it.each([
    ['1 MiB', smallImage()],
    ['2 GiB, the largest standard-capacity card', bigStorage(2 ** 31)],
  ])('describes its capacity in a version 1.0 CSD: %s', (_, storage) => {
    const { sdhci, command } = host(storage);
    command(0, 0, R_NONE);
    command(55, 0, R48);
    command(41, 0x00ff_8000, R48);
    command(2, 0, R136);
    command(3, 0, R48);
    command(9, RCA << 16, R136);
    // RESP bit n = CSD bit n + 8; assemble CSD bits 127:8 as one number.
    const r = RESP.map((o) => BigInt(sdhci.read(o, 4)));
    const csd = (r[0] | (r[1] << 32n) | (r[2] << 64n) | (r[3] << 96n)) << 8n;
    const bits = (hi: number, lo: number) => Number((csd >> BigInt(lo)) & ((1n << BigInt(hi - lo + 1)) - 1n));
    expect(bits(127, 126)).toBe(0); // CSD_STRUCTURE 1.0
    const bytes = (bits(73, 62) + 1) * 2 ** (bits(49, 47) + 2) * 2 ** bits(83, 80);
    expect(bytes).toBe(storage.length);
  });

  it('selects with CMD7 (R1b: Transfer Complete too), R1 showing the state the command found', () => {
    const { sdhci, command } = host(smallImage());
    command(0, 0, R_NONE);
    command(55, 0, R48);
    command(41, 0x00ff_8000, R48);
    command(2, 0, R136);
    command(3, 0, R48);
    sdhci.write(ARG1, 4, RCA << 16);
    sdhci.write(CMDTM, 4, (7 << 24) | R48_BUSY);
    expect(sdhci.read(INTERRUPT, 4)).toBe(Int.COMMAND_COMPLETE | Int.TRANSFER_COMPLETE);
    expect(sdhci.read(RESP[0], 4)).toBe((3 << 9) | (1 << 8)); // stand-by, ready for data
    sdhci.write(INTERRUPT, 4, 0xffff);
    expect(command(13, RCA << 16, R48)).toBe((4 << 9) | (1 << 8)); // now: transfer
  });

  it('reads a block at a byte address through the data port, little-endian words', () => {
    const image = smallImage();
    const { sdhci, initialise, command, readWords } = host(image);
    expect(initialise() & (1 << 30)).toBe(0); // CCS clear: byte addresses
    sdhci.write(BLKSIZECNT, 4, (1 << 16) | 512);
    command(17, 3 * 512, R48 | DATA_PRESENT | READ);
    expect(sdhci.read(INTERRUPT, 4)).toBe(Int.BUFFER_READ_READY);
    expect(sdhci.read(STATUS, 4) & (PS_DAT_INHIBIT | PS_READ_ACTIVE | PS_BUFFER_READ_ENABLE)).toBe(PS_DAT_INHIBIT | PS_READ_ACTIVE | PS_BUFFER_READ_ENABLE);
    sdhci.write(INTERRUPT, 4, Int.BUFFER_READ_READY);
    const words = readWords(128);
    expect(words[0]).toBe(le32(image, 1536));
    expect(words[127]).toBe(le32(image, 1536 + 508));
    expect(sdhci.read(INTERRUPT, 4)).toBe(Int.TRANSFER_COMPLETE);
    expect(sdhci.read(STATUS, 4) & (PS_DAT_INHIBIT | PS_READ_ACTIVE)).toBe(0);
    expect(command(13, RCA << 16, R48)).toBe((4 << 9) | (1 << 8)); // back in "transfer"
  });

  it('writes blocks with CMD25, the block count and auto CMD12, changing the image', () => {
    const image = smallImage();
    const { sdhci, initialise, command } = host(image);
    initialise();
    sdhci.write(BLKSIZECNT, 4, (2 << 16) | 512);
    command(25, 10 * 512, R48 | DATA_PRESENT | MULTI | BLOCK_COUNT_ENABLE | AUTO_CMD12);
    for (let block = 0; block < 2; block++) {
      expect(sdhci.read(INTERRUPT, 4) & Int.BUFFER_WRITE_READY).toBe(Int.BUFFER_WRITE_READY);
      sdhci.write(INTERRUPT, 4, Int.BUFFER_WRITE_READY);
      for (let i = 0; i < 128; i++) sdhci.write(DATA, 4, 0xab000000 + block * 1000 + i);
    }
    expect(sdhci.read(INTERRUPT, 4)).toBe(Int.TRANSFER_COMPLETE);
    expect(sdhci.read(BLKSIZECNT, 4) >>> 16).toBe(0); // counted down
    expect(sdhci.read(RESP[3], 4)).toBe((6 << 9) | (1 << 8)); // auto CMD12 found the card receiving
    expect(le32(image, 10 * 512)).toBe(0xab000000);
    expect(le32(image, 11 * 512 + 4 * 127)).toBe(0xab000000 + 1000 + 127);
    expect(le32(image, 12 * 512)).toBe(le32(smallImage(), 12 * 512)); // nothing beyond
  });

  it('answers an illegal command with silence (a command timeout) and reports it in the next R1, once', () => {
    const { sdhci, command } = host(smallImage());
    command(0, 0, R_NONE);
    sdhci.write(ARG1, 4, 0);
    sdhci.write(CMDTM, 4, (17 << 24) | R48); // CMD17 in the idle state
    expect(sdhci.read(INTERRUPT, 4) >>> 16).toBe(Err.COMMAND_TIMEOUT);
    sdhci.write(INTERRUPT, 4, 0xffff_ffff);
    const ILLEGAL_COMMAND = 1 << 22;
    expect(command(55, 0, R48) & ILLEGAL_COMMAND).toBe(ILLEGAL_COMMAND);
    expect(command(55, 0, R48) & ILLEGAL_COMMAND).toBe(0);
  });

  it('refuses a read past the end: OUT_OF_RANGE in R1, then a data timeout', () => {
    const { sdhci, initialise, command } = host(smallImage());
    initialise();
    sdhci.write(BLKSIZECNT, 4, (1 << 16) | 512);
    sdhci.write(ARG1, 4, 1 << 20);
    sdhci.write(CMDTM, 4, (17 << 24) | R48 | DATA_PRESENT | READ);
    expect(sdhci.read(RESP[0], 4) >>> 31).toBe(1);
    expect(sdhci.read(INTERRUPT, 4)).toBe(((Err.DATA_TIMEOUT << 16) | Int.ERROR | Int.COMMAND_COMPLETE) >>> 0);
    sdhci.write(INTERRUPT, 4, 0xffff_ffff);
    expect(command(13, RCA << 16, R48) >>> 31).toBe(0); // reported once
  });

  it('sends its SCR with ACMD51: spec 2.00, 1- and 4-bit buses', () => {
    const { sdhci, initialise, command, readWords } = host(smallImage());
    initialise();
    sdhci.write(BLKSIZECNT, 4, (1 << 16) | 8);
    command(55, RCA << 16, R48);
    command(51, 0, R48 | DATA_PRESENT | READ);
    const [first] = readWords(2);
    const scr = first!; // bytes 63:56, 55:48, ... in the order they arrive
    expect(scr & 0x0f).toBe(2); // SD_SPEC (bits 59:56)
    expect((scr >>> 8) & 0x0f).toBe(0b0101); // SD_BUS_WIDTHS (bits 51:48)
  });
});

describe('a faulty card, for tests of drivers', () => {
  it('a failing card still answers commands, but every block transfer ends in a data timeout', () => {
    const { sdhci, card, command, initialise } = host(smallImage());
    initialise(false);
    card!.failing = true;
    sdhci.write(BLKSIZECNT, 4, 512 | (1 << 16));
    command(17, 0, R48 | DATA_PRESENT | READ);
    expect(sdhci.read(INTERRUPT, 4) & (Err.DATA_TIMEOUT << 16)).toBe(Err.DATA_TIMEOUT << 16);
    expect(sdhci.read(INTERRUPT, 4) & Int.BUFFER_READ_READY).toBe(0);
  });

  it('a card detached from the start leaves the slot empty: no card inserted, commands time out', () => {
    const { sdhci } = host(smallImage());
    sdhci.attach(false);
    sdhci.write(INTERRUPT, 4, 0xffff_ffff);
    expect(sdhci.read(STATUS, 4) & PS_CARD_INSERTED).toBe(0);
    sdhci.write(CMDTM, 4, (8 << 24) | R48);
    expect(sdhci.read(INTERRUPT, 4) & (Err.COMMAND_TIMEOUT << 16)).toBe(Err.COMMAND_TIMEOUT << 16);
  });
});

describe('SD card (high capacity, 4 GiB)', () => {
  it('sets CCS in the OCR for a host that supports high capacity, stays busy for one that does not', () => {
    expect(host(bigStorage()).initialise(true) >>> 0).toBe(0xc0ff_8000);
    const { command } = host(bigStorage());
    command(0, 0, R_NONE);
    command(55, 0, R48);
    expect(command(41, 0x00ff_8000, R48) >>> 31).toBe(0); // not powered up: HCS clear
  });

  it('addresses blocks by number and describes itself in a version 2.0 CSD', () => {
    const storage = bigStorage();
    const { sdhci, command, readWords } = host(storage);
    command(0, 0, R_NONE);
    command(8, 0x1aa, R48);
    command(55, 0, R48);
    command(41, 0x40ff_8000, R48);
    command(2, 0, R136);
    command(3, 0, R48);
    command(9, RCA << 16, R136);
    expect(sdhci.read(RESP[3], 4) >>> 22).toBe(1); // CSD_STRUCTURE (127:126) = 2.0
    // C_SIZE (CSD 69:48) = RESP 61:40 = RESP1 bits 29:8.
    expect((sdhci.read(RESP[1], 4) >>> 8) & 0x3f_ffff).toBe(2 ** 32 / (512 * 1024) - 1);
    command(7, RCA << 16, R48_BUSY);
    sdhci.write(BLKSIZECNT, 4, (1 << 16) | 512);
    command(17, 7_000_000, R48 | DATA_PRESENT | READ); // block 7 000 000, beyond 2 GiB
    expect(readWords(1)[0]).toBe(7_000_000);
  });
});

describe('SD card images', () => {
  it('must be whole 512-byte blocks', () => {
    expect(() => new SdCard(new Uint8Array(1000))).toThrow('an SD card image must be a whole number of 512-byte blocks, not 1000 bytes');
    expect(() => new SdCard(new Uint8Array(0))).toThrow('not 0 bytes');
  });
});

describe('SD pins: GPIO 48-53', () => {
  it('moves the card to sdhost with ALT0 (removal), back with ALT3 (insertion)', () => {
    const gpio = new Gpio();
    const { sdhci } = host(smallImage());
    followSdPins(gpio, sdhci);
    // GPFSEL4 bits 24-29: pins 48, 49; GPFSEL5 bits 0-11: pins 50-53. ALT0 = 4, ALT3 = 7.
    gpio.write(0x10, 4, (4 << 24) | (4 << 27));
    expect(sdhci.cardAttached).toBe(true); // pins 50-53 still inputs: a mixed setting changes nothing
    gpio.write(0x14, 4, 0o4444);
    expect(sdhci.cardAttached).toBe(false);
    expect(sdhci.read(STATUS, 4) & PS_CARD_INSERTED).toBe(0);
    expect(sdhci.read(INTERRUPT, 4) & Int.CARD_REMOVAL).toBe(Int.CARD_REMOVAL);
    gpio.write(0x10, 4, (7 << 24) | (7 << 27));
    gpio.write(0x14, 4, 0o7777);
    expect(sdhci.cardAttached).toBe(true);
    expect(sdhci.read(INTERRUPT, 4) & Int.CARD_INSERTION).toBe(Int.CARD_INSERTION);
  });
});
