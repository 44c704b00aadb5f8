import type { Pcm } from './pcm.js';

/** The average of the channels, sample by sample (equal-length arrays). One channel is returned as is. */
export function mixChannels(channels: readonly Float32Array[]): Float32Array {
  if (channels.length === 0) throw new RangeError('cannot mix down audio without channels');
  if (channels.length === 1) return channels[0];
  const frames = channels[0].length;
  if (channels.some((c) => c.length !== frames)) throw new RangeError('channels differ in length');
  const out = new Float32Array(frames);
  const scale = 1 / channels.length;
  for (let i = 0; i < frames; i++) {
    let sum = 0;
    for (const channel of channels) sum += channel[i];
    out[i] = sum * scale;
  }
  return out;
}

/**
 * Mono mixdown by averaging, so a full-scale signal stays in range and identical channels come out
 * unchanged. Out-of-phase content cancels, as in any passive mixdown. Mono input is returned as is (no copy).
 */
export function mixdownToMono(pcm: Pcm): Pcm {
  if (pcm.channels.length === 1) return pcm;
  return { sampleRate: pcm.sampleRate, channels: [mixChannels(pcm.channels)] };
}
