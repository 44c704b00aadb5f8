import { describe, expect, it } from 'vitest';
import { bucketCount, computePeaks, rebucketPeaks } from './peaks.js';
import { noise } from './testing/test-audio.js';

/** Brute force over explicit time ranges: bucket i holds the frames whose time t satisfies i/pps ≤ t < (i+1)/pps. */
function reference(channels: Float32Array[], sampleRate: number, pps: number): number[] {
  const frames = channels[0].length;
  const out: number[] = [];
  for (let i = 0; i * sampleRate < frames * pps; i++) {
    const values: number[] = [];
    for (let f = 0; f < frames; f++) {
      if (f * pps >= i * sampleRate && f * pps < (i + 1) * sampleRate) for (const ch of channels) values.push(ch[f]);
    }
    out.push(values.length ? Math.min(...values) : 0, values.length ? Math.max(...values) : 0);
  }
  return out;
}

describe('computePeaks', () => {
  it('gives [min, max] per bucket over all channels', () => {
    const channels = [noise(1234, 0.8, 3), noise(1234, 0.5, 9)];
    for (const pps of [1, 7, 100, 441]) {
      const peaks = computePeaks({ sampleRate: 4410, channels }, pps);
      expect(peaks.length).toBe(2 * bucketCount(1234, 4410, pps));
      expect(Array.from(peaks)).toEqual(reference(channels, 4410, pps).map(Math.fround));
    }
  });
});

describe('rebucketPeaks', () => {
  const sampleRate = 22050;
  const channels = [noise(sampleRate * 3 + 123, 0.9, 5)];
  const base = computePeaks({ sampleRate, channels }, 1000);

  it('equals computing at the coarser rate directly when the rate divides the base', () => {
    for (const pps of [1, 10, 100, 125, 200, 500, 1000]) {
      expect(rebucketPeaks(base, 1000, channels[0].length, sampleRate, pps)).toEqual(computePeaks({ sampleRate, channels }, pps));
    }
  });

  it('gives an envelope at least as wide as the exact one otherwise', () => {
    for (const pps of [3, 30, 300, 999]) {
      const got = rebucketPeaks(base, 1000, channels[0].length, sampleRate, pps);
      const exact = computePeaks({ sampleRate, channels }, pps);
      expect(got.length).toBe(exact.length);
      for (let i = 0; i < exact.length; i += 2) {
        expect(got[i]).toBeLessThanOrEqual(exact[i]);
        expect(got[i + 1]).toBeGreaterThanOrEqual(exact[i + 1]);
      }
    }
  });

  it('cannot refine', () => {
    expect(() => rebucketPeaks(base, 1000, channels[0].length, sampleRate, 2000)).toThrow(RangeError);
  });
});
