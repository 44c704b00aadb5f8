/**
 * Masks and scaled-dot-product attention, composed from primitives.
 *
 *   q [B, H, Tq, D]   k, v [B, Hkv, Tk, D]   (Hkv divides H; kv heads are repeated for grouped-query)
 *   past k/v [B, Hkv, P, D] are concatenated in front of k/v (KV cache): Tk = P + Tnew
 *   scores = q·kᵀ·scale → masked (mask false → very negative) → softmax → · v → [B, H, Tq, D]
 */
import type { DType } from '../dtype.js';
import type { Graph } from '../graph.js';
import * as P from '../primitives.js';
import type { Dim } from '../shape.js';
import { dimSub, formatShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { softmax } from './activations.js';

/**
 * bool [tq, tk], true where query i may see key j: the queries are the last tq of the tk positions,
 * so j ≤ i + (tk - tq).
 */
export function causalMask(g: Graph, tq: Dim, tk: Dim): Tensor {
  const keys = P.arange(g, tk, 'int64');
  const queries = P.slice(keys, [{ axis: 0, start: dimSub(tk, tq) }]);
  return P.logicalNot(P.greater(P.unsqueeze(keys, 0), P.unsqueeze(queries, 1)));
}

/** bool [B, T], true at positions t < lengths[b]. */
export function paddingMask(lengths: Tensor, t: Dim): Tensor {
  const positions = P.arange(lengths.graph, t, 'int64');
  const ids = lengths.dtype === 'int64' ? lengths : P.cast(lengths, 'int64');
  return P.less(P.unsqueeze(positions, 0), P.unsqueeze(ids, 1));
}

/** A large negative that exp() turns into 0 and that stays finite (so fully masked rows do not make NaN). */
export function maskFill(dtype: DType): number {
  return dtype === 'float16' ? -65504 : dtype === 'float64' ? -1e300 : -3.0e38;
}

export interface AttentionOptions {
  /** bool, broadcastable to [B, H, Tq, Tk]; true = may attend */
  mask?: Tensor;
  /** add the causal mask for the queries being the last Tq of Tk positions */
  causal?: boolean;
  /** default 1/√D */
  scale?: number;
  pastKey?: Tensor;
  pastValue?: Tensor;
}

export interface AttentionResult {
  out: Tensor;
  /** k and v after the cache concat: the next step's past */
  key: Tensor;
  value: Tensor;
}

function repeatHeads(x: Tensor, groups: number): Tensor {
  if (groups === 1) return x;
  const [b, hkv, t, d] = x.shape;
  const expanded = P.expand(P.unsqueeze(x, 2), [b, hkv, groups, t, d]);
  return P.reshape(expanded, [b, (hkv as number) * groups, t, d]);
}

export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, options: AttentionOptions = {}): AttentionResult {
  const g = q.graph;
  if (q.rank !== 4 || k.rank !== 4 || v.rank !== 4) {
    throw new Error(`attention: q, k, v must be [B, H, T, D]; got ${formatShape(q.shape)}, ${formatShape(k.shape)}, ${formatShape(v.shape)}`);
  }
  const h = q.shape[1];
  const hkv = k.shape[1];
  const d = q.shape[3];
  if (typeof h !== 'number' || typeof hkv !== 'number' || typeof d !== 'number' || h % hkv !== 0) {
    throw new Error(`attention: head counts must be static with kv heads (${hkv}) dividing query heads (${h})`);
  }
  let key = k;
  let value = v;
  if (options.pastKey || options.pastValue) {
    if (!options.pastKey || !options.pastValue) throw new Error('attention: give both pastKey and pastValue');
    key = P.concat([options.pastKey, k], 2);
    value = P.concat([options.pastValue, v], 2);
  }
  const scale = options.scale ?? 1 / Math.sqrt(d);
  const kRep = repeatHeads(key, h / hkv);
  const vRep = repeatHeads(value, h / hkv);
  let scores = P.mul(P.matmul(q, P.transpose(kRep, [0, 1, 3, 2])), scale);
  let mask = options.mask ?? null;
  if (options.causal) {
    const causal = causalMask(g, q.shape[2], key.shape[2]);
    mask = mask === null ? causal : P.logicalAnd(mask, causal);
  }
  if (mask !== null) scores = P.where(mask, scores, maskFill(q.dtype));
  const out = P.matmul(softmax(scores, -1), vRep);
  return { out, key, value };
}
