/**
 * The LLaMA backbone (HF LlamaModel minus the embedding): N decoder layers and the final RMSNorm.
 * Position tables and the attention bias are built once here and shared by every layer.
 *
 *   positions [B|1,T] ─► rotary cos/sin ─┐      keyMask [B,S] ─► bias [B|1,1,T,S] ─┐
 *                                        ▼                                          ▼
 *   h [B,T,D] ─► layers.0 ─► layers.1 ─► … ─► layers.{N−1} ─► norm ─► out [B,T,D]
 *                   │            │                  │
 *                present.0    present.1   …    present.{N−1}        (past.i feeds layers.i)
 *
 * Positions default to P, P+1, … (P = cached length), the same for every row; pass them explicitly for
 * left-padded batches (HF computes them from the padding mask).
 */
import { add, arange, size, unsqueeze } from '../primitives.js';
import type { Tensor } from '../tensor.js';
import type { KvPair, AttentionContext } from './attention.js';
import { attentionBias } from './attention-mask.js';
import type { EmitPlan } from './emit-plan.js';
import { llamaBlock, type LlamaConfig } from './llama-block.js';
import type { ParamSource } from './params.js';
import { rmsNorm } from './rms-norm.js';
import { rotaryTables } from './rotary.js';

export interface LlamaStackOptions extends LlamaConfig {
  params: ParamSource;
  numLayers: number;
  /** Parameter prefix: layers are `${prefix}.layers.{i}`, the final norm `${prefix}.norm`. Default 'model'. */
  prefix?: string;
  plan: EmitPlan;
}

export interface LlamaStackInputs {
  /** int64 [B, T]; default P + arange(T) for every row. */
  positions?: Tensor;
  /** [B, P + T]: 1 real, 0 padding. */
  keyMask?: Tensor;
  /** One cache per layer, [B, Hkv, P, Dh] each. */
  past?: readonly KvPair[];
}

export function llamaStack(h: Tensor, o: LlamaStackOptions, inputs: LlamaStackInputs = {}): { out: Tensor; present: KvPair[] } {
  const g = h.graph;
  const prefix = o.prefix ?? 'model';
  if (inputs.past && inputs.past.length !== o.numLayers) throw new Error(`llamaStack: ${inputs.past.length} caches for ${o.numLayers} layers`);
  const T = h.shape[1];
  return g.scope(prefix, () => {
    const ctx: AttentionContext = {};
    if (o.plan.attention === 'group-query-attention') {
      ctx.contiguousPositions = inputs.positions === undefined && inputs.keyMask === undefined;
    } else {
      let positions = inputs.positions;
      if (!positions) {
        const offset = inputs.past ? size(inputs.past[0].key, 'int64', [2]) : g.scalar(0, 'int64');
        positions = unsqueeze(add(arange(g, T, 'int64'), offset), [0]);
      }
      const headDim = o.dim / o.numHeads;
      ctx.rotary = rotaryTables(positions, headDim, o.ropeTheta, h.dtype);
      ctx.bias = attentionBias(g, { queryLength: T, past: inputs.past?.[0].key, keyMask: inputs.keyMask, causal: true, dtype: h.dtype });
    }
    const present: KvPair[] = [];
    let x = h;
    for (let i = 0; i < o.numLayers; i++) {
      const r = g.scope(`layers.${i}`, () => llamaBlock(x, { ...o, name: `${prefix}.layers.${i}` }, ctx, inputs.past?.[i]));
      x = r.out;
      present.push(r.present);
    }
    const out = rmsNorm(x, { params: o.params, name: `${prefix}.norm`, dim: o.dim, eps: o.rmsNormEps, plan: o.plan });
    return { out, present };
  });
}
