/**
 * Naive codecs at the lite codec's bit rate (80 bits per frame = 6 kbit/s), to put its numbers in context:
 *
 * - `ScalarFeatureQuantizer`: the same features and synthesiser, but each (weighted, centred) feature is
 *   quantised on its own with a uniform quantiser over its training range, 80 bits shared out by greedy
 *   reverse water-filling (one bit at a time to the feature with the largest expected error). This is what
 *   the learned residual-VQ tables are worth.
 * - `muLawWaveform`: no model at all — the waveform itself at 6 kbit/s: resampled to 2 kHz, peak-normalised,
 *   3-bit μ-law (μ = 255), and back to 24 kHz.
 */
import { resample } from '../../../media/resample.js';
import { LITE_SAMPLE_RATE } from '../layout.js';

export class ScalarFeatureQuantizer {
  readonly bits: Int32Array;
  private readonly lo: Float64Array;
  private readonly hi: Float64Array;

  /** `z`: training vectors [n][dims] in the codec's weighted, centred space. */
  constructor(z: Float32Array, n: number, dims: number, bitsPerFrame: number) {
    this.lo = new Float64Array(dims);
    this.hi = new Float64Array(dims);
    this.bits = new Int32Array(dims);
    const variance = new Float64Array(dims);
    const column = new Float64Array(n);
    for (let d = 0; d < dims; d++) {
      let s = 0;
      for (let i = 0; i < n; i++) {
        column[i] = z[i * dims + d];
        s += column[i];
      }
      const mean = s / n;
      let v = 0;
      for (let i = 0; i < n; i++) v += (column[i] - mean) ** 2;
      variance[d] = v / n;
      const sorted = Float64Array.from(column).sort();
      this.lo[d] = sorted[Math.floor(0.005 * (n - 1))];
      this.hi[d] = sorted[Math.ceil(0.995 * (n - 1))];
    }
    // Expected error of a dimension with b bits ∝ σ²·2^(−2b): give each next bit where it removes the most.
    for (let b = 0; b < bitsPerFrame; b++) {
      let best = 0;
      for (let d = 1; d < dims; d++) if (variance[d] * 4 ** -this.bits[d] > variance[best] * 4 ** -this.bits[best]) best = d;
      this.bits[best]++;
    }
  }

  /** Quantises and reconstructs one vector in place. */
  roundTrip(z: Float64Array): void {
    for (let d = 0; d < z.length; d++) {
      const levels = 2 ** this.bits[d];
      if (this.bits[d] === 0) {
        z[d] = (this.lo[d] + this.hi[d]) / 2;
        continue;
      }
      const step = (this.hi[d] - this.lo[d]) / levels;
      const i = Math.max(0, Math.min(levels - 1, Math.floor((z[d] - this.lo[d]) / step)));
      z[d] = this.lo[d] + (i + 0.5) * step;
    }
  }
}

const MU = 255;
const WAVEFORM_RATE = 2000;
const WAVEFORM_BITS = 3;

export async function muLawWaveform(x: Float32Array): Promise<Float32Array> {
  const low = (await resample({ sampleRate: LITE_SAMPLE_RATE, channels: [x] }, WAVEFORM_RATE)).channels[0];
  let peak = 0;
  for (const v of low) peak = Math.max(peak, Math.abs(v));
  const gain = peak > 0 ? 1 / peak : 1;
  const levels = 2 ** WAVEFORM_BITS;
  const q = new Float32Array(low.length);
  for (let i = 0; i < low.length; i++) {
    const v = Math.max(-1, Math.min(1, low[i] * gain));
    const y = (Math.sign(v) * Math.log1p(MU * Math.abs(v))) / Math.log1p(MU);
    const idx = Math.max(0, Math.min(levels - 1, Math.floor(((y + 1) / 2) * levels)));
    const yq = ((idx + 0.5) / levels) * 2 - 1;
    q[i] = (Math.sign(yq) * ((1 + MU) ** Math.abs(yq) - 1)) / MU / gain;
  }
  const back = (await resample({ sampleRate: WAVEFORM_RATE, channels: [q] }, LITE_SAMPLE_RATE)).channels[0];
  const out = new Float32Array(x.length);
  out.set(back.subarray(0, x.length));
  return out;
}
