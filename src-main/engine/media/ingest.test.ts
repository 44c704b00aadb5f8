import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProgressReport } from '../jobs/job-context.js';
import { decodeAudioFile } from './decode.js';
import { ingestAudio } from './ingest.js';
import { integratedLoudness, samplePeakDb } from './loudness.js';
import { MediaStore } from './media-store.js';
import { listFiles, sine, tempDir, writeWav } from './testing/test-audio.js';

let dir: string;
let mediaRoot: string;
beforeEach(() => {
  dir = tempDir('studio-ingest-');
  mediaRoot = path.join(dir, 'media');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const noProgress = { signal: new AbortController().signal, progress: () => undefined };

describe('ingestAudio', () => {
  it('decodes, measures and stores a file', async () => {
    const sampleRate = 22050;
    const pcm = { sampleRate, channels: [sine({ sampleRate, seconds: 2, freq: 997, amplitude: 0.5 })] };
    const sourcePath = writeWav(path.join(dir, 'in', 'voice.wav'), pcm, 'pcm24');
    const reports: ProgressReport[] = [];
    const result = await ingestAudio({ sourcePath, name: 'voice.wav', mediaRoot }, { signal: new AbortController().signal, progress: (r) => reports.push(r) });

    const decoded = (await decodeAudioFile(sourcePath, 'voice.wav')).pcm;
    expect(result).toEqual({
      mediaId: expect.stringMatching(/^[0-9a-f]{64}$/),
      durationSec: 2,
      sampleRate,
      channels: 1,
      loudnessLufs: integratedLoudness(decoded),
      peakDb: samplePeakDb(decoded),
    });
    expect(result.loudnessLufs).toBeCloseTo(-3.01 - 6.02, 1);
    const store = new MediaStore(mediaRoot);
    expect(store.has(result.mediaId)).toBe(true);
    expect((await store.read(result.mediaId)).channels).toEqual(decoded.channels);
    const fractions = reports.map((r) => r.fraction ?? -1);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
    expect(fractions.at(-1)).toBe(1);
  });

  it('stores nothing for a bad file', async () => {
    const sourcePath = path.join(dir, 'notes.wav');
    fs.writeFileSync(sourcePath, 'not audio at all\n'.repeat(20));
    await expect(ingestAudio({ sourcePath, name: 'notes.wav', mediaRoot }, noProgress)).rejects.toMatchObject({ code: 'not_audio' });
    expect(listFiles(mediaRoot)).toEqual([]);
  });

  it('passes the duration limit on', async () => {
    const sourcePath = writeWav(path.join(dir, 'long.wav'), { sampleRate: 8000, channels: [new Float32Array(8000 * 3).fill(0.1)] });
    await expect(ingestAudio({ sourcePath, name: 'long.wav', mediaRoot, maxDurationSec: 2 }, noProgress)).rejects.toMatchObject({ code: 'audio_too_long' });
    expect(listFiles(mediaRoot)).toEqual([]);
  });

  it('stops when cancelled and leaves no files', async () => {
    const sourcePath = writeWav(path.join(dir, 'voice.wav'), { sampleRate: 8000, channels: [sine({ sampleRate: 8000, seconds: 1, freq: 200, amplitude: 0.5 })] });
    for (const stage of ['decoding', 'measuring', 'storing']) {
      const controller = new AbortController();
      const ctx = {
        signal: controller.signal,
        progress: (r: ProgressReport) => {
          if (r.stage === stage) controller.abort();
        },
      };
      await expect(ingestAudio({ sourcePath, name: 'voice.wav', mediaRoot }, ctx)).rejects.toMatchObject({ code: 'cancelled' });
      expect(listFiles(mediaRoot)).toEqual([]);
    }
  });
});
