import { expect, shot, test } from './fixtures.js';
import { waitForEngine } from './library-helpers.js';
import { activeModel, modelRow, removeAllModels } from './models-helpers.js';

// The web host trains demo voices for VALLE_STUDIO_DEMO_VOICE_STEPS steps (playwright.config.ts): seconds, not minutes.
test('demo voice: from the first-run screen, trained offline on the bundled sample, becomes the active model', async ({ studio: page }, testInfo) => {
  test.setTimeout(120_000);
  await waitForEngine(page);
  await page.keyboard.press('Control+5');
  await expect(page.getByRole('heading', { name: 'Models', level: 1 })).toBeVisible();
  await removeAllModels(page);
  const firstRun = page.getByRole('region', { name: 'No models yet' });
  await expect(firstRun).toBeVisible();
  await firstRun.getByRole('button', { name: 'Make a demo voice' }).click();

  const dialog = page.getByRole('dialog', { name: 'Make a demo voice' });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole('radio', { name: /The bundled sample/ })).toBeChecked();
  await shot(page, testInfo, 'demo-voice-dialog');
  await dialog.getByRole('button', { name: 'Make the voice' }).click();

  // Training shows progress with a cancel button, then the dialog closes on success.
  await expect(dialog.getByRole('button', { name: 'Cancel training' })).toBeVisible();
  await expect(dialog).toBeHidden({ timeout: 90_000 });

  const name = 'Demo voice — bundled sample';
  await expect(activeModel(page)).toContainText(name);
  await expect(modelRow(page, name)).toBeVisible();
  await expect(firstRun).toBeHidden();
  await shot(page, testInfo, 'demo-voice-active');

  // Leave the studio as it was (later specs start from the first-run screen): unload, then delete it.
  await activeModel(page).getByRole('button', { name: 'Unload' }).click();
  await page.getByRole('button', { name: `Delete ${name}` }).click();
  await page.getByRole('dialog', { name: `Delete ${name}?` }).getByRole('button', { name: 'Delete model' }).click();
  await expect(firstRun).toBeVisible();
});
