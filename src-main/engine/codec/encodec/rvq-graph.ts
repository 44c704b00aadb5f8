/**
 * EnCodec's residual vector quantiser in the graph (transformers `EncodecResidualVectorQuantizer`).
 *
 *   encode, level by level:  dist = ‖r‖² − 2·r·Eᵀ + ‖E‖²   code = argmax(−dist)   r ← r − E[code]
 *   decode:                  Σ_levels E_l[code_l]   (one Gather from the stacked codebooks, then ReduceSum)
 *
 * The distance is spelled as transformers spells it (including the ‖r‖² term that does not change the argmax)
 * so ties and rounding go the same way as far as float32 allows.
 */
import type { ParamSource } from '../../nn/blocks/params.js';
import { add, arange, argMax, concat, gather, matmul, mul, neg, reduceSum, squeeze, sub, transpose, unsqueeze, type Tensor } from '../../nn/index.js';
import { codebookName } from './layout.js';

export interface RvqOptions {
  params: ParamSource;
  codebookSize: number;
  codebookDim: number;
}

function codebook(g: Tensor['graph'], o: RvqOptions, level: number): Tensor {
  return o.params.param(g, codebookName(level), [o.codebookSize, o.codebookDim], { kind: 'normal', std: 1 });
}

/** latent [1, D, T] → codes int64 [T, levels] (time-major, as the studio stores codes). */
export function rvqEncodeGraph(latent: Tensor, levels: number, o: RvqOptions): Tensor {
  const g = latent.graph;
  if (latent.shape[0] !== 1) throw new Error('rvqEncodeGraph: batch size must be 1');
  return g.scope('quantizer', () => {
    let residual = transpose(squeeze(latent, 0), [1, 0]); // [T, D]
    const codes: Tensor[] = [];
    for (let l = 0; l < levels; l++) {
      g.scope(`layers.${l}`, () => {
        const embed = codebook(g, o, l); // [K, D]
        const scaled = reduceSum(mul(residual, residual), 1, true); // [T, 1]
        const cross = mul(matmul(residual, transpose(embed, [1, 0])), 2); // [T, K]
        const norms = unsqueeze(reduceSum(mul(embed, embed), 1), 0); // [1, K]
        const dist = neg(add(sub(scaled, cross), norms));
        const code = argMax(dist, 1); // [T]
        residual = sub(residual, gather(embed, code, 0));
        codes.push(unsqueeze(code, 1));
      });
    }
    return codes.length === 1 ? codes[0] : concat(codes, 1);
  });
}

/**
 * codes int64 [T, L] (any L up to `numQuantizers`, checked by the caller) → latent [1, D, T]: level l's code c
 * reads row l·K + c of the stacked codebooks.
 */
export function rvqDecodeGraph(codes: Tensor, numQuantizers: number, o: RvqOptions): Tensor {
  const g = codes.graph;
  return g.scope('quantizer', () => {
    const tables = Array.from({ length: numQuantizers }, (_, l) => g.scope(`layers.${l}`, () => codebook(g, o, l)));
    const stacked = tables.length === 1 ? tables[0] : concat(tables, 0); // [Q·K, D], constant-folded by ORT
    const offsets = mul(arange(g, codes.shape[1], 'int64'), o.codebookSize); // [L]
    const rows = gather(stacked, add(codes, offsets), 0); // [T, L, D]
    return unsqueeze(transpose(reduceSum(rows, 1), [1, 0]), 0);
  });
}
