/**
 * Band aperiodicity for voiced frames: the signal around the frame centre is split into bands (FFT mask with
 * raised-cosine edges), and in each band the normalised cross-correlation between the signal and itself one
 * period later is measured (best over ±1.5 % of the period, which absorbs small F0 errors). For periodic
 * power P and noise power N in a band that correlation is ≈ P/(P+N), so A = 1 − r is the noise share of
 * the band's power — what the synthesiser needs to mix pulses and noise.
 */
import { Fft } from '../dsp/fft.js';
import { LITE_SAMPLE_RATE } from './layout.js';

const SEGMENT = 2048;
const EDGE_HZ = 100;
const LAG_SEARCH = 0.015;
const LAG_STEPS = 6;

export class AperiodicityAnalyzer {
  private readonly fft = new Fft(SEGMENT);
  private readonly specRe = new Float64Array(SEGMENT);
  private readonly specIm = new Float64Array(SEGMENT);
  private readonly re = new Float64Array(SEGMENT);
  private readonly im = new Float64Array(SEGMENT);
  /** Mask per band over bins 0..N/2. */
  private readonly masks: Float64Array[];

  constructor(bandEdgesHz: readonly number[]) {
    const bins = SEGMENT / 2 + 1;
    const df = LITE_SAMPLE_RATE / SEGMENT;
    this.masks = [];
    for (let b = 0; b + 1 < bandEdgesHz.length; b++) {
      const lo = bandEdgesHz[b];
      const hi = bandEdgesHz[b + 1];
      const mask = new Float64Array(bins);
      for (let k = 0; k < bins; k++) mask[k] = edge(k * df - lo, b > 0) * edge(hi - k * df, b + 2 < bandEdgesHz.length);
      this.masks.push(mask);
    }
  }

  /** A per band at sample `centre` for F0 `f0` Hz (voiced frames only), written to `out`. */
  analyze(x: Float32Array, centre: number, f0: number, out: Float64Array): Float64Array {
    const n = SEGMENT;
    const start = centre - n / 2;
    const re = this.specRe;
    const im = this.specIm;
    for (let i = 0; i < n; i++) {
      const k = start + i;
      re[i] = k >= 0 && k < x.length ? x[k] : 0;
    }
    im.fill(0);
    this.fft.forward(re, im);
    const period = LITE_SAMPLE_RATE / f0;
    // Correlate L samples against L samples one period later, both halves straddling the centre.
    const len = Math.min(Math.max(Math.round(2 * period), 240), n - 2 * Math.ceil(period * (1 + LAG_SEARCH)) - 8);
    for (let b = 0; b < this.masks.length; b++) {
      const band = this.bandSignal(b);
      let best = -1;
      for (let s = -LAG_STEPS; s <= LAG_STEPS; s++) {
        const lag = period * (1 + (LAG_SEARCH * s) / LAG_STEPS);
        best = Math.max(best, correlation(band, n / 2 - Math.round(lag / 2) - Math.floor(len / 2), lag, len));
      }
      out[b] = Math.min(1, Math.max(0, 1 - best));
    }
    return out;
  }

  private bandSignal(b: number): Float64Array {
    const n = SEGMENT;
    const mask = this.masks[b];
    const re = this.re;
    const im = this.im;
    for (let k = 0; k <= n / 2; k++) {
      re[k] = this.specRe[k] * mask[k];
      im[k] = this.specIm[k] * mask[k];
    }
    for (let k = 1; k < n / 2; k++) {
      re[n - k] = re[k];
      im[n - k] = -im[k];
    }
    this.fft.inverse(re, im);
    return re;
  }
}

/** Raised-cosine edge: 0 below −EDGE_HZ/2, 1 above +EDGE_HZ/2 (or 1 everywhere when the band has no such edge). */
function edge(distanceHz: number, present: boolean): number {
  if (!present) return 1;
  if (distanceHz <= -EDGE_HZ / 2) return 0;
  if (distanceHz >= EDGE_HZ / 2) return 1;
  return 0.5 - 0.5 * Math.cos((Math.PI * (distanceHz + EDGE_HZ / 2)) / EDGE_HZ);
}

/** Normalised correlation of s[start..start+len) with s[start+lag..start+lag+len) (lag fractional, linear interpolation). */
function correlation(s: Float64Array, start: number, lag: number, len: number): number {
  const li = Math.floor(lag);
  const a = lag - li;
  let xy = 0;
  let xx = 0;
  let yy = 0;
  for (let i = 0; i < len; i++) {
    const u = s[start + i];
    const j = start + i + li;
    const v = s[j] * (1 - a) + s[j + 1] * a;
    xy += u * v;
    xx += u * u;
    yy += v * v;
  }
  const d = Math.sqrt(xx * yy);
  return d > 0 ? xy / d : 0;
}
