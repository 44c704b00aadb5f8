/**
 * LLaMA RMSNorm block: `${name}.weight` [dim] (init ones) ⊙ x / sqrt(mean(x²) + eps) over the last axis.
 *
 *   x ─ Pow 2 ─ ReduceMean ─ + eps ─ Sqrt ─┐
 *   x ──────────────────────────────────── Div ─ × weight ─► y       (or one SimplifiedLayerNormalization)
 */
import type { Tensor } from '../tensor.js';
import type { EmitPlan } from './emit-plan.js';
import { rmsNormalize } from './functional.js';
import { lastSegment } from './linear.js';
import type { ParamSource } from './params.js';

export interface RmsNormOptions {
  params: ParamSource;
  name: string;
  dim: number;
  /** HF LLaMA default 1e-6 */
  eps: number;
  plan: EmitPlan;
  scope?: string;
}

export function rmsNorm(x: Tensor, o: RmsNormOptions): Tensor {
  if (x.shape[x.rank - 1] !== o.dim) throw new Error(`rmsNorm ${o.name}: last axis is ${String(x.shape[x.rank - 1])}, expected ${o.dim}`);
  const g = x.graph;
  return g.scope(o.scope ?? lastSegment(o.name), () => {
    const w = o.params.param(g, `${o.name}.weight`, [o.dim], { kind: 'ones' });
    return rmsNormalize(x, w, o.eps, o.plan);
  });
}
