// The home page: what Bramble is, what the book builds, its chapters, and how to run it.
import Link from '@docusaurus/Link';
import Layout from '@theme/Layout';
import { sourceIndexPath } from '../routes';
import { useChapters } from '../site-data';

export default function Home() {
  const chapters = useChapters();
  return (
    <Layout description="Bramble: a Unix-like operating system for the Raspberry Pi 3, built chapter by chapter">
      <main className="container margin-vert--lg bramble-home">
        <h1>Bramble</h1>
        <p className="bramble-lead">
          A small Unix-like operating system for the Raspberry Pi 3, written one chapter at a time. Each chapter is a complete kernel
          that builds and boots, and this book explains every line of it.
        </p>

        <h2>What you will build</h2>
        <p>
          Starting from the first instruction the Pi runs, you write a kernel in Rust for the Pi's 64-bit ARM cores: a serial
          console, exceptions and interrupts, timers, memory management, processes, a file system and a shell. Alongside it,
          Bramble has its own Raspberry Pi 3 emulator written in TypeScript, which is what runs each chapter on this site: every
          chapter page has a terminal where you can boot that chapter's kernel and type to it.
        </p>

        <h2>The chapters</h2>
        <ol className="bramble-chapter-list">
          {chapters.map((chapter) => (
            <li key={chapter.name}>
              {chapter.docPath ? <Link to={chapter.docPath}>{chapter.title}</Link> : <span>{chapter.title}</span>}
              {chapter.description && <> — {chapter.description}</>} <Link to={sourceIndexPath(chapter.name)}>(source)</Link>
            </li>
          ))}
        </ol>

        <h2>Run it on your computer</h2>
        <p>You need Node 20 or later; set-up installs Rust, LLVM's linker and QEMU on Debian or Ubuntu when they are missing.</p>
        <pre>
          {[
            'npm start            # boot the most complete chapter in our emulator',
            'npm start -- 02      # boot chapter 02; Ctrl-A x quits',
            'npm start -- 02 --qemu   # the same kernel in QEMU',
            'npm test             # every test',
            'npm run site         # this book, on http://localhost:3000',
            'npm run site:build   # the book as a static site, in build/website',
          ].join('\n')}
        </pre>
      </main>
    </Layout>
  );
}
