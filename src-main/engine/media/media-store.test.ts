import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StudioError } from '../../../src-shared/api/errors.js';
import { MediaStore } from './media-store.js';
import type { Pcm } from './pcm.js';
import { computePeaks } from './peaks.js';
import { HAS_SOX, listFiles, noise, sine, soxInfo, tempDir } from './testing/test-audio.js';

let root: string;
let store: MediaStore;
beforeEach(() => {
  root = tempDir('studio-media-');
  store = new MediaStore(root);
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

function clip(seed = 1, seconds = 1.3, sampleRate = 24000): Pcm {
  const n = Math.round(seconds * sampleRate);
  const hiss = noise(n, 0.1, seed);
  return { sampleRate, channels: [sine({ sampleRate, seconds, freq: 300 + seed, amplitude: 0.6 }).map((v, i) => v + hiss[i]), noise(n, 0.2, seed + 1)] };
}

describe('MediaStore', () => {
  it('stores a float WAV named by the sha256 of its bytes, with a peaks sidecar', async () => {
    const { mediaId } = await store.put(clip());
    expect(mediaId).toMatch(/^[0-9a-f]{64}$/);
    const file = store.pathOf(mediaId);
    expect(file).toBe(path.join(root, mediaId.slice(0, 2), `${mediaId}.wav`));
    expect(crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex')).toBe(mediaId);
    expect(store.has(mediaId)).toBe(true);
    expect(listFiles(root)).toEqual([`${mediaId.slice(0, 2)}/${mediaId}.peaks`, `${mediaId.slice(0, 2)}/${mediaId}.wav`]);
  });

  it.skipIf(!HAS_SOX)('writes a WAV that sox reads as 32-bit float', async () => {
    const { mediaId } = await store.put(clip());
    expect(soxInfo(store.pathOf(mediaId))).toEqual({ rate: 24000, channels: 2, bits: 32, encoding: 'Floating Point PCM', samples: 31200 });
  });

  it('reads back exactly what was put', async () => {
    const pcm = clip();
    const { mediaId } = await store.put(pcm);
    const back = await store.read(mediaId);
    expect(back.sampleRate).toBe(24000);
    expect(back.channels).toEqual(pcm.channels);
  });

  it('stores the same content once', async () => {
    const first = await store.put(clip(4));
    const stat = fs.statSync(store.pathOf(first.mediaId));
    const second = await store.put(clip(4));
    expect(second.mediaId).toBe(first.mediaId);
    expect(fs.statSync(store.pathOf(first.mediaId)).ino).toBe(stat.ino);
    expect(listFiles(root)).toHaveLength(2);
    const other = await store.put(clip(5));
    expect(other.mediaId).not.toBe(first.mediaId);
  });

  it('serves peaks from the sidecar and rebuilds a missing or damaged one', async () => {
    const pcm = clip(2);
    const { mediaId } = await store.put(pcm);
    const expected = Array.from(computePeaks(pcm, 100));
    const peaks = await store.peaks(mediaId, 100);
    expect(peaks).toEqual({ mediaId, durationSec: 1.3, peaksPerSecond: 100, peaks: expected });

    const sidecar = store.pathOf(mediaId).replace(/\.wav$/, '.peaks');
    fs.rmSync(sidecar);
    expect((await store.peaks(mediaId, 100)).peaks).toEqual(expected);
    expect(fs.existsSync(sidecar)).toBe(true);
    fs.writeFileSync(sidecar, 'garbage');
    expect((await store.peaks(mediaId, 100)).peaks).toEqual(expected);
  });

  it('removes an item and its sidecar', async () => {
    const { mediaId } = await store.put(clip());
    store.remove(mediaId);
    expect(store.has(mediaId)).toBe(false);
    expect(listFiles(root)).toEqual([]);
    store.remove(mediaId); // already gone: no error
  });

  it('leaves nothing behind when cancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(store.put(clip(), { signal: controller.signal })).rejects.toMatchObject({ code: 'cancelled' });
    expect(listFiles(root)).toEqual([]);
  });

  it('rejects bad ids and unknown media', async () => {
    expect(() => store.pathOf('../../etc/passwd')).toThrow(StudioError);
    expect(store.has('../../etc/passwd')).toBe(false);
    await expect(store.peaks('a'.repeat(64), 100)).rejects.toMatchObject({ code: 'not_found' });
    const { mediaId } = await store.put(clip());
    await expect(store.peaks(mediaId, 0)).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(store.peaks(mediaId, 1001)).rejects.toMatchObject({ code: 'invalid_input' });
  });
});
