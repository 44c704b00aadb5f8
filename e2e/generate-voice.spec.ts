import type { Locator, Page } from '@playwright/test';
import { expect, shot, test } from './fixtures.js';
import { waitForEngine } from './library-helpers.js';
import { chirpWav } from './wav.js';

// Chromium's stand-in microphone (a beep) with the permission prompt answered "allow": recording runs headless.
test.use({
  launchOptions: [
    async ({ launchOptions }, use) => {
      await use({ ...launchOptions, args: [...(launchOptions.args ?? []), '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'] });
    },
    { scope: 'worker' },
  ],
});

const voice = (page: Page) => page.getByRole('group', { name: 'Voice', exact: true });
const dropZone = (page: Page) => voice(page).getByRole('group', { name: 'Reference file' });
const trimWave = (page: Page, name: string | RegExp) => voice(page).getByRole('group', { name: typeof name === 'string' ? `Reference waveform of ${name}` : name });

/** Drops one file on the Generate view's reference zone, the way a file manager would. */
async function dropFile(page: Page, name: string, bytes: Buffer): Promise<void> {
  const dataTransfer = await page.evaluateHandle(
    ({ name, base64 }) => {
      const binary = atob(base64);
      const data = new Uint8Array(binary.length);
      for (let i = 0; i < binary.length; i++) data[i] = binary.charCodeAt(i);
      const transfer = new DataTransfer();
      transfer.items.add(new File([data], name, { type: 'audio/wav' }));
      return transfer;
    },
    { name, base64: bytes.toString('base64') },
  );
  await dropZone(page).dispatchEvent('dragover', { dataTransfer });
  await dropZone(page).dispatchEvent('drop', { dataTransfer });
  await dataTransfer.dispose();
}

/** How many pixels wavesurfer painted in a waveform's canvases (in its shadow DOM). */
async function paintedPixels(wave: Locator): Promise<number> {
  return wave.evaluate((element) => {
    const hosts = [element, ...element.querySelectorAll('*')].filter((node) => node.shadowRoot);
    let painted = 0;
    for (const canvas of hosts.flatMap((host) => [...(host.shadowRoot?.querySelectorAll('canvas') ?? [])])) {
      const context = canvas.getContext('2d');
      if (!context || canvas.width === 0 || canvas.height === 0) continue;
      const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
      for (let i = 3; i < data.length; i += 4) if ((data[i] ?? 0) > 0) painted++;
    }
    return painted;
  });
}

/** Drags a point of the page horizontally in small steps (the regions plugin follows pointer moves). */
async function dragX(page: Page, from: { x: number; y: number }, toX: number): Promise<void> {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(toX, from.y, { steps: 12 });
  await page.mouse.up();
}

const field = (page: Page, label: string) => voice(page).getByRole('group', { name: 'Reference span' }).getByLabel(label);
const fieldValue = async (page: Page, label: string) => Number(await field(page, label).inputValue());

test('generate voice: a dropped file drawn and trimmed on its waveform, in sync with the fields, span playback', async ({ studio: page }, testInfo) => {
  await waitForEngine(page);
  await page.keyboard.press('Control+1');
  await dropFile(page, 'voice-4s.wav', chirpWav({ seconds: 4 }));
  await expect(dropZone(page)).toContainText('Using voice-4s.wav (4.0 s)');

  const wave = trimWave(page, 'voice-4s.wav');
  await expect(wave).toHaveAttribute('data-ready', 'true');
  await expect.poll(() => paintedPixels(wave)).toBeGreaterThan(500);
  const region = wave.locator('[part~="region"]');
  await expect(region).toHaveCount(1);
  expect(await fieldValue(page, 'Use from (s)')).toBe(0);
  expect(await fieldValue(page, 'to (s)')).toBe(4);

  // Drag the span's right edge to the middle and its left edge to a quarter: the fields follow.
  const box = (await wave.boundingBox())!;
  const y = box.y + box.height / 2;
  const right = (await wave.locator('[part~="region-handle-right"]').boundingBox())!;
  await dragX(page, { x: right.x + right.width / 2, y }, box.x + box.width * 0.5);
  await expect.poll(() => fieldValue(page, 'to (s)')).toBeCloseTo(2, 0);
  const left = (await wave.locator('[part~="region-handle-left"]').boundingBox())!;
  await dragX(page, { x: left.x + left.width / 2, y }, box.x + box.width * 0.25);
  await expect.poll(() => fieldValue(page, 'Use from (s)')).toBeCloseTo(1, 0);
  const end = await fieldValue(page, 'to (s)');
  expect(Math.abs(end - 2)).toBeLessThan(0.1);
  expect(Math.abs((await fieldValue(page, 'Use from (s)')) - 1)).toBeLessThan(0.1);

  // Keyboard: a field moves the region.
  await field(page, 'Use from (s)').fill('0.5');
  await field(page, 'Use from (s)').press('Tab');
  await expect(wave).toHaveAttribute('data-span-start', '0.5');
  await expect
    .poll(async () => {
      const r = (await region.boundingBox())!;
      return (r.x - box.x) / box.width;
    })
    .toBeCloseTo(0.5 / 4, 1);
  // A span shorter than the minimum is refused and the field snaps back.
  await field(page, 'to (s)').fill('0.52');
  await field(page, 'to (s)').press('Tab');
  expect(await fieldValue(page, 'to (s)')).toBe(end);
  await shot(page, testInfo, 'generate-trimmed-reference');

  // Play the span: it plays, then stops by itself at the span's end.
  const audio = voice(page).locator('audio');
  await voice(page).getByRole('button', { name: 'Play span' }).click();
  await expect(voice(page).getByRole('button', { name: 'Pause', exact: true })).toBeVisible();
  await expect(voice(page).getByRole('button', { name: 'Play span' })).toBeVisible({ timeout: 15_000 });
  const stoppedAt = await audio.evaluate((a: HTMLAudioElement) => a.currentTime);
  expect(stoppedAt).toBeGreaterThan(0.5);
  expect(stoppedAt).toBeLessThan(end + 0.3);

  // "Use all" clears the trim.
  await voice(page).getByRole('button', { name: 'Use all' }).click();
  expect(await fieldValue(page, 'Use from (s)')).toBe(0);
  await expect(wave).toHaveAttribute('data-span-end', '4');
});

test('generate voice: record from the microphone, staged and drawn like a dropped file; a denied microphone says so', async ({ studio: page }, testInfo) => {
  await waitForEngine(page);
  await page.keyboard.press('Control+1');

  await voice(page).getByRole('button', { name: 'Record' }).click();
  await expect(voice(page).getByRole('button', { name: 'Stop recording' })).toBeVisible();
  // Let the recording run past 1.5 s on its own clock, then stop.
  await expect(voice(page).getByRole('status')).toContainText(/Recording (1\.[5-9]|[2-9]\.\d) s/, { timeout: 10_000 });
  await voice(page).getByRole('button', { name: 'Stop recording' }).click();

  await expect(dropZone(page)).toContainText(/Using recording-[\d-]+\.wav \(\d+\.\d s\)/, { timeout: 20_000 });
  const seconds = Number(/\((\d+\.\d) s\)/.exec((await dropZone(page).textContent()) ?? '')?.[1]);
  expect(seconds).toBeGreaterThanOrEqual(1);
  expect(seconds).toBeLessThan(5);
  const wave = trimWave(page, /^Reference waveform of recording-/);
  await expect(wave).toHaveAttribute('data-ready', 'true');
  // The fake device's beep is loud: the drawn recording is far from silent.
  await expect.poll(() => paintedPixels(wave)).toBeGreaterThan(500);
  expect(await fieldValue(page, 'to (s)')).toBeCloseTo(seconds, 0);
  await shot(page, testInfo, 'generate-recorded-reference');

  // A denied microphone: getUserMedia rejects as browsers do when the person (or policy) says no.
  await page.evaluate(() => {
    navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
  });
  await voice(page).getByRole('button', { name: 'Record' }).click();
  await expect(voice(page).getByRole('alert')).toContainText('Microphone access was denied');
  // The staged recording is still the voice.
  await expect(dropZone(page)).toContainText('Using recording-');
});
