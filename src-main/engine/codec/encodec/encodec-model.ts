/**
 * One set of EnCodec weights and the ORT sessions built from them, created on first use and shared by every
 * codec object made from the same weights (bandwidth variants, Vocos' encoder).
 */
import { ParamStore } from '../../nn/blocks/params.js';
import { emitOnnx } from '../../nn/index.js';
import { StrictParams } from './strict-params.js';
import { isStreamable, type EncodecConfig } from './config.js';
import { buildDecoderGraph, buildEncoderGraph } from './encodec-graphs.js';
import { SyncSession, type SyncSessionOptions } from './sync-session.js';
import { loadEncodecWeights } from './weights.js';

export class EncodecModel {
  readonly #encoders = new Map<number, SyncSession>();
  readonly #decoders = new Map<'first' | 'next', SyncSession>();
  readonly params: ParamStore | StrictParams;

  constructor(
    readonly config: EncodecConfig,
    values: ReadonlyMap<string, Float32Array> | null,
    readonly sessionOptions: SyncSessionOptions = {},
    /** Where the weights came from (for messages); null for random weights. */
    readonly source: string | null = null,
  ) {
    // Every weight is frozen, i.e. an initializer. Loaded weights must cover every name the graphs ask for;
    // with none (benchmarks) they are drawn at random.
    this.params = values ? new StrictParams(values, source ?? 'EnCodec') : new ParamStore({ frozen: () => true, seed: 1 });
  }

  static async fromFolder(dir: string, sessionOptions: SyncSessionOptions = {}): Promise<EncodecModel> {
    const w = await loadEncodecWeights(dir);
    return new EncodecModel(w.config, w.values, sessionOptions, dir);
  }

  /** Encoder producing `levels` levels (a greedy RVQ: fewer levels are a prefix of more). */
  encoder(levels: number): SyncSession {
    let s = this.#encoders.get(levels);
    if (!s) {
      s = SyncSession.create(emitOnnx(buildEncoderGraph(this.params, this.config, levels)).model, this.sessionOptions);
      this.#encoders.set(levels, s);
    }
    return s;
  }

  /** 'first': one-shot decoding (and a stream's first chunk); 'next': a later chunk of a stream. */
  decoder(mode: 'first' | 'next'): SyncSession {
    let s = this.#decoders.get(mode);
    if (!s) {
      if (mode === 'next' && !isStreamable(this.config)) throw new Error('this EnCodec configuration has no streaming decoder (it is not causal)');
      const graphMode = isStreamable(this.config) ? mode : 'oneshot';
      s = SyncSession.create(emitOnnx(buildDecoderGraph(this.params, this.config, graphMode)).model, this.sessionOptions);
      this.#decoders.set(mode, s);
    }
    return s;
  }

  dispose(): void {
    for (const s of [...this.#encoders.values(), ...this.#decoders.values()]) s.dispose();
    this.#encoders.clear();
    this.#decoders.clear();
  }
}
