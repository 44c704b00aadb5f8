/**
 * One pre-norm LLaMA decoder layer (HF LlamaDecoderLayer), parameters under `${name}.…`:
 *
 *   x ─┬─ input_layernorm ─ self_attn ─┐
 *      └───────────────────────────── Add ─ h ─┬─ post_attention_layernorm ─ mlp ─┐
 *                                              └─────────────────────────────── Add ─► out
 */
import { add } from '../primitives.js';
import type { Tensor } from '../tensor.js';
import { attention, type AttentionContext, type AttentionResult, type KvPair } from './attention.js';
import type { EmitPlan } from './emit-plan.js';
import { gatedMlp, type MlpActivation } from './mlp.js';
import type { ParamSource } from './params.js';
import { rmsNorm } from './rms-norm.js';

export interface LlamaConfig {
  dim: number;
  numHeads: number;
  numKvHeads?: number;
  /** MLP hidden size F */
  hidden: number;
  activation: MlpActivation;
  rmsNormEps: number;
  ropeTheta: number;
}

export interface LlamaBlockOptions extends LlamaConfig {
  params: ParamSource;
  /** e.g. `model.layers.3` */
  name: string;
  plan: EmitPlan;
}

export function llamaBlock(x: Tensor, o: LlamaBlockOptions, ctx: AttentionContext, past?: KvPair): AttentionResult {
  const norm = (which: string, input: Tensor) =>
    rmsNorm(input, { params: o.params, name: `${o.name}.${which}`, dim: o.dim, eps: o.rmsNormEps, plan: o.plan });
  const attn = attention(
    norm('input_layernorm', x),
    { params: o.params, name: `${o.name}.self_attn`, dim: o.dim, numHeads: o.numHeads, numKvHeads: o.numKvHeads, ropeTheta: o.ropeTheta, plan: o.plan },
    ctx,
    past,
  );
  const h = add(x, attn.out);
  const m = gatedMlp(norm('post_attention_layernorm', h), {
    params: o.params,
    name: `${o.name}.mlp`,
    dim: o.dim,
    hidden: o.hidden,
    activation: o.activation,
    plan: o.plan,
  });
  return { out: add(h, m), present: attn.present };
}
