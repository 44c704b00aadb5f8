/**
 * `lite`: the studio's built-in codec. A parametric (vocoder) codec on EnCodec's grid — 24 kHz, 75 frames/s,
 * 8 residual levels × 1024 codes — so its codes drop into any model config. Encoding analyses each frame
 * (analysis.ts) and quantises the feature vector with the residual VQ; decoding sums the levels' entries and
 * runs the source-filter synthesiser. Tables: resources/codecs/lite/, built by scripts/build-lite-codec.ts.
 */
import { StudioError } from '../../../../src-shared/api/errors.js';
import type { Pcm } from '../../media/pcm.js';
import type { Codec, DecodeOptions, EncodeOptions, StreamingDecoder } from '../codec.js';
import { createCodes, validateCodes, type Codes } from '../codes.js';
import { prepareCodecInput } from '../prepare-input.js';
import { analyzeFeatures, type FeatureFrames } from './analysis.js';
import { LITE_FRAME_RATE, LITE_HOP, LITE_SAMPLE_RATE } from './layout.js';
import { ResidualVq } from './rvq.js';
import { LiteSynthesizer } from './synthesizer.js';
import { loadLiteTables, type LiteTables } from './tables.js';

export class LiteCodec implements Codec {
  readonly name = 'lite';
  readonly sampleRate = LITE_SAMPLE_RATE;
  readonly frameRate = LITE_FRAME_RATE;
  readonly hopLength = LITE_HOP;
  readonly levels: number;
  readonly codebookSize: number;
  readonly tables: LiteTables;
  private readonly rvq: ResidualVq;

  constructor(tables: LiteTables) {
    this.tables = tables;
    this.levels = tables.levels;
    this.codebookSize = tables.codebookSize;
    this.rvq = new ResidualVq(tables.codebooks, tables.levels, tables.codebookSize, tables.dims);
  }

  /** The codec with the shipped tables (or the tables file at `path`). */
  static async load(path?: string): Promise<LiteCodec> {
    return new LiteCodec(await loadLiteTables(path));
  }

  async encode(pcm: Pcm, options: EncodeOptions = {}): Promise<Codes> {
    const levels = this.checkLevels(options.levels);
    const input = await prepareCodecInput(pcm, this.sampleRate, this.name);
    throwIfAborted(options.signal);
    return this.encodeFeatures(analyzeFeatures(input.samples, this.tables.layout, options.signal), levels);
  }

  /** Codes of already analysed features (the table builder evaluates through this). */
  encodeFeatures(features: FeatureFrames, levels = this.levels): Codes {
    const { mean, weight, dims } = this.tables;
    if (features.dims !== dims) throw new RangeError(`features have ${features.dims} dims, the tables ${dims}`);
    const codes = createCodes(features.frames, levels);
    const z = new Float64Array(dims);
    for (let t = 0; t < features.frames; t++) {
      for (let d = 0; d < dims; d++) z[d] = (features.data[t * dims + d] - mean[d]) * weight[d];
      this.rvq.encode(z, levels, codes.data as Uint16Array, t * levels);
    }
    return codes;
  }

  /** Dequantised features of frame t (sum of its levels' entries, un-weighted, mean added). */
  dequantize(codes: Codes, t: number, out: Float64Array): Float64Array {
    const { mean, weight, dims } = this.tables;
    this.rvq.decode(codes.data, t * codes.levels, codes.levels, out);
    for (let d = 0; d < dims; d++) out[d] = out[d] / weight[d] + mean[d];
    return out;
  }

  async decode(codes: Codes, options: DecodeOptions = {}): Promise<Pcm> {
    this.validate(codes, false);
    throwIfAborted(options.signal);
    const decoder = this.createDecoder();
    const head = decoder.push(codes);
    const tail = decoder.flush();
    const out = new Float32Array(head.channels[0].length + tail.channels[0].length);
    out.set(head.channels[0]);
    out.set(tail.channels[0], head.channels[0].length);
    return { sampleRate: this.sampleRate, channels: [out] };
  }

  createDecoder(): StreamingDecoder {
    const synth = new LiteSynthesizer(this.tables.layout);
    const features = new Float64Array(this.tables.dims);
    let levels: number | undefined;
    let done = false;
    const pcm = (samples: Float32Array): Pcm => ({ sampleRate: this.sampleRate, channels: [samples] });
    return {
      push: (codes) => {
        if (done) throw new StudioError('invalid_input', 'lite codes: the stream was already flushed');
        this.validate(codes, true, levels);
        if (codes.frames === 0) return pcm(new Float32Array(0));
        levels ??= codes.levels;
        for (let t = 0; t < codes.frames; t++) synth.pushFrame(this.dequantize(codes, t, features));
        return pcm(synth.take());
      },
      flush: () => {
        if (done) throw new StudioError('invalid_input', 'lite codes: the stream was already flushed');
        done = true;
        synth.flush();
        return pcm(synth.take());
      },
    };
  }

  private validate(codes: Codes, allowEmpty: boolean, exactLevels?: number): void {
    validateCodes(codes, { codec: this.name, maxLevels: this.levels, codebookSize: this.codebookSize, allowEmpty, exactLevels });
  }

  private checkLevels(levels: number | undefined): number {
    if (levels === undefined) return this.levels;
    if (!Number.isInteger(levels) || levels < 1 || levels > this.levels) {
      throw new StudioError('invalid_input', `The lite codec encodes 1 to ${this.levels} levels, not ${levels}.`, { levels });
    }
    return levels;
  }
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new StudioError('cancelled', 'Cancelled.');
}
