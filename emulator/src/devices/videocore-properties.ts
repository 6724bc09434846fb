// The firmware's "property" interface: mailbox channel 8, ARM to VideoCore.
// (Raspberry Pi firmware wiki, "Mailbox property interface".)
//
// The guest builds a buffer in RAM, 16-byte aligned, and posts its bus address:
//
//   +0   total size of the buffer in bytes
//   +4   request code: 0 = process request; the firmware writes the response code,
//        0x80000000 = success (0x80000001 = error parsing the request)
//   +8   tags, one after another, each:
//          +0  tag id
//          +4  size of the value buffer in bytes
//          +8  request: 0; the firmware writes 0x80000000 | length of its response value
//          +12 the value buffer, padded to 4 bytes
//        and an end tag (id 0).
//
// The firmware answers each tag it knows in place. It answers as QEMU 7.2's raspi3b
// does (the same board, memory split and clocks), with these differences, where we
// follow the real firmware:
// - An unknown tag is left unanswered (its response bit stays clear), and reported once
//   through the machine's warning hook; QEMU marks it answered with length 0.
// - A value longer than the tag's value buffer is cut to the buffer, while the response
//   length still says how long it is (so a driver can retry with a bigger buffer);
//   QEMU writes past the buffer.
// - "Get board model" and "get board serial" write zeros, as a Pi 3's firmware does;
//   QEMU leaves the guest's bytes as they were.
// - The UART clock is 48 MHz (the firmware's init_uart_clock, and the clock our PL011
//   model runs at); QEMU 7.2 says 3 MHz.
// - "Get power state" and "get clock state" answer; QEMU 7.2 does not know the first.

import { RAM_END } from '../memory';

/** What the property channel needs: the machine's physical memory. */
export interface PhysicalBus {
  read(pa: number, size: number): number;
  write(pa: number, size: number, value: number): void;
}

/** Raspberry Pi 3 Model B rev 1.2 (Sony UK, BCM2837, 1 GiB): what QEMU's raspi3b says. */
export const BOARD_REVISION = 0xa02082;
/** The firmware version QEMU reports. */
const FIRMWARE_REVISION = 346337;
/** QEMU gives the VideoCore the top 64 MiB of the 1 GiB: the ARM gets the rest. */
export const VC_MEMORY_SIZE = 0x0400_0000;
export const ARM_MEMORY_SIZE = 0x4000_0000 - VC_MEMORY_SIZE;

/** Clock ids of the clock tags. */
const Clock = { EMMC: 1, UART: 2 } as const;
/** Rates in Hz: EMMC and the rest as QEMU 7.2; the UART as the real firmware (see above). */
const EMMC_HZ = 50_000_000;
const UART_HZ = 48_000_000;
const OTHER_CLOCK_HZ = 700_000_000;

const RESPONSE = 0x8000_0000;
const END_TAG = 0;

export const Tag = {
  FIRMWARE_REVISION: 0x0000_0001,
  BOARD_MODEL: 0x0001_0001,
  BOARD_REVISION: 0x0001_0002,
  BOARD_SERIAL: 0x0001_0004,
  ARM_MEMORY: 0x0001_0005,
  VC_MEMORY: 0x0001_0006,
  GET_POWER_STATE: 0x0002_0001,
  SET_POWER_STATE: 0x0002_8001,
  GET_CLOCK_STATE: 0x0003_0001,
  GET_CLOCK_RATE: 0x0003_0002,
  GET_MAX_CLOCK_RATE: 0x0003_0004,
  GET_MIN_CLOCK_RATE: 0x0003_0007,
  GET_TEMPERATURE: 0x0003_0006,
  GET_MAX_TEMPERATURE: 0x0003_000a,
} as const;

/** The bus address of a buffer -> the ARM physical address (QEMU's four RAM aliases, one per cache policy). */
export function busToPhysical(bus: number): number {
  return (bus >>> 0) & 0x3fff_ffff;
}

export class VideoCoreProperties {
  /** Devices (power domains) the guest has switched off; everything starts powered. */
  private readonly poweredOff = new Set<number>();
  private readonly reported = new Set<number>();
  /** Called once per unknown tag id. */
  onWarning: (message: string) => void = () => {};

  constructor(private readonly memory: PhysicalBus) {}

  /** Process the buffer at bus address `bus` (the channel bits already removed). */
  process(bus: number): void {
    const base = busToPhysical(bus);
    if (base + 12 > RAM_END) {
      this.onWarning(`mailbox: property buffer at bus address 0x${(bus >>> 0).toString(16)} is not in RAM; ignored`);
      return;
    }
    const total = this.memory.read(base, 4);
    const end = Math.min(base + total, RAM_END);
    let at = base + 8;
    let ok = true;
    while (at + 12 <= end) {
      const tag = this.memory.read(at, 4);
      if (tag === END_TAG) break;
      const size = this.memory.read(at + 4, 4);
      const value = at + 12;
      if (value + size > end) {
        ok = false; // the tag runs off the end of the buffer
        break;
      }
      const answer = this.answer(tag, (i) => (4 * i < size ? this.memory.read(value + 4 * i, 4) : 0));
      if (answer !== null) {
        answer.forEach((word, i) => {
          if (4 * i + 4 <= size) this.memory.write(value + 4 * i, 4, word);
        });
        this.memory.write(at + 8, 4, (RESPONSE | (4 * answer.length)) >>> 0);
      }
      at = value + ((size + 3) & ~3);
    }
    this.memory.write(base + 4, 4, (ok ? RESPONSE : RESPONSE | 1) >>> 0);
  }

  /** The response value words for `tag`, or null for a tag the firmware does not know. */
  private answer(tag: number, request: (word: number) => number): number[] | null {
    switch (tag) {
      case Tag.FIRMWARE_REVISION:
        return [FIRMWARE_REVISION];
      case Tag.BOARD_MODEL:
        return [0];
      case Tag.BOARD_REVISION:
        return [BOARD_REVISION];
      case Tag.BOARD_SERIAL:
        return [0, 0];
      case Tag.ARM_MEMORY:
        return [0, ARM_MEMORY_SIZE];
      case Tag.VC_MEMORY:
        return [ARM_MEMORY_SIZE, VC_MEMORY_SIZE];
      case Tag.GET_POWER_STATE: {
        // State bit 0: on; bit 1: the device does not exist (every id is taken to exist).
        const device = request(0);
        return [device, this.poweredOff.has(device) ? 0 : 1];
      }
      case Tag.SET_POWER_STATE: {
        // Request state bit 0: on/off, bit 1: wait until stable (nothing to wait for here).
        const device = request(0);
        const on = (request(1) & 1) !== 0;
        if (on) this.poweredOff.delete(device);
        else this.poweredOff.add(device);
        return [device, on ? 1 : 0];
      }
      case Tag.GET_CLOCK_STATE:
        return [request(0), 1]; // every clock runs
      case Tag.GET_CLOCK_RATE:
      case Tag.GET_MAX_CLOCK_RATE:
      case Tag.GET_MIN_CLOCK_RATE: {
        const clock = request(0);
        return [clock, clock === Clock.EMMC ? EMMC_HZ : clock === Clock.UART ? UART_HZ : OTHER_CLOCK_HZ];
      }
      case Tag.GET_TEMPERATURE:
        return [request(0), 25_000]; // millidegrees Celsius, as QEMU
      case Tag.GET_MAX_TEMPERATURE:
        return [request(0), 99_000];
      default:
        if (!this.reported.has(tag)) {
          this.reported.add(tag);
          this.onWarning(`mailbox: property tag 0x${tag.toString(16).padStart(8, '0')} is not modelled; left unanswered`);
        }
        return null;
    }
  }
}
