/**
 * File-level codec operations behind `valle codec …` (and later the studio's jobs): audio file → .enc,
 * .enc → WAV, and a measured round trip. Every output is written atomically after all the work succeeded,
 * so a failure leaves no file and never a partial one.
 */
import { StudioError } from '../../../src-shared/api/errors.js';
import { decodeAudioFile } from '../media/decode.js';
import { mixdownToMono } from '../media/mixdown.js';
import type { Pcm } from '../media/pcm.js';
import { frameCount } from '../media/pcm.js';
import { resample } from '../media/resample.js';
import { encodeWav } from '../media/wav.js';
import { writeAll, writeFileAtomic } from '../nn/io/atomic-write.js';
import type { Codec } from './codec.js';
import type { Codes } from './codes.js';
import { readEncFile, writeEncFile, type EncFile } from './enc-file.js';
import { roundTripMetrics, type RoundTripMetrics } from './metrics.js';

export interface EncodeFileResult {
  codes: Codes;
  durationSec: number;
}

export async function encodeAudioFile(
  codec: Codec,
  input: string,
  output: string,
  options: { levels?: number; language?: string; signal?: AbortSignal; name?: string } = {},
): Promise<EncodeFileResult> {
  const { pcm } = await decodeAudioFile(input, options.name ?? input, { signal: options.signal });
  const codes = await codec.encode(pcm, { levels: options.levels, signal: options.signal });
  await writeEncFile(output, codes, { originalLength: frameCount(pcm), sampleRate: pcm.sampleRate, language: options.language, codec: codec.name });
  return { codes, durationSec: frameCount(pcm) / pcm.sampleRate };
}

export interface DecodeFileResult {
  file: EncFile;
  samples: number;
  sampleRate: number;
}

/** Decodes a .enc to a float WAV at the codec's rate, cut to the original duration when the file records it. */
export async function decodeEncFile(codec: Codec, input: string, output: string, options: { signal?: AbortSignal; name?: string; file?: EncFile } = {}): Promise<DecodeFileResult> {
  const file = options.file ?? (await readEncFile(input, options.name ?? input));
  const pcm = await codec.decode(file.codes, { signal: options.signal });
  const samples = trimmedLength(pcm, file);
  const out: Pcm = { sampleRate: pcm.sampleRate, channels: [pcm.channels[0].subarray(0, samples)] };
  await writeWavFile(output, out);
  return { file, samples, sampleRate: pcm.sampleRate };
}

export interface RoundTripResult {
  codes: Codes;
  durationSec: number;
  metrics: RoundTripMetrics;
}

/** Encode + decode, written as WAV at the codec's rate; metrics against the input mixed to mono at that rate. */
export async function roundTripAudioFile(
  codec: Codec,
  input: string,
  output: string,
  options: { levels?: number; signal?: AbortSignal; name?: string } = {},
): Promise<RoundTripResult> {
  const { pcm } = await decodeAudioFile(input, options.name ?? input, { signal: options.signal });
  const codes = await codec.encode(pcm, { levels: options.levels, signal: options.signal });
  const decoded = await codec.decode(codes, { signal: options.signal });
  const mono = mixdownToMono(pcm);
  const reference = mono.sampleRate === codec.sampleRate ? mono.channels[0] : (await resample(mono, codec.sampleRate)).channels[0];
  const y = decoded.channels[0].subarray(0, reference.length);
  let metrics: RoundTripMetrics;
  try {
    metrics = roundTripMetrics(reference, y, codec.sampleRate);
  } catch (error) {
    throw new StudioError('empty_audio', `${options.name ?? input} has no frame loud enough to measure (${(error as Error).message}).`);
  }
  await writeWavFile(output, { sampleRate: codec.sampleRate, channels: [y] });
  return { codes, durationSec: frameCount(pcm) / pcm.sampleRate, metrics };
}

export async function writeWavFile(path: string, pcm: Pcm): Promise<void> {
  const bytes = encodeWav(pcm, 'float32');
  await writeFileAtomic(path, (fh) => writeAll(fh, bytes));
}

function trimmedLength(pcm: Pcm, file: EncFile): number {
  const total = frameCount(pcm);
  const { originalLength, sampleRate } = file;
  // The reference's qnt.enc fixture stores a bogus fractional original_length: only trust whole sample counts.
  if (originalLength === null || sampleRate === null || !Number.isInteger(originalLength) || originalLength <= 0 || sampleRate <= 0) return total;
  const n = Math.ceil((originalLength * pcm.sampleRate) / sampleRate);
  return n <= total ? n : total;
}
