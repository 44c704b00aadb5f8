import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sliceAudioFile } from './slicer.js';
import { burstLayout, writeBurstsWav } from './testing/speech-like.js';
import { tempDir } from './testing/test-audio.js';

const dir = tempDir('studio-slice-hour-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Growth of resident memory allowed over the run; holding the file alone would take 115 MB (230 MB decoded). */
const RSS_BOUND_MB = 150;

describe('sliceAudioFile on a 1-hour recording', () => {
  it('slices it in bounded memory, at the generated bursts', async () => {
    const sampleRate = 16000;
    const layout = burstLayout({ sampleRate, seconds: 3600, seed: 11 });
    const file = path.join(dir, 'hour.wav');
    await writeBurstsWav(file, layout); // streamed: the signal never exists whole
    expect(fs.statSync(file).size).toBeGreaterThan(115_000_000);

    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    let lastFraction = 0;
    let reports = 0;
    const result = await sliceAudioFile(file, path.join(dir, 'out'), {
      params: { keepSilenceSec: 0.1 },
      onProgress: ({ fraction }) => {
        expect(fraction).toBeGreaterThanOrEqual(lastFraction);
        lastFraction = fraction;
        reports++;
        peak = Math.max(peak, process.memoryUsage().rss);
      },
    });
    peak = Math.max(peak, process.memoryUsage().rss);

    expect((peak - baseline) / 1e6).toBeLessThan(RSS_BOUND_MB);
    expect(reports).toBeGreaterThan(100);
    expect(lastFraction).toBe(1);
    expect(result.sourceDurationSec).toBe(3600);
    expect(result.slices.length).toBe(layout.bursts.length);
    for (const [i, slice] of result.slices.entries()) {
      const burst = layout.bursts[i];
      expect(Math.abs(slice.startSec - (burst.start / sampleRate - 0.1))).toBeLessThan(0.025);
      expect(Math.abs(slice.endSec - (burst.end / sampleRate + 0.1))).toBeLessThan(0.025);
    }
    expect(fs.readdirSync(path.join(dir, 'out')).length).toBe(layout.bursts.length);
  }, 120_000);
});
