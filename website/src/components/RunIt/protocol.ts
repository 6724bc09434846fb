// The messages between a chapter page and the Web Worker that runs its kernel. Plain
// postMessage: no SharedArrayBuffer, so the site needs no special headers and stays static.

/** Page -> worker. */
export type ToMachine =
  /**
   * Boot the kernel image at `kernelUrl` on a new machine (fetched at the first boot). With
   * `sdUrl`, the machine has an SD card: the gzip-compressed image there, fetched at the first
   * boot too; every later boot gets the same card, with what the earlier runs wrote to it.
   */
  | { type: 'boot'; run: number; kernelUrl: string; sdUrl?: string }
  /** Keys the reader typed, for the serial port. */
  | { type: 'input'; data: string }
  /** Stop running instructions (the machine keeps its state). */
  | { type: 'pause' }
  /** Go on after a pause. */
  | { type: 'resume' };

/** What the machine is doing. */
export type MachineState = 'loading' | 'running' | 'waiting' | 'paused' | 'finished';

/** Worker -> page; `run` is the boot's number, so the page can drop what an earlier boot still sent. */
export type FromMachine =
  /** Bytes the guest printed. */
  | { type: 'output'; run: number; bytes: Uint8Array }
  | {
      type: 'status';
      run: number;
      state: MachineState;
      /** Instructions retired since boot, all cores. */
      instructions: number;
      /** The guest's clock: seconds of virtual time since boot. */
      seconds: number;
      /** Millions of instructions per second of wall time spent running (not waiting for keys). */
      mips: number;
      /** Why the machine finished (the guest exited, or the emulator cannot go on). */
      message?: string;
    };
