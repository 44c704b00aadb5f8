/**
 * The additive attention bias shared by every layer: 0 where a query may read a key, a large negative
 * number where it may not (causal future, or padding).
 *
 *   arange(S) ─┐
 *              ├─ k ≤ q + P ───────┐                     (causal; P = cached length, S = P + T)
 *   arange(T) ─┘                   ├─ And ── Where(·, 0, −1e9) ──► bias [B|1, 1, T, S]
 *   keyMask [B, S] ── ≠ 0 ─────────┘                     (padding; omitted = all real)
 *
 * [Note: finite mask value] −1e9 rather than −∞: a padded query row, which sees no key, gets a uniform
 * softmax instead of NaN, and its NaN-free gradient cannot poison the real rows. (HF uses the dtype's
 * lowest value for the same reason.) exp(−1e9 − max) is exactly 0 in float32, so visible rows are unaffected.
 */
import type { DType } from '../dtype.js';
import type { Graph } from '../graph.js';
import { add, arange, cast, concat, equal, greater, logicalAnd, logicalNot, size, unsqueeze, where } from '../primitives.js';
import type { Dim } from '../shape.js';
import type { Tensor } from '../tensor.js';

export const MASKED_SCORE = -1e9;

export interface AttentionBiasOptions {
  /** Query length T. */
  queryLength: Dim;
  /** A cached tensor whose axis `pastAxis` has the cached length P (e.g. layer 0's past key); none = no cache. */
  past?: Tensor;
  pastAxis?: number;
  /** [B, S] with 1 (or true) for real key slots, 0 for padding. */
  keyMask?: Tensor;
  causal: boolean;
  /** dtype of the scores the bias is added to; default float32 */
  dtype?: DType;
}

export function attentionBias(g: Graph, o: AttentionBiasOptions): Tensor {
  return g.scope('attn_mask', () => {
    let allowed: Tensor | null = null;
    if (o.causal) {
      const q = arange(g, o.queryLength, 'int64'); // [T]
      let k = q; // [S]: key slot indices 0 … P+T−1
      let qAbs = q; // query slots P … P+T−1
      if (o.past) {
        // Built as arange(P) ++ (P + arange(T)) rather than arange(P+T), so every size is read from an
        // existing input (a dim that only a node's own output has cannot be read before that node runs).
        const axis = o.pastAxis ?? 2;
        const p = size(o.past, 'int64', [axis]);
        qAbs = add(q, p);
        k = concat([arange(g, o.past.shape[axis], 'int64'), qAbs], 0);
      }
      const qCol = unsqueeze(qAbs, [1]); // [T, 1]
      allowed = unsqueeze(logicalNot(greater(unsqueeze(k, [0]), qCol)), [0, 1]); // [1, 1, T, S]
    }
    if (o.keyMask) {
      const m = o.keyMask;
      if (m.rank !== 2) throw new Error(`attention mask: keyMask must be [B, S], got rank ${m.rank}`);
      const real = m.dtype === 'bool' ? m : logicalNot(equal(m.dtype === 'float32' ? m : cast(m, 'int64'), 0));
      const r = unsqueeze(real, [1, 2]); // [B, 1, 1, S]
      allowed = allowed ? logicalAnd(allowed, r) : r;
    }
    if (!allowed) throw new Error('attention mask: neither causal nor a key mask: no bias is needed');
    const dtype = o.dtype ?? 'float32';
    return where(allowed, g.scalar(0, dtype), g.scalar(MASKED_SCORE, dtype));
  });
}
