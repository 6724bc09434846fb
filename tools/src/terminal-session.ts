// A program at a terminal, driven by a test: util-linux's `script` gives it a pseudo-terminal
// (so it sees a terminal: raw mode, process groups, ^C and ^Z as signals) and passes our
// keystrokes to it. The test types, then waits until the output shows what it expects, as a
// person at the keyboard would.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

export class TerminalSession {
  private readonly child: ChildProcess;
  /** Everything the program has written so far. */
  output = '';
  /** Where the next `waitFor` starts looking. */
  private seen = 0;
  private ended: Promise<number | null>;

  constructor(command: string, options: { cwd: string; env: NodeJS.ProcessEnv }) {
    // -q: no start and end notes; -f: pass output on at once; -e: exit with the program's
    // status; -c: the command; /dev/null: no typescript file.
    this.child = spawn(scriptProgram(), ['-qfec', command, '/dev/null'], { cwd: options.cwd, env: options.env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout!.setEncoding('latin1').on('data', (chunk: string) => (this.output += chunk));
    this.child.stderr!.setEncoding('latin1').on('data', (chunk: string) => (this.output += chunk));
    this.ended = new Promise((resolve) => this.child.on('close', (code) => resolve(code)));
  }

  type(keys: string): void {
    this.child.stdin!.write(keys, 'latin1');
  }

  /**
   * Waits until the output after what earlier waits consumed matches `pattern`; the match.
   * `nudge` is typed again every `every` ms meanwhile (a ^C must reach a program that may
   * not have started yet). Fails after `timeoutMs`, with the output so far.
   */
  async waitFor(pattern: RegExp, timeoutMs = 30_000, nudge?: { keys: string; every: number }): Promise<RegExpExecArray> {
    const start = Date.now();
    let lastNudge = 0;
    for (;;) {
      const match = pattern.exec(this.output.slice(this.seen));
      if (match) {
        this.seen += match.index + match[0].length;
        return match;
      }
      if (Date.now() - start > timeoutMs) throw new Error(`no ${String(pattern)} in the terminal's output:\n${JSON.stringify(this.output.slice(this.seen))}`);
      if (nudge && Date.now() - lastNudge >= nudge.every) {
        this.type(nudge.keys);
        lastNudge = Date.now();
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Ends the input; the exit status once the program has ended. */
  async close(): Promise<number | null> {
    this.child.stdin!.end();
    return this.ended;
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}

/** util-linux's `script`, found on our own PATH (the program's PATH may not have it). */
function scriptProgram(): string {
  const found = (process.env.PATH ?? '/usr/bin:/bin').split(':').map((folder) => path.join(folder, 'script')).find((file) => existsSync(file));
  if (!found) throw new Error("the terminal tests need util-linux's `script` (Debian's package bsdutils)");
  return found;
}
