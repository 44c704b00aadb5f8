import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type PlaywrightTestOptions, type PlaywrightWorkerOptions, type Project } from '@playwright/test';
import type { StudioOptions } from './e2e/fixtures.js';

const root = fileURLToPath(new URL('.', import.meta.url));
const port = Number(process.env.VALLE_E2E_PORT ?? 17861);
const baseURL = `http://127.0.0.1:${port}/`;

// A fresh studio home per run. The runner evaluates this file first and its workers inherit the
// environment, so they all see the same directory.
process.env.VALLE_E2E_HOME ??= mkdtempSync(join(tmpdir(), 'valle-e2e-'));
const home = process.env.VALLE_E2E_HOME;

// [Note: local hub] Model downloads go to a stand-in for the Hugging Face hub that e2e/models.spec.ts starts on
// this port (the engine only connects when a download starts, so other specs never need it).
// Set for the whole run (the Electron project's app inherits it too): e2e tests never reach the real hub.
process.env.VALLE_E2E_HUB_PORT ??= '17862';
const hubUrl = `http://127.0.0.1:${process.env.VALLE_E2E_HUB_PORT}`;
process.env.VALLE_STUDIO_HUB_URL = hubUrl;

/** Debian's Chromium: Playwright cannot download its own browsers on these machines. */
const chromium = process.env.VALLE_E2E_CHROMIUM ?? '/usr/bin/chromium';

/**
 * The Electron binary, if one is installed, found the way `require('electron')` finds it but without
 * requiring it (that would try to download). Needs the built main process too (`npm run build:desktop`).
 */
function electronBinary(): string | null {
  const packageDir = join(root, 'node_modules', 'electron');
  const pathFile = join(packageDir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const relative = readFileSync(pathFile, 'utf8').trim();
  const distDir = process.env.ELECTRON_OVERRIDE_DIST_PATH ?? join(packageDir, 'dist');
  const binary = join(distDir, relative);
  return existsSync(binary) && existsSync(join(root, 'out', 'main', 'index.js')) ? binary : null;
}

const electron = electronBinary();

const projects: Project<PlaywrightTestOptions, PlaywrightWorkerOptions & StudioOptions>[] = [
  {
    name: 'web-chromium',
    use: {
      studioHost: 'web',
      browserName: 'chromium',
      baseURL,
      viewport: { width: 1360, height: 820 },
      launchOptions: {
        executablePath: chromium,
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--headless',
          // Lets the play test start audio without relying on how a synthetic click counts as a gesture.
          '--autoplay-policy=no-user-gesture-required',
        ],
      },
    },
  },
];

// [Note: Electron project] Only where the binary exists (never on the CI machines here): the same specs
// then drive the desktop app through its own window instead of a browser tab.
if (electron) {
  projects.push({ name: 'electron', use: { studioHost: 'electron', electronPath: electron, viewport: null } });
}

export default defineConfig<object, StudioOptions>({
  testDir: './e2e',
  outputDir: './test-results',
  // One engine, a 2-core machine: run tests one after another.
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  reporter: [['list'], ['html', { open: 'never', outputFolder: 'test-results/html-report' }]],
  use: {
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects,
  webServer: {
    // Built by `npm run test:e2e` (build:web) before Playwright starts.
    command: `node bin/valle.js serve --home "${home}" --port ${port}`,
    url: baseURL,
    cwd: root,
    reuseExistingServer: false,
    // A demo voice trained in a few steps (e2e/demo-voice.spec.ts): the product default trains for a minute or more.
    env: { VALLE_STUDIO_HUB_URL: hubUrl, VALLE_STUDIO_DEMO_VOICE_STEPS: '6' },
    timeout: 120_000,
    stdout: 'pipe',
    stderr: 'pipe',
  },
});
