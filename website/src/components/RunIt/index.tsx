// "Run it here": a terminal on a chapter's page that boots the chapter's kernel in our
// emulator, in the reader's browser. Nothing heavy loads until Run: then session.ts brings
// xterm and starts a Web Worker, which brings the emulator and fetches the kernel image (and,
// from chapter 06 on, the SD card's image, which keeps the reader's writes while the page is open).
import BrowserOnly from '@docusaurus/BrowserOnly';
import useBaseUrl from '@docusaurus/useBaseUrl';
import { useEffect, useRef, useState } from 'react';
import { useWorkerScript } from '../../site-data';
import type { Session, Status } from './session';

interface Props {
  chapter: string;
  /** The kernel image's address in the site. */
  kernel: string;
  /** The SD card image's address in the site (gzip-compressed), or null for a chapter without a disk. */
  sd: string | null;
}

export default function RunIt(props: Props) {
  return (
    <section className="bramble-run" id="run-it-here">
      <h2>Run it here</h2>
      <BrowserOnly fallback={<p>The terminal needs JavaScript.</p>}>{() => <Console {...props} />}</BrowserOnly>
    </section>
  );
}

function Console({ chapter, kernel, sd }: Props) {
  const kernelUrl = useBaseUrl(kernel);
  const sdUrl = useBaseUrl(sd ?? '');
  const workerUrl = useBaseUrl(useWorkerScript());
  const screen = useRef<HTMLDivElement>(null);
  const session = useRef<Session | undefined>(undefined);
  const [status, setStatus] = useState<Status | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);

  useEffect(() => () => session.current?.dispose(), []);

  const run = async () => {
    if (session.current) {
      if (status?.state === 'paused') session.current.resume();
      else if (status?.state === 'finished') session.current.boot();
      return;
    }
    setStatus({ state: 'loading', instructions: 0, seconds: 0, mips: 0 });
    try {
      const { Session } = await import('./session');
      const absolute = (url: string) => new URL(url, window.location.href).href;
      const machine = { kernelUrl: absolute(kernelUrl), ...(sd !== null ? { sdUrl: absolute(sdUrl) } : {}) };
      session.current = new Session(screen.current!, workerUrl, machine, setStatus);
      session.current.boot();
    } catch (cause) {
      setError(`The terminal could not start: ${cause instanceof Error ? cause.message : String(cause)}`);
    }
  };

  const state = status?.state;
  return (
    <div className="bramble-console">
      <p>
        Boots chapter {chapter}'s kernel in Bramble's emulator, in this page. Keys you type go to its serial port.
        {sd !== null && " The machine has the chapter's SD card: what you write to it stays until you leave or reload the page, across Reset."}
      </p>
      <div className="bramble-buttons">
        <button className="button button--primary" onClick={run} disabled={state === 'loading' || state === 'running' || state === 'waiting'}>
          Run
        </button>
        <button className="button button--secondary" onClick={() => session.current?.boot()} disabled={!session.current}>
          Reset
        </button>
        <button className="button button--secondary" onClick={() => session.current?.pause()} disabled={state !== 'running' && state !== 'waiting'}>
          Stop
        </button>
      </div>
      <div className="bramble-screen" ref={screen} hidden={status === undefined} />
      <p className="bramble-status" role="status">
        {error ?? describe(status)}
      </p>
    </div>
  );
}

function describe(status: Status | undefined): string {
  if (!status) return 'Press Run to boot the kernel.';
  const count = `${status.instructions.toLocaleString('en-US')} instructions executed, ${status.mips.toFixed(1)} MIPS, guest clock ${status.seconds.toFixed(1)} s`;
  switch (status.state) {
    case 'loading':
      return 'Loading the emulator and the kernel...';
    case 'running':
      return `Running: ${count}.`;
    case 'waiting':
      return `Waiting for a key: ${count}.`;
    case 'paused':
      return `Stopped: ${count}. Run goes on; Reset boots again.`;
    case 'finished':
      return `Finished (${status.message ?? 'the machine stopped'}): ${count}. Run or Reset boots again.`;
  }
}
