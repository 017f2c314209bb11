/**
 * UI tests of the JupyterLab extension in Debian's Chromium (browser downloads
 * are blocked here). The JupyterLab under test is started by
 * tests/labextension/test_ui.py, which passes its URL and token.
 */
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: '.',
  timeout: 240_000,
  expect: { timeout: 60_000 },
  workers: 1,
  retries: 0,
  reporter: [['list']],
  outputDir: 'test-results',
  use: {
    viewport: { width: 1440, height: 900 },
    launchOptions: {
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--no-first-run']
    },
    trace: 'off',
    screenshot: 'only-on-failure'
  }
});
