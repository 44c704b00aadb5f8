import { InjectionToken } from '$lib/context.js';
import type { WaveformPeaks } from '$shared/api/library.js';
import type { StudioClient } from '$shared/client.js';

const maxEntries = 300;

/**
 * Waveform peaks from the engine, memoised per (media, resolution). Stored media never changes (it is
 * content-addressed), so an entry never goes stale; the cache is bounded only to cap memory.
 */
export class PeaksCache {
  #client: StudioClient;
  #entries = new Map<string, Promise<WaveformPeaks>>();

  constructor(client: StudioClient) {
    this.#client = client;
  }

  get(mediaId: string, peaksPerSecond: number): Promise<WaveformPeaks> {
    const key = `${mediaId}@${peaksPerSecond}`;
    const hit = this.#entries.get(key);
    if (hit) {
      // Refresh its place in insertion order: the map doubles as an LRU list.
      this.#entries.delete(key);
      this.#entries.set(key, hit);
      return hit;
    }
    const pending = this.#client.call('media.peaks', { mediaId, peaksPerSecond });
    // A failed fetch is not cached, so the next draw asks again.
    pending.catch(() => this.#entries.delete(key));
    this.#entries.set(key, pending);
    while (this.#entries.size > maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
    return pending;
  }
}

/** Enough buckets for a row about `targetBuckets` pixels wide, within what the API accepts (1..1000/s). */
export function peaksPerSecondFor(durationSec: number, targetBuckets = 1200): number {
  if (!(durationSec > 0)) return 100;
  return Math.min(1000, Math.max(1, Math.ceil(targetBuckets / durationSec)));
}

/**
 * The engine sends interleaved [min, max] pairs; wavesurfer draws channel 0 above the axis and channel 1
 * below it (by magnitude), so the two halves become two "channels".
 */
export function splitPeaks(interleaved: readonly number[]): [Float32Array, Float32Array] {
  const count = Math.floor(interleaved.length / 2);
  const maxima = new Float32Array(count);
  const minima = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    minima[i] = interleaved[2 * i] ?? 0;
    maxima[i] = interleaved[2 * i + 1] ?? 0;
  }
  return [maxima, minima];
}

export const PEAKS = new InjectionToken<PeaksCache>('PeaksCache');
