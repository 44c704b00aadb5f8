import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Page } from '@playwright/test';
import { expect, shot, test } from './fixtures.js';
import { createGroup, createSpeakerInGroup, dropFiles, waitForEngine } from './library-helpers.js';
import { activeModel, importCheckpoint, modelRow, tinyCheckpoint } from './models-helpers.js';
import { syllablesWav } from './wav.js';

const result = (page: Page) => page.getByRole('region', { name: 'Result' });
const historyItems = (page: Page) => page.getByRole('list', { name: 'Generations' }).getByRole('listitem');

/** Records every (phase, streamed samples) the result region shows, from inside the page. */
async function recordStreaming(page: Page): Promise<void> {
  await page.evaluate(() => {
    const seen: { phase: string; samples: number }[] = [];
    (window as unknown as { __streamed: typeof seen }).__streamed = seen;
    const region = document.querySelector('[aria-label="Result"]');
    if (!region) throw new Error('no result region');
    const look = () => {
      const phase = region.getAttribute('data-phase') ?? '';
      const samples = Number(region.querySelector('[data-streamed-samples]')?.getAttribute('data-streamed-samples') ?? -1);
      const last = seen[seen.length - 1];
      if (!last || last.phase !== phase || last.samples !== samples) seen.push({ phase, samples });
    };
    new MutationObserver(look).observe(region, { attributes: true, subtree: true, childList: true });
  });
}

async function streamedRecord(page: Page): Promise<{ phase: string; samples: number }[]> {
  return page.evaluate(() => (window as unknown as { __streamed: { phase: string; samples: number }[] }).__streamed);
}

test('generate: voice from the library, two lines streamed, play, save, history, same-seed re-run, A/B, keyboard only', async ({ studio: page }, testInfo) => {
  test.setTimeout(240_000);
  const suffix = Date.now().toString(36);
  const speaker = `Voice ${suffix}`;
  await waitForEngine(page);

  // A tiny real model, imported and loaded through the Models view.
  await page.keyboard.press('Control+5');
  const modelName = `Generate tiny ${suffix}`;
  await importCheckpoint(page, 'generate-tiny.sft', await tinyCheckpoint({ layers: 2, seed: 3 }), modelName);
  await modelRow(page, modelName).getByRole('button', { name: new RegExp(`^(Load|Switch to) ${modelName}`) }).click();
  await expect(activeModel(page)).toContainText(modelName);

  // A voice clip in the library.
  await page.keyboard.press('Control+2');
  await createGroup(page, `Gen ${suffix}`);
  await createSpeakerInGroup(page, `Gen ${suffix}`, speaker);
  await dropFiles(page, [{ name: 'voice.wav', bytes: syllablesWav({ seconds: 2 }) }]);
  await expect(page.getByRole('listitem', { name: 'Clip voice.wav' })).toBeVisible({ timeout: 60_000 });

  // Generate view: text, voice, settings.
  await page.keyboard.press('Control+1');
  await page.getByLabel(/^Text/).fill('Hello there.\nGood morning to you.');
  await page.getByLabel('Speaker', { exact: true }).selectOption({ label: `${speaker} (1)` });
  // One clip of the speaker is drawn for trimming; back to all clips (no trim) for this run.
  await page.getByLabel('Clip', { exact: true }).selectOption({ label: 'voice.wav (2.0 s)' });
  await expect(page.getByRole('group', { name: 'Reference waveform of voice.wav' })).toHaveAttribute('data-ready', 'true');
  await expect(page.getByRole('group', { name: 'Reference waveform of voice.wav' }).locator('[part~="region"]')).toHaveCount(1);
  await page.getByLabel('Clip', { exact: true }).selectOption({ label: 'All clips of the speaker' });
  await expect(page.getByRole('group', { name: /^Reference waveform/ })).toHaveCount(0);
  await page.getByLabel('Codec').selectOption('lite');
  await page.getByLabel('Max length (AR steps)').fill('150');
  await page.getByLabel('Seed').fill('4242');
  await page.getByText('Advanced', { exact: true }).click();
  await page.getByLabel('Stream chunk (frames)').fill('6');
  await page.getByLabel('Top K').fill('40');
  await recordStreaming(page);
  await page.getByRole('button', { name: 'Generate', exact: true }).click();

  // The waveform grows while the job still runs, then the result replaces it.
  await expect(result(page)).toHaveAttribute('data-phase', 'running');
  await expect.poll(async () => Number(await result(page).locator('[data-streamed-samples]').getAttribute('data-streamed-samples').catch(() => '0')), { timeout: 60_000 }).toBeGreaterThan(0);
  await shot(page, testInfo, 'generate-streaming');
  await expect(result(page)).toHaveAttribute('data-phase', 'succeeded', { timeout: 120_000 });
  const record = await streamedRecord(page);
  const whileRunning = record.filter((r) => r.phase === 'running' && r.samples > 0).map((r) => r.samples);
  expect(whileRunning.length).toBeGreaterThan(1);
  expect(whileRunning).toEqual([...whileRunning].sort((a, b) => a - b));

  // Result: waveform with per-line regions, play, seek by line, save.
  const wave = result(page).getByRole('slider', { name: 'Position in the result' });
  await expect(wave).toHaveAttribute('data-ready', 'true', { timeout: 30_000 });
  await expect(result(page).getByRole('list', { name: 'Lines' }).getByRole('listitem')).toHaveCount(2);
  await expect(result(page).locator('[part~="region"]')).toHaveCount(2);
  await result(page).getByRole('button', { name: 'Play', exact: true }).click();
  await expect.poll(async () => Number(await wave.getAttribute('aria-valuenow')), { timeout: 15_000 }).toBeGreaterThan(0);
  await result(page).getByRole('button', { name: 'Pause', exact: true }).click();
  await shot(page, testInfo, 'generate-result');

  const downloadPromise = page.waitForEvent('download');
  await result(page).getByRole('link', { name: 'Save WAV' }).click();
  const download = await downloadPromise;
  expect(download.suggestedFilename()).toMatch(/^Hello there-4242\.wav$/);
  const saved = await readFile(await download.path());
  expect(saved.subarray(0, 4).toString('latin1')).toBe('RIFF');
  expect(saved.subarray(8, 12).toString('latin1')).toBe('WAVE');

  // History: the generation is listed (newest first) and found by search.
  const first = historyItems(page).first();
  await expect(first).toHaveAttribute('data-seed', '4242');
  const firstMedia = await first.getAttribute('data-media-id');
  // The saved file is the stored media: its sha256 is the media id.
  expect(createHash('sha256').update(saved).digest('hex')).toBe(firstMedia);
  await page.getByLabel('Search history').fill('morning');
  await expect(historyItems(page)).toHaveCount(1);
  await page.getByLabel('Search history').fill('no such words');
  await expect(historyItems(page)).toHaveCount(0);
  await page.getByLabel('Search history').fill('');
  await expect(historyItems(page)).toHaveCount(1);

  // Re-run with the same seed: identical audio (same content address).
  await first.getByRole('button', { name: 'Re-run' }).click();
  await expect(result(page)).toHaveAttribute('data-phase', 'running');
  await expect(result(page)).toHaveAttribute('data-phase', 'succeeded', { timeout: 120_000 });
  await expect(historyItems(page)).toHaveCount(2);
  const rerun = historyItems(page).first();
  await expect(rerun).toHaveAttribute('data-seed', '4242');
  expect(await rerun.getAttribute('data-media-id')).toBe(firstMedia);
  expect(await rerun.getAttribute('data-generation-id')).not.toBe(await historyItems(page).nth(1).getAttribute('data-generation-id'));

  // A/B between the two entries.
  await historyItems(page).nth(0).getByRole('button', { name: 'A', exact: true }).click();
  await historyItems(page).nth(1).getByRole('button', { name: 'B', exact: true }).click();
  const ab = page.getByRole('region', { name: 'A/B compare' });
  await expect(ab.getByRole('button', { name: 'Switch to B' })).toBeVisible();
  await ab.getByRole('button', { name: 'Switch to B' }).click();
  await expect(ab.getByRole('button', { name: 'Switch to A' })).toBeVisible();

  // Keyboard only: type, Ctrl+Enter generates with a new seed, then play the result with the keyboard.
  await page.getByLabel('Seed').focus();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.getByLabel(/^Text/).focus();
  await page.keyboard.press('Control+End');
  await page.keyboard.type('\nA third line.');
  await page.keyboard.press('Control+Enter');
  await expect(result(page)).toHaveAttribute('data-phase', 'succeeded', { timeout: 120_000 });
  await expect(historyItems(page)).toHaveCount(3);
  await expect(result(page).getByRole('list', { name: 'Lines' }).getByRole('listitem')).toHaveCount(3);
  await expect(wave).toHaveAttribute('data-ready', 'true', { timeout: 30_000 });
  await wave.focus();
  await page.keyboard.press('Space');
  await expect.poll(async () => Number(await wave.getAttribute('aria-valuenow')), { timeout: 15_000 }).toBeGreaterThan(0);
  await page.keyboard.press('Space');
  await shot(page, testInfo, 'generate-view');

  // Trash one: it leaves the history, shows in the trash, and Restore brings it back.
  const trashedId = await historyItems(page).first().getAttribute('data-generation-id');
  await historyItems(page).first().getByRole('button', { name: /to trash/ }).click();
  await expect(historyItems(page)).toHaveCount(2);
  const history = page.getByRole('region', { name: 'History' });
  await history.getByRole('button', { name: 'Trash', exact: true }).click();
  await expect(history.getByRole('button', { name: 'Trash', exact: true })).toHaveAttribute('aria-pressed', 'true');
  const trashed = page.getByRole('list', { name: 'Trashed generations' }).getByRole('listitem');
  await expect(trashed).toHaveCount(1);
  await expect(trashed.first()).toHaveAttribute('data-generation-id', trashedId ?? '');
  await shot(page, testInfo, 'generate-trash');
  // Keyboard: focus Restore and press Enter.
  await trashed.first().getByRole('button', { name: /^Restore/ }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByText('The trash is empty.')).toBeVisible();
  await history.getByRole('button', { name: 'Generations', exact: true }).click();
  await expect(historyItems(page)).toHaveCount(3);
  await expect(historyItems(page).first()).toHaveAttribute('data-generation-id', trashedId ?? '');
});
