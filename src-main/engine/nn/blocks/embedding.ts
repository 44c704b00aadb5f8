/**
 * Token embedding: rows of a [vocab, dim] table gathered by integer ids (`${name}.weight`).
 * The gradient (scatter-add of the upstream rows) comes from Gather's rule in grad.ts.
 */
import { gather } from '../primitives.js';
import type { Tensor } from '../tensor.js';
import type { ParamInit, ParamSource } from './params.js';
import { lastSegment } from './linear.js';

export interface EmbeddingOptions {
  params: ParamSource;
  name: string;
  vocabSize: number;
  dim: number;
  /** Default N(0, 1) as PyTorch's nn.Embedding. */
  init?: ParamInit;
  scope?: string;
}

/** ids int64/int32 [...] → [..., dim] */
export function embedding(ids: Tensor, o: EmbeddingOptions): Tensor {
  if (ids.dtype !== 'int64' && ids.dtype !== 'int32') throw new Error(`embedding ${o.name}: ids must be int64 or int32, got ${ids.dtype}`);
  const g = ids.graph;
  return g.scope(o.scope ?? lastSegment(o.name), () => {
    const table = o.params.param(g, `${o.name}.weight`, [o.vocabSize, o.dim], o.init ?? { kind: 'normal', std: 1 });
    return gather(table, ids, 0);
  });
}
