/**
 * Streaming EnCodec decoding that equals one-shot decoding (up to float32 rounding; no cross-fade needed).
 *
 * Why it can be exact: the 24 kHz decoder is causal (left-padded convolutions, transposed convolutions trimmed
 * on the right, a forward LSTM), so output frame t depends only on frames ≤ t — except at the very start,
 * where the first convolution's reflect padding copies frames 1 … k−1 (k = kernel_size = 7) into the left
 * pad. So:
 *   1. frames are held until the first k have arrived (or the stream ends), then decoded with the one-shot
 *      graph, which also returns the state each layer needs to continue: the last padding_total inputs of
 *      every causal conv, the last input frame of every transposed conv, and the LSTMs' h and c;
 *   2. every later chunk runs the 'next' graph, which reads that state instead of padding.
 * Every sample is final when it is returned; flush() returns only what step 1 was still holding.
 * (A non-causal configuration — not the published one — is decoded whole at flush.)
 */
import { StudioError } from '../../../../src-shared/api/errors.js';
import type { HostTensor } from '../../nn/io/host-tensor.js';
import type { Codes } from '../codes.js';
import { convPadding } from './conv-graph.js';
import { isStreamable } from './config.js';
import { codesFeed } from './codes-feed.js';
import { STATE_IN, STATE_OUT } from './encodec-graphs.js';
import type { EncodecModel } from './encodec-model.js';
import { decoderLayers } from './layout.js';

export type CodesValidator = (codes: Codes, allowEmpty: boolean, exactLevels?: number) => void;

/** Frames the first decoder run needs so that its reflect padding sees the same frames as a one-shot run. */
export function encodecStartFrames(model: EncodecModel): number {
  const first = decoderLayers(model.config)[0];
  if (first.kind !== 'conv') throw new Error('EnCodec decoder: layer 0 is not a convolution');
  return convPadding(first.conv).paddingTotal + 1;
}

export class EncodecStreamingDecoder {
  #held: Codes[] = [];
  #heldFrames = 0;
  #state: Record<string, HostTensor> | null = null;
  #levels: number | undefined;
  #done = false;
  readonly #startFrames: number;

  constructor(
    private readonly model: EncodecModel,
    private readonly validate: CodesValidator,
  ) {
    // A non-causal decoder cannot be continued: it decodes everything at flush.
    this.#startFrames = isStreamable(model.config) ? encodecStartFrames(model) : Infinity;
  }

  pushSamples(codes: Codes): Float32Array {
    if (this.#done) throw new StudioError('invalid_input', 'encodec codes: the stream was already flushed');
    this.validate(codes, true, this.#levels);
    if (codes.frames === 0) return new Float32Array(0);
    this.#levels ??= codes.levels;
    if (this.#state) return this.runNext(codes);
    this.#held.push({ ...codes, data: codes.data.slice() });
    this.#heldFrames += codes.frames;
    return this.#heldFrames >= this.#startFrames ? this.runFirst() : new Float32Array(0);
  }

  flushSamples(): Float32Array {
    if (this.#done) throw new StudioError('invalid_input', 'encodec codes: the stream was already flushed');
    this.#done = true;
    const out = this.#state === null && this.#heldFrames > 0 ? this.runFirst() : new Float32Array(0);
    this.#state = null;
    return out;
  }

  private runFirst(): Float32Array {
    const levels = this.#levels!;
    const data = new Uint16Array(this.#heldFrames * levels);
    let at = 0;
    for (const c of this.#held) {
      data.set(c.data, at);
      at += c.data.length;
    }
    const codes: Codes = { frames: this.#heldFrames, levels, data };
    this.#held = [];
    this.#heldFrames = 0;
    return this.run('first', codes, {});
  }

  private runNext(codes: Codes): Float32Array {
    const feeds: Record<string, HostTensor> = {};
    for (const [key, t] of Object.entries(this.#state!)) feeds[`${STATE_IN}${key}`] = t;
    return this.run('next', codes, feeds);
  }

  private run(mode: 'first' | 'next', codes: Codes, stateFeeds: Record<string, HostTensor>): Float32Array {
    const session = this.model.decoder(mode);
    const out = session.run({ codes: codesFeed(codes), ...stateFeeds });
    const state: Record<string, HostTensor> = {};
    for (const [name, t] of Object.entries(out)) if (name.startsWith(STATE_OUT)) state[name.slice(STATE_OUT.length)] = t;
    this.#state = state;
    return out.pcm.data as Float32Array;
  }
}
