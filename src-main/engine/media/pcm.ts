/** Decoded audio: one Float32Array per channel, all of the same length, samples nominally in -1..1. */
export interface Pcm {
  sampleRate: number;
  channels: Float32Array[];
}

export function frameCount(pcm: Pcm): number {
  return pcm.channels.length === 0 ? 0 : pcm.channels[0].length;
}

export function durationSec(pcm: Pcm): number {
  return pcm.sampleRate > 0 ? frameCount(pcm) / pcm.sampleRate : 0;
}

/** Joins per-channel pieces (as a streaming decoder yields them) into one array per channel. */
export function concatPcm(sampleRate: number, pieces: Float32Array[][]): Pcm {
  const channelCount = pieces.reduce((n, p) => Math.max(n, p.length), 0);
  const total = pieces.reduce((n, p) => n + (p[0]?.length ?? 0), 0);
  const channels = Array.from({ length: channelCount }, () => new Float32Array(total));
  let offset = 0;
  for (const piece of pieces) {
    const len = piece[0]?.length ?? 0;
    // A decoder that changes channel count mid-stream repeats its channels cyclically, as audio-decode's merge does.
    for (let c = 0; c < channelCount; c++) channels[c].set(piece[c % piece.length], offset);
    offset += len;
  }
  return { sampleRate, channels };
}

/** Where the first NaN or infinite sample is (frame index within the arrays), or null when all are finite. */
export function firstNonFinite(channels: readonly Float32Array[]): { channel: number; frame: number } | null {
  let found: { channel: number; frame: number } | null = null;
  channels.forEach((samples, channel) => {
    const limit = found ? found.frame : samples.length;
    for (let i = 0; i < limit; i++) {
      // x - x is 0 for finite x and NaN for NaN and ±Infinity: one comparison per sample.
      if (samples[i] - samples[i] !== 0) {
        found = { channel, frame: i };
        break;
      }
    }
  });
  return found;
}
