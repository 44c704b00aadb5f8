/** Vocos weights and the ORT session built from them (created on first use, shared by codec objects). */
import { ParamStore } from '../../nn/blocks/params.js';
import { emitOnnx } from '../../nn/index.js';
import { StrictParams } from '../encodec/strict-params.js';
import { SyncSession, type SyncSessionOptions } from '../encodec/sync-session.js';
import type { VocosConfig } from './config.js';
import { buildVocosGraph } from './vocos-graph.js';
import { loadVocosWeights } from './weights.js';

export class VocosModel {
  #session: SyncSession | undefined;
  readonly params: ParamStore | StrictParams;

  constructor(
    readonly config: VocosConfig,
    values: ReadonlyMap<string, Float32Array> | null,
    readonly window: Float32Array | undefined,
    readonly sessionOptions: SyncSessionOptions = {},
    readonly source: string | null = null,
  ) {
    // Loaded weights must cover every name the graph asks for; with none (benchmarks) they are random.
    this.params = values ? new StrictParams(values, source ?? 'Vocos') : new ParamStore({ frozen: () => true, seed: 2 });
  }

  static async fromFolder(dir: string, sessionOptions: SyncSessionOptions = {}): Promise<VocosModel> {
    const w = await loadVocosWeights(dir);
    return new VocosModel(w.config, w.values, w.window, sessionOptions, dir);
  }

  session(): SyncSession {
    this.#session ??= SyncSession.create(emitOnnx(buildVocosGraph({ params: this.params, config: this.config, window: this.window })).model, this.sessionOptions);
    return this.#session;
  }

  dispose(): void {
    this.#session?.dispose();
    this.#session = undefined;
  }
}
