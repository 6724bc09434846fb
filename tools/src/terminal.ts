// The user's terminal as the Pi's serial console: raw keys in, Ctrl-A x out (as in QEMU).
import { PassThrough, type Readable } from 'node:stream';

const CTRL_A = 0x01;

/** What the user is told, on stderr, before the guest starts. */
export const QUIT_HINT = 'Type Ctrl-A x to quit (Ctrl-A Ctrl-A sends a Ctrl-A).';

/**
 * Splits keystrokes into bytes for the guest and the Ctrl-A commands meant for us. The state
 * (a pending Ctrl-A) carries over between chunks, because a terminal may deliver Ctrl-A and
 * the next key in separate reads.
 */
export class EscapeKeys {
  private escaped = false;

  /** The bytes for the guest, and whether the user asked to quit. */
  feed(keys: Uint8Array): { guest: Uint8Array; quit: boolean } {
    const guest: number[] = [];
    for (const key of keys) {
      if (this.escaped) {
        this.escaped = false;
        if (key === 0x78 /* x */) return { guest: Uint8Array.from(guest), quit: true };
        if (key === CTRL_A) guest.push(CTRL_A);
        // Any other key after Ctrl-A is a command we do not have: dropped, as QEMU does.
      } else if (key === CTRL_A) {
        this.escaped = true;
      } else {
        guest.push(key);
      }
    }
    return { guest: Uint8Array.from(guest), quit: false };
  }
}

/**
 * Puts the terminal on `stdin` in raw mode and returns the keystrokes meant for the guest,
 * a signal that fires on Ctrl-A x, and `restore`, which must run however the session ends.
 */
export function rawConsole(stdin: NodeJS.ReadStream): { keys: Readable; quit: AbortSignal; restore: () => void } {
  const keys = new PassThrough();
  const quitter = new AbortController();
  const escapes = new EscapeKeys();
  const onData = (chunk: Buffer) => {
    const { guest, quit } = escapes.feed(chunk);
    if (guest.length > 0) keys.write(guest);
    if (quit) quitter.abort();
  };
  stdin.setRawMode(true);
  stdin.on('data', onData);
  stdin.resume();
  return {
    keys,
    quit: quitter.signal,
    restore: () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
    },
  };
}
