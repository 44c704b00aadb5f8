import { StudioError } from '../../../src-shared/api/errors.js';
import { audioError } from './audio-errors.js';
import { integratedLoudness, samplePeakDb, SILENCE_PEAK_DB } from './loudness.js';
import type { Pcm } from './pcm.js';
import { firstNonFinite, frameCount } from './pcm.js';
import { truePeakDb } from './true-peak.js';

/** Which peak a ceiling or a peak target refers to: sample values, or the true (inter-sample) peak. */
export type PeakKind = 'sample' | 'true';

export interface LoudnessTarget {
  /** Integrated loudness to reach, in LUFS (EBU R128 broadcast: -23; speech datasets often -20..-16). */
  targetLufs?: number;
  /** The peak after the gain stays at or below this (dBFS or dBTP). */
  ceilingDb?: number;
  peak?: PeakKind;
  /** Display name for error messages. */
  name?: string;
}

export interface PeakTarget {
  /** The peak after the gain (dBFS or dBTP). */
  peakDb?: number;
  peak?: PeakKind;
  name?: string;
}

export interface Normalized {
  pcm: Pcm;
  /** Gain applied to every sample, in dB. */
  gainDb: number;
  /** Peak (of the chosen kind) before and after. */
  inputPeakDb: number;
  outputPeakDb: number;
  /** Integrated loudness before and after (null where unmeasurable, e.g. under 0.4 s for peak normalisation). */
  inputLufs: number | null;
  outputLufs: number | null;
  /** True when the ceiling, not the loudness target, set the gain: the result is quieter than the target. */
  limitedByCeiling: boolean;
}

export const DEFAULT_TARGET_LUFS = -23;
export const DEFAULT_CEILING_DB = -1;

/**
 * Loudness normalisation: one gain for the whole clip that brings its integrated loudness (BS.1770,
 * loudness.ts) to the target, reduced where needed so that the peak stays under the ceiling. There is no
 * limiter or compressor: a clip with a high peak-to-loudness ratio comes out quieter than the target and
 * says so (`limitedByCeiling`). The default ceiling is -1 dBTP (true peak), as EBU R128 recommends, so
 * that the result does not clip when converted to integers or lossy formats.
 *
 * Errors: `empty_audio` for digital or near silence (nothing above the -70 LUFS gate: nothing to
 * normalise), `invalid_input` for a clip shorter than one 400 ms measurement block or bad targets,
 * `corrupt_audio` for NaN or infinite samples.
 */
export async function normalizeLoudness(pcm: Pcm, target: LoudnessTarget = {}): Promise<Normalized> {
  const { targetLufs = DEFAULT_TARGET_LUFS, ceilingDb = DEFAULT_CEILING_DB, peak = 'true', name = 'The audio' } = target;
  checkLevel('targetLufs', targetLufs, -70, 0);
  checkLevel('ceilingDb', ceilingDb, -60, 0);
  checkPcm(pcm, name);
  if (frameCount(pcm) < 0.4 * pcm.sampleRate) {
    throw new StudioError('invalid_input', `${name} is ${(frameCount(pcm) / pcm.sampleRate).toFixed(2)} s long; loudness needs at least 0.4 s of audio.`, { file: name });
  }
  const inputLufs = integratedLoudness(pcm);
  if (inputLufs === null) throw silent(name, 'nothing in it is louder than the -70 LUFS gate');
  const inputPeakDb = await peakDb(pcm, peak);
  const wanted = targetLufs - inputLufs;
  const allowed = ceilingDb - inputPeakDb;
  const gainDb = Math.min(wanted, allowed);
  const out = applyGainDb(pcm, gainDb);
  return {
    pcm: out,
    gainDb,
    inputPeakDb,
    outputPeakDb: await peakDb(out, peak),
    inputLufs,
    outputLufs: integratedLoudness(out),
    limitedByCeiling: allowed < wanted,
  };
}

/**
 * Peak normalisation: one gain that puts the peak (sample or true) at `peakDb` (default -1). Errors as for
 * normalizeLoudness; silence is any clip whose samples are all zero.
 */
export async function normalizePeak(pcm: Pcm, target: PeakTarget = {}): Promise<Normalized> {
  const { peakDb: wantedPeak = DEFAULT_CEILING_DB, peak = 'sample', name = 'The audio' } = target;
  checkLevel('peakDb', wantedPeak, -60, 0);
  checkPcm(pcm, name);
  const inputPeakDb = await peakDb(pcm, peak);
  if (inputPeakDb === SILENCE_PEAK_DB) throw silent(name, 'all its samples are zero');
  const gainDb = wantedPeak - inputPeakDb;
  const out = applyGainDb(pcm, gainDb);
  return {
    pcm: out,
    gainDb,
    inputPeakDb,
    outputPeakDb: await peakDb(out, peak),
    inputLufs: integratedLoudness(pcm),
    outputLufs: integratedLoudness(out),
    limitedByCeiling: false,
  };
}

/** Every sample times 10^(gainDb/20), in a new Pcm. */
export function applyGainDb(pcm: Pcm, gainDb: number): Pcm {
  const g = 10 ** (gainDb / 20);
  return { sampleRate: pcm.sampleRate, channels: pcm.channels.map((c) => c.map((v) => v * g)) };
}

function peakDb(pcm: Pcm, kind: PeakKind): Promise<number> {
  return kind === 'true' ? truePeakDb(pcm) : Promise.resolve(samplePeakDb(pcm));
}

function checkLevel(param: string, value: number, min: number, max: number): void {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new StudioError('invalid_input', `${param} must be a number from ${min} to ${max} dB (got ${value}).`, { param, value });
  }
}

function checkPcm(pcm: Pcm, name: string): void {
  if (pcm.channels.length === 0 || frameCount(pcm) === 0) throw audioError('empty_audio', name, 'contains no audio samples: nothing to normalise.');
  const bad = firstNonFinite(pcm.channels);
  if (bad) throw audioError('corrupt_audio', name, `contains invalid samples (NaN or infinity) at ${(bad.frame / pcm.sampleRate).toFixed(3)} s.`);
}

function silent(name: string, why: string): StudioError {
  return audioError('empty_audio', name, `is silent (${why}): there is nothing to normalise.`);
}
