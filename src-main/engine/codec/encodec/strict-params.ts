/**
 * Frozen weights from a checkpoint, refusing any name or shape the checkpoint did not provide (a plain
 * ParamStore would silently draw random values for it).
 */
import { ParamStore, type ParamInit, type ParamSource } from '../../nn/blocks/params.js';
import type { Graph, Tensor } from '../../nn/index.js';

export class StrictParams implements ParamSource {
  readonly #store: ParamStore;

  constructor(
    private readonly values: ReadonlyMap<string, Float32Array>,
    private readonly source: string,
  ) {
    this.#store = new ParamStore({ values, frozen: () => true });
  }

  param(graph: Graph, name: string, shape: readonly number[], init: ParamInit): Tensor {
    if (!this.values.has(name)) throw new Error(`${this.source}: the graph asks for ${name}, which the checkpoint did not provide`);
    return this.#store.param(graph, name, shape, init);
  }
}
