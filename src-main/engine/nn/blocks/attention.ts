/**
 * LLaMA self-attention (seed-spec §5.5) with grouped KV heads and a KV cache, in two spellings.
 *
 * Standard (any plan; differentiable):
 *
 *   x [B,T,D] ─┬─ q_proj ─ [B,H,T,Dh] ─ rotary ─ ×1/√Dh ─ view [B,Hkv,G,T,Dh] ─┐
 *              ├─ k_proj ─ [B,Hkv,T,Dh] ─ rotary ─┐                            │
 *              │             past_key ─ Concat(axis 2) ─► present_key ─ᵀ─ MatMul ─► scores [B,Hkv,G,T,S]
 *              └─ v_proj ─ [B,Hkv,T,Dh] ─┐                                       + bias [B|1,1,1,T,S]
 *                          past_value ─ Concat ─► present_value ─┐               softmax
 *                                                                └──────────── MatMul ─► [B,T,H·Dh] ─ o_proj ─► y
 *
 *   G = H / Hkv query heads share one KV head; the [B,Hkv,G,…] view makes MatMul broadcast the KV heads
 *   instead of copying them (repeat_kv). With G = 1 the view is skipped.
 *
 * GroupQueryAttention (plan.attention = 'group-query-attention'; inference only):
 *
 *   x ─┬─ q_proj ─┐
 *      ├─ k_proj ─┼─ com.microsoft GroupQueryAttention(do_rotary, cos/sin caches, past, seqlens_k) ─ o_proj ─► y
 *      └─ v_proj ─┘                                └─► present_key, present_value
 *
 *   Its contract: positions are 0… for the prompt and continue from the cache length, keys are never
 *   padded, head size is a multiple of 16 (do_rotary). A block asked for it elsewhere throws rather than
 *   silently computing something else.
 */
import type { Graph } from '../graph.js';
import { add, concat, expand, matmul, mul, onnxOp, reshape, size, sub, transpose, unsqueeze } from '../primitives.js';
import { dimAdd, type Dim } from '../shape.js';
import type { Tensor } from '../tensor.js';
import type { EmitPlan } from './emit-plan.js';
import { softmaxLastAxis } from './functional.js';
import { linear } from './linear.js';
import type { ParamSource } from './params.js';
import { applyRotary, inverseFrequencies, type RotaryTables } from './rotary.js';

export interface AttentionOptions {
  params: ParamSource;
  /** Parameter prefix, e.g. `model.layers.0.self_attn`. */
  name: string;
  dim: number;
  numHeads: number;
  /** Default numHeads (plain multi-head attention, as the studio model). */
  numKvHeads?: number;
  /** Default dim / numHeads. */
  headDim?: number;
  ropeTheta: number;
  plan: EmitPlan;
  /** q/k/v/o biases (LLaMA has none). */
  bias?: boolean;
}

export interface KvPair {
  /** [B, Hkv, P, Dh] */
  key: Tensor;
  value: Tensor;
}

/** What every layer of a stack shares; built once by the stack (or the caller). */
export interface AttentionContext {
  /** Standard path: rotary tables for the positions of x. */
  rotary?: RotaryTables;
  /** Standard path: additive bias [B|1, 1, T, S]; see attention-mask.ts. */
  bias?: Tensor;
  /** GQA path: set when the caller guarantees unpadded keys and contiguous positions. */
  contiguousPositions?: boolean;
}

export interface AttentionResult {
  out: Tensor;
  present: KvPair;
}

function headGeometry(o: AttentionOptions): { H: number; Hkv: number; Dh: number } {
  const H = o.numHeads;
  const Hkv = o.numKvHeads ?? H;
  const Dh = o.headDim ?? o.dim / H;
  if (!Number.isInteger(Dh) || Dh < 2) throw new Error(`attention ${o.name}: dim ${o.dim} / ${H} heads gives head size ${Dh}`);
  if (!Number.isInteger(H / Hkv)) throw new Error(`attention ${o.name}: ${H} query heads are not a multiple of ${Hkv} KV heads`);
  return { H, Hkv, Dh };
}

/** Why GroupQueryAttention cannot be used here, or null when it can. */
export function groupQueryAttentionProblem(o: AttentionOptions, ctx: AttentionContext): string | null {
  const { Dh } = headGeometry(o);
  if (o.plan.mode !== 'inference') return 'it has no gradient: a differentiable plan needs the standard path';
  if (Dh % 16 !== 0) return `head size ${Dh} is not a multiple of 16 (needed with fused rotary)`;
  if (!ctx.contiguousPositions) return 'positions must be contiguous and keys unpadded (context.contiguousPositions)';
  if (o.plan.maxPositions < 1) return 'plan.maxPositions must cover the longest sequence';
  if (o.bias) return 'projection biases are not supported on this path';
  return null;
}

/** [B, T, heads·Dh] → [B, heads, T, Dh] */
function toHeads(x: Tensor, heads: number, dh: number): Tensor {
  return transpose(reshape(x, [x.shape[0], x.shape[1], heads, dh]), [0, 2, 1, 3]);
}

export function attention(x: Tensor, o: AttentionOptions, ctx: AttentionContext, past?: KvPair): AttentionResult {
  if (x.rank !== 3 || x.shape[2] !== o.dim) throw new Error(`attention ${o.name}: x must be [B, T, ${o.dim}], got [${x.shape.join(', ')}]`);
  const g = x.graph;
  return g.scope('attn', () => (o.plan.attention === 'group-query-attention' ? gqaPath(g, x, o, ctx, past) : standardPath(x, o, ctx, past)));
}

function projections(x: Tensor, o: AttentionOptions, H: number, Hkv: number, Dh: number): [Tensor, Tensor, Tensor] {
  const lin = (which: string, out: number) => linear(x, { params: o.params, name: `${o.name}.${which}`, inFeatures: o.dim, outFeatures: out, bias: o.bias });
  return [lin('q_proj', H * Dh), lin('k_proj', Hkv * Dh), lin('v_proj', Hkv * Dh)];
}

function standardPath(x: Tensor, o: AttentionOptions, ctx: AttentionContext, past?: KvPair): AttentionResult {
  const { H, Hkv, Dh } = headGeometry(o);
  if (!ctx.rotary) throw new Error(`attention ${o.name}: the standard path needs rotary tables in the context`);
  const G = H / Hkv;
  const [qp, kp, vp] = projections(x, o, H, Hkv, Dh);
  const q = mul(applyRotary(toHeads(qp, H, Dh), ctx.rotary), 1 / Math.sqrt(Dh));
  const kNew = applyRotary(toHeads(kp, Hkv, Dh), ctx.rotary);
  const vNew = toHeads(vp, Hkv, Dh);
  const key = past ? concat([past.key, kNew], 2) : kNew;
  const value = past ? concat([past.value, vNew], 2) : vNew;
  const B = x.shape[0];
  const T = x.shape[1];
  let ctxOut: Tensor;
  if (G === 1) {
    let scores = matmul(q, transpose(key, [0, 1, 3, 2])); // [B, H, T, S]
    if (ctx.bias) scores = add(scores, ctx.bias);
    ctxOut = matmul(softmaxLastAxis(scores, o.plan), value); // [B, H, T, Dh]
  } else {
    const qg = reshape(q, [B, Hkv, G, T, Dh]);
    let scores = matmul(qg, unsqueeze(transpose(key, [0, 1, 3, 2]), [2])); // [B, Hkv, G, T, S]
    if (ctx.bias) scores = add(scores, unsqueeze(ctx.bias, [2]));
    ctxOut = reshape(matmul(softmaxLastAxis(scores, o.plan), unsqueeze(value, [2])), [B, H, T, Dh]);
  }
  const merged = reshape(transpose(ctxOut, [0, 2, 1, 3]), [B, T, H * Dh]);
  const out = linear(merged, { params: o.params, name: `${o.name}.o_proj`, inFeatures: H * Dh, outFeatures: o.dim, bias: o.bias });
  return { out, present: { key, value } };
}

/** cos/sin caches [maxPositions, Dh/2] for GroupQueryAttention's fused rotary (float64 angles, then float32). */
function rotaryCaches(g: Graph, dh: number, theta: number, maxPositions: number): { cos: Tensor; sin: Tensor } {
  const inv = inverseFrequencies(dh, theta);
  const half = dh / 2;
  const c = new Float32Array(maxPositions * half);
  const s = new Float32Array(maxPositions * half);
  for (let p = 0; p < maxPositions; p++) {
    for (let j = 0; j < half; j++) {
      // Math.fround(p·θ) mirrors the standard path, which multiplies in float32.
      const angle = Math.fround(p * inv[j]);
      c[p * half + j] = Math.cos(angle);
      s[p * half + j] = Math.sin(angle);
    }
  }
  return { cos: g.constant(c, [maxPositions, half], 'float32'), sin: g.constant(s, [maxPositions, half], 'float32') };
}

function gqaPath(g: Graph, x: Tensor, o: AttentionOptions, ctx: AttentionContext, past?: KvPair): AttentionResult {
  const problem = groupQueryAttentionProblem(o, ctx);
  if (problem) throw new Error(`attention ${o.name}: GroupQueryAttention cannot be used: ${problem}`);
  const { H, Hkv, Dh } = headGeometry(o);
  const [q, k, v] = projections(x, o, H, Hkv, Dh);
  const B = x.shape[0];
  const T = x.shape[1];
  const S: Dim = past ? dimAdd(past.key.shape[2], T) : T;
  // seqlens_k = total length − 1 per batch row (no padding); total_sequence_length = P + T.
  const total = past ? add(size(past.key, 'int32', [2]), size(x, 'int32', [1])) : size(x, 'int32', [1]);
  const seqlens = expand(reshape(sub(total, 1), [1]), [B]);
  const caches = rotaryCaches(g, Dh, o.ropeTheta, o.plan.maxPositions);
  const [out, presentKey, presentValue] = onnxOp(g, {
    opType: 'GroupQueryAttention',
    domain: 'com.microsoft',
    inputs: [q, k, v, past?.key ?? null, past?.value ?? null, seqlens, total, caches.cos, caches.sin],
    attrs: {
      num_heads: { int: H },
      kv_num_heads: { int: Hkv },
      do_rotary: { int: 1 },
      rotary_interleaved: { int: 0 },
      scale: { float: 1 / Math.sqrt(Dh) },
    },
    outputs: [
      { dtype: 'float32', shape: [B, T, H * Dh] },
      { dtype: 'float32', shape: [B, Hkv, S, Dh] },
      { dtype: 'float32', shape: [B, Hkv, S, Dh] },
    ],
  });
  const y = linear(out, { params: o.params, name: `${o.name}.o_proj`, inFeatures: H * Dh, outFeatures: o.dim });
  return { out: y, present: { key: presentKey, value: presentValue } };
}
