import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.js';
import { clipRow, createGroup, createSpeakerInGroup, dropFiles, sidebar, waitForEngine, waveformPixels } from './library-helpers.js';
import { chirpWav, syllablesWav } from './wav.js';

/** What has focus now, and whether it shows a focus indicator (outline or ring) on itself or its label. */
async function focused(page: Page): Promise<{ id: string; name: string; tag: string; indicated: boolean } | null> {
  return page.evaluate(() => {
    const element = document.activeElement as HTMLElement | null;
    if (!element || element === document.body) return null;
    const shows = (node: Element | null) => {
      if (!node) return false;
      const style = getComputedStyle(node);
      const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
      return outline || style.boxShadow !== 'none';
    };
    // A visually hidden radio shows its focus on the label that wraps it.
    const indicated = shows(element) || shows(element.closest('label'));
    const name = element.getAttribute('aria-label') ?? element.textContent?.trim() ?? '';
    return { id: element.id, name, tag: element.tagName.toLowerCase(), indicated };
  });
}

/** Press Tab until `match` has focus; fail if it never does within `limit` presses. */
async function tabTo(page: Page, match: (f: { id: string; name: string; tag: string }) => boolean, limit = 80, seen: string[] = []): Promise<void> {
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press('Tab');
    const current = await focused(page);
    if (!current) continue;
    seen.push(current.name);
    expect(current.indicated, `focus on “${current.name}” (${current.tag}) is visible`).toBe(true);
    if (match(current)) return;
  }
  throw new Error(`Tab never reached the target; visited: ${seen.join(' | ')}`);
}

test('keyboard: views by shortcut, every control by Tab with visible focus, Escape closes dialogs and the tray', async ({ studio: page }) => {
  await waitForEngine(page);

  // Ctrl+1..6 switch views.
  await page.keyboard.press('Control+5');
  await expect(page.getByRole('heading', { name: 'Models', level: 1 })).toBeVisible();
  await page.keyboard.press('Control+6');
  await expect(page.getByRole('heading', { name: 'Settings', level: 1 })).toBeVisible();
  await page.keyboard.press('Control+1');
  await expect(page.getByRole('heading', { name: 'Generate', level: 1 })).toBeVisible();
  await page.keyboard.press('Control+2');
  await expect(sidebar(page)).toBeVisible();
  await expect(page).toHaveURL(/#\/library$/);

  // The nav rail, then the library's own controls, come by Tab alone.
  await page.locator('body').click({ position: { x: 700, y: 5 } });
  await tabTo(page, (f) => f.name === 'Settings');
  await tabTo(page, (f) => f.name === 'New group');

  // Enter opens the dialog with focus in its first field; Escape closes it without creating anything.
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'New group' });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByLabel('Name')).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();

  // Create a group with the keyboard only: Enter submits the form.
  const name = `Keys ${Date.now().toString(36)}`;
  await expect(sidebar(page).getByRole('button', { name: 'New group', exact: true })).toBeFocused();
  await page.keyboard.press('Enter');
  await page.keyboard.type(name);
  await page.keyboard.press('Enter');
  await expect(dialog).toBeHidden();
  await expect(sidebar(page).getByRole('listitem', { name: `Group ${name}` })).toBeVisible();

  // The job tray: reachable by Tab, opens with Enter, closes with Escape and gives focus back.
  await tabTo(page, (f) => f.id === 'job-tray-toggle', 120);
  await page.keyboard.press('Enter');
  const tray = page.getByRole('region', { name: 'Jobs' });
  await expect(tray).toBeVisible();
  await expect(tray).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(tray).toBeHidden();
  await expect(page.locator('#job-tray-toggle')).toBeFocused();

  // Settings: the theme is a radio group driven by arrow keys.
  await page.keyboard.press('Control+6');
  await page.locator('body').click({ position: { x: 700, y: 5 } });
  await tabTo(page, (f) => f.tag === 'input' && (f.name === '' || /light|dark|system/i.test(f.name)));
  await page.keyboard.press('ArrowRight');
  const theme = await page.evaluate(() => document.documentElement.dataset.theme);
  expect(['light', 'dark']).toContain(theme);
});

test('theme: dark theme persists across reloads; screenshot of the library in dark', async ({ studio: page }, testInfo) => {
  const suffix = Date.now().toString(36);
  await waitForEngine(page);
  await page.keyboard.press('Control+6');
  await page.getByRole('radio', { name: 'Dark' }).check();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  // Dark means a dark background, whatever the exact shade.
  const [r, g, b] = (background.match(/\d+/g) ?? []).map(Number);
  expect((r ?? 255) + (g ?? 255) + (b ?? 255)).toBeLessThan(120);

  // The engine's details (system.info) are shown in Settings.
  const info = page.locator('dl[aria-label="System information"]');
  await expect(info.getByRole('term').filter({ hasText: 'Studio home' })).toBeVisible();
  await expect(info.getByRole('definition').filter({ hasText: /^(Web host|Desktop \(Electron\))$/ })).toBeVisible();

  await page.reload();
  await waitForEngine(page);
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await expect(page.getByRole('radio', { name: 'Dark' })).toBeChecked();

  await page.keyboard.press('Control+2');
  const group = `Studio B ${suffix}`;
  await createGroup(page, group);
  await createSpeakerInGroup(page, group, `Grace ${suffix}`);
  const clips = [
    { name: 'take-01.wav', bytes: syllablesWav({ seconds: 3.4, seed: 11 }) },
    { name: 'take-02.wav', bytes: syllablesWav({ seconds: 2.6, seed: 5, sampleRate: 44100, level: 0.45 }) },
    { name: 'sweep.wav', bytes: chirpWav({ seconds: 1.2, fromHz: 1800, toHz: 200, amplitude: 0.35 }) },
  ];
  await dropFiles(page, clips);
  for (const { name: clip } of clips) {
    const row = clipRow(page, clip);
    await expect(row).toBeVisible({ timeout: 60_000 });
    expect((await waveformPixels(row)).painted).toBeGreaterThan(300);
  }
  await page.mouse.move(0, 0);
  const shot = testInfo.outputPath('library-dark.png');
  await page.screenshot({ path: shot });
  await testInfo.attach('library view (dark)', { path: shot, contentType: 'image/png' });
});
