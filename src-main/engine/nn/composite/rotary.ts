/**
 * Rotary position embedding, rotate-half layout (LLaMA as in Hugging Face transformers): the first and second
 * halves of the rotated dims form the (real, imaginary) pairs.
 *
 *   inv_freq[i] = base^(-2i/d)            i < d/2
 *   angle[t, i] = position[t] · inv_freq[i]     → cos, sin of concat(angle, angle)   [.., T, d]
 *   out = x·cos + rotate_half(x)·sin,   rotate_half([x1, x2]) = [-x2, x1]
 */
import type { DType } from '../dtype.js';
import type { Graph } from '../graph.js';
import * as P from '../primitives.js';
import type { Tensor } from '../tensor.js';

export interface RotaryTables {
  cos: Tensor;
  sin: Tensor;
}

/** cos/sin tables for integer `positions` ([T] or [B, T]) over `dim` rotated dims: shape positions + [dim]. */
export function rotaryTables(g: Graph, positions: Tensor, dim: number, base = 10000, dtype: DType = 'float32'): RotaryTables {
  if (dim % 2 !== 0) throw new Error(`rotaryTables: dim ${dim} must be even`);
  const invFreq = g.literal(
    Array.from({ length: dim / 2 }, (_, i) => base ** ((-2 * i) / dim)),
    [dim / 2],
    dtype,
  );
  const angles = P.mul(P.unsqueeze(P.cast(positions, dtype), -1), invFreq);
  const both = P.concat([angles, angles], -1);
  return { cos: P.cos(both), sin: P.sin(both) };
}

function rotateHalf(x: Tensor): Tensor {
  const d = x.shape[x.rank - 1] as number;
  const x1 = P.slice(x, [{ axis: -1, start: 0, end: d / 2 }]);
  const x2 = P.slice(x, [{ axis: -1, start: d / 2 }]);
  return P.concat([P.neg(x2), x1], -1);
}

/**
 * Applies the rotation to `x` [..., T, D] with tables broadcastable to [..., T, rotaryDim]; with
 * rotaryDim < D only the first rotaryDim features rotate (partial rotary).
 */
export function applyRotary(x: Tensor, tables: RotaryTables, rotaryDim?: number): Tensor {
  const d = x.shape[x.rank - 1];
  if (typeof d !== 'number') throw new Error(`applyRotary: the feature dim of ${x} must be static`);
  const r = rotaryDim ?? d;
  if (r % 2 !== 0 || r > d) throw new Error(`applyRotary: rotaryDim ${r} must be even and ≤ ${d}`);
  const rotated = r === d ? x : P.slice(x, [{ axis: -1, start: 0, end: r }]);
  const out = P.add(P.mul(rotated, tables.cos), P.mul(rotateHalf(rotated), tables.sin));
  return r === d ? out : P.concat([out, P.slice(x, [{ axis: -1, start: r }])], -1);
}
