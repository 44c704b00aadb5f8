import type { Pcm } from './pcm.js';
import { frameCount } from './pcm.js';

/** Number of buckets covering `frames` frames at `peaksPerSecond`. */
export function bucketCount(frames: number, sampleRate: number, peaksPerSecond: number): number {
  return Math.ceil((frames * peaksPerSecond) / sampleRate);
}

/**
 * First frame of bucket `i`: bucket i holds the frames whose time lies in [i, i + 1) / peaksPerSecond, i.e.
 * frames [start(i), start(i + 1)) clipped to the audio.
 */
function bucketStart(i: number, sampleRate: number, peaksPerSecond: number): number {
  return Math.ceil((i * sampleRate) / peaksPerSecond);
}

/**
 * Waveform envelope: for each bucket of 1/peaksPerSecond seconds, the [min, max] sample over all channels,
 * interleaved. A bucket with no samples (only when the sample rate is below peaksPerSecond) is [0, 0].
 */
export function computePeaks(pcm: Pcm, peaksPerSecond: number): Float32Array {
  const frames = frameCount(pcm);
  const n = bucketCount(frames, pcm.sampleRate, peaksPerSecond);
  const out = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    const start = bucketStart(i, pcm.sampleRate, peaksPerSecond);
    const end = Math.min(frames, bucketStart(i + 1, pcm.sampleRate, peaksPerSecond));
    let lo = Infinity;
    let hi = -Infinity;
    for (const ch of pcm.channels) {
      for (let f = start; f < end; f++) {
        const v = ch[f];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
    out[2 * i] = end > start ? lo : 0;
    out[2 * i + 1] = end > start ? hi : 0;
  }
  return out;
}

/**
 * Re-buckets peaks computed at `basePeaksPerSecond` to a coarser `peaksPerSecond` without the samples.
 * Exact (equal to computePeaks at the new rate) when the new rate divides the base rate; otherwise each new
 * bucket takes every base bucket it overlaps, a slightly wider but never narrower envelope.
 */
export function rebucketPeaks(base: Float32Array, basePeaksPerSecond: number, frames: number, sampleRate: number, peaksPerSecond: number): Float32Array {
  if (peaksPerSecond === basePeaksPerSecond) return base.slice();
  if (peaksPerSecond > basePeaksPerSecond) throw new RangeError(`cannot refine peaks from ${basePeaksPerSecond} to ${peaksPerSecond} per second`);
  const baseCount = base.length / 2;
  const n = bucketCount(frames, sampleRate, peaksPerSecond);
  const out = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    const from = Math.floor((i * basePeaksPerSecond) / peaksPerSecond);
    const to = Math.min(baseCount, Math.ceil(((i + 1) * basePeaksPerSecond) / peaksPerSecond));
    let lo = Infinity;
    let hi = -Infinity;
    for (let k = from; k < to; k++) {
      if (base[2 * k] < lo) lo = base[2 * k];
      if (base[2 * k + 1] > hi) hi = base[2 * k + 1];
    }
    out[2 * i] = to > from ? lo : 0;
    out[2 * i + 1] = to > from ? hi : 0;
  }
  return out;
}
