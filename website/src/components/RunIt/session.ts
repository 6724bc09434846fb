// A terminal wired to a kernel running in a Web Worker (machine.worker.ts, bundled on its own
// by plugins/worker.ts). This module, xterm and the emulator are loaded only when the reader
// first presses Run (see index.tsx), so a chapter page that is only read costs none of them.
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import type { FromMachine, ToMachine } from './protocol';

/** What the worker boots: the kernel image's address, and the SD card image's if there is one. */
export type MachineFiles = Omit<Extract<ToMachine, { type: 'boot' }>, 'type' | 'run'>;

/** What the status line shows: the worker's latest report. */
export type Status = Omit<Extract<FromMachine, { type: 'status' }>, 'type' | 'run'>;

export class Session {
  private readonly terminal: Terminal;
  private worker: Worker | undefined;
  /** The latest boot's number: messages of earlier ones are dropped. */
  private run = 0;

  constructor(
    container: HTMLElement,
    private readonly workerUrl: string,
    private readonly files: MachineFiles,
    private readonly onStatus: (status: Status) => void,
  ) {
    this.terminal = new Terminal({
      cols: 80,
      rows: 24,
      cursorBlink: true,
      fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace',
      fontSize: 14,
    });
    this.terminal.open(container);
    // Keys go to the guest's serial port as the terminal encodes them (Enter is CR).
    this.terminal.onData((data) => this.send({ type: 'input', data }));
  }

  /**
   * Boots the kernel afresh on a new machine. The worker stays (it is started at the first
   * boot), so the SD card, which lives in it, keeps what earlier runs wrote until the page goes.
   */
  boot(): void {
    this.terminal.reset();
    this.onStatus({ state: 'loading', instructions: 0, seconds: 0, mips: 0 });
    this.worker ??= this.startWorker();
    this.run += 1;
    this.send({ type: 'boot', run: this.run, ...this.files });
    this.terminal.focus();
  }

  private startWorker(): Worker {
    const worker = new Worker(this.workerUrl);
    worker.onmessage = (event: MessageEvent<FromMachine>) => {
      const message = event.data;
      if (message.run !== this.run) return;
      if (message.type === 'output') this.terminal.write(message.bytes);
      else this.onStatus(message);
    };
    worker.onerror = (event) => {
      this.onStatus({ state: 'finished', instructions: 0, seconds: 0, mips: 0, message: `the emulator stopped: ${event.message || 'its script did not load'}` });
    };
    return worker;
  }

  pause(): void {
    this.send({ type: 'pause' });
  }

  resume(): void {
    this.send({ type: 'resume' });
    this.terminal.focus();
  }

  dispose(): void {
    this.worker?.terminate();
    this.terminal.dispose();
  }

  private send(message: ToMachine): void {
    this.worker?.postMessage(message);
  }
}
