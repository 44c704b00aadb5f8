import { describe, expect, it } from 'vitest';
import { logSpectralDistance, melAlpha, melCepstralDistortion, roundTripMetrics } from './metrics.js';
import { estimatePitch } from './metrics-pitch.js';
import { noise, sine } from '../media/testing/test-audio.js';
import { vowel } from './testing/signals.js';

const FS = 24000;

describe('melCepstralDistortion', () => {
  it('is (10/ln10)·√(2·Σ Δc²) over c₁.., ignoring c₀', () => {
    // Δc = (·, 1, −1): Σ Δc² = 2 → 10/ln10 · √4 = 8.6859 dB; c₀ differs by 5 and must not count.
    expect(melCepstralDistortion([0, 1, 0], [5, 0, 1])).toBeCloseTo((10 / Math.LN10) * 2, 10);
    expect(melCepstralDistortion([1, 0.5, 0.25], [1, 0.5, 0.25])).toBe(0);
    expect(() => melCepstralDistortion([0, 1], [0, 1, 2])).toThrow(/length/);
  });
});

describe('logSpectralDistance', () => {
  it('is the RMS of the dB difference per bin', () => {
    // 10·log10(10/1) = 10 dB in one bin, 0 in the other: √(100/2) = 7.071 dB.
    expect(logSpectralDistance([10, 3], [1, 3])).toBeCloseTo(Math.sqrt(50), 6);
    expect(logSpectralDistance([4, 4, 4], [1, 1, 1])).toBeCloseTo(10 * Math.log10(4), 6);
  });
});

describe('melAlpha', () => {
  it('gives the usual constants at the usual rates', () => {
    expect(melAlpha(16000)).toBe(0.42);
    expect(melAlpha(24000)).toBe(0.466);
    expect(melAlpha(48000)).toBe(0.554);
  });
});

describe('estimatePitch', () => {
  it('finds a pure tone, a vowel and rejects noise', () => {
    const tone = estimatePitch(sine({ sampleRate: FS, seconds: 1, freq: 220, amplitude: 0.5 }), { sampleRate: FS, hop: 240 });
    for (let i = 10; i < 90; i++) expect(tone.f0[i]).toBeGreaterThan(219.5), expect(tone.f0[i]).toBeLessThan(220.5);
    const v = estimatePitch(vowel({ sampleRate: FS, seconds: 1, f0Start: 150 }), { sampleRate: FS, hop: 240 });
    for (let i = 10; i < 90; i++) expect(Math.abs(v.f0[i] - 150)).toBeLessThan(1.5);
    const n = estimatePitch(noise(FS, 0.3, 3), { sampleRate: FS, hop: 240 });
    expect(n.f0.filter((f) => f > 0).length).toBeLessThan(3);
  });
});

describe('roundTripMetrics', () => {
  it('is zero for identical signals', () => {
    const x = vowel({ sampleRate: FS, seconds: 1, f0Start: 120, f0End: 160 });
    const m = roundTripMetrics(x, x, FS);
    expect(m.mcdDb).toBe(0);
    expect(m.lsdDb).toBe(0);
    expect(m.f0RmseCents).toBe(0);
    expect(m.voicingErrorRate).toBe(0);
  });

  it('ignores level in MCD (c₀) but not in LSD: ×2 is 6.02 dB', () => {
    const x = vowel({ sampleRate: FS, seconds: 1, f0Start: 120 });
    const y = x.map((v) => 2 * v);
    const m = roundTripMetrics(x, y, FS);
    expect(m.mcdDb).toBeLessThan(1e-6);
    expect(m.lsdDb).toBeCloseTo(20 * Math.log10(2), 1);
  });

  it('measures a one-semitone shift as 100 cents and voicing flips', () => {
    const a = sine({ sampleRate: FS, seconds: 1, freq: 220, amplitude: 0.5 });
    const b = sine({ sampleRate: FS, seconds: 1, freq: 220 * 2 ** (1 / 12), amplitude: 0.5 });
    const m = roundTripMetrics(a, b, FS);
    expect(m.f0RmseCents).toBeGreaterThan(99);
    expect(m.f0RmseCents).toBeLessThan(101);
    expect(m.grossPitchErrorRate).toBe(0);
    const hiss = noise(FS, 0.5, 5);
    expect(roundTripMetrics(a, hiss, FS).voicingErrorRate).toBeGreaterThan(0.9);
  });

  it('cuts or zero-extends the test signal to the reference length and refuses a silent reference', () => {
    const x = vowel({ sampleRate: FS, seconds: 0.5, f0Start: 130 });
    const longer = new Float32Array(x.length + 640);
    longer.set(x);
    expect(roundTripMetrics(x, longer, FS).mcdDb).toBe(0);
    expect(() => roundTripMetrics(new Float32Array(1000), x, FS)).toThrow(/silent/);
  });
});
