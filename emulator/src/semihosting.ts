// Arm semihosting (Arm's "Semihosting for AArch32 and AArch64" specification):
// a guest running at EL1 or above executes `hlt #0xf000` with an operation
// number in w0 and a parameter (usually a pointer) in x1. QEMU provides it with
// `-semihosting`; so do we, always. Bramble's kernels use it to print before the
// UART is up and to end a run with an exit status.

import { addOffset, out } from './bits';
import type { Cpu, StopReason } from './cpu/cpu';

export const SYS_WRITEC = 0x03;
export const SYS_WRITE0 = 0x04;
export const SYS_EXIT = 0x18;
export const SYS_EXIT_EXTENDED = 0x20;
/** The SYS_EXIT reason meaning "the application exited", with the status as subcode. */
export const ADP_STOPPED_APPLICATION_EXIT = 0x20026;

/** Longest string SYS_WRITE0 will print, so a missing NUL cannot hang the emulator. */
const MAX_STRING = 1 << 20;

export function semihostingCall(c: Cpu, output: (bytes: Uint8Array) => void): StopReason | null {
  const op = c.r[0] >>> 0;
  const paramLo = c.r[2];
  const paramHi = c.r[3];
  switch (op) {
    case SYS_WRITEC:
      output(Uint8Array.of(c.ld8(paramLo, paramHi)));
      return null;
    case SYS_WRITE0: {
      const bytes: number[] = [];
      for (let i = 0; i < MAX_STRING; i++) {
        const a = addOffset(paramLo, paramHi, i);
        const b = c.ld8(a, out.hi);
        if (b === 0) break;
        bytes.push(b);
      }
      output(Uint8Array.from(bytes));
      return null;
    }
    case SYS_EXIT:
    case SYS_EXIT_EXTENDED: {
      // On AArch64 x1 points to two doublewords: the reason and a subcode (the exit status).
      const reason = c.ld64(paramLo, paramHi);
      const a = addOffset(paramLo, paramHi, 8);
      const code = c.ld64(a, out.hi);
      // As QEMU does: the status for ApplicationExit, 1 for any other reason.
      return { kind: 'exit', code: reason === ADP_STOPPED_APPLICATION_EXIT ? code : 1 };
    }
    default:
      return { kind: 'error', message: `unsupported semihosting operation 0x${op.toString(16)} at pc ${c.pcString()}` };
  }
}
