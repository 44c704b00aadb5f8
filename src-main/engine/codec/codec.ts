/**
 * The codec layer's contract: audio ⇄ discrete codes on a fixed frame grid, as the VALL-E models consume them
 * (reference: 24 kHz, 75 frames/s, 8 residual levels × 1024 codes; see seed-spec §3).
 *
 * Every codec (the built-in `lite`, and EnCodec / Vocos once their weights are installed) implements it, so
 * the rest of the studio never knows which one it talks to.
 */
import type { Pcm } from '../media/pcm.js';
import type { Codes } from './codes.js';

export interface EncodeOptions {
  /** Levels to produce (1..codec.levels, default all). Fewer levels = coarser audio, the same time grid. */
  levels?: number;
  signal?: AbortSignal;
}

export interface DecodeOptions {
  signal?: AbortSignal;
}

export interface Codec {
  /** Registry name ('lite', 'encodec', 'vocos'). */
  readonly name: string;
  /** Sample rate of decoded audio (and of the audio the encoder analyses after resampling). */
  readonly sampleRate: number;
  /** Frames per second (sampleRate / hopLength). */
  readonly frameRate: number;
  /** Samples per frame. */
  readonly hopLength: number;
  /** Most residual levels a frame can carry. */
  readonly levels: number;
  /** Codes per level: valid codes are 0..codebookSize − 1. */
  readonly codebookSize: number;

  /**
   * Audio (any rate, any channel count: mixed to mono and resampled first) → codes,
   * ceil(samples at sampleRate / hopLength) frames. Errors: corrupt_audio for NaN/±∞ samples,
   * empty_audio for no samples or silence only, cancelled.
   */
  encode(pcm: Pcm, options?: EncodeOptions): Promise<Codes>;

  /**
   * Codes (1..levels levels, any number of frames ≥ 1) → mono audio at sampleRate, frames × hopLength samples.
   * Codes out of range or with an unusable level count are rejected with invalid_input before any work.
   */
  decode(codes: Codes, options?: DecodeOptions): Promise<Pcm>;

  /**
   * A decoder fed codes chunk by chunk (same level count in every chunk). The concatenation of everything
   * push() and flush() return is the one-shot decode of all the chunks joined (exactly for `lite`; a neural
   * decoder documents its cross-fade).
   */
  createDecoder(): StreamingDecoder;
}

export interface StreamingDecoder {
  /** Decodes a chunk; returns the samples that became final (possibly none). */
  push(codes: Codes): Pcm;
  /** Ends the stream and returns the remaining samples. The decoder cannot be used afterwards. */
  flush(): Pcm;
}
