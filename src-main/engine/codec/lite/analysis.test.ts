import { describe, expect, it } from 'vitest';
import { noise } from '../../media/testing/test-audio.js';
import { concat, vowel, vowelF0At } from '../testing/signals.js';
import { analyzeFeatures, continuousLogF0 } from './analysis.js';
import { ENVELOPE_BINS, EnvelopeAnalyzer, UNVOICED_ANALYSIS_F0 } from './envelope.js';
import { DEFAULT_LITE_LAYOUT, featureIndex, frameCenter } from './layout.js';
import { trackPitch } from './pitch.js';

const FS = 24000;

describe('trackPitch', () => {
  it('follows a gliding vowel within 1 % and calls noise and silence unvoiced', () => {
    const spec = { sampleRate: FS, seconds: 1, f0Start: 90, f0End: 260 };
    const v = vowel(spec);
    const x = concat(v, new Float32Array(0.3 * FS), noise(0.5 * FS, 0.1, 2));
    const frames = Math.ceil(x.length / 320);
    const { f0 } = trackPitch(x, frames);
    const vowelFrames = Math.floor(v.length / 320);
    for (let t = 3; t < vowelFrames - 3; t++) {
      const truth = vowelF0At(spec, frameCenter(t));
      expect(Math.abs(f0[t] - truth) / truth, `frame ${t}`).toBeLessThan(0.01);
    }
    const silentFrom = Math.ceil(v.length / 320) + 3;
    for (let t = silentFrom; t < frames; t++) expect(f0[t], `frame ${t}`).toBe(0);
  });
});

describe('continuousLogF0', () => {
  it('interpolates through gaps and holds at the ends', () => {
    const lf0 = continuousLogF0(Float64Array.from([0, 100, 0, 0, 200, 0]));
    expect(Math.exp(lf0[0])).toBeCloseTo(100, 9);
    expect(lf0[2]).toBeCloseTo(Math.log(100) + (Math.log(2) * 1) / 3, 9);
    expect(Math.exp(lf0[5])).toBeCloseTo(200, 9);
    expect(Array.from(continuousLogF0(new Float64Array(3))).every((v) => v === Math.log(140))).toBe(true);
  });
});

describe('EnvelopeAnalyzer', () => {
  it('reads white noise of variance σ² as a flat σ² (power per sample)', () => {
    const x = noise(FS, 0.2, 5); // uniform ±0.2: σ² = 0.04/3
    const env = new EnvelopeAnalyzer();
    const out = new Float64Array(ENVELOPE_BINS);
    let logSum = 0;
    let count = 0;
    for (let c = 2000; c < FS - 2000; c += 320) {
      env.analyze(x, c, UNVOICED_ANALYSIS_F0, out);
      for (let k = 50; k < ENVELOPE_BINS - 50; k += 10) (logSum += Math.log(out[k])), count++;
    }
    // The mean of a log-periodogram sits below the log-mean (≈ −0.58 for χ²₂); smoothing shrinks the gap.
    const level = Math.exp(logSum / count);
    expect(10 * Math.log10(level / (0.04 / 3))).toBeGreaterThan(-3);
    expect(10 * Math.log10(level / (0.04 / 3))).toBeLessThan(1);
  });

  it('puts the peaks of a vowel at its formants', () => {
    const x = vowel({ sampleRate: FS, seconds: 0.5, f0Start: 120, formants: [700, 1900] });
    const out = new EnvelopeAnalyzer().analyze(x, 6000, 120);
    const df = FS / 2048;
    const peakNear = (hz: number) => {
      let best = 0;
      for (let k = Math.round((hz - 300) / df); k <= Math.round((hz + 300) / df); k++) if (out[k] > out[best]) best = k;
      return best * df;
    };
    expect(Math.abs(peakNear(700) - 700)).toBeLessThan(80);
    expect(Math.abs(peakNear(1900) - 1900)).toBeLessThan(80);
    // Between the formants the envelope dips well below the peaks.
    expect(10 * Math.log10(out[Math.round(1300 / df)] / out[Math.round(700 / df)])).toBeLessThan(-6);
  });
});

describe('analyzeFeatures', () => {
  it('marks voiced frames, low aperiodicity for a clean vowel and full aperiodicity for noise', () => {
    const idx = featureIndex(DEFAULT_LITE_LAYOUT);
    const x = concat(vowel({ sampleRate: FS, seconds: 0.5, f0Start: 150 }), noise(0.5 * FS, 0.1, 3));
    const f = analyzeFeatures(x, DEFAULT_LITE_LAYOUT);
    expect(f.frames).toBe(Math.ceil(x.length / 320));
    expect(f.dims).toBe(idx.dims);
    const row = (t: number) => f.data.subarray(t * f.dims, (t + 1) * f.dims);
    const v = row(15);
    expect(v[idx.vuv]).toBe(1);
    expect(Math.exp(v[idx.lf0])).toBeCloseTo(150, -1);
    expect(v[idx.ap]).toBeLessThan(0.1);
    const n = row(60);
    expect(n[idx.vuv]).toBe(0);
    for (let b = 0; b < idx.apBands; b++) expect(n[idx.ap + b]).toBe(1);
  });
});
