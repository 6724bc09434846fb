// The BCM2835 mailboxes at 0x3F00B880: how the ARM talks to the VideoCore firmware
// (BCM2835 ARM Peripherals leaves them out; the Raspberry Pi firmware wiki,
// "Mailboxes", and Linux's bcm2835-mailbox driver describe them).
//
// Mailbox 0 carries messages from the VideoCore to the ARM, mailbox 1 from the ARM
// to the VideoCore. Each is an 8-word FIFO; a message is a 32-bit word whose low 4
// bits name the channel and whose upper 28 bits are the data (for the property
// channel, the 16-byte-aligned bus address of a buffer).
//
//   +0x00 MAIL0_READ    take the oldest message for the ARM
//   +0x10 MAIL0_PEEK    look at it without taking it
//   +0x14 MAIL0_SENDER  (sender id; reads 0)
//   +0x18 MAIL0_STATUS  bit 31 FULL: nothing more can arrive; bit 30 EMPTY: nothing to read;
//                       bits 7:0: how many messages wait (the FIFO level)
//   +0x1C MAIL0_CONFIG  bit 0: interrupt when data waits; bits 8-10: errors, cleared by any write
//   +0x20 MAIL1_WRITE   post a message to the VideoCore
//   +0x38 MAIL1_STATUS  the same bits, for the ARM-to-VideoCore FIFO (the guest waits
//                       for FULL to clear before writing)
//
// The firmware here answers at once: a property request is processed during the
// write, and its reply (the same word) is queued for MAIL0_READ. Replies that do
// not fit in mailbox 0 wait in mailbox 1, as on the hardware the VideoCore stops
// taking requests while it cannot answer.
//
// Differences from QEMU 7.2, where we follow the hardware: the status registers
// show the FIFO level in bits 7:0, and reading an empty mailbox or writing a full
// one sets the underflow/overflow error bits in MAIL0_CONFIG. The "data waiting"
// interrupt (ARM interrupt 1 of the BCM2835 controller) is not wired: nothing in
// Bramble uses it, and our interrupt controller has no input for ARM lines yet.

import type { Device } from '../memory';
import { VideoCoreProperties } from './videocore-properties';

const MAIL0_READ = 0x00;
const MAIL0_PEEK = 0x10;
const MAIL0_SENDER = 0x14;
const MAIL0_STATUS = 0x18;
const MAIL0_CONFIG = 0x1c;
const MAIL1_WRITE = 0x20;
const MAIL1_STATUS = 0x38;

const STATUS_FULL = 1 << 31;
const STATUS_EMPTY = 1 << 30;
const CONFIG_DATA_IRQ_ENABLE = 1 << 0;
const CONFIG_ERROR_OVERFLOW = 1 << 9;
const CONFIG_ERROR_UNDERFLOW = 1 << 10;

/** Words each mailbox FIFO holds. */
const DEPTH = 8;
/** The channel of the property interface, ARM to VideoCore. */
export const PROPERTY_CHANNEL = 8;
/** What MAIL0_READ gives when nothing is waiting (QEMU's value; the error bit says why). */
const NOTHING = 0xffff_ffff;

export class Bcm2835Mailbox implements Device {
  readonly name = 'BCM2835 mailbox';
  /** VideoCore -> ARM: replies the guest can read. */
  private readonly toArm: number[] = [];
  /** ARM -> VideoCore: replies that wait for room in `toArm`. */
  private readonly waiting: number[] = [];
  private config = 0;
  private readonly reportedChannels = new Set<number>();
  /** Reports of guest requests the model does not handle. */
  onWarning: (message: string) => void = () => {};

  constructor(private readonly properties: VideoCoreProperties) {}

  read(offset: number): number {
    switch (offset) {
      case MAIL0_READ: {
        const word = this.toArm.shift();
        if (word === undefined) {
          this.config |= CONFIG_ERROR_UNDERFLOW;
          return NOTHING;
        }
        const next = this.waiting.shift();
        if (next !== undefined) this.toArm.push(next);
        return word;
      }
      case MAIL0_PEEK:
        return this.toArm[0] ?? NOTHING;
      case MAIL0_SENDER:
        return 0;
      case MAIL0_STATUS:
        return status(this.toArm.length);
      case MAIL0_CONFIG:
        return this.config;
      case MAIL1_STATUS:
        return status(this.waiting.length);
      default:
        return 0;
    }
  }

  write(offset: number, _size: number, value: number): void {
    if (offset === MAIL0_CONFIG) {
      // Only the interrupt enable is writable; any write clears the error bits.
      this.config = value & CONFIG_DATA_IRQ_ENABLE;
      return;
    }
    if (offset !== MAIL1_WRITE) return;
    if (this.waiting.length === DEPTH) {
      this.config |= CONFIG_ERROR_OVERFLOW;
      return;
    }
    const channel = value & 0xf;
    if (channel !== PROPERTY_CHANNEL) {
      if (!this.reportedChannels.has(channel)) {
        this.reportedChannels.add(channel);
        this.onWarning(`mailbox: channel ${channel} is not modelled; message 0x${(value >>> 0).toString(16)} ignored`);
      }
      return;
    }
    this.properties.process(value & ~0xf);
    // The reply is the request word itself: the buffer now holds the answers.
    if (this.toArm.length < DEPTH) this.toArm.push(value >>> 0);
    else this.waiting.push(value >>> 0);
  }
}

function status(level: number): number {
  return ((level === DEPTH ? STATUS_FULL : 0) | (level === 0 ? STATUS_EMPTY : 0) | level) >>> 0;
}
