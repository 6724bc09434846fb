// Backtraces a reader can read: a kernel prints bare addresses after a panic or an unexpected
// exception (each chapter's backtrace.rs), one a line, `  #N 0x...`. This adds to each the
// function and source line that LLVM's llvm-symbolizer finds in kernel.elf's debug
// information, as the output streams past:
//
//   #1 0xffff0000000870e0 kernel::monitor::hardware::execute (src/monitor.rs:210)
//
// Everything else passes through untouched and at once; only a partial line that could
// still become a backtrace line waits for its end.
import { spawnSync } from 'node:child_process';

/** A whole backtrace line, as backtrace.rs prints it (the console turns \n into \r\n). */
const BACKTRACE_LINE = /^( {2}#\d+ (0x[0-9a-f]{16}))(\r?)$/;
/** The start of a line that may yet become one. */
const MAY_BECOME_ONE = /^( {0,2}| {2}#\d*| {2}#\d+ (0x?)?| {2}#\d+ 0x[0-9a-f]{1,16}\r?)$/;

/** Where an address is: its function, and its source line when the debug information has one. */
export type Locate = (address: string) => string | undefined;

/** Streams a kernel's output, adding a location to every backtrace line. */
export class BacktraceSymbolizer {
  /** The current line so far (the output may come a byte at a time). */
  private line = '';
  /** How much of it has been shown: none while it may still be a backtrace line. */
  private shown = 0;

  constructor(private readonly locate: Locate) {}

  /** Output bytes in; the bytes to show now out. */
  feed(chunk: Uint8Array): Uint8Array {
    const text = Buffer.from(chunk).toString('latin1');
    let out = '';
    for (let at = 0; at < text.length; ) {
      const end = text.indexOf('\n', at);
      const piece = end < 0 ? text.slice(at) : text.slice(at, end + 1);
      at += piece.length;
      this.line += piece;
      if (piece.endsWith('\n')) {
        out += this.shown === 0 ? `${this.annotate(this.line.slice(0, -1))}\n` : this.line.slice(this.shown);
        this.line = '';
        this.shown = 0;
      } else if (this.shown > 0 || !MAY_BECOME_ONE.test(this.line)) {
        out += this.line.slice(this.shown);
        this.shown = this.line.length;
      }
    }
    return Buffer.from(out, 'latin1');
  }

  /** The end of the output: whatever was held back. */
  flush(): Uint8Array {
    const rest = this.line.slice(this.shown);
    this.line = '';
    this.shown = 0;
    return Buffer.from(rest, 'latin1');
  }

  private annotate(line: string): string {
    const match = BACKTRACE_LINE.exec(line);
    if (!match) return line;
    const where = this.locate(match[2]!);
    return where === undefined ? line : `${match[1]} ${where}${match[3]}`;
  }
}

interface SymbolizerAnswer {
  Symbol?: { FunctionName?: string; FileName?: string; Line?: number }[];
}

/**
 * Looks addresses up in `elf` with llvm-symbolizer. Of a chain of inlined functions, the
 * innermost is named: its line is the one the address belongs to.
 */
export function symbolizerFor(elf: string, llvmSymbolizer: string): Locate {
  return (address) => {
    const result = spawnSync(llvmSymbolizer, [`--obj=${elf}`, '--relativenames', '--output-style=JSON', address], { encoding: 'utf8' });
    if (result.status !== 0) return undefined;
    let answers: SymbolizerAnswer[];
    try {
      answers = JSON.parse(result.stdout) as SymbolizerAnswer[];
    } catch {
      return undefined;
    }
    const innermost = answers[0]?.Symbol?.[0];
    if (!innermost?.FunctionName || innermost.FunctionName === '??') return undefined;
    // Rust's legacy symbol mangling (Rust 1.85's default) ends every name with a hash of the
    // crate, `::h0123456789abcdef`, which the demangler keeps; it tells a reader nothing.
    const name = innermost.FunctionName.replace(/::h[0-9a-f]{16}$/, '');
    return innermost.Line ? `${name} (${innermost.FileName}:${innermost.Line})` : name;
  };
}
