/**
 * Mel-cepstrum ⇄ log spectrum on a first-order all-pass warped frequency axis (the SPTK convention):
 *
 *   log|H(e^{jω})| = c₀ + 2·Σ_{m=1..M} c_m·cos(m·β(ω)),   β(ω) = ω + 2·atan(α·sin ω / (1 − α·cos ω)).
 *
 * `fromLogSpectrum` projects a log-amplitude spectrum sampled on the FFT bins 0..N/2 onto that cosine basis
 * (trapezoidal integration over ω with the Jacobian β'(ω) = (1 − α²)/(1 − 2α·cos ω + α²)); `toLogSpectrum`
 * evaluates the series back on the bins. A spectrum that is exactly such a series comes back unchanged.
 * α ≈ 0.466 approximates the mel scale at 24 kHz.
 */
export const MEL_ALPHA_24K = 0.466;

export function warpFrequency(omega: number, alpha: number): number {
  return omega + 2 * Math.atan((alpha * Math.sin(omega)) / (1 - alpha * Math.cos(omega)));
}

export class MelCepstrum {
  readonly order: number;
  readonly alpha: number;
  readonly bins: number;
  /** cos(m·β(ω_k)), row-major [bin][m], m = 0..order. */
  private readonly basis: Float64Array;
  /** Integration weight of each bin: trapezoid step × β'(ω_k) / π. */
  private readonly weight: Float64Array;

  /** `bins` = N/2 + 1 for an N-point FFT. */
  constructor(order: number, alpha: number, bins: number) {
    if (!Number.isInteger(order) || order < 0) throw new RangeError(`mel-cepstrum order must be a whole number ≥ 0, got ${order}`);
    if (!(Math.abs(alpha) < 1)) throw new RangeError(`all-pass constant must be in (-1, 1), got ${alpha}`);
    if (!Number.isInteger(bins) || bins < 3) throw new RangeError(`need at least 3 spectrum bins, got ${bins}`);
    this.order = order;
    this.alpha = alpha;
    this.bins = bins;
    const m1 = order + 1;
    this.basis = new Float64Array(bins * m1);
    this.weight = new Float64Array(bins);
    const step = Math.PI / (bins - 1);
    for (let k = 0; k < bins; k++) {
      const w = k * step;
      const b = warpFrequency(w, alpha);
      for (let m = 0; m <= order; m++) this.basis[k * m1 + m] = Math.cos(m * b);
      const jacobian = (1 - alpha * alpha) / (1 - 2 * alpha * Math.cos(w) + alpha * alpha);
      const trapezoid = k === 0 || k === bins - 1 ? 0.5 : 1;
      this.weight[k] = (trapezoid * step * jacobian) / Math.PI;
    }
  }

  /** c[0..order] of a natural-log amplitude spectrum given on bins 0..N/2. */
  fromLogSpectrum(logAmp: ArrayLike<number>, out = new Float64Array(this.order + 1)): Float64Array {
    const m1 = this.order + 1;
    out.fill(0);
    for (let k = 0; k < this.bins; k++) {
      const v = logAmp[k] * this.weight[k];
      const row = k * m1;
      for (let m = 0; m < m1; m++) out[m] += v * this.basis[row + m];
    }
    return out;
  }

  /** Natural-log amplitude on bins 0..N/2 of the series c[0..order] (c may be shorter: missing terms are 0). */
  toLogSpectrum(c: ArrayLike<number>, out = new Float64Array(this.bins)): Float64Array {
    const m1 = this.order + 1;
    const terms = Math.min(c.length, m1);
    for (let k = 0; k < this.bins; k++) {
      const row = k * m1;
      let s = c[0];
      for (let m = 1; m < terms; m++) s += 2 * c[m] * this.basis[row + m];
      out[k] = s;
    }
    return out;
  }
}
