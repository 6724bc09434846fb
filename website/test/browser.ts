// Headless Chromium for the site's tests, as Debian installs it (set-up installs it when
// missing; playwright-core cannot download a browser here). Playwright gives every launch a
// fresh profile of its own.
import { chromium, type Browser } from 'playwright-core';
import { ensureChromium } from '@bramble/tools/setup';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: ensureChromium(),
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
