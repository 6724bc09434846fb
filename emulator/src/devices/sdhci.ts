// The Arasan SD host controller ("EMMC") at 0x3F300000, GPU interrupt 62: the
// register set of the SD Host Controller Simplified Specification, version 3.00
// (chapter 2), which the BCM2835 ARM Peripherals manual (chapter 5) describes
// under its own names (ARG2, BLKSIZECNT, ARG1, CMDTM, RESP0-3, DATA, STATUS,
// CONTROL0-2, INTERRUPT, IRPT_MASK, IRPT_EN, SLOTISR_VER).
//
// What is modelled: commands and responses, programmed I/O through the buffer
// data port (single and multiple blocks, block count, auto CMD12), the present
// state, the interrupt status / status enable / signal enable registers, software
// resets, the clock control handshake, card insertion (a card is either attached
// or not; see `attach`). Not modelled: DMA (the capabilities say it has none),
// tuning, power and voltage switching, which nothing in a Pi's SD path needs.
//
// Timing: a command completes, and a block moves between card and buffer, at once.
//
// A command starts when the command register's upper byte (0x0F) is written (spec 2.2.7).
// A command written while the SD clock is off (Clock Control bit 2) cannot go out: here
// Command Inhibit then stays set until a software reset, and the model warns once (QEMU
// drops such a command silently).
//
// Following the specifications where QEMU 7.2 is laxer:
// - A command timeout sets only Command Timeout Error, not Command Complete (spec 2.2.17:
//   a timeout means no response was received); QEMU sets both.
// - Error status bits stay set until the guest clears them; QEMU clears them all whenever
//   a new command is sent.
// - The card's OCR and the Host Controller Version register: see sd-card.ts and HOST_VERSION.
// The card-insertion interrupt is pending from power-on until the guest enables its status
// bit (QEMU's "pending insert" quirk for the Pi's controller); a reset of everything
// forgets it, as in QEMU.

import type { Device } from '../memory';
import type { Gpio } from './gpio';
import type { SdCard } from './sd-card';

/** Register offsets (SD Host Controller spec 2.1; BCM2835 names in brackets). */
const Reg = {
  ARGUMENT2: 0x00, // [ARG2] also the SDMA system address
  BLOCK_SIZE: 0x04, // [BLKSIZECNT] 16 bits; block count at 0x06
  ARGUMENT: 0x08, // [ARG1]
  TRANSFER_MODE: 0x0c, // [CMDTM] 16 bits; command at 0x0E
  RESPONSE: 0x10, // [RESP0-3] 0x10-0x1F
  BUFFER_DATA_PORT: 0x20, // [DATA]
  PRESENT_STATE: 0x24, // [STATUS]
  HOST_CONTROL_1: 0x28, // [CONTROL0] 8 bits; power 0x29, block gap 0x2A, wake-up 0x2B
  CLOCK_CONTROL: 0x2c, // [CONTROL1] 16 bits; timeout 0x2E, software reset 0x2F
  NORMAL_INT_STATUS: 0x30, // [INTERRUPT] 16 bits; error status at 0x32
  NORMAL_INT_STATUS_ENABLE: 0x34, // [IRPT_MASK] 16 bits; error status enable at 0x36
  NORMAL_INT_SIGNAL_ENABLE: 0x38, // [IRPT_EN] 16 bits; error signal enable at 0x3A
  AUTO_CMD_ERROR: 0x3c, // [CONTROL2] 16 bits; host control 2 at 0x3E
  CAPABILITIES: 0x40, // 64 bits at 0x40-0x47
  MAX_CURRENT: 0x48,
  FORCE_EVENT: 0x50, // 16 bits auto CMD error; 16 bits error interrupt at 0x52
  SLOT_INT_STATUS: 0xfc, // [SLOTISR_VER] 16 bits; host controller version at 0xFE
} as const;

/** The BCM2835's capabilities (QEMU's raspi value): 52 MHz base and timeout clocks, 1024-byte blocks, high speed, 3.3 V and 1.8 V, no DMA. */
const CAPABILITIES = 0x052134b4;
/**
 * Host Controller Version: specification 3.00 (value 2) and the vendor's version 0x99, as a
 * Pi's controller reads (Linux's register dumps show "Version: 0x00009902"); QEMU 7.2 says 0x2402.
 */
const HOST_VERSION = 0x9902;

/** Transfer mode bits. */
const TM_BLOCK_COUNT_ENABLE = 1 << 1;
const TM_AUTO_CMD12 = 0b01 << 2;
const TM_AUTO_CMD_MASK = 0b11 << 2;
const TM_READ = 1 << 4;
const TM_MULTI_BLOCK = 1 << 5;
/** Command register bits. */
const CMD_RESPONSE_MASK = 0b11; // 00 none, 01 136 bits, 10 48 bits, 11 48 bits with busy
const CMD_RESPONSE_136 = 0b01;
const CMD_RESPONSE_48_BUSY = 0b11;
const CMD_DATA_PRESENT = 1 << 5;
/** Present state bits. */
const PS_CMD_INHIBIT = 1 << 0;
const PS_DAT_INHIBIT = 1 << 1;
const PS_DAT_LINE_ACTIVE = 1 << 2;
const PS_WRITE_ACTIVE = 1 << 8;
const PS_READ_ACTIVE = 1 << 9;
const PS_BUFFER_WRITE_ENABLE = 1 << 10;
const PS_BUFFER_READ_ENABLE = 1 << 11;
const PS_CARD_INSERTED = 1 << 16;
const PS_CARD_STABLE = 1 << 17;
const PS_CARD_DETECT_LEVEL = 1 << 18;
const PS_WRITE_ENABLED = 1 << 19; // write-protect switch level: 1 = writable
const PS_DAT_LEVELS = 0xf << 20;
const PS_CMD_LEVEL = 1 << 24;
/** Clock control bits. */
const CLK_INTERNAL_ENABLE = 1 << 0;
const CLK_INTERNAL_STABLE = 1 << 1;
const CLK_SD_ENABLE = 1 << 2;
/** Software reset bits (register 0x2F). */
const RESET_ALL = 1 << 0;
const RESET_CMD = 1 << 1;
const RESET_DAT = 1 << 2;

/** Normal interrupt status bits. */
export const Int = {
  COMMAND_COMPLETE: 1 << 0,
  TRANSFER_COMPLETE: 1 << 1,
  BUFFER_WRITE_READY: 1 << 4,
  BUFFER_READ_READY: 1 << 5,
  CARD_INSERTION: 1 << 6,
  CARD_REMOVAL: 1 << 7,
  ERROR: 1 << 15, // summary of the error status register, read-only
} as const;
/** Error interrupt status bits. */
export const Err = {
  COMMAND_TIMEOUT: 1 << 0,
  DATA_TIMEOUT: 1 << 4,
  AUTO_CMD: 1 << 8,
} as const;

/** A data transfer between the card and the buffer data port. */
interface DataTransfer {
  read: boolean;
  /** Blocks still to move, Infinity when the block count is not enabled (until CMD12). */
  blocksLeft: number;
  autoCmd12: boolean;
  /** The block being read out by the guest, or filled by it. */
  buffer: Uint8Array;
  /** Bytes of `buffer` the guest has taken or given. */
  position: number;
}

export class Sdhci implements Device {
  readonly name = 'Arasan SD host controller';
  private argument2 = 0;
  private blockSize = 0;
  private blockCount = 0;
  private argument = 0;
  private transferMode = 0;
  private commandReg = 0;
  private readonly response = new Uint32Array(4);
  private hostControl1 = 0; // with power (byte 1), block gap (2), wake-up (3)
  private clockControl = 0;
  private timeoutControl = 0;
  private normalStatus = 0;
  private errorStatus = 0;
  private normalEnable = 0;
  private errorEnable = 0;
  private normalSignal = 0;
  private errorSignal = 0;
  private autoCmdError = 0;
  private hostControl2 = 0;
  /** A command waits for the SD clock (it never went out). */
  private commandStuck = false;
  private transfer: DataTransfer | null = null;
  /** The card is attached and its insertion has not yet been reported. */
  private insertPending: boolean;
  private attached: boolean;
  private interrupt = false;
  private readonly warned = new Set<string>();
  /** Called with the new level of the interrupt output (GPU interrupt 62). */
  onInterrupt: (asserted: boolean) => void = () => {};
  /** Reports of guest mistakes, each once. */
  onWarning: (message: string) => void = () => {};

  /** @param card the card in the slot, or null for an empty slot */
  constructor(private readonly card: SdCard | null) {
    this.attached = card !== null;
    this.insertPending = this.attached;
  }

  /**
   * Connect or disconnect the card: on a Pi the card's pins (GPIO 48-53) go either to this
   * controller or to the other one (sdhost). Raises the insertion or removal interrupt.
   */
  attach(attached: boolean): void {
    if (this.card === null || attached === this.attached) return;
    this.attached = attached;
    if (!attached) this.endTransfer();
    this.raise(attached ? Int.CARD_INSERTION : Int.CARD_REMOVAL, 0);
  }

  get cardAttached(): boolean {
    return this.attached;
  }

  // ---- register access -------------------------------------------------------------------

  read(offset: number, size: number): number {
    if (offset >= Reg.BUFFER_DATA_PORT && offset < Reg.BUFFER_DATA_PORT + 4) return this.readDataPort(size);
    const word = this.readWord(offset & ~3);
    const shifted = word >>> ((offset & 3) * 8);
    return size === 4 ? shifted >>> 0 : shifted & ((1 << (size * 8)) - 1);
  }

  write(offset: number, size: number, value: number): void {
    if (offset >= Reg.BUFFER_DATA_PORT && offset < Reg.BUFFER_DATA_PORT + 4) {
      this.writeDataPort(size, value);
      return;
    }
    // Registers narrower than 32 bits share a word; a write changes only the bytes it covers.
    const shift = (offset & 3) * 8;
    const mask = size === 4 ? 0xffff_ffff : ((1 << (size * 8)) - 1) << shift;
    this.writeWord(offset & ~3, (value << shift) & mask, mask >>> 0);
  }

  private readWord(offset: number): number {
    switch (offset) {
      case Reg.ARGUMENT2:
        return this.argument2;
      case Reg.BLOCK_SIZE:
        return (this.blockSize | (this.blockCount << 16)) >>> 0;
      case Reg.ARGUMENT:
        return this.argument;
      case Reg.TRANSFER_MODE:
        return (this.transferMode | (this.commandReg << 16)) >>> 0;
      case Reg.RESPONSE:
      case Reg.RESPONSE + 4:
      case Reg.RESPONSE + 8:
      case Reg.RESPONSE + 12:
        return this.response[(offset - Reg.RESPONSE) >>> 2];
      case Reg.PRESENT_STATE:
        return this.presentState();
      case Reg.HOST_CONTROL_1:
        return this.hostControl1;
      case Reg.CLOCK_CONTROL:
        return (this.clockControl | (this.timeoutControl << 16)) >>> 0; // reset bits read 0: resets finish at once
      case Reg.NORMAL_INT_STATUS:
        return (this.normalStatusValue() | (this.errorStatus << 16)) >>> 0;
      case Reg.NORMAL_INT_STATUS_ENABLE:
        return (this.normalEnable | (this.errorEnable << 16)) >>> 0;
      case Reg.NORMAL_INT_SIGNAL_ENABLE:
        return (this.normalSignal | (this.errorSignal << 16)) >>> 0;
      case Reg.AUTO_CMD_ERROR:
        return (this.autoCmdError | (this.hostControl2 << 16)) >>> 0;
      case Reg.CAPABILITIES:
        return CAPABILITIES;
      case Reg.SLOT_INT_STATUS:
        return ((this.interrupt ? 1 : 0) | (HOST_VERSION << 16)) >>> 0;
      default:
        return 0; // capabilities (upper), maximum current, ADMA: none
    }
  }

  private writeWord(offset: number, value: number, mask: number): void {
    const merge = (old: number) => ((old & ~mask) | value) >>> 0;
    switch (offset) {
      case Reg.ARGUMENT2:
        this.argument2 = merge(this.argument2);
        return;
      case Reg.BLOCK_SIZE: {
        const v = merge(this.blockSize | (this.blockCount << 16));
        this.blockSize = v & 0x7fff; // block size 11:0, SDMA buffer boundary 14:12
        this.blockCount = v >>> 16;
        return;
      }
      case Reg.ARGUMENT:
        this.argument = merge(this.argument);
        return;
      case Reg.TRANSFER_MODE: {
        const v = merge(this.transferMode | (this.commandReg << 16));
        this.transferMode = v & 0x3f;
        this.commandReg = (v >>> 16) & 0x3ffb;
        if ((mask & 0xff00_0000) !== 0) this.sendCommand();
        return;
      }
      case Reg.HOST_CONTROL_1:
        this.hostControl1 = merge(this.hostControl1);
        return;
      case Reg.CLOCK_CONTROL: {
        const v = merge(this.clockControl | (this.timeoutControl << 16));
        // The internal clock is stable as soon as it is enabled.
        this.clockControl = (v & 0xffe5) | ((v & CLK_INTERNAL_ENABLE) !== 0 ? CLK_INTERNAL_STABLE : 0);
        this.timeoutControl = (v >>> 16) & 0xf;
        const reset = (value >>> 24) & (mask >>> 24);
        if (reset !== 0) this.softwareReset(reset);
        return;
      }
      case Reg.NORMAL_INT_STATUS: {
        // Write 1 to clear. The error summary (bit 15) follows the error register.
        this.normalStatus &= ~(value & mask & 0x7fff);
        this.errorStatus &= ~((value & mask) >>> 16);
        this.update();
        return;
      }
      case Reg.NORMAL_INT_STATUS_ENABLE: {
        const v = merge(this.normalEnable | (this.errorEnable << 16));
        this.normalEnable = v & 0x7fff;
        this.errorEnable = v >>> 16;
        // A status whose enable is cleared is cleared too (as QEMU does).
        this.normalStatus &= this.normalEnable;
        this.errorStatus &= this.errorEnable;
        if (this.insertPending && (this.normalEnable & Int.CARD_INSERTION) !== 0) {
          this.insertPending = false;
          this.normalStatus |= Int.CARD_INSERTION;
        }
        this.update();
        return;
      }
      case Reg.NORMAL_INT_SIGNAL_ENABLE: {
        const v = merge(this.normalSignal | (this.errorSignal << 16));
        this.normalSignal = v & 0x7fff;
        this.errorSignal = v >>> 16;
        this.update();
        return;
      }
      case Reg.AUTO_CMD_ERROR:
        this.hostControl2 = merge(this.autoCmdError | (this.hostControl2 << 16)) >>> 16;
        return;
      case Reg.FORCE_EVENT:
        // Sets the error status bits written, as if the errors had happened (spec 2.2.21-22).
        this.autoCmdError |= value & mask & 0x9f;
        this.raise(0, (value & mask) >>> 16);
        return;
      default:
        return; // read-only registers: present state, capabilities, version
    }
  }

  // ---- state -----------------------------------------------------------------------------

  private presentState(): number {
    const t = this.transfer;
    let s = this.commandStuck ? PS_CMD_INHIBIT : 0;
    if (t !== null) {
      s |= PS_DAT_INHIBIT | PS_DAT_LINE_ACTIVE;
      if (t.read) s |= PS_READ_ACTIVE | PS_BUFFER_READ_ENABLE;
      else s |= PS_WRITE_ACTIVE | PS_BUFFER_WRITE_ENABLE;
    }
    if (this.attached) s |= PS_CARD_INSERTED | PS_CARD_DETECT_LEVEL | PS_WRITE_ENABLED;
    s |= PS_CARD_STABLE;
    if (t === null) s |= PS_DAT_LEVELS;
    if (!this.commandStuck) s |= PS_CMD_LEVEL;
    return s >>> 0;
  }

  private normalStatusValue(): number {
    return this.normalStatus | (this.errorStatus !== 0 ? Int.ERROR : 0);
  }

  /** Set status bits, each only if its status enable bit is set, and update the interrupt line. */
  private raise(normal: number, error: number): void {
    this.normalStatus |= normal & this.normalEnable;
    this.errorStatus |= error & this.errorEnable;
    this.update();
  }

  private update(): void {
    const asserted = (this.normalStatusValue() & this.normalSignal) !== 0 || (this.errorStatus & this.errorSignal) !== 0;
    if (asserted === this.interrupt) return;
    this.interrupt = asserted;
    this.onInterrupt(asserted);
  }

  private softwareReset(bits: number): void {
    if ((bits & RESET_ALL) !== 0) {
      // Everything but the capabilities goes back to its power-on value; the card keeps its state.
      this.argument2 = this.blockSize = this.blockCount = this.argument = this.transferMode = this.commandReg = 0;
      this.response.fill(0);
      this.hostControl1 = this.clockControl = this.timeoutControl = 0;
      this.normalStatus = this.errorStatus = this.normalEnable = this.errorEnable = 0;
      this.normalSignal = this.errorSignal = this.autoCmdError = this.hostControl2 = 0;
      this.commandStuck = false;
      this.transfer = null;
      this.insertPending = false;
      this.update();
      return;
    }
    if ((bits & RESET_CMD) !== 0) {
      this.commandStuck = false;
      this.normalStatus &= ~Int.COMMAND_COMPLETE;
    }
    if ((bits & RESET_DAT) !== 0) {
      this.transfer = null;
      this.normalStatus &= ~(Int.TRANSFER_COMPLETE | Int.BUFFER_READ_READY | Int.BUFFER_WRITE_READY);
    }
    this.update();
  }

  private warnOnce(message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    this.onWarning(`SD host controller: ${message}`);
  }

  // ---- commands ----------------------------------------------------------------------------

  private sendCommand(): void {
    const index = (this.commandReg >>> 8) & 0x3f;
    const responseType = this.commandReg & CMD_RESPONSE_MASK;
    const dataPresent = (this.commandReg & CMD_DATA_PRESENT) !== 0;
    if ((this.clockControl & CLK_SD_ENABLE) === 0) {
      this.warnOnce(`CMD${index} issued with the SD clock off (Clock Control bit 2): it never reaches the card`);
      this.commandStuck = true;
      return;
    }
    // CMD12 (or any abort command) ends a transfer under way.
    if (this.transfer !== null && (index === 12 || ((this.commandReg >>> 6) & 3) === 3)) this.endTransfer();

    const answer = this.attached ? this.card!.command(index, this.argument) : null;
    if (responseType !== 0 && answer === null) {
      this.raise(0, Err.COMMAND_TIMEOUT);
      return;
    }
    if (answer !== null && responseType !== 0) {
      if (responseType === CMD_RESPONSE_136 && answer.kind === 'long') this.storeLongResponse(answer.register);
      else if (answer.kind === 'short') this.response[0] = answer.value;
    }
    let done = Int.COMMAND_COMPLETE;
    // A response with busy: the card is not busy at all here, so the transfer completes too.
    if (responseType === CMD_RESPONSE_48_BUSY && !dataPresent) done |= Int.TRANSFER_COMPLETE;
    this.raise(done, 0);
    if (dataPresent) this.startTransfer();
  }

  /**
   * R2: the controller drops the CRC byte and stores bits 127:8 of the register in
   * RESPONSE bits 119:0 (spec 2.2.7, table 2-6).
   */
  private storeLongResponse(register: Uint8Array): void {
    this.response.fill(0);
    for (let k = 0; k < 15; k++) {
      const byte = register[14 - k];
      this.response[k >>> 2] |= byte << ((k & 3) * 8);
    }
  }

  // ---- data ----------------------------------------------------------------------------------

  private startTransfer(): void {
    const multi = (this.transferMode & TM_MULTI_BLOCK) !== 0;
    const counted = (this.transferMode & TM_BLOCK_COUNT_ENABLE) !== 0;
    this.transfer = {
      read: (this.transferMode & TM_READ) !== 0,
      blocksLeft: !multi ? 1 : counted ? this.blockCount : Infinity,
      autoCmd12: multi && (this.transferMode & TM_AUTO_CMD_MASK) === TM_AUTO_CMD12,
      buffer: new Uint8Array(this.blockSize & 0xfff),
      position: 0,
    };
    this.nextBlock();
  }

  /** Ready the buffer for the next block, or finish the transfer when none is left. */
  private nextBlock(): void {
    const t = this.transfer!;
    if (t.blocksLeft === 0 || t.buffer.length === 0) {
      this.finishTransfer();
      return;
    }
    t.position = 0;
    if (!t.read) {
      this.raise(Int.BUFFER_WRITE_READY, 0);
      return;
    }
    const data = this.card!.readData(t.buffer.length);
    if (data === null) {
      this.endTransfer();
      this.raise(0, Err.DATA_TIMEOUT); // the card sent nothing
      return;
    }
    t.buffer.set(data);
    this.raise(Int.BUFFER_READ_READY, 0);
  }

  /** One block has gone through the data port. */
  private blockDone(): void {
    const t = this.transfer!;
    if (!t.read && !this.card!.writeData(t.buffer)) {
      this.endTransfer();
      this.raise(0, Err.DATA_TIMEOUT); // the card did not take it
      return;
    }
    t.blocksLeft--;
    if ((this.transferMode & TM_BLOCK_COUNT_ENABLE) !== 0 && this.blockCount > 0) this.blockCount--;
    this.nextBlock();
  }

  private finishTransfer(): void {
    const t = this.transfer!;
    this.transfer = null;
    if (t.autoCmd12) {
      // Auto CMD12: the controller stops the card itself; its response lands in RESPONSE 3.
      const answer = this.card!.command(12, 0);
      if (answer?.kind === 'short') this.response[3] = answer.value;
      else {
        this.autoCmdError |= 1 << 1; // auto CMD timeout
        this.raise(0, Err.AUTO_CMD);
      }
    }
    this.raise(Int.TRANSFER_COMPLETE, 0);
  }

  private endTransfer(): void {
    this.transfer = null;
  }

  private readDataPort(size: number): number {
    const t = this.transfer;
    if (t === null || !t.read) {
      this.warnOnce('read of the buffer data port with no data ready, returned 0');
      return 0;
    }
    let value = 0;
    for (let i = 0; i < size && t.position < t.buffer.length; i++) value |= t.buffer[t.position++] << (8 * i);
    // The whole block taken: the next one comes. (Buffer Read Ready stays set until the guest clears it.)
    if (t.position === t.buffer.length) this.blockDone();
    return value >>> 0;
  }

  private writeDataPort(size: number, value: number): void {
    const t = this.transfer;
    if (t === null || t.read) {
      this.warnOnce('write to the buffer data port with no write under way, ignored');
      return;
    }
    for (let i = 0; i < size && t.position < t.buffer.length; i++) t.buffer[t.position++] = (value >>> (8 * i)) & 0xff;
    if (t.position === t.buffer.length) this.blockDone();
  }
}

/** GPIO function numbers (BCM2835 ARM Peripherals 6.1): input, ALT0 and ALT3. */
const FN_INPUT = 0;
const FN_ALT0 = 4;
const FN_ALT3 = 7;
/** The SD card's pins: clock, command, data 0-3. */
const SD_PINS = [48, 49, 50, 51, 52, 53];

/**
 * The Pi routes the card's pins, GPIO 48-53, to one of two controllers: ALT0 selects
 * sdhost (at 0x3F202000, not modelled here), ALT3 this controller. When all six pins
 * select ALT0 the card leaves this controller (it reports no card); when all six are
 * ALT3 — or inputs, the state after reset, which is QEMU's rule for "back to SDHCI" —
 * it returns. Mixed settings change nothing, as in QEMU.
 */
export function followSdPins(gpio: Gpio, sdhci: Sdhci): void {
  gpio.onFunctionChange = (pin) => {
    if (!SD_PINS.includes(pin)) return;
    const fns = SD_PINS.map((p) => gpio.functionOf(p));
    if (fns.every((fn) => fn === FN_ALT0)) sdhci.attach(false);
    else if (fns.every((fn) => fn === FN_ALT3) || fns.every((fn) => fn === FN_INPUT)) sdhci.attach(true);
  };
}
