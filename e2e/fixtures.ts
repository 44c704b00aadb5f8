import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron, test as base, type Browser, type Page, type TestInfo } from '@playwright/test';

export interface StudioOptions {
  /** Which host the studio runs in: the web host in Chromium, or the Electron app. */
  studioHost: 'web' | 'electron';
  /** The Electron binary, for the electron project. */
  electronPath: string | null;
}

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * `studio`: a page showing VALL-E Studio, connected to its engine, whichever host runs it. Specs use it
 * instead of `page`, so the same spec drives a browser tab or the desktop window.
 * [Note: own browser fixture] Playwright's `page` would always launch a browser, even for the Electron
 * project, so the browser is launched here, and only for the web host.
 */
export const test = base.extend<{ studio: Page }, StudioOptions & { studioBrowser: Browser | null }>({
  studioHost: ['web', { option: true, scope: 'worker' }],
  electronPath: [null, { option: true, scope: 'worker' }],
  studioBrowser: [
    async ({ studioHost, playwright, launchOptions }, use) => {
      if (studioHost !== 'web') return use(null);
      const browser = await playwright.chromium.launch(launchOptions);
      await use(browser);
      await browser.close();
    },
    { scope: 'worker' },
  ],
  studio: async ({ studioHost, electronPath, studioBrowser, baseURL, viewport }, use, testInfo) => {
    let page: Page;
    let close: () => Promise<void>;
    if (studioHost === 'web') {
      if (!studioBrowser) throw new Error('No browser for the web host.');
      const context = await studioBrowser.newContext({ baseURL, viewport });
      page = await context.newPage();
      await page.goto('/');
      close = () => context.close();
    } else {
      if (!electronPath) throw new Error('The electron project needs electronPath.');
      const home = mkdtempSync(join(tmpdir(), 'valle-e2e-electron-'));
      const app = await _electron.launch({
        executablePath: electronPath,
        // A fresh studio home per test. The desktop main keeps the studio in Electron's userData, which
        // --user-data-dir moves; --home and VALLE_STUDIO_HOME are there for a main that reads them.
        // The app directory, not out/main/index.js: Electron then reads package.json's "main" and
        // app.getAppPath() is the project root, where main finds the engine's sources.
        args: [root, `--user-data-dir=${home}`, `--home=${home}`],
        env: { ...process.env, VALLE_STUDIO_HOME: home },
      });
      page = await app.firstWindow();
      close = () => app.close();
    }
    await use(page);
    if (testInfo.status !== testInfo.expectedStatus) {
      await testInfo.attach('failure', { body: await page.screenshot(), contentType: 'image/png' }).catch(() => {});
    }
    await close();
  },
});

export { expect } from '@playwright/test';

/** Saves a screenshot with the test's results (pointer parked so no hover state shows) and attaches it. */
export async function shot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  await page.mouse.move(0, 0);
  const path = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path });
  await testInfo.attach(name, { path, contentType: 'image/png' });
}
