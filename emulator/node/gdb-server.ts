// The GDB stub's connection: a TCP server on localhost that hands the bytes of one debugger
// at a time to a GdbSession (emulator/src/gdb/session.ts), and its replies back.
import { createServer, type Server, type Socket } from 'node:net';
import { GdbSession } from '../src/gdb/session';
import type { Machine } from '../src/index';

export class GdbServer {
  readonly session: GdbSession;
  private client: Socket | null = null;
  private needed = new AbortController();

  private constructor(
    machine: Machine,
    private readonly server: Server,
    onMessage: (line: string) => void,
  ) {
    this.session = new GdbSession(machine, (bytes) => this.client?.write(bytes));
    this.session.onMessage = onMessage;
    this.session.onStateChange = () => this.nudge();
    server.on('connection', (socket) => this.accept(socket, onMessage));
  }

  /**
   * Listens on 127.0.0.1:`port` (only this computer can attach). Fails with one line when
   * the port cannot be had, most often because something else listens there.
   */
  static listen(machine: Machine, port: number, onMessage: (line: string) => void): Promise<GdbServer> {
    const server = createServer();
    return new Promise((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) => {
        const why = error.code === 'EADDRINUSE' ? 'something else is listening there' : error.code ?? error.message;
        reject(new Error(`cannot wait for a debugger on port ${port}: ${why} (choose another with --gdb PORT)`));
      });
      server.listen(port, '127.0.0.1', () => resolve(new GdbServer(machine, server, onMessage)));
    });
  }

  private accept(socket: Socket, onMessage: (line: string) => void): void {
    if (this.client !== null) {
      onMessage('gdb: a debugger is already attached; refused another connection');
      socket.destroy();
      return;
    }
    this.client = socket;
    socket.setNoDelay(true);
    this.session.connected();
    socket.on('data', (chunk: Buffer) => {
      this.session.receive(new Uint8Array(chunk));
      if (this.session.interruptRequested) this.nudge();
    });
    socket.on('error', () => {}); // a reset connection is reported by 'close'
    socket.on('close', () => {
      this.client = null;
      this.session.disconnected();
    });
  }

  /**
   * A signal that fires when the run loop is next needed: GDB resumed, detached or killed the
   * machine, or pressed Ctrl-C. The loop reads the session's state first, then waits on it.
   */
  attention(): AbortSignal {
    if (this.needed.signal.aborted) this.needed = new AbortController();
    return this.needed.signal;
  }

  private nudge(): void {
    this.needed.abort();
  }

  /** The debugger hears how the run ended (if it is still there), and the port is closed. */
  close(exitCode: number | null): void {
    this.session.ended(exitCode);
    this.client?.end();
    this.server.close();
  }
}
