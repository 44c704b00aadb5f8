/**
 * What every encoder does first: refuse audio it cannot encode (no samples, NaN/±∞, silence only), then mix to
 * mono and resample to the codec's rate. Nothing is encoded from input that fails a check.
 */
import { StudioError } from '../../../src-shared/api/errors.js';
import { mixdownToMono } from '../media/mixdown.js';
import type { Pcm } from '../media/pcm.js';
import { firstNonFinite, frameCount } from '../media/pcm.js';
import { resample } from '../media/resample.js';

/** Peak below which input counts as silence (−90 dBFS: below 16-bit dither). */
export const SILENCE_PEAK = 10 ** (-90 / 20);

export interface PreparedInput {
  /** Mono samples at the codec's rate. */
  samples: Float32Array;
  /** Input length and rate, for the .enc metadata (the reference stores the original length and rate). */
  originalLength: number;
  originalSampleRate: number;
}

export async function prepareCodecInput(pcm: Pcm, sampleRate: number, codec: string): Promise<PreparedInput> {
  checkCodecInput(pcm, codec);
  const mono = mixdownToMono(pcm);
  const at = mono.sampleRate === sampleRate ? mono : await resample(mono, sampleRate);
  return { samples: at.channels[0], originalLength: frameCount(pcm), originalSampleRate: pcm.sampleRate };
}

/** The checks alone (cheap, synchronous): throws corrupt_audio / empty_audio / invalid_input. */
export function checkCodecInput(pcm: Pcm, codec: string): void {
  if (!Number.isInteger(pcm.sampleRate) || pcm.sampleRate <= 0) {
    throw new StudioError('invalid_input', `Cannot encode with ${codec}: the sample rate ${pcm.sampleRate} is not a positive whole number.`);
  }
  if (pcm.channels.length === 0 || frameCount(pcm) === 0) {
    throw new StudioError('empty_audio', `Cannot encode with ${codec}: the audio has no samples.`);
  }
  const bad = firstNonFinite(pcm.channels);
  if (bad) {
    throw new StudioError(
      'corrupt_audio',
      `Cannot encode with ${codec}: the audio contains invalid samples (NaN or infinity) at ${(bad.frame / pcm.sampleRate).toFixed(3)} s (channel ${bad.channel + 1}).`,
      { frame: bad.frame, channel: bad.channel },
    );
  }
  let peak = 0;
  for (const ch of pcm.channels) for (let i = 0; i < ch.length; i++) peak = Math.max(peak, Math.abs(ch[i]));
  if (peak < SILENCE_PEAK) {
    throw new StudioError(
      'empty_audio',
      `Cannot encode with ${codec}: the audio is silent (peak ${peak === 0 ? '−∞' : (20 * Math.log10(peak)).toFixed(1)} dBFS); there is no speech to encode.`,
    );
  }
}
