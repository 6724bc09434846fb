import { defineConfig } from 'vitest/config';

// One Vitest run covers every workspace; each project is a folder with its own tests.
export default defineConfig({
  test: {
    // Two files at a time. Vitest's default on a 2-core machine is one, but a file spends much of
    // its time waiting: for QEMU and our emulator, which keep to the wall clock, for a build.
    maxWorkers: 2,
    projects: [
      // BRAMBLE_TIER picks the emulator's tier for every machine these tests build (emulator/node/tier.ts).
      // A minute per test, not Vitest's 5 s: reading a vector class's file took longer than that
      // while the other worker built kernels, and a test here never waits on anything but the CPU.
      { test: { name: 'emulator', root: './emulator', include: ['test/**/*.test.ts'], setupFiles: ['./test/setup-tier.ts'], testTimeout: 60_000 } },
      {
        test: {
          name: 'tools',
          root: './tools',
          include: ['test/**/*.test.ts'],
          setupFiles: ['../emulator/test/setup-tier.ts'],
          testTimeout: 300_000,
          hookTimeout: 600_000,
        },
      },
      // Builds the site and reads it in headless Chromium: one file, its steps in order.
      { test: { name: 'website', root: './website', include: ['test/**/*.test.ts'], testTimeout: 300_000, hookTimeout: 600_000 } },
    ],
  },
});
