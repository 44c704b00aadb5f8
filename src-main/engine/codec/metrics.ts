/**
 * Objective round-trip quality of a codec: the decoded signal against the (resampled, mono) input, frame by
 * frame on the same time grid (a codec keeps time, so no alignment search is needed).
 *
 * - MCD (dB): mel-cepstral distortion (Kubichek 1993), (10/ln 10)·√(2·Σ_{m=1..24}(Δc_m)²), c₀ (level) excluded.
 *   Cepstra are taken here from a plain Hann-window STFT (42.7 ms at 24 kHz, 10 ms hop) on the all-pass
 *   warped axis, independently of any codec's own analysis.
 * - LSD (dB): log-spectral distance, √(mean_k (10·log₁₀ P_ref(k) − 10·log₁₀ P_test(k))²) per frame.
 * - F0: RMSE in cents and Hz over frames voiced in both (metrics-pitch.ts); the share of those with a gross
 *   error (> 20 %, mostly octave slips, which dominate an RMSE) and the RMSE over the rest; and the share of
 *   frames whose voicing decision differs.
 *
 * Frames more than 40 dB below the reference's loudest frame are silence and left out of every average; log
 * spectra are floored 80 dB below each signal's loudest frame.
 */
import { fftOfSize, powerSpectrum } from './dsp/fft.js';
import { MelCepstrum } from './dsp/mel-cepstrum.js';
import { estimatePitch } from './metrics-pitch.js';

export const MCD_ORDER = 24;
const SPEECH_BELOW_PEAK_DB = 40;
/**
 * Power floor so a silent bin has a finite log: 80 dB below the signal's loudest frame (its mean bin power).
 * Relative, not absolute, so that a gain change moves a signal's floor with it and MCD stays level-blind.
 */
const FLOOR_BELOW_PEAK = 1e-8;
const DB_PER_NEPER = 10 / Math.LN10;

export interface RoundTripMetrics {
  /** Mel-cepstral distortion, dB. */
  mcdDb: number;
  /** Log-spectral distance, dB. */
  lsdDb: number;
  /** F0 RMSE over frames voiced in both, cents (null when no frame is voiced in both). */
  f0RmseCents: number | null;
  f0RmseHz: number | null;
  /** Share of frames voiced in both whose F0 differs by more than 20 % (gross pitch error, GPE). */
  grossPitchErrorRate: number | null;
  /** F0 RMSE in cents over the frames voiced in both without a gross error (fine pitch error). */
  f0FineRmseCents: number | null;
  /** Share of speech frames whose voiced/unvoiced decision differs. */
  voicingErrorRate: number;
  /** Speech frames compared, and how many of them are voiced in both. */
  frames: number;
  voicedFrames: number;
}

/** All-pass constant approximating the mel scale at a sample rate (SPTK's usual values, interpolated). */
export function melAlpha(sampleRate: number): number {
  const table: [number, number][] = [
    [8000, 0.31],
    [11025, 0.35],
    [16000, 0.42],
    [22050, 0.455],
    [24000, 0.466],
    [32000, 0.5],
    [44100, 0.544],
    [48000, 0.554],
  ];
  if (sampleRate <= table[0][0]) return table[0][1];
  for (let i = 1; i < table.length; i++) {
    const [r1, a1] = table[i];
    const [r0, a0] = table[i - 1];
    if (sampleRate <= r1) return a0 + ((a1 - a0) * (sampleRate - r0)) / (r1 - r0);
  }
  return table[table.length - 1][1];
}

/** MCD between two cepstra (index 0 = c₀, ignored). */
export function melCepstralDistortion(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`cepstra differ in length (${a.length} vs ${b.length})`);
  let s = 0;
  for (let m = 1; m < a.length; m++) s += (a[m] - b[m]) ** 2;
  return DB_PER_NEPER * Math.sqrt(2 * s);
}

/** LSD between two power spectra of the same length (each floored at its own `floor`). */
export function logSpectralDistance(p: ArrayLike<number>, q: ArrayLike<number>, floorP = 0, floorQ = floorP): number {
  if (p.length !== q.length) throw new RangeError(`spectra differ in length (${p.length} vs ${q.length})`);
  let s = 0;
  for (let k = 0; k < p.length; k++) {
    const d = 10 * Math.log10(Math.max(p[k], floorP)) - 10 * Math.log10(Math.max(q[k], floorQ));
    s += d * d;
  }
  return Math.sqrt(s / p.length);
}

export interface SpectralFrames {
  hop: number;
  frames: number;
  bins: number;
  /** Power per frame, [frames][bins]. */
  power: Float64Array;
  /** Frame energy (mean power), for the speech/silence decision. */
  energy: Float64Array;
  /** Power floor for logs: FLOOR_BELOW_PEAK × the loudest frame's energy (a tiny absolute value for silence). */
  floor: number;
}

/** Hann-window power spectra; frame i centred on sample i·hop; window energy normalised to 1. */
export function stftPower(x: Float32Array, sampleRate: number): SpectralFrames {
  const size = 2 ** Math.ceil(Math.log2(0.04 * sampleRate));
  const hop = Math.round(0.01 * sampleRate);
  const fft = fftOfSize(size);
  const bins = size / 2 + 1;
  const frames = Math.floor(x.length / hop) + 1;
  const window = new Float64Array(size);
  let wp = 0;
  for (let i = 0; i < size; i++) {
    window[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * (i + 0.5)) / size);
    wp += window[i] ** 2;
  }
  const norm = 1 / Math.sqrt(wp);
  const power = new Float64Array(frames * bins);
  const energy = new Float64Array(frames);
  const frame = new Float64Array(size);
  const out = new Float64Array(bins);
  const scratch = { re: new Float64Array(size), im: new Float64Array(size) };
  for (let f = 0; f < frames; f++) {
    const start = f * hop - size / 2;
    for (let i = 0; i < size; i++) {
      const k = start + i;
      frame[i] = k >= 0 && k < x.length ? x[k] * window[i] * norm : 0;
    }
    powerSpectrum(fft, frame, out, scratch);
    power.set(out, f * bins);
    let e = 0;
    for (let k = 0; k < bins; k++) e += out[k];
    energy[f] = e / bins;
  }
  let peak = 0;
  for (const e of energy) peak = Math.max(peak, e);
  return { hop, frames, bins, power, energy, floor: Math.max(peak * FLOOR_BELOW_PEAK, 1e-30) };
}

/** Mel-cepstra c₀..c_order of each frame's log amplitude (ln √P). */
export function melCepstra(spec: SpectralFrames, sampleRate: number, order = MCD_ORDER): Float64Array[] {
  const mc = new MelCepstrum(order, melAlpha(sampleRate), spec.bins);
  const logAmp = new Float64Array(spec.bins);
  const out: Float64Array[] = [];
  for (let f = 0; f < spec.frames; f++) {
    for (let k = 0; k < spec.bins; k++) logAmp[k] = 0.5 * Math.log(Math.max(spec.power[f * spec.bins + k], spec.floor));
    out.push(mc.fromLogSpectrum(logAmp));
  }
  return out;
}

/** Indices of frames within SPEECH_BELOW_PEAK_DB of the loudest. */
export function speechFrames(energy: Float64Array): number[] {
  let peak = 0;
  for (const e of energy) peak = Math.max(peak, e);
  if (peak <= 0) return [];
  const gate = peak * 10 ** (-SPEECH_BELOW_PEAK_DB / 10);
  const out: number[] = [];
  for (let i = 0; i < energy.length; i++) if (energy[i] >= gate) out.push(i);
  return out;
}

/**
 * Metrics of `test` against `reference` (same sample rate; `test` is cut or zero-extended to the reference's
 * length, as a codec's output is frame-padded).
 */
export function roundTripMetrics(reference: Float32Array, test: Float32Array, sampleRate: number): RoundTripMetrics {
  const y = new Float32Array(reference.length);
  y.set(test.subarray(0, Math.min(test.length, reference.length)));
  const specRef = stftPower(reference, sampleRate);
  const specTest = stftPower(y, sampleRate);
  const speech = speechFrames(specRef.energy);
  if (speech.length === 0) throw new RangeError('the reference is silent: there is nothing to compare');
  const cRef = melCepstra(specRef, sampleRate);
  const cTest = melCepstra(specTest, sampleRate);
  const bins = specRef.bins;
  let mcd = 0;
  let lsd = 0;
  for (const f of speech) {
    mcd += melCepstralDistortion(cRef[f], cTest[f]);
    lsd += logSpectralDistance(specRef.power.subarray(f * bins, (f + 1) * bins), specTest.power.subarray(f * bins, (f + 1) * bins), specRef.floor, specTest.floor);
  }
  const pitchRef = estimatePitch(reference, { sampleRate, hop: specRef.hop });
  const pitchTest = estimatePitch(y, { sampleRate, hop: specRef.hop });
  let voicingErrors = 0;
  let voiced = 0;
  let cents2 = 0;
  let hz2 = 0;
  let gross = 0;
  let fine2 = 0;
  for (const f of speech) {
    const a = pitchRef.f0[f];
    const b = pitchTest.f0[f];
    if (a > 0 !== b > 0) voicingErrors++;
    if (a > 0 && b > 0) {
      voiced++;
      const cents = 1200 * Math.log2(b / a);
      cents2 += cents ** 2;
      hz2 += (b - a) ** 2;
      if (Math.abs(b - a) > 0.2 * a) gross++;
      else fine2 += cents ** 2;
    }
  }
  return {
    mcdDb: mcd / speech.length,
    lsdDb: lsd / speech.length,
    f0RmseCents: voiced > 0 ? Math.sqrt(cents2 / voiced) : null,
    f0RmseHz: voiced > 0 ? Math.sqrt(hz2 / voiced) : null,
    grossPitchErrorRate: voiced > 0 ? gross / voiced : null,
    f0FineRmseCents: voiced > gross ? Math.sqrt(fine2 / (voiced - gross)) : null,
    voicingErrorRate: voicingErrors / speech.length,
    frames: speech.length,
    voicedFrames: voiced,
  };
}
