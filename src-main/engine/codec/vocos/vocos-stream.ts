/**
 * Streaming Vocos decoding that equals one-shot decoding (up to float32 rounding).
 *
 * Vocos is not causal, but its reach is finite: the embedding conv and each ConvNeXt depthwise conv see ±3
 * frames, and an output sample overlaps the iSTFT frames within ±ceil(n_fft / hop). So a frame's samples are
 * final once `contextFrames` frames after it are known, and decoding a window that also holds
 * `contextFrames` frames before it reproduces them exactly. Each push decodes
 * [emitted − context, received) and returns the samples of the frames that became final; flush() decodes
 * the rest with the true end of the stream. Latency: contextFrames frames (31 at the published size,
 * 0.41 s); extra work per push: up to 2 × contextFrames frames.
 */
import { StudioError } from '../../../../src-shared/api/errors.js';
import type { Codes } from '../codes.js';
import type { VocosConfig } from './config.js';

export function vocosContextFrames(c: VocosConfig): number {
  return 3 * (c.numLayers + 1) + Math.ceil(c.nFft / c.hopLength);
}

export type WindowDecoder = (codes: Codes) => Float32Array;
export type CodesValidator = (codes: Codes, allowEmpty: boolean, exactLevels?: number) => void;

export class VocosStreamingDecoder {
  /** Frames received so far (only the tail a window can still need is kept). */
  #buffer: Uint16Array = new Uint16Array(0);
  /** Global index of #buffer's first frame. */
  #bufferStart = 0;
  #received = 0;
  #emitted = 0;
  #levels: number | undefined;
  #done = false;
  readonly #context: number;

  constructor(
    config: VocosConfig,
    private readonly hopLength: number,
    private readonly decodeWindow: WindowDecoder,
    private readonly validate: CodesValidator,
  ) {
    this.#context = vocosContextFrames(config);
  }

  push(codes: Codes): Float32Array {
    if (this.#done) throw new StudioError('invalid_input', 'vocos codes: the stream was already flushed');
    this.validate(codes, true, this.#levels);
    if (codes.frames === 0) return new Float32Array(0);
    this.#levels ??= codes.levels;
    const grown = new Uint16Array(this.#buffer.length + codes.data.length);
    grown.set(this.#buffer);
    grown.set(codes.data, this.#buffer.length);
    this.#buffer = grown;
    this.#received += codes.frames;
    return this.emitUpTo(this.#received - this.#context);
  }

  flush(): Float32Array {
    if (this.#done) throw new StudioError('invalid_input', 'vocos codes: the stream was already flushed');
    this.#done = true;
    return this.emitUpTo(this.#received);
  }

  /** Decodes the window around frames [emitted, end) and returns their samples. */
  private emitUpTo(end: number): Float32Array {
    if (end <= this.#emitted) return new Float32Array(0);
    const levels = this.#levels!;
    const from = Math.max(0, this.#emitted - this.#context);
    const window: Codes = {
      frames: this.#received - from,
      levels,
      data: this.#buffer.subarray((from - this.#bufferStart) * levels, (this.#received - this.#bufferStart) * levels),
    };
    const samples = this.decodeWindow(window);
    const out = samples.slice((this.#emitted - from) * this.hopLength, (end - from) * this.hopLength);
    this.#emitted = end;
    // Keep only what the next window can reach back to.
    const keepFrom = Math.max(0, this.#emitted - this.#context);
    if (keepFrom > this.#bufferStart) {
      this.#buffer = this.#buffer.slice((keepFrom - this.#bufferStart) * levels);
      this.#bufferStart = keepFrom;
    }
    return out;
  }
}
