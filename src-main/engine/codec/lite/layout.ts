/**
 * The `lite` codec's frame and feature layout. One frame = 320 samples at 24 kHz (75 frames/s, EnCodec's
 * grid), described by one feature vector:
 *
 *   [ c₀ … c_M | ln F0 | voiced | A₁ … A_B ]
 *
 * - c: mel-cepstrum (all-pass α) of the pitch-adaptive spectral envelope, natural-log amplitude; c₀ is the level.
 * - ln F0: log fundamental frequency in Hz, interpolated through unvoiced frames so it stays smooth.
 * - voiced: 1 or 0 (the decoder thresholds the dequantised value at ½).
 * - A_b: aperiodic share of the power in band b (0 = perfectly periodic, 1 = noise).
 *
 * The layout travels inside the tables file (its metadata), so a decoder always reads features the way the
 * tables were built; `LITE_FORMAT_VERSION` changes whenever the meaning of a feature changes.
 */
export const LITE_FORMAT = 'valle-studio/lite-codec';
export const LITE_FORMAT_VERSION = 1;

export const LITE_SAMPLE_RATE = 24000;
export const LITE_HOP = 320;
export const LITE_FRAME_RATE = LITE_SAMPLE_RATE / LITE_HOP;

export interface LiteLayout {
  mcepOrder: number;
  alpha: number;
  /** Band edges in Hz, ascending, first 0 and last the Nyquist frequency. */
  apBandEdgesHz: number[];
}

export const DEFAULT_LITE_LAYOUT: LiteLayout = {
  mcepOrder: 31,
  alpha: 0.466,
  apBandEdgesHz: [0, 1000, 2000, 4000, 6000, 12000],
};

export interface FeatureIndex {
  dims: number;
  mcep: number;
  lf0: number;
  vuv: number;
  ap: number;
  apBands: number;
}

export function featureIndex(layout: LiteLayout): FeatureIndex {
  const mcep = 0;
  const lf0 = layout.mcepOrder + 1;
  const vuv = lf0 + 1;
  const ap = vuv + 1;
  const apBands = layout.apBandEdgesHz.length - 1;
  return { dims: ap + apBands, mcep, lf0, vuv, ap, apBands };
}

/** Sample index of frame t's centre: frame t covers samples [320·t, 320·t + 320). */
export function frameCenter(t: number): number {
  return t * LITE_HOP + LITE_HOP / 2;
}

/** Frames needed for n samples (EnCodec's count: the last partial frame is padded). */
export function framesForSamples(n: number): number {
  return Math.ceil(n / LITE_HOP);
}

/** F0 range the analysis searches and the synthesiser accepts (Hz). */
export const F0_MIN_HZ = 50;
export const F0_MAX_HZ = 500;
/** ln F0 given to a file with no voiced frame at all (whisper), so the feature still has a sensible value. */
export const UNVOICED_LF0 = Math.log(140);
