import { describe, expect, it } from 'vitest';
import { findSoundRegions, LevelMeter, levelEnvelope, type LevelEnvelope } from './silence.js';
import { noise, sine } from './testing/test-audio.js';

describe('LevelMeter', () => {
  it('reads a sine as its RMS in dBFS (amplitude / √2) and digital silence as the floor', () => {
    const x = new Float32Array(16000);
    x.set(sine({ sampleRate: 16000, seconds: 0.5, freq: 400, amplitude: 0.1 }));
    const env = levelEnvelope([x], 16000);
    expect(env.hopFrames).toBe(160);
    expect(env.levelsDb.length).toBe(100);
    expect(env.frames).toBe(16000);
    for (let i = 0; i < 50; i++) expect(env.levelsDb[i]).toBeCloseTo(20 * Math.log10(0.1 / Math.SQRT2), 1);
    for (let i = 50; i < 100; i++) expect(env.levelsDb[i]).toBe(-120);
  });

  it('gives the same envelope however the signal is chunked, with a short last hop', () => {
    const n = 16000 + 37;
    const a = noise(n, 0.3, 1);
    const b = noise(n, 0.1, 2);
    const whole = levelEnvelope([a, b], 16000);
    const meter = new LevelMeter(16000);
    for (let at = 0, k = 1; at < n; k = (k * 7) % 1000) {
      const len = Math.min(k + 1, n - at);
      meter.push([a.subarray(at, at + len), b.subarray(at, at + len)]);
      at += len;
    }
    const chunked = meter.finish();
    expect(chunked.levelsDb.length).toBe(Math.ceil(n / 160));
    for (let i = 0; i < whole.levelsDb.length; i++) expect(chunked.levelsDb[i]).toBeCloseTo(whole.levelsDb[i], 4);
    // The 37-frame last hop is measured over its own frames.
    const tailSquares = [a, b].reduce((s, ch) => s + ch.subarray(16000).reduce((t, v) => t + v * v, 0), 0);
    expect(whole.levelsDb[100]).toBeCloseTo(10 * Math.log10(tailSquares / (2 * 37)), 3);
  });

  it('averages power over channels, so opposite channels do not cancel', () => {
    const x = sine({ sampleRate: 8000, seconds: 0.1, freq: 300, amplitude: 0.5 });
    const env = levelEnvelope([x, x.map((v) => -v)], 8000);
    expect(env.levelsDb[3]).toBeCloseTo(20 * Math.log10(0.5 / Math.SQRT2), 1);
  });
});

const envelope = (levels: number[]): LevelEnvelope => ({ sampleRate: 1000, hopFrames: 10, frames: levels.length * 10, levelsDb: Float32Array.from(levels) });

describe('findSoundRegions', () => {
  it('starts at the threshold and ends only below threshold minus hysteresis', () => {
    const levels = [-60, -45, -39, -42, -44, -47, -60, -40, -60];
    expect(findSoundRegions(envelope(levels), -40, 6)).toEqual([
      { startHop: 2, endHop: 5 },
      { startHop: 7, endHop: 8 },
    ]);
    // Without hysteresis the dip to -42 ends the first region at once.
    expect(findSoundRegions(envelope(levels), -40, 0)).toEqual([
      { startHop: 2, endHop: 3 },
      { startHop: 7, endHop: 8 },
    ]);
  });

  it('closes a region that runs to the end and finds none in silence', () => {
    expect(findSoundRegions(envelope([-80, -20, -20]), -40, 6)).toEqual([{ startHop: 1, endHop: 3 }]);
    expect(findSoundRegions(envelope([-120, -80, -41]), -40, 6)).toEqual([]);
  });
});
