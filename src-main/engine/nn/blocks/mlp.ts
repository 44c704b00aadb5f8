/**
 * Gated MLP of the LLaMA block: down(act(gate(x)) ⊙ up(x)), no biases.
 * activation 'silu' is SwiGLU (LLaMA); 'gelu' (exact erf) is the studio model's (seed-spec §5.5, F = 4·d).
 *
 *   x ─┬─ gate_proj [F] ─ act ─┐
 *      └─ up_proj   [F] ───────┴─ Mul ─ down_proj [D] ─► y
 */
import { mul } from '../primitives.js';
import type { Tensor } from '../tensor.js';
import type { EmitPlan } from './emit-plan.js';
import { geluExact, silu } from './functional.js';
import { lastSegment, linear } from './linear.js';
import type { ParamSource } from './params.js';

export type MlpActivation = 'silu' | 'gelu';

export interface GatedMlpOptions {
  params: ParamSource;
  /** e.g. `model.layers.0.mlp` */
  name: string;
  dim: number;
  hidden: number;
  activation: MlpActivation;
  plan: EmitPlan;
}

export function gatedMlp(x: Tensor, o: GatedMlpOptions): Tensor {
  const g = x.graph;
  return g.scope(lastSegment(o.name), () => {
    const proj = (which: string, inF: number, outF: number, input: Tensor) =>
      linear(input, { params: o.params, name: `${o.name}.${which}`, inFeatures: inF, outFeatures: outF });
    const gate = proj('gate_proj', o.dim, o.hidden, x);
    const act = o.activation === 'silu' ? silu(gate) : geluExact(gate, o.plan);
    return proj('down_proj', o.hidden, o.dim, mul(act, proj('up_proj', o.dim, o.hidden, x)));
  });
}
