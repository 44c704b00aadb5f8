/**
 * Pitch-adaptive spectral envelope, after WORLD's CheapTrick (Morise 2015): a Hann window three periods long
 * (so the harmonics' interference cancels), DC folding below F0, a rectangular smoothing 2·F0/3 wide in
 * frequency, then cepstral liftering that removes the remaining harmonic ripple and restores the peaks.
 * The result is a power spectrum per sample: for white noise of variance σ² it is ≈ σ² at every bin, so the
 * synthesiser can rebuild the signal's level from it.
 */
import { Fft } from '../dsp/fft.js';
import { LITE_SAMPLE_RATE } from './layout.js';

export const ENVELOPE_FFT = 2048;
export const ENVELOPE_BINS = ENVELOPE_FFT / 2 + 1;
/** F0 assumed for unvoiced frames (WORLD's default): a short window, smoothed over 333 Hz. */
export const UNVOICED_ANALYSIS_F0 = 500;
/** Floor added to the power spectrum (−120 dB) so digital silence has a finite log. */
const POWER_FLOOR = 1e-12;
/** CheapTrick's q₁ of the recovery lifter. */
const Q1 = -0.15;

export class EnvelopeAnalyzer {
  private readonly fft = new Fft(ENVELOPE_FFT);
  private readonly re = new Float64Array(ENVELOPE_FFT);
  private readonly im = new Float64Array(ENVELOPE_FFT);
  private readonly power = new Float64Array(ENVELOPE_BINS);
  private readonly smoothed = new Float64Array(ENVELOPE_BINS);
  private readonly cumulative = new Float64Array(3 * ENVELOPE_BINS);

  /**
   * Envelope (power per bin, bins 0..N/2 of a 2048-point FFT at 24 kHz) at sample `centre` of `x`, for F0 `f0`
   * in Hz (use UNVOICED_ANALYSIS_F0 for unvoiced frames).
   */
  analyze(x: Float32Array, centre: number, f0: number, out = new Float64Array(ENVELOPE_BINS)): Float64Array {
    const fs = LITE_SAMPLE_RATE;
    const n = ENVELOPE_FFT;
    // The window must fit the FFT: F0 below 3·fs/(N − 3) gets that floor.
    const f = Math.max(f0, (3 * fs) / (n - 3));
    const half = Math.round((1.5 * fs) / f);
    const re = this.re;
    const im = this.im;
    re.fill(0);
    im.fill(0);
    let wPower = 0;
    let wSum = 0;
    let xSum = 0;
    for (let i = -half; i <= half; i++) {
      const w = 0.5 * Math.cos((Math.PI * i * f) / (1.5 * fs)) + 0.5;
      const k = centre + i;
      const v = k >= 0 && k < x.length ? x[k] * w : 0;
      re[i + half] = v;
      wPower += w * w;
      wSum += w;
      xSum += v;
    }
    // Remove the windowed DC (a DC offset would otherwise leak into the lowest harmonics), then normalise
    // the window to unit energy so the spectrum is a power per sample.
    const dc = xSum / wSum;
    const norm = 1 / Math.sqrt(wPower);
    for (let i = -half; i <= half; i++) {
      const w = 0.5 * Math.cos((Math.PI * i * f) / (1.5 * fs)) + 0.5;
      re[i + half] = (re[i + half] - w * dc) * norm;
    }
    this.fft.forward(re, im);
    const p = this.power;
    for (let k = 0; k < ENVELOPE_BINS; k++) p[k] = re[k] * re[k] + im[k] * im[k];

    const df = fs / n;
    this.foldDc(p, f, df);
    this.smooth(p, f, df, this.smoothed);
    this.lifter(this.smoothed, f, out);
    return out;
  }

  /** Below F0 the window's image of the −F0…F0 region folds back: add the mirrored power (CheapTrick's DCCorrection). */
  private foldDc(p: Float64Array, f0: number, df: number): void {
    const limit = Math.floor(f0 / df);
    const mirrored = new Float64Array(limit + 1);
    for (let k = 0; k <= limit; k++) {
      const pos = (f0 - k * df) / df;
      const i = Math.floor(pos);
      const a = pos - i;
      mirrored[k] = i + 1 < p.length ? p[i] * (1 - a) + p[i + 1] * a : p[p.length - 1];
    }
    for (let k = 0; k <= limit; k++) p[k] += mirrored[k];
  }

  /** Mean of the power over [f − w/2, f + w/2], w = 2·F0/3, by a cumulative sum over a mirrored extension. */
  private smooth(p: Float64Array, f0: number, df: number, out: Float64Array): void {
    const bins = p.length;
    const c = this.cumulative;
    // Extended spectrum: mirrored below 0 Hz and above Nyquist, index e ↔ bin e − bins.
    const ext = (e: number) => {
      const k = e - bins;
      if (k < 0) return p[Math.min(bins - 1, -k)];
      if (k >= bins) return p[Math.max(0, 2 * (bins - 1) - k)];
      return p[k];
    };
    c[0] = 0;
    for (let e = 1; e < c.length; e++) c[e] = c[e - 1] + ext(e - 1);
    // c[e] = Σ_{j<e} ext(j): the integral of a piecewise-constant spectrum from index −0.5 shifted by one.
    const at = (pos: number) => {
      const q = pos + bins + 0.5;
      const i = Math.max(0, Math.min(c.length - 2, Math.floor(q)));
      const a = q - i;
      return c[i] * (1 - a) + c[i + 1] * a;
    };
    const halfWidth = f0 / 3 / df;
    for (let k = 0; k < bins; k++) out[k] = (at(k + halfWidth) - at(k - halfWidth)) / (2 * halfWidth) + POWER_FLOOR;
  }

  /** Cepstral liftering: sinc smoothing lifter × CheapTrick's recovery lifter, back to a power spectrum. */
  private lifter(s: Float64Array, f0: number, out: Float64Array): void {
    const n = ENVELOPE_FFT;
    const fs = LITE_SAMPLE_RATE;
    const re = this.re;
    const im = this.im;
    for (let k = 0; k < ENVELOPE_BINS; k++) re[k] = Math.log(s[k]);
    for (let k = 1; k < n / 2; k++) re[n - k] = re[k];
    im.fill(0);
    this.fft.inverse(re, im);
    for (let q = 0; q <= n / 2; q++) {
      const x = (Math.PI * f0 * q) / fs;
      const smoothing = q === 0 ? 1 : Math.sin(x) / x;
      const recovery = 1 - 2 * Q1 + 2 * Q1 * Math.cos((2 * Math.PI * q * f0) / fs);
      const g = smoothing * recovery;
      re[q] *= g;
      if (q > 0 && q < n / 2) re[n - q] *= g;
    }
    im.fill(0);
    this.fft.forward(re, im);
    for (let k = 0; k < ENVELOPE_BINS; k++) out[k] = Math.exp(re[k]);
  }
}
