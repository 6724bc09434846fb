// The Bramble book: docs/ rendered as chapters, plus the pages plugins/bramble.ts makes from
// the repository (full source, chapter-to-chapter changes) and each chapter's kernel running
// in the reader's browser.
//
//   npm run site          a dev server that rebuilds as docs/ and chapters/ change
//   npm run site:build    the static site, in build/website
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '@docusaurus/types';
import type * as Preset from '@docusaurus/preset-classic';
import { resolveChapter } from '@bramble/tools/chapters';
import { buildDir, repoRoot } from '@bramble/tools/paths';
import bramblePlugin from './plugins/bramble';
import remarkListings from './plugins/remark-listings';
import { SourceSnapshot } from './plugins/snapshot';

/** The book's pages; BRAMBLE_DOCS points elsewhere only for tests that build a site of their own. */
const docsDir = process.env.BRAMBLE_DOCS ?? path.join(repoRoot, 'docs');
/** Files the build makes for the site to serve (kernel images, the emulator's worker); never committed. Test builds use folders of their own. */
const generatedStatic = process.env.BRAMBLE_STATIC ?? path.join(buildDir, 'website-static');
mkdirSync(generatedStatic, { recursive: true });
/**
 * Chapters whose kernels and source pages the build makes, comma-separated (names or numbers, as
 * `npm start` takes them; a wrong one stops the build with the list of right ones); all of them
 * unless a test that builds a site of its own names some.
 */
const onlyChapters = process.env.BRAMBLE_CHAPTERS?.split(',').map((name) => resolveChapter(name).name);

const DOCS_ROUTE = 'chapters';
/** The repository's files as this build reads them, shared by the plugin and the listings. */
const sources = new SourceSnapshot();

const config: Config = {
  title: 'Bramble',
  tagline: 'A Unix-like operating system for the Raspberry Pi 3, written chapter by chapter',
  url: 'http://localhost',
  baseUrl: process.env.BRAMBLE_BASE_URL ?? '/',
  onBrokenLinks: 'throw',
  onBrokenAnchors: 'ignore',
  markdown: { hooks: { onBrokenMarkdownLinks: 'throw' } },
  favicon: 'favicon.svg',
  // Rspack, SWC and Lightning CSS (@docusaurus/faster) in place of webpack, Babel, Terser and
  // cssnano: the build takes half the time. Rendering pages on worker threads needs v4's flag.
  future: { v4: { removeLegacyPostBuildHeadAttribute: true }, faster: true },
  staticDirectories: ['static', generatedStatic],
  presets: [
    [
      'classic',
      {
        docs: {
          path: docsDir,
          routeBasePath: DOCS_ROUTE,
          sidebarPath: './sidebars.ts',
          // Page ids are the chapters' folder names ("01-bare-metal"), as the components name them.
          numberPrefixParser: false,
          exclude: ['transcripts/**'],
          remarkPlugins: [[remarkListings, { sources }]],
        },
        blog: false,
        theme: { customCss: './src/css/custom.css' },
      } satisfies Preset.Options,
    ],
  ],
  plugins: [(context) => bramblePlugin(context, { docsDir, docsRoute: `/${DOCS_ROUTE}`, staticDir: generatedStatic, sources, ...(onlyChapters ? { only: onlyChapters } : {}) })],
  themeConfig: {
    navbar: {
      title: 'Bramble',
      items: [{ type: 'docSidebar', sidebarId: 'book', position: 'left', label: 'The book' }],
    },
    colorMode: { respectPrefersColorScheme: true },
  } satisfies Preset.ThemeConfig,
};

export default config;
