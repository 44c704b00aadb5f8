import type { Pcm } from './pcm.js';
import { frameCount } from './pcm.js';

/** Biquad coefficients, a0 normalised to 1. */
export interface Biquad {
  b: [number, number, number];
  a: [number, number, number];
}

/**
 * The two stages of ITU-R BS.1770 K-weighting (a high-frequency shelf, then the RLB high-pass), designed
 * for any sample rate from the analogue prototypes through the bilinear transform with pre-warping. The
 * prototype constants are libebur128's fit to the 48 kHz coefficients printed in BS.1770.
 */
export function kWeighting(sampleRate: number): { shelf: Biquad; highpass: Biquad } {
  let f0 = 1681.974450955533;
  const gainDb = 3.999843853973347;
  let q = 0.7071752369554196;
  let k = Math.tan((Math.PI * f0) / sampleRate);
  const vh = 10 ** (gainDb / 20);
  const vb = vh ** 0.4996667741545416;
  let a0 = 1 + k / q + k * k;
  const shelf: Biquad = {
    b: [(vh + (vb * k) / q + k * k) / a0, (2 * (k * k - vh)) / a0, (vh - (vb * k) / q + k * k) / a0],
    a: [1, (2 * (k * k - 1)) / a0, (1 - k / q + k * k) / a0],
  };
  f0 = 38.13547087602444;
  q = 0.5003270373238773;
  k = Math.tan((Math.PI * f0) / sampleRate);
  a0 = 1 + k / q + k * k;
  const highpass: Biquad = { b: [1, -2, 1], a: [1, (2 * (k * k - 1)) / a0, (1 - k / q + k * k) / a0] };
  return { shelf, highpass };
}

/** BS.1770 channel weights: 1 for front channels, 1.41 for surrounds, 0 for LFE (5.0 and 5.1 layouts). */
function channelWeights(channels: number): number[] {
  if (channels === 5) return [1, 1, 1, 1.41, 1.41];
  if (channels === 6) return [1, 1, 1, 0, 1.41, 1.41];
  return Array.from({ length: channels }, () => 1);
}

/** K-weighted sum of squares of each 100 ms step of one channel (the hop of the 400 ms gating blocks). */
function stepEnergies(samples: Float32Array, sampleRate: number, bounds: number[]): Float64Array {
  const { shelf, highpass } = kWeighting(sampleRate);
  const energies = new Float64Array(bounds.length - 1);
  // Direct form I in double precision; two cascaded sections.
  let x1 = 0, x2 = 0, y1 = 0, y2 = 0, z1 = 0, z2 = 0;
  let step = 0;
  let sum = 0;
  const end = bounds[bounds.length - 1];
  for (let i = 0; i < end; i++) {
    const x = samples[i];
    const y = shelf.b[0] * x + shelf.b[1] * x1 + shelf.b[2] * x2 - shelf.a[1] * y1 - shelf.a[2] * y2;
    x2 = x1; x1 = x;
    const z = highpass.b[0] * y + highpass.b[1] * y1 + highpass.b[2] * y2 - highpass.a[1] * z1 - highpass.a[2] * z2;
    y2 = y1; y1 = y;
    z2 = z1; z1 = z;
    sum += z * z;
    if (i + 1 === bounds[step + 1]) {
      energies[step++] = sum;
      sum = 0;
    }
  }
  return energies;
}

const ABSOLUTE_GATE_LUFS = -70;
const RELATIVE_GATE_LU = -10;
const toLufs = (meanSquare: number) => -0.691 + 10 * Math.log10(meanSquare);

/**
 * Integrated loudness (EBU R128 / ITU-R BS.1770-4) in LUFS: K-weighted mean square over 400 ms blocks with
 * 75 % overlap, gated at -70 LUFS absolute and then 10 LU below the absolutely gated loudness. Returns null
 * when the clip is shorter than one block or no block passes the gates (silence).
 */
export function integratedLoudness(pcm: Pcm): number | null {
  const frames = frameCount(pcm);
  const { sampleRate } = pcm;
  const totalSteps = Math.floor((frames * 10) / sampleRate + 1e-9);
  if (totalSteps < 4) return null;
  const bounds = Array.from({ length: totalSteps + 1 }, (_, k) => Math.round((k * sampleRate) / 10));
  const weights = channelWeights(pcm.channels.length);
  const energies = pcm.channels.map((ch, c) => (weights[c] === 0 ? null : stepEnergies(ch, sampleRate, bounds)));

  const blocks = new Float64Array(totalSteps - 3); // weighted mean square of each 400 ms block
  for (let j = 0; j < blocks.length; j++) {
    const length = bounds[j + 4] - bounds[j];
    let total = 0;
    energies.forEach((e, c) => {
      if (e) total += (weights[c] * (e[j] + e[j + 1] + e[j + 2] + e[j + 3])) / length;
    });
    blocks[j] = total;
  }
  const gatedMean = (threshold: number) => {
    let sum = 0;
    let n = 0;
    for (const z of blocks) {
      if (z > 0 && toLufs(z) > threshold) {
        sum += z;
        n++;
      }
    }
    return n === 0 ? null : sum / n;
  };
  const absolute = gatedMean(ABSOLUTE_GATE_LUFS);
  if (absolute === null) return null;
  const relative = gatedMean(Math.max(ABSOLUTE_GATE_LUFS, toLufs(absolute) + RELATIVE_GATE_LU));
  return relative === null ? null : toLufs(relative);
}

/** Reported for digital silence, where the peak in dB would be minus infinity (which JSON cannot carry). */
export const SILENCE_PEAK_DB = -120;

/** Largest absolute sample value over all channels, in dBFS (floored at SILENCE_PEAK_DB). */
export function samplePeakDb(pcm: Pcm): number {
  let peak = 0;
  for (const ch of pcm.channels) {
    for (let i = 0; i < ch.length; i++) {
      const v = Math.abs(ch[i]);
      if (v > peak) peak = v;
    }
  }
  return peak === 0 ? SILENCE_PEAK_DB : Math.max(SILENCE_PEAK_DB, 20 * Math.log10(peak));
}
