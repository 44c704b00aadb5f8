import type { Pcm } from './pcm.js';
import { concatPcm } from './pcm.js';
import type { AudioFormat } from './probe.js';
import { openAudioStream } from './stream-decode.js';

export { throwIfCancelled } from './stream-decode.js';

/** Longest clip accepted unless the caller says otherwise: long recordings are sliced, not imported whole. */
export const DEFAULT_MAX_DURATION_SEC = 30 * 60;

export interface DecodeOptions {
  signal?: AbortSignal;
  maxDurationSec?: number;
  /** Fraction of the file's bytes decoded so far. */
  onProgress?(fraction: number): void;
}

export interface DecodedAudio {
  pcm: Pcm;
  format: AudioFormat;
}

/**
 * Decodes a whole audio file to PCM. It is streamed (stream-decode.ts) in 1 MiB chunks so that an abort or
 * an over-long file stops it early. Every failure is a StudioError naming the file: not_found, not_audio,
 * unsupported_audio, corrupt_audio (also for NaN/Inf samples), empty_audio, audio_too_long or cancelled.
 * `name` is the file's display name for those messages.
 */
export async function decodeAudioFile(path: string, name: string, options: DecodeOptions = {}): Promise<DecodedAudio> {
  const { maxDurationSec = DEFAULT_MAX_DURATION_SEC } = options;
  const stream = await openAudioStream(path, name, { ...options, maxDurationSec });
  try {
    const pieces: Float32Array[][] = [];
    let sampleRate = 0;
    for await (const chunk of stream.chunks()) {
      pieces.push(chunk.channels);
      sampleRate = chunk.sampleRate;
    }
    return { pcm: concatPcm(sampleRate, pieces), format: stream.format };
  } finally {
    await stream.close();
  }
}
