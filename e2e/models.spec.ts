import { expect, shot, test } from './fixtures.js';
import { waitForEngine } from './library-helpers.js';
import { activeModel, downloadCard, importCheckpoint, modelRow, reference, removeAllModels, startLocalHub, tinyCheckpoint } from './models-helpers.js';
import type { FakeHub } from '../src-main/engine/models/testing/fake-hub.js';

let hub: FakeHub;
let served: Buffer;
let totalBytes: number;

test.beforeAll(async () => {
  served = await tinyCheckpoint({ layers: 2, seed: 11 });
  ({ hub, totalBytes } = await startLocalHub(served));
});

test.afterAll(async () => {
  await hub?.close();
});

test('models: first run, a download with visible progress that is interrupted and resumed, imports, switching models', async ({ studio: page }, testInfo) => {
  await waitForEngine(page);
  await page.keyboard.press('Control+5');
  await expect(page.getByRole('heading', { name: 'Models', level: 1 })).toBeVisible();
  await removeAllModels(page);

  // First run: the three ways to get a model.
  const firstRun = page.getByRole('region', { name: 'No models yet' });
  await expect(firstRun).toBeVisible();
  await expect(firstRun.getByRole('button', { name: 'Make a demo voice' })).toBeEnabled();
  await shot(page, testInfo, 'models-first-run');

  // Download the reference model from the local hub, slowly enough to watch; the connection drops part-way and
  // the network stays down, so the in-place retries fail too and the download is left interrupted.
  const dropAt = Math.floor(served.length * 0.45);
  hub.bytesPerSecond = 400_000;
  hub.dropAt = dropAt;
  hub.drops = 1;
  hub.downAfterDrop = true;
  const card = downloadCard(page, reference.name);
  await card.getByRole('button', { name: `Download ${reference.name}` }).click();
  const bar = card.getByRole('progressbar', { name: `${reference.name} download progress` });
  await expect(card).toHaveAttribute('data-state', 'downloading');
  await expect.poll(async () => Number(await bar.getAttribute('aria-valuenow')), { timeout: 30_000 }).toBeGreaterThan(5);
  await expect(card.getByRole('status')).toContainText(/of .* MB/);
  await expect(card.getByRole('status')).toContainText(/\/s/);
  await shot(page, testInfo, 'models-downloading');

  await expect(card).toHaveAttribute('data-state', 'interrupted', { timeout: 30_000 });
  await expect(card).toContainText(/The connection to 127\.0\.0\.1:\d+ failed: the connection dropped/);
  const kept = Number(await bar.getAttribute('aria-valuenow'));
  expect(kept).toBe(Math.round((dropAt / totalBytes) * 100));
  await shot(page, testInfo, 'models-download-interrupted');

  // The network is back: resume continues from where it stopped, with a Range request.
  hub.down = false;
  hub.bytesPerSecond = 1_000_000;
  await card.getByRole('button', { name: `Resume ${reference.name}` }).click();
  await expect(card).toHaveAttribute('data-state', 'installed', { timeout: 60_000 });
  expect(hub.ranges()).toContain(`bytes=${dropAt}-`);
  const downloaded = modelRow(page, reference.name);
  await expect(downloaded).toContainText('llama');
  await expect(downloaded).toContainText('ecker/vall-e@main');

  // Import two tiny checkpoints and switch between them.
  await importCheckpoint(page, 'narrator-two-layers.sft', await tinyCheckpoint({ layers: 2, seed: 1 }));
  await importCheckpoint(page, 'narrator-one-layer.sft', await tinyCheckpoint({ layers: 1, seed: 2 }), 'Narrator (one layer)');
  const two = modelRow(page, 'narrator-two-layers');
  const one = modelRow(page, 'Narrator (one layer)');
  await expect(two).toContainText('custom (d 32 × 2 layers)');
  await expect(one).toContainText('custom (d 32 × 1 layer)');
  await expect(one).toContainText('uploaded narrator-one-layer.sft');

  await two.getByRole('button', { name: 'Load narrator-two-layers' }).click();
  await expect(activeModel(page)).toContainText('narrator-two-layers');
  await expect(two).toHaveAttribute('data-active', 'true');
  await one.getByRole('button', { name: 'Switch to Narrator (one layer)' }).click();
  await expect(activeModel(page)).toContainText('Narrator (one layer)');
  await expect(one).toHaveAttribute('data-active', 'true');
  await expect(two).toHaveAttribute('data-active', 'false');

  // The active model cannot be deleted; another can, after confirming.
  await expect(one.getByRole('button', { name: 'Delete Narrator (one layer)' })).toBeDisabled();
  await two.getByRole('button', { name: 'Delete narrator-two-layers' }).click();
  const confirm = page.getByRole('dialog', { name: 'Delete narrator-two-layers?' });
  await confirm.getByRole('button', { name: 'Delete model' }).click();
  await expect(two).toBeHidden();

  // Everything lives in the engine: a reload shows the same state.
  await page.reload();
  await waitForEngine(page);
  await page.keyboard.press('Control+5');
  await expect(activeModel(page)).toContainText('Narrator (one layer)');
  await expect(modelRow(page, reference.name)).toBeVisible();
  await shot(page, testInfo, 'models-view');
});

test('settings: execution provider in use with the reason, threads, studio home', async ({ studio: page }, testInfo) => {
  await waitForEngine(page);
  await page.keyboard.press('Control+6');
  const provider = page.getByLabel('Execution provider');
  await expect(provider).toBeVisible();
  const inUse = page.getByRole('status', { name: 'Provider in use' });
  await expect(inUse).toContainText('In use:', { timeout: 30_000 });

  await provider.selectOption('cpu');
  await expect(inUse).toContainText('In use: CPU');
  await expect(inUse).toHaveAttribute('data-met', 'true');
  // A provider this build cannot use falls back to the CPU, and says why.
  await provider.selectOption('dml');
  await expect(inUse).toContainText('(asked for DirectML (Windows))');
  await expect(inUse).toHaveAttribute('data-met', 'false');
  await expect(inUse).toContainText(/not part of this build|not available/);

  const threads = page.getByLabel('Threads per operation');
  await threads.fill('2');
  await threads.press('Enter');
  await threads.blur();
  await page.reload();
  await waitForEngine(page);
  await page.keyboard.press('Control+6');
  await expect(page.getByLabel('Threads per operation')).toHaveValue('2');
  await expect(page.getByLabel('Execution provider')).toHaveValue('dml');
  await expect(page.getByLabel('Studio home folder')).toContainText(/valle-e2e|valle-studio/);
  await expect(page.getByRole('status', { name: 'Provider in use' })).toContainText('(asked for DirectML (Windows))', { timeout: 30_000 });
  await shot(page, testInfo, 'settings-view');
  await page.getByLabel('Execution provider').selectOption('auto');
});

