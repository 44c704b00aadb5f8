import { describe, expect, it } from 'vitest';
import { decimate } from './decimate.js';
import { Fft } from './fft.js';
import { MelCepstrum, warpFrequency } from './mel-cepstrum.js';
import { minimumPhaseSpectrum } from './minimum-phase.js';

describe('Fft', () => {
  it('matches a direct DFT and inverts exactly', () => {
    const n = 64;
    const x = Array.from({ length: n }, (_, i) => Math.sin(i * 1.3) + 0.25 * Math.cos(i * 0.2) + (i % 5) * 0.1);
    const re = Float64Array.from(x);
    const im = new Float64Array(n);
    const fft = new Fft(n);
    fft.forward(re, im);
    for (const k of [0, 1, 7, 31, 32, 50]) {
      let dr = 0;
      let di = 0;
      for (let t = 0; t < n; t++) {
        dr += x[t] * Math.cos((-2 * Math.PI * k * t) / n);
        di += x[t] * Math.sin((-2 * Math.PI * k * t) / n);
      }
      expect(re[k]).toBeCloseTo(dr, 9);
      expect(im[k]).toBeCloseTo(di, 9);
    }
    fft.inverse(re, im);
    for (let t = 0; t < n; t++) expect(re[t]).toBeCloseTo(x[t], 12);
  });

  it('rejects sizes that are not powers of two', () => {
    expect(() => new Fft(48)).toThrow(/power of two/);
  });
});

describe('MelCepstrum', () => {
  it('warps 0 and π onto themselves and stretches low frequencies', () => {
    expect(warpFrequency(0, 0.466)).toBeCloseTo(0, 12);
    expect(warpFrequency(Math.PI, 0.466)).toBeCloseTo(Math.PI, 12);
    // Slope at 0 is (1 + α)/(1 − α).
    expect(warpFrequency(1e-6, 0.466) / 1e-6).toBeCloseTo(1.466 / 0.534, 4);
  });

  it('with α = 0 is the ordinary cepstrum: log|H| = c₀ + 2·c₁·cos ω gives back c₀ and c₁', () => {
    const bins = 513;
    const mc = new MelCepstrum(4, 0, bins);
    const logAmp = Float64Array.from({ length: bins }, (_, k) => 0.3 + 2 * -0.7 * Math.cos((Math.PI * k) / (bins - 1)));
    const c = mc.fromLogSpectrum(logAmp);
    expect(c[0]).toBeCloseTo(0.3, 5);
    expect(c[1]).toBeCloseTo(-0.7, 5);
    for (const m of [2, 3, 4]) expect(c[m]).toBeCloseTo(0, 5);
  });

  it('round-trips a warped series (the spectrum ↔ coefficient maps are inverse)', () => {
    const mc = new MelCepstrum(24, 0.466, 1025);
    const c = Float64Array.from({ length: 25 }, (_, m) => (m === 0 ? -3 : Math.sin(m) / (m + 1)));
    const back = mc.fromLogSpectrum(mc.toLogSpectrum(c));
    for (let m = 0; m < c.length; m++) expect(back[m]).toBeCloseTo(c[m], 4);
  });
});

describe('minimumPhaseSpectrum', () => {
  it('keeps the requested magnitude and gives a causal response (one-pole filter)', () => {
    const n = 512;
    const fft = new Fft(n);
    const a = 0.8;
    // |H| of h[t] = aᵗ (minimum phase: pole inside the unit circle).
    const logAmp = Float64Array.from({ length: n / 2 + 1 }, (_, k) => -0.5 * Math.log(1 - 2 * a * Math.cos((2 * Math.PI * k) / n) + a * a));
    const re = new Float64Array(n);
    const im = new Float64Array(n);
    minimumPhaseSpectrum(fft, logAmp, re, im);
    fft.inverse(re, im);
    for (let t = 0; t < 20; t++) expect(re[t]).toBeCloseTo(a ** t, 6);
    for (let t = n - 20; t < n; t++) expect(Math.abs(re[t])).toBeLessThan(1e-6);
  });
});

describe('decimate', () => {
  it('keeps an in-band tone, removes an out-of-band one, and stays time-aligned', () => {
    const fs = 24000;
    const n = 4800;
    const low = Float32Array.from({ length: n }, (_, i) => Math.sin((2 * Math.PI * 300 * i) / fs));
    const high = Float32Array.from({ length: n }, (_, i) => Math.sin((2 * Math.PI * 6000 * i) / fs));
    const dl = decimate(low, 3);
    const dh = decimate(high, 3);
    expect(dl.length).toBe(1600);
    for (let m = 100; m < 1500; m += 97) expect(dl[m]).toBeCloseTo(low[3 * m], 2);
    let e = 0;
    for (let m = 100; m < 1500; m++) e += dh[m] ** 2;
    expect(Math.sqrt(e / 1400)).toBeLessThan(0.01);
  });
});
