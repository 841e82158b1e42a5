import { defineConfig } from '@playwright/test';

/**
 * End-to-end tests: the built renderer, served by the real web host (engine
 * and all) started in-process by test/e2e/fixtures.ts, driven in Debian's
 * Chromium. No browser download: `executablePath` is the system Chromium
 * (`.ci/run` installs it with apt).
 */
export default defineConfig({
  testDir: 'test/e2e',
  testMatch: '**/*.spec.ts',
  globalSetup: './test/e2e/global-setup.ts',
  // Two cores shared with everything else: one browser at a time.
  workers: 1,
  fullyParallel: false,
  timeout: 90_000,
  expect: { timeout: 10_000 },
  retries: 0,
  reporter: [['list']],
  outputDir: 'test-results/e2e',
  use: {
    browserName: 'chromium',
    viewport: { width: 1440, height: 900 },
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    },
    screenshot: 'only-on-failure',
    actionTimeout: 15_000,
  },
});
