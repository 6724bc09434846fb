// An SD memory card backed by a disk image (SD Physical Layer Simplified
// Specification, version 3.01: chapter 4 for the commands and states, chapter 5
// for the OCR, CID, CSD and SCR registers).
//
// The card is what a driver talks to through the host controller (sdhci.ts): it
// takes a command (index and 32-bit argument), answers with a response or stays
// silent, and moves data in and out through `readData` and `writeData`.
//
// Capacity class, as QEMU picks it: an image of 2 GiB or less is a standard-capacity
// card (SDSC, CSD version 1.0, addresses in bytes); anything larger is a high-capacity
// card (SDHC, CSD version 2.0, addresses in 512-byte blocks).
//
// The OCR shows the 2.7-3.6 V window in bits 23:15 (Physical Layer spec 5.1; bits 14:8
// are reserved); QEMU 7.2 sets bits 23:8.
//
// Timing: everything happens at once. The card is ready after the first ACMD41 that
// offers a voltage it accepts (a real card may answer "busy" for up to a second; the
// driver's loop then simply runs once), and a written block is programmed at once.

/** Where the card's bytes live: a Uint8Array, or anything that can hand out views of one. */
export interface CardStorage {
  readonly length: number;
  subarray(begin: number, end: number): Uint8Array;
}

/** The card's states (Physical Layer spec 4.1; the number is CURRENT_STATE in the card status). */
export const CardState = { IDLE: 0, READY: 1, IDENT: 2, STANDBY: 3, TRANSFER: 4, DATA: 5, RECEIVE: 6, PROGRAM: 7, DISCONNECT: 8 } as const;

/** Card status bits (Physical Layer spec 4.10.1), as R1 carries them. */
export const Status = {
  OUT_OF_RANGE: 1 << 31,
  ADDRESS_ERROR: 1 << 30,
  BLOCK_LEN_ERROR: 1 << 29,
  ILLEGAL_COMMAND: 1 << 22,
  READY_FOR_DATA: 1 << 8,
  APP_CMD: 1 << 5,
} as const;
/** Error bits that are cleared once a response has carried them ("clear on read"). */
const CLEAR_ON_READ = Status.OUT_OF_RANGE | Status.ADDRESS_ERROR | Status.BLOCK_LEN_ERROR | Status.ILLEGAL_COMMAND;

/** A response: 48-bit ones carry one 32-bit word (R1, R1b, R3, R6, R7); R2 carries a 128-bit register. */
export type Response = { kind: 'short'; value: number } | { kind: 'long'; register: Uint8Array };

/** SDSC cards are at most 2 GiB. */
export const SDSC_MAX_BYTES = 2 ** 31;
const BLOCK = 512;
/** The relative card address the card publishes with CMD3 (any non-zero value will do). */
export const CARD_RCA = 0x4567;
/** OCR: voltage window 2.7-3.6 V (bits 23:15), card capacity status (30), power-up done (31). */
const OCR_VOLTAGES = 0x00ff_8000;
const OCR_CCS = 1 << 30;
const OCR_POWERED_UP = 1 << 31;
/** ACMD41 argument bit 30: the host supports high-capacity cards. */
const ACMD41_HCS = 1 << 30;

/** An outgoing or incoming data transfer. */
interface Transfer {
  /** Next byte offset in the image, or in `fixed`. */
  at: number;
  /** Bytes left in the transfer: a block for single-block commands, Infinity for multiple-block ones. */
  left: number;
  /** Register contents sent instead of image bytes (the SCR). */
  fixed?: Uint8Array;
}

export class SdCard {
  readonly highCapacity: boolean;
  /**
   * A failing card, for tests of a driver's error paths (no real card can be told to fail):
   * it still answers commands, but sends and takes no data, so every block transfer ends in
   * the host controller's data timeout.
   */
  failing = false;
  private state: number = CardState.IDLE;
  private rca = 0;
  private status = 0;
  /** The previous command was CMD55: this one is an application command. */
  private appCommand = false;
  private ocr = OCR_VOLTAGES;
  private blockLength = BLOCK;
  private transfer: Transfer | null = null;
  private readonly cid: Uint8Array;
  private readonly csd: Uint8Array;
  private readonly scr: Uint8Array;

  constructor(readonly storage: CardStorage) {
    // Cards hold whole blocks. (QEMU asks for more: a power of two.)
    if (storage.length === 0 || storage.length % BLOCK !== 0) {
      throw new Error(`an SD card image must be a whole number of 512-byte blocks, not ${storage.length} bytes`);
    }
    this.highCapacity = storage.length > SDSC_MAX_BYTES;
    this.cid = makeCid();
    this.csd = this.highCapacity ? makeCsdV2(storage.length) : makeCsdV1(storage.length);
    this.scr = makeScr(this.highCapacity);
  }

  /** CURRENT_STATE, for tests and the host controller's busy signalling. */
  get currentState(): number {
    return this.state;
  }

  /** Handle one command. Returns null when the card sends no response. */
  command(index: number, arg: number): Response | null {
    arg >>>= 0;
    const app = this.appCommand;
    this.appCommand = false;
    const before = this.state;
    const answer = app && APP_COMMANDS.has(index) ? this.appCommandFor(index, arg) : this.normalCommand(index, arg);
    if (answer === 'illegal') {
      // No response; the next response reports it (Physical Layer spec 4.6.1).
      this.status |= Status.ILLEGAL_COMMAND;
      return null;
    }
    if (answer === 'silent') return null;
    if (answer !== 'r1') return answer;
    // R1: the status as it was when the command arrived; its errors are then cleared.
    const value = this.r1(before, app || index === 55);
    this.status &= ~CLEAR_ON_READ;
    return { kind: 'short', value };
  }

  /** Card status for R1. READY_FOR_DATA is always set: programming a block takes no time here. */
  private r1(state: number, appCmd: boolean): number {
    return (this.status | (state << 9) | Status.READY_FOR_DATA | (appCmd ? Status.APP_CMD : 0)) >>> 0;
  }

  private normalCommand(index: number, arg: number): Response | 'r1' | 'illegal' | 'silent' {
    const s = this.state;
    const addressed = arg >>> 16 === this.rca;
    switch (index) {
      case 0: // GO_IDLE_STATE
        this.state = CardState.IDLE;
        this.rca = 0;
        this.ocr = OCR_VOLTAGES;
        this.transfer = null;
        this.blockLength = BLOCK;
        return 'silent';
      case 2: // ALL_SEND_CID
        if (s !== CardState.READY) return 'illegal';
        this.state = CardState.IDENT;
        return { kind: 'long', register: this.cid };
      case 3: // SEND_RELATIVE_ADDR: R6 = new RCA and status bits 23, 22, 19, 12:0
        if (s !== CardState.IDENT && s !== CardState.STANDBY) return 'illegal';
        this.state = CardState.STANDBY;
        this.rca = CARD_RCA;
        {
          const st = this.r1(s, false);
          this.status &= ~CLEAR_ON_READ;
          const bits = ((st >>> 8) & 0xc000) | ((st >>> 6) & 0x2000) | (st & 0x1fff);
          return { kind: 'short', value: ((this.rca << 16) | bits) >>> 0 };
        }
      case 7: // SELECT/DESELECT_CARD: selected by its own address, deselected by any other
        if (!addressed) {
          if (s === CardState.TRANSFER || s === CardState.DATA || s === CardState.PROGRAM) this.state = CardState.STANDBY;
          return 'silent';
        }
        if (s !== CardState.STANDBY) return 'illegal';
        this.state = CardState.TRANSFER;
        return 'r1';
      case 8: // SEND_IF_COND: R7 echoes the voltage (2.7-3.6 V = 1) and the check pattern
        if (s !== CardState.IDLE) return 'illegal';
        if (((arg >>> 8) & 0xf) !== 1) return 'silent';
        return { kind: 'short', value: arg & 0xfff };
      case 9: // SEND_CSD
      case 10: // SEND_CID
        if (s !== CardState.STANDBY) return 'illegal';
        if (!addressed) return 'silent';
        return { kind: 'long', register: index === 9 ? this.csd : this.cid };
      case 12: // STOP_TRANSMISSION
        if (s !== CardState.DATA && s !== CardState.RECEIVE) return 'illegal';
        this.transfer = null;
        this.state = CardState.TRANSFER; // programming finishes at once
        return 'r1';
      case 13: // SEND_STATUS
        if (s === CardState.IDLE || s === CardState.READY || s === CardState.IDENT) return 'illegal';
        return addressed ? 'r1' : 'silent';
      case 16: // SET_BLOCKLEN: SDHC blocks are always 512 bytes
        if (s !== CardState.TRANSFER) return 'illegal';
        if (arg === 0 || arg > BLOCK) this.status |= Status.BLOCK_LEN_ERROR;
        else if (!this.highCapacity) this.blockLength = arg;
        return 'r1';
      case 17: // READ_SINGLE_BLOCK
      case 18: // READ_MULTIPLE_BLOCK
      case 24: // WRITE_BLOCK
      case 25: // WRITE_MULTIPLE_BLOCK
        if (s !== CardState.TRANSFER) return 'illegal';
        {
          const at = this.highCapacity ? arg * BLOCK : arg;
          if (at + this.blockLength > this.storage.length) {
            this.status |= Status.OUT_OF_RANGE;
            return 'r1';
          }
          const single = index === 17 || index === 24;
          this.transfer = { at, left: single ? this.blockLength : Infinity };
          this.state = index === 17 || index === 18 ? CardState.DATA : CardState.RECEIVE;
        }
        return 'r1';
      case 55: // APP_CMD: the next command is an application command
        if (s !== CardState.IDLE && !addressed) return 'silent';
        this.appCommand = true;
        return 'r1';
      default:
        return 'illegal';
    }
  }

  private appCommandFor(index: number, arg: number): Response | 'r1' | 'illegal' | 'silent' {
    const s = this.state;
    switch (index) {
      case 6: // SET_BUS_WIDTH: 0 = 1 bit, 2 = 4 bits; the image does not care
        if (s !== CardState.TRANSFER) return 'illegal';
        return 'r1';
      case 41: // SD_SEND_OP_COND: R3 = OCR
        if (s !== CardState.IDLE) return 'illegal';
        // A query (no voltages offered) only reads the OCR. A high-capacity card stays busy
        // for a host that does not say it supports such cards.
        if ((arg & OCR_VOLTAGES) !== 0 && (!this.highCapacity || (arg & ACMD41_HCS) !== 0)) {
          this.ocr = OCR_VOLTAGES | OCR_POWERED_UP | (this.highCapacity ? OCR_CCS : 0);
          this.state = CardState.READY;
        }
        return { kind: 'short', value: this.ocr >>> 0 };
      case 51: // SEND_SCR: 8 bytes on the data lines
        if (s !== CardState.TRANSFER) return 'illegal';
        this.transfer = { at: 0, left: this.scr.length, fixed: this.scr };
        this.state = CardState.DATA;
        return 'r1';
      default:
        return 'illegal';
    }
  }

  /**
   * The next `count` bytes the card sends, or null when it is not sending (or has no more:
   * the end of the image). A single-block transfer returns the card to the transfer state
   * once its block has gone.
   */
  readData(count: number): Uint8Array | null {
    const t = this.transfer;
    if (this.failing || t === null || this.state !== CardState.DATA || count > t.left) return null;
    const source = t.fixed ?? this.storage;
    if (t.at + count > source.length) {
      this.status |= Status.OUT_OF_RANGE;
      return null;
    }
    const bytes = source.subarray(t.at, t.at + count).slice();
    this.advanceTransfer(count);
    return bytes;
  }

  /** Take `bytes` from the host for the write under way. Returns false when the card is not receiving them. */
  writeData(bytes: Uint8Array): boolean {
    const t = this.transfer;
    if (this.failing || t === null || this.state !== CardState.RECEIVE || bytes.length > t.left) return false;
    if (t.at + bytes.length > this.storage.length) {
      this.status |= Status.OUT_OF_RANGE;
      return false;
    }
    this.storage.subarray(t.at, t.at + bytes.length).set(bytes);
    this.advanceTransfer(bytes.length);
    return true;
  }

  private advanceTransfer(count: number): void {
    const t = this.transfer!;
    t.at += count;
    t.left -= count;
    if (t.left === 0) {
      this.transfer = null;
      this.state = CardState.TRANSFER;
    }
  }
}

/** Application commands this card knows; any other index after CMD55 is taken as a normal command. */
const APP_COMMANDS = new Set([6, 41, 51]);

/** Set bits hi..lo (inclusive, bit 127 = the first byte's top bit) of a big-endian register. */
function setField(register: Uint8Array, hi: number, lo: number, value: number): void {
  for (let bit = lo; bit <= hi; bit++) {
    const v = Math.floor(value / 2 ** (bit - lo)) % 2;
    const byte = register.length - 1 - (bit >>> 3);
    const mask = 1 << (bit & 7);
    register[byte] = v !== 0 ? register[byte] | mask : register[byte] & ~mask;
  }
}

/**
 * CID (spec 5.2). The CRC7 in bits 7:1 is left zero: the host controller strips it
 * from R2 responses, so no driver can see it.
 */
function makeCid(): Uint8Array {
  const cid = new Uint8Array(16);
  setField(cid, 127, 120, 0x42); // MID: manufacturer
  setField(cid, 119, 104, 0x4252); // OID: "BR"
  const name = 'BRMBL';
  for (let i = 0; i < 5; i++) setField(cid, 103 - 8 * i, 96 - 8 * i, name.charCodeAt(i)); // PNM
  setField(cid, 63, 56, 0x10); // PRV: revision 1.0
  setField(cid, 55, 24, 0x0000_0001); // PSN: serial number
  setField(cid, 19, 8, (26 << 4) | 1); // MDT: 2026, January
  setField(cid, 0, 0, 1); // always 1
  return cid;
}

/** Fields both CSD versions share: 25 MHz, command classes 0, 2, 4, 5, 7, 8, 10, 512-byte blocks. */
function csdCommon(csd: Uint8Array, readBlockLengthLog2: number): void {
  setField(csd, 119, 112, 0x0e); // TAAC: 1 ms
  setField(csd, 103, 96, 0x32); // TRAN_SPEED: 25 MHz
  setField(csd, 95, 84, 0x5b5); // CCC
  setField(csd, 83, 80, readBlockLengthLog2); // READ_BL_LEN
  setField(csd, 46, 46, 1); // ERASE_BLK_EN
  setField(csd, 45, 39, 0x7f); // SECTOR_SIZE: 128 blocks
  setField(csd, 28, 26, 0b010); // R2W_FACTOR
  setField(csd, 25, 22, readBlockLengthLog2); // WRITE_BL_LEN
  setField(csd, 0, 0, 1);
}

/**
 * CSD version 1.0 (SDSC): capacity = (C_SIZE + 1) x 2^(C_SIZE_MULT + 2) x 2^READ_BL_LEN, with a
 * 12-bit C_SIZE. The smallest unit that fits is chosen; an image that is not a whole number of
 * units reports the whole units it holds.
 */
function makeCsdV1(bytes: number): Uint8Array {
  const csd = new Uint8Array(16);
  let blockLog2 = 9;
  let mult = 0;
  while (Math.floor(bytes / 2 ** (mult + 2 + blockLog2)) > 4096) {
    if (mult < 7) mult++;
    else blockLog2++;
  }
  const units = Math.max(1, Math.floor(bytes / 2 ** (mult + 2 + blockLog2)));
  csdCommon(csd, blockLog2);
  setField(csd, 79, 79, 1); // READ_BL_PARTIAL: SDSC cards read any block length
  setField(csd, 73, 62, units - 1); // C_SIZE
  setField(csd, 61, 50, 0xfff); // VDD_R/W_CURR_MIN/MAX: the largest currents
  setField(csd, 49, 47, mult); // C_SIZE_MULT
  return csd;
}

/** CSD version 2.0 (SDHC): capacity = (C_SIZE + 1) x 512 KiB, with a 22-bit C_SIZE. */
function makeCsdV2(bytes: number): Uint8Array {
  const csd = new Uint8Array(16);
  setField(csd, 127, 126, 1); // CSD_STRUCTURE: version 2.0
  csdCommon(csd, 9);
  setField(csd, 69, 48, Math.floor(bytes / (512 * 1024)) - 1); // C_SIZE
  return csd;
}

/**
 * SCR (spec 5.6), sent most significant byte first: SD spec version 2.00, content protection
 * (security version 2 for SDSC, 3 for SDHC), 1- and 4-bit buses.
 */
function makeScr(highCapacity: boolean): Uint8Array {
  const scr = new Uint8Array(8);
  setField(scr, 59, 56, 2); // SD_SPEC: 2.00
  setField(scr, 54, 52, highCapacity ? 3 : 2); // SD_SECURITY
  setField(scr, 51, 48, 0b0101); // SD_BUS_WIDTHS: 1 bit and 4 bits
  return scr;
}
