/**
 * The lite codec's analysis: 24 kHz mono samples → one feature vector per 320-sample frame (layout.ts).
 */
import { StudioError } from '../../../../src-shared/api/errors.js';
import { MelCepstrum } from '../dsp/mel-cepstrum.js';
import { AperiodicityAnalyzer } from './aperiodicity.js';
import { ENVELOPE_BINS, EnvelopeAnalyzer, UNVOICED_ANALYSIS_F0 } from './envelope.js';
import { featureIndex, frameCenter, framesForSamples, UNVOICED_LF0, type LiteLayout } from './layout.js';
import { trackPitch } from './pitch.js';

export interface FeatureFrames {
  frames: number;
  dims: number;
  /** Time-major [frames][dims]. */
  data: Float64Array;
}

export function analyzeFeatures(x: Float32Array, layout: LiteLayout, signal?: AbortSignal): FeatureFrames {
  const idx = featureIndex(layout);
  const frames = framesForSamples(x.length);
  const pitch = trackPitch(x, frames);
  const lf0 = continuousLogF0(pitch.f0);
  const envelope = new EnvelopeAnalyzer();
  const ap = new AperiodicityAnalyzer(layout.apBandEdgesHz);
  const mcep = new MelCepstrum(layout.mcepOrder, layout.alpha, ENVELOPE_BINS);
  const spectrum = new Float64Array(ENVELOPE_BINS);
  const logAmp = new Float64Array(ENVELOPE_BINS);
  const c = new Float64Array(layout.mcepOrder + 1);
  const bands = new Float64Array(idx.apBands);
  const data = new Float64Array(frames * idx.dims);
  for (let t = 0; t < frames; t++) {
    if (signal?.aborted) throw new StudioError('cancelled', 'Cancelled.');
    const centre = frameCenter(t);
    const f0 = pitch.f0[t];
    const voiced = f0 > 0;
    envelope.analyze(x, centre, voiced ? f0 : UNVOICED_ANALYSIS_F0, spectrum);
    for (let k = 0; k < ENVELOPE_BINS; k++) logAmp[k] = 0.5 * Math.log(spectrum[k]);
    mcep.fromLogSpectrum(logAmp, c);
    if (voiced) ap.analyze(x, centre, f0, bands);
    else bands.fill(1);
    const row = t * idx.dims;
    data.set(c, row + idx.mcep);
    data[row + idx.lf0] = lf0[t];
    data[row + idx.vuv] = voiced ? 1 : 0;
    data.set(bands, row + idx.ap);
  }
  return { frames, dims: idx.dims, data };
}

/** ln F0 with unvoiced stretches filled by linear interpolation between the voiced frames around them. */
export function continuousLogF0(f0: Float64Array): Float64Array {
  const out = new Float64Array(f0.length);
  let prev = -1;
  for (let t = 0; t <= f0.length; t++) {
    if (t < f0.length && f0[t] <= 0) continue;
    const right = t < f0.length ? Math.log(f0[t]) : prev >= 0 ? Math.log(f0[prev]) : UNVOICED_LF0;
    const left = prev >= 0 ? Math.log(f0[prev]) : right;
    for (let i = prev + 1; i < t; i++) out[i] = left + ((right - left) * (i - prev)) / (t - prev);
    if (t < f0.length) out[t] = right;
    prev = t;
  }
  return out;
}
