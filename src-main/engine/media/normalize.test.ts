import { describe, expect, it } from 'vitest';
import { samplePeakDb } from './loudness.js';
import { applyGainDb, normalizeLoudness, normalizePeak } from './normalize.js';
import type { Pcm } from './pcm.js';
import { noise, sine } from './testing/test-audio.js';
import { truePeakDb } from './true-peak.js';
import { studioErrorOf } from '../testing/studio-error-of.js';

const dbfs = (db: number) => 10 ** (db / 20);
const peakOf = (x: Float32Array) => x.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

/** Raised-cosine fades of 20 ms at both ends: an abrupt start would ring above the tone's own peak. */
function faded(x: Float32Array, sampleRate: number): Float32Array {
  const n = Math.round(0.02 * sampleRate);
  for (let i = 0; i < n; i++) {
    const g = 0.5 - 0.5 * Math.cos((Math.PI * i) / n);
    x[i] *= g;
    x[x.length - 1 - i] *= g;
  }
  return x;
}

/** A sine at a quarter of the sample rate, 45° off: every sample is ±A·sin(45°), 3.01 dB under the true peak. */
const quarterRate = (sampleRate: number, seconds: number, amplitude: number) =>
  faded(sine({ sampleRate, seconds, freq: sampleRate / 4, amplitude, phase: Math.PI / 4 }), sampleRate);

/** EBU Tech 3341: a stereo 1 kHz sine with peak amplitude X dBFS in both channels reads X LUFS. */
function stereoTone(db: number, seconds = 3, sampleRate = 48000): Pcm {
  const ch = sine({ sampleRate, seconds, freq: 1000, amplitude: dbfs(db) });
  return { sampleRate, channels: [ch, ch.slice()] };
}

describe('truePeakDb', () => {
  it('finds the peak between samples of a quarter-rate sine', async () => {
    // At fs/4 with a 45° phase every sample sits at ±A·sin(45°): the sample peak under-reads by 3 dB.
    for (const sampleRate of [16000, 44100, 48000]) {
      const pcm = { sampleRate, channels: [quarterRate(sampleRate, 0.5, 0.5)] };
      expect(samplePeakDb(pcm)).toBeCloseTo(20 * Math.log10(0.5) - 3.01, 2);
      expect(Math.abs((await truePeakDb(pcm)) - 20 * Math.log10(0.5))).toBeLessThan(0.05);
    }
  });

  it('equals the sample peak for a slow sine and reads silence as the floor', async () => {
    const pcm = { sampleRate: 48000, channels: [sine({ sampleRate: 48000, seconds: 0.2, freq: 100, amplitude: 0.25 })] };
    expect(Math.abs((await truePeakDb(pcm)) - samplePeakDb(pcm))).toBeLessThan(0.01);
    expect(await truePeakDb({ sampleRate: 48000, channels: [new Float32Array(1000)] })).toBe(-120);
  });
});

describe('normalizeLoudness', () => {
  it('brings a -30 dBFS reference tone to -23 LUFS by a 7 dB gain', async () => {
    const pcm = stereoTone(-30);
    const result = await normalizeLoudness(pcm, { targetLufs: -23 });
    expect(result.gainDb).toBeCloseTo(7, 1);
    expect(result.limitedByCeiling).toBe(false);
    // The Tech 3341 reference: the output tone's peak amplitude is the target in dBFS.
    expect(20 * Math.log10(peakOf(result.pcm.channels[0]))).toBeCloseTo(-23, 1);
    expect(result.outputLufs!).toBeCloseTo(-23, 1);
    // One gain for every sample: the output is the input scaled.
    const g = dbfs(result.gainDb);
    for (let i = 0; i < 2000; i += 97) expect(result.pcm.channels[1][i]).toBeCloseTo(pcm.channels[1][i] * g, 6);
    expect(pcm.channels[0][100]).toBe(stereoTone(-30).channels[0][100]); // input untouched
  });

  it('stops the gain at the ceiling and says so', async () => {
    // A quiet tone with rare full-scale clicks: reaching -16 LUFS would push the clicks far over -1 dB.
    const pcm = stereoTone(-40);
    for (const ch of pcm.channels) for (let i = 1000; i < ch.length; i += 24000) ch[i] = 0.5;
    for (const peak of ['sample', 'true'] as const) {
      const result = await normalizeLoudness(pcm, { targetLufs: -16, ceilingDb: -1, peak });
      expect(result.limitedByCeiling).toBe(true);
      expect(result.outputPeakDb).toBeLessThanOrEqual(-1 + 1e-4);
      expect(result.outputPeakDb).toBeGreaterThan(-1.2);
      expect(result.outputLufs!).toBeLessThan(-16 - 1);
      if (peak === 'sample') expect(20 * Math.log10(peakOf(result.pcm.channels[0]))).toBeCloseTo(-1, 3);
    }
  });

  it('limits by the true peak, which lies above the sample peak', async () => {
    const sampleRate = 48000;
    const pcm = { sampleRate, channels: [quarterRate(sampleRate, 2, 0.1)] };
    // About -19 LUFS (mono, K-weighting lifts 12 kHz): +14 dB wanted, +13 (sample) or +10 (true) allowed.
    const bySample = await normalizeLoudness(pcm, { targetLufs: -5, ceilingDb: -10, peak: 'sample' });
    const byTrue = await normalizeLoudness(pcm, { targetLufs: -5, ceilingDb: -10, peak: 'true' });
    expect(bySample.limitedByCeiling && byTrue.limitedByCeiling).toBe(true);
    expect(bySample.gainDb - byTrue.gainDb).toBeCloseTo(3.01, 1);
    expect(byTrue.outputPeakDb).toBeCloseTo(-10, 1);
  });

  it('refuses silence, near silence, a too-short clip, invalid samples and bad targets', async () => {
    const zeros = { sampleRate: 16000, channels: [new Float32Array(16000)] };
    const hiss = { sampleRate: 16000, channels: [noise(16000, dbfs(-90))] };
    for (const pcm of [zeros, hiss]) {
      const error = await studioErrorOf(normalizeLoudness(pcm, { name: 'quiet.wav' }));
      expect(error.code).toBe('empty_audio');
      expect(error.message).toMatch(/^quiet\.wav is silent .*nothing to normalise/);
    }
    expect((await studioErrorOf(normalizeLoudness({ sampleRate: 16000, channels: [noise(3000, 0.5)] }))).code).toBe('invalid_input');
    expect((await studioErrorOf(normalizeLoudness({ sampleRate: 16000, channels: [] }))).code).toBe('empty_audio');
    const withNaN = stereoTone(-20, 1);
    withNaN.channels[1][24000] = NaN;
    const nan = await studioErrorOf(normalizeLoudness(withNaN));
    expect(nan.code).toBe('corrupt_audio');
    expect(nan.message).toContain('0.500 s');
    const inf = stereoTone(-20, 1);
    inf.channels[0][10] = -Infinity;
    expect((await studioErrorOf(normalizePeak(inf))).code).toBe('corrupt_audio');
    for (const target of [{ targetLufs: 3 }, { targetLufs: NaN }, { ceilingDb: 1 }]) {
      expect((await studioErrorOf(normalizeLoudness(stereoTone(-20, 1), target))).code).toBe('invalid_input');
    }
  });
});

describe('normalizePeak', () => {
  it('puts the sample peak at the target', async () => {
    const pcm = { sampleRate: 16000, channels: [noise(8000, 0.2, 3), noise(8000, 0.05, 4)] };
    const result = await normalizePeak(pcm, { peakDb: -3 });
    expect(20 * Math.log10(Math.max(peakOf(result.pcm.channels[0]), peakOf(result.pcm.channels[1])))).toBeCloseTo(-3, 4);
    expect(result.gainDb).toBeCloseTo(-3 - samplePeakDb(pcm), 6);
  });

  it('puts the true peak at the target', async () => {
    const result = await normalizePeak({ sampleRate: 44100, channels: [quarterRate(44100, 0.5, 0.2)] }, { peakDb: -1, peak: 'true' });
    expect(await truePeakDb(result.pcm)).toBeCloseTo(-1, 1);
    expect(samplePeakDb(result.pcm)).toBeCloseTo(-4, 1);
  });

  it('refuses digital silence', async () => {
    const error = await studioErrorOf(normalizePeak({ sampleRate: 16000, channels: [new Float32Array(100)] }, { name: 'zero.wav' }));
    expect(error.code).toBe('empty_audio');
    expect(error.message).toContain('all its samples are zero');
  });

  it('applyGainDb scales by 10^(dB/20)', () => {
    const out = applyGainDb({ sampleRate: 8000, channels: [Float32Array.of(0.5, -0.25)] }, -6.0206);
    expect(out.channels[0][0]).toBeCloseTo(0.25, 5);
    expect(out.channels[0][1]).toBeCloseTo(-0.125, 5);
  });
});
