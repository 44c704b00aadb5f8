/**
 * PyTorch nn.Linear: y = x·Wᵀ + b with W stored [out, in] under `${name}.weight` (checkpoint layout).
 *
 *   x [..., in] ──MatMul(·, Wᵀ)──► [..., out] ──(+ b)──► y
 *
 * Wᵀ is an explicit Transpose node: ORT folds it into the MatMul (FusedMatMul transB, or a constant for a
 * frozen weight), so keeping the checkpoint layout costs nothing at run time.
 *
 * [Note: 2-D matmul] x of rank > 2 is flattened to [N, in] around the MatMul. With a broadcast [B, T, in]
 * operand the weight gradient would be B separate [in, out] products summed afterwards (the walker's
 * un-broadcast); flattened, it is one [in, N]·[N, out] product — measurably faster in the train step.
 */
import { add, matmul, reshape, transpose } from '../primitives.js';
import type { Tensor } from '../tensor.js';
import type { ParamInit, ParamSource } from './params.js';

export interface LinearOptions {
  params: ParamSource;
  /** Parameter prefix, e.g. `model.layers.0.self_attn.q_proj`. */
  name: string;
  inFeatures: number;
  outFeatures: number;
  bias?: boolean;
  /** Init of the weight when the store has no value; default PyTorch's U(±1/√in). */
  init?: ParamInit;
  /** Node scope; default the last segment of `name`. */
  scope?: string;
}

export function lastSegment(name: string): string {
  const i = name.lastIndexOf('.');
  return i < 0 ? name : name.slice(i + 1);
}

export function linear(x: Tensor, o: LinearOptions): Tensor {
  const g = x.graph;
  const last = x.shape[x.rank - 1];
  if (last !== o.inFeatures) throw new Error(`linear ${o.name}: input has ${String(last)} features, expected ${o.inFeatures}`);
  return g.scope(o.scope ?? lastSegment(o.name), () => {
    const bound = 1 / Math.sqrt(o.inFeatures);
    const w = o.params.param(g, `${o.name}.weight`, [o.outFeatures, o.inFeatures], o.init ?? { kind: 'uniform', bound });
    const flat = x.rank > 2 ? reshape(x, [-1, o.inFeatures]) : x;
    let y = matmul(flat, transpose(w, [1, 0]));
    if (o.bias) y = add(y, o.params.param(g, `${o.name}.bias`, [o.outFeatures], { kind: 'uniform', bound }));
    return x.rank > 2 ? reshape(y, [...x.shape.slice(0, -1), o.outFeatures]) : y;
  });
}
