/**
 * EnCodec 24 kHz as a studio `Codec`: 75 frames/s of up to 32 levels × 1024 codes; the level count follows the
 * bandwidth (1.5/3/6/12/24 kbps ↔ 2/4/8/16/32 levels; the reference VALL-E uses 6 kbps = 8 levels).
 */
import { StudioError } from '../../../../src-shared/api/errors.js';
import type { Pcm } from '../../media/pcm.js';
import type { Codec, DecodeOptions, EncodeOptions, StreamingDecoder } from '../codec.js';
import { validateCodes, type Codes } from '../codes.js';
import { prepareCodecInput } from '../prepare-input.js';
import { codesFeed } from './codes-feed.js';
import { frameRate, hopLength, levelsForBandwidth, numQuantizers } from './config.js';
import type { EncodecModel } from './encodec-model.js';
import { EncodecStreamingDecoder } from './encodec-stream.js';

/** The reference's bandwidth (seed-spec §3.2: 8 levels). */
export const DEFAULT_ENCODEC_BANDWIDTH = 6;

/** decode() runs longer inputs as a stream of chunks this long, which bounds memory and gives the same samples. */
export const DECODE_CHUNK_FRAMES = 1500;

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new StudioError('cancelled', 'Cancelled.');
}

export class EncodecCodec implements Codec {
  readonly name: string = 'encodec';
  readonly sampleRate: number;
  readonly frameRate: number;
  readonly hopLength: number;
  /** Levels at this codec's bandwidth: what encode() produces and the most decode() accepts. */
  readonly levels: number;
  readonly codebookSize: number;

  constructor(
    readonly model: EncodecModel,
    /** kbps, one of the config's target_bandwidths */
    readonly bandwidth = DEFAULT_ENCODEC_BANDWIDTH,
  ) {
    const c = model.config;
    this.sampleRate = c.samplingRate;
    this.frameRate = frameRate(c);
    this.hopLength = hopLength(c);
    this.codebookSize = c.codebookSize;
    let levels: number;
    try {
      levels = levelsForBandwidth(c, bandwidth);
    } catch (error) {
      throw new StudioError('invalid_input', (error as Error).message, { bandwidth, bandwidths: c.targetBandwidths });
    }
    if (levels > numQuantizers(c)) throw new StudioError('invalid_input', `EnCodec at ${bandwidth} kbps needs ${levels} levels; the model has ${numQuantizers(c)}`);
    this.levels = levels;
  }

  /** The same weights at another bandwidth (sessions are shared). */
  withBandwidth(kbps: number): EncodecCodec {
    return new EncodecCodec(this.model, kbps);
  }

  async encode(pcm: Pcm, options: EncodeOptions = {}): Promise<Codes> {
    const levels = this.checkLevels(options.levels);
    const input = await prepareCodecInput(pcm, this.sampleRate, this.name);
    throwIfAborted(options.signal);
    const codes = this.encodeSamples(input.samples, levels);
    throwIfAborted(options.signal);
    return codes;
  }

  /** Mono samples at sampleRate → ceil(N / hop) frames of `levels` codes. */
  encodeSamples(samples: Float32Array, levels = this.levels): Codes {
    if (samples.length === 0) throw new StudioError('empty_audio', `Cannot encode with ${this.name}: the audio has no samples.`);
    // The graph always quantises this codec's level count; the greedy RVQ makes fewer levels a prefix.
    const out = this.model.encoder(this.levels).run({ pcm: { dtype: 'float32', shape: [1, 1, samples.length], data: samples } }, ['codes']).codes;
    const [frames, have] = out.shape;
    const data = new Uint16Array(frames * levels);
    const src = out.data as BigInt64Array;
    for (let t = 0; t < frames; t++) for (let l = 0; l < levels; l++) data[t * levels + l] = Number(src[t * have + l]);
    return { frames, levels, data };
  }

  async decode(codes: Codes, options: DecodeOptions = {}): Promise<Pcm> {
    this.validate(codes, false);
    throwIfAborted(options.signal);
    if (codes.frames <= DECODE_CHUNK_FRAMES) return this.pcm(this.decodeOneShot(codes));
    const stream = new EncodecStreamingDecoder(this.model, this.validator());
    const parts: Float32Array[] = [];
    for (let t = 0; t < codes.frames; t += DECODE_CHUNK_FRAMES) {
      throwIfAborted(options.signal);
      const end = Math.min(codes.frames, t + DECODE_CHUNK_FRAMES);
      parts.push(stream.pushSamples({ frames: end - t, levels: codes.levels, data: codes.data.subarray(t * codes.levels, end * codes.levels) }));
    }
    parts.push(stream.flushSamples());
    const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return this.pcm(out);
  }

  /** The whole sequence through one decoder run (what streaming is checked against). */
  decodeOneShot(codes: Codes): Float32Array {
    this.validate(codes, false);
    return this.model.decoder('first').run({ codes: codesFeed(codes) }, ['pcm']).pcm.data as Float32Array;
  }

  createDecoder(): StreamingDecoder {
    const stream = new EncodecStreamingDecoder(this.model, this.validator());
    return {
      push: (codes) => this.pcm(stream.pushSamples(codes)),
      flush: () => this.pcm(stream.flushSamples()),
    };
  }

  private pcm(samples: Float32Array): Pcm {
    return { sampleRate: this.sampleRate, channels: [samples] };
  }

  private validator(): (codes: Codes, allowEmpty: boolean, exactLevels?: number) => void {
    return (codes, allowEmpty, exactLevels) => this.validate(codes, allowEmpty, exactLevels);
  }

  private validate(codes: Codes, allowEmpty: boolean, exactLevels?: number): void {
    validateCodes(codes, { codec: this.name, maxLevels: this.levels, codebookSize: this.codebookSize, allowEmpty, exactLevels });
  }

  private checkLevels(levels: number | undefined): number {
    if (levels === undefined) return this.levels;
    if (!Number.isInteger(levels) || levels < 1 || levels > this.levels) {
      throw new StudioError('invalid_input', `EnCodec at ${this.bandwidth} kbps encodes 1 to ${this.levels} levels, not ${levels}.`, { levels, bandwidth: this.bandwidth });
    }
    return levels;
  }
}
