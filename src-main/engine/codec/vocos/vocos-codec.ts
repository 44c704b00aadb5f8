/**
 * Vocos (charactr/vocos-encodec-24khz) as a studio `Codec`: the reference's default decoder for EnCodec codes
 * (seed-spec §3.1). Vocos has no encoder of its own: encode() runs EnCodec 24 kHz, so it needs EnCodec's
 * weights too; decoding needs only Vocos'.
 */
import { StudioError } from '../../../../src-shared/api/errors.js';
import type { Pcm } from '../../media/pcm.js';
import type { Codec, DecodeOptions, EncodeOptions, StreamingDecoder } from '../codec.js';
import { validateCodes, type Codes } from '../codes.js';
import { codesFeed } from '../encodec/codes-feed.js';
import type { EncodecCodec } from '../encodec/encodec-codec.js';
import { bandwidthIdForLevels, ENCODEC_24KHZ_FEATURES, vocosLevelsForBandwidth } from './config.js';
import type { VocosModel } from './vocos-model.js';
import { VocosStreamingDecoder } from './vocos-stream.js';

export const DEFAULT_VOCOS_BANDWIDTH = 6;

/** Supplies the EnCodec codec that encodes for Vocos, or throws not_found saying what to install. */
export type EncoderSource = (bandwidth: number) => Promise<EncodecCodec>;

export class VocosCodec implements Codec {
  readonly name = 'vocos';
  readonly sampleRate = ENCODEC_24KHZ_FEATURES.sampleRate;
  readonly frameRate: number;
  readonly hopLength: number;
  readonly levels: number;
  readonly codebookSize = ENCODEC_24KHZ_FEATURES.codebookSize;

  constructor(
    readonly model: VocosModel,
    /** kbps, one of config.bandwidths: sets `levels` (what encode() produces and decode() accepts at most) */
    readonly bandwidth = DEFAULT_VOCOS_BANDWIDTH,
    private readonly encoder: EncoderSource | null = null,
  ) {
    const c = model.config;
    if (!c.bandwidths.includes(bandwidth)) {
      throw new StudioError('invalid_input', `Vocos supports the bandwidths ${c.bandwidths.join(', ')} kbps, not ${bandwidth}`, { bandwidth, bandwidths: c.bandwidths });
    }
    this.hopLength = c.hopLength;
    this.frameRate = this.sampleRate / c.hopLength;
    this.levels = vocosLevelsForBandwidth(bandwidth);
  }

  withBandwidth(kbps: number): VocosCodec {
    return new VocosCodec(this.model, kbps, this.encoder);
  }

  async encode(pcm: Pcm, options: EncodeOptions = {}): Promise<Codes> {
    if (!this.encoder) {
      throw new StudioError('not_found', 'Vocos has no encoder: encoding for the vocos codec runs EnCodec 24 kHz, and no EnCodec weights were given (see docs/codecs.md).');
    }
    const encodec = await this.encoder(this.bandwidth);
    if (encodec.hopLength !== this.hopLength || encodec.sampleRate !== this.sampleRate) {
      throw new StudioError('invalid_input', `the EnCodec model (${encodec.sampleRate} Hz, hop ${encodec.hopLength}) does not match Vocos (${this.sampleRate} Hz, hop ${this.hopLength})`);
    }
    return encodec.encode(pcm, { levels: options.levels ?? this.levels, signal: options.signal });
  }

  async decode(codes: Codes, options: DecodeOptions = {}): Promise<Pcm> {
    this.validate(codes, false);
    if (options.signal?.aborted) throw new StudioError('cancelled', 'Cancelled.');
    return this.pcm(this.decodeSamples(codes));
  }

  /** codes (1..levels levels) → frames × hop samples, conditioned on the bandwidth that carries that many levels. */
  decodeSamples(codes: Codes): Float32Array {
    const id = bandwidthIdForLevels(this.model.config, codes.levels);
    const out = this.model.session().run({ codes: codesFeed(codes), bandwidth_id: { dtype: 'int64', shape: [1], data: BigInt64Array.of(BigInt(id)) } }, ['pcm']);
    return out.pcm.data as Float32Array;
  }

  createDecoder(): StreamingDecoder {
    const stream = new VocosStreamingDecoder(this.model.config, this.hopLength, (c) => this.decodeSamples(c), (c, allowEmpty, exact) => this.validate(c, allowEmpty, exact));
    return {
      push: (codes) => this.pcm(stream.push(codes)),
      flush: () => this.pcm(stream.flush()),
    };
  }

  private pcm(samples: Float32Array): Pcm {
    return { sampleRate: this.sampleRate, channels: [samples] };
  }

  private validate(codes: Codes, allowEmpty: boolean, exactLevels?: number): void {
    validateCodes(codes, { codec: this.name, maxLevels: this.levels, codebookSize: this.codebookSize, allowEmpty, exactLevels });
  }
}
