import type { ProgressReport } from '../jobs/job-context.js';
import { DEFAULT_MAX_DURATION_SEC, decodeAudioFile, throwIfCancelled } from './decode.js';
import { integratedLoudness, samplePeakDb } from './loudness.js';
import { MediaStore } from './media-store.js';
import { durationSec } from './pcm.js';

export interface IngestInput {
  /** A plain file path: the caller has already checked that it may be read. */
  sourcePath: string;
  /** Display name for messages (the original file name). */
  name: string;
  /** Root folder of the media store. */
  mediaRoot: string;
  maxDurationSec?: number;
}

export interface IngestResult {
  mediaId: string;
  durationSec: number;
  sampleRate: number;
  channels: number;
  /** EBU R128 integrated loudness; null when the clip is too short or silent. */
  loudnessLufs: number | null;
  peakDb: number;
}

/**
 * Decodes one file, measures it and puts it in the media store. Runs as the worker task 'media.ingest',
 * so it touches only media-store files, never the database; the caller records the result. Throws the
 * decoder's specific StudioError, or StudioError('cancelled') when the signal aborts (leaving no temp
 * files behind; an item already renamed into the store is complete and harmless).
 */
export async function ingestAudio(
  input: IngestInput,
  ctx: { signal: AbortSignal; progress(report: ProgressReport): void },
): Promise<IngestResult> {
  const { signal } = ctx;
  ctx.progress({ fraction: 0, stage: 'decoding' });
  const { pcm } = await decodeAudioFile(input.sourcePath, input.name, {
    signal,
    maxDurationSec: input.maxDurationSec ?? DEFAULT_MAX_DURATION_SEC,
    onProgress: (f) => ctx.progress({ fraction: 0.7 * f, stage: 'decoding' }),
  });
  throwIfCancelled(signal);
  ctx.progress({ fraction: 0.7, stage: 'measuring' });
  const loudnessLufs = integratedLoudness(pcm);
  const peakDb = samplePeakDb(pcm);
  throwIfCancelled(signal);
  ctx.progress({ fraction: 0.8, stage: 'storing' });
  const { mediaId } = await new MediaStore(input.mediaRoot).put(pcm, { signal });
  ctx.progress({ fraction: 1, stage: 'stored' });
  return { mediaId, durationSec: durationSec(pcm), sampleRate: pcm.sampleRate, channels: pcm.channels.length, loudnessLufs, peakDb };
}
