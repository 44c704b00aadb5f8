/**
 * Rotary position embeddings, HF "rotate-half" layout (seed-spec §5.5): dim j < Dh/2 turns together with
 * dim j + Dh/2 by angle p·θ_j, θ_j = theta^(−2j/Dh).
 *
 *   positions [B, T] ──► angles = p·θ ──► cos, sin  [B, 1, T, Dh]     (built once per model, shared by layers)
 *
 *   x [B, H, T, Dh] ──┬──────────────────────────── × cos ──┐
 *                     └─ swap halves [b, a] × [−sin, sin] ──┴─ + ──► x'
 *
 * rotate_half(x)·sin = [−b·sin, a·sin] = swap(x)·[−sin, sin], so the sign is folded into the table and the
 * per-layer work is two Muls, one Add and the halves swap.
 */
import type { DType } from '../dtype.js';
import type { Graph } from '../graph.js';
import { add, cast, concat, cos, mul, neg, sin, slice, unsqueeze } from '../primitives.js';
import type { Tensor } from '../tensor.js';

export interface RotaryTables {
  /** [B, 1, T, Dh]: cos of each dim's angle, the half-table repeated */
  cos: Tensor;
  /** [B, 1, T, Dh]: [−sin, sin] of the half-table */
  sinSigned: Tensor;
  headDim: number;
}

/** Inverse frequencies θ_j = theta^(−2j/Dh), j < Dh/2, computed in float64 then stored as float32. */
export function inverseFrequencies(headDim: number, theta: number): Float32Array {
  if (!Number.isInteger(headDim) || headDim < 2 || headDim % 2 !== 0) throw new Error(`rotary: head size must be an even integer, got ${headDim}`);
  if (!(theta > 0)) throw new Error(`rotary: theta must be positive, got ${theta}`);
  const half = headDim / 2;
  return Float32Array.from({ length: half }, (_, j) => Math.pow(theta, (-2 * j) / headDim));
}

/**
 * Builds the tables (in `dtype`, for x of that dtype) from integer position ids [B, T]. Positions are exact in float32 up to 2^24, far beyond
 * any sequence here, and the angle products are done in float32 as in HF.
 */
export function rotaryTables(positions: Tensor, headDim: number, theta: number, dtype: DType = 'float32'): RotaryTables {
  if (positions.rank !== 2) throw new Error(`rotary: positions must be [B, T], got rank ${positions.rank}`);
  const g: Graph = positions.graph;
  return g.scope('rotary', () => {
    const half = headDim / 2;
    const inv = g.constant(inverseFrequencies(headDim, theta), [half], 'float32');
    const p = unsqueeze(positions.dtype === 'float32' ? positions : cast(positions, 'float32'), [2]); // [B, T, 1]
    const angles = mul(p, inv); // [B, T, half]
    const c = cos(angles);
    const s = sin(angles);
    const to = (t: Tensor) => (dtype === 'float32' ? t : cast(t, dtype));
    const cosFull = to(unsqueeze(concat([c, c], 2), [1]));
    const sinSigned = to(unsqueeze(concat([neg(s), s], 2), [1]));
    return { cos: cosFull, sinSigned, headDim };
  });
}

/** x [B, H, T, Dh] (or any [..., T, Dh] broadcastable with the tables) → rotated x. */
export function applyRotary(x: Tensor, tables: RotaryTables): Tensor {
  const dh = x.shape[x.rank - 1];
  if (dh !== tables.headDim) throw new Error(`rotary: x has head size ${String(dh)}, tables ${tables.headDim}`);
  const half = tables.headDim / 2;
  const a = slice(x, [{ axis: -1, start: 0, end: half }]);
  const b = slice(x, [{ axis: -1, start: half }]);
  const swapped = concat([b, a], x.rank - 1);
  return add(mul(x, tables.cos), mul(swapped, tables.sinSigned));
}
