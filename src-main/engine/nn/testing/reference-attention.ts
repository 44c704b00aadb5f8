/**
 * Reference rotary embeddings, multi-head attention (GQA, causal + key padding mask, KV cache) and the
 * LLaMA decoder block / stack, following HF transformers' LlamaModel (seed-spec §5.5).
 */
import { linear, rmsNorm, silu, gelu, softmax } from './reference-math.js';
import { add, concat, refTensor, type RefTensor } from './reference-tensor.js';

/**
 * HF "rotate-half" RoPE on x [B, H, T, Dh] with position ids [B, T]: dim j (< Dh/2) is rotated together
 * with dim j + Dh/2 by angle p·θ_j, θ_j = theta^(−2j/Dh). Not the interleaved (GPT-J) layout.
 */
export function applyRotary(x: RefTensor, positions: RefTensor, theta: number): RefTensor {
  const [B, H, T, Dh] = x.shape;
  if (Dh % 2 !== 0) throw new Error('applyRotary: head size must be even');
  if (positions.shape[0] !== B || positions.shape[1] !== T) throw new Error('applyRotary: positions must be [B, T]');
  const half = Dh / 2;
  const out = refTensor(x.shape);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const p = positions.data[b * T + t];
      for (let h = 0; h < H; h++) {
        const base = ((b * H + h) * T + t) * Dh;
        for (let j = 0; j < half; j++) {
          const angle = p * Math.pow(theta, (-2 * j) / Dh);
          const c = Math.cos(angle);
          const s = Math.sin(angle);
          const a = x.data[base + j];
          const bb = x.data[base + j + half];
          // q' = q·cos + rotate_half(q)·sin with rotate_half([a, b]) = [−b, a]
          out.data[base + j] = a * c - bb * s;
          out.data[base + j + half] = bb * c + a * s;
        }
      }
    }
  }
  return out;
}

/** Which key slot j a query i of batch b may see. */
export type VisibleFn = (b: number, i: number, j: number) => boolean;

/**
 * softmax(q·kᵀ·scale + mask)·v with grouped KV heads: q [B, H, T, Dh], k/v [B, Hkv, S, Dh], H % Hkv == 0;
 * query head h reads KV head ⌊h / (H/Hkv)⌋. A query that sees no key gets zeros.
 */
export function scaledDotProductAttention(q: RefTensor, k: RefTensor, v: RefTensor, visible: VisibleFn, scale?: number): RefTensor {
  const [B, H, T, Dh] = q.shape;
  const [, Hkv, S] = k.shape;
  if (H % Hkv !== 0) throw new Error(`attention: ${H} query heads not divisible by ${Hkv} KV heads`);
  const group = H / Hkv;
  const sc = scale ?? 1 / Math.sqrt(Dh);
  const out = refTensor([B, H, T, Dh]);
  const scores = refTensor([S]);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const kvh = Math.floor(h / group);
      const kBase = (b * Hkv + kvh) * S * Dh;
      for (let i = 0; i < T; i++) {
        const qBase = ((b * H + h) * T + i) * Dh;
        for (let j = 0; j < S; j++) {
          if (!visible(b, i, j)) {
            scores.data[j] = -Infinity;
            continue;
          }
          let acc = 0;
          for (let d = 0; d < Dh; d++) acc += q.data[qBase + d] * k.data[kBase + j * Dh + d];
          scores.data[j] = acc * sc;
        }
        const p = softmax(scores);
        for (let d = 0; d < Dh; d++) {
          let acc = 0;
          for (let j = 0; j < S; j++) acc += p.data[j] * v.data[kBase + j * Dh + d];
          out.data[qBase + d] = acc;
        }
      }
    }
  }
  return out;
}

/** [B, T, heads·Dh] → [B, heads, T, Dh] */
export function splitHeads(x: RefTensor, heads: number): RefTensor {
  const [B, T, F] = x.shape;
  const Dh = F / heads;
  const out = refTensor([B, heads, T, Dh]);
  for (let b = 0; b < B; b++)
    for (let t = 0; t < T; t++)
      for (let h = 0; h < heads; h++)
        for (let d = 0; d < Dh; d++) out.data[((b * heads + h) * T + t) * Dh + d] = x.data[(b * T + t) * F + h * Dh + d];
  return out;
}

/** [B, heads, T, Dh] → [B, T, heads·Dh] */
export function mergeHeads(x: RefTensor): RefTensor {
  const [B, H, T, Dh] = x.shape;
  const out = refTensor([B, T, H * Dh]);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++)
      for (let t = 0; t < T; t++)
        for (let d = 0; d < Dh; d++) out.data[(b * T + t) * H * Dh + h * Dh + d] = x.data[((b * H + h) * T + t) * Dh + d];
  return out;
}

export interface AttentionWeights {
  /** [H·Dh, D] */ wq: RefTensor;
  /** [Hkv·Dh, D] */ wk: RefTensor;
  /** [Hkv·Dh, D] */ wv: RefTensor;
  /** [D, H·Dh] */ wo: RefTensor;
}

export interface AttentionConfig {
  numHeads: number;
  numKvHeads: number;
  ropeTheta: number;
  /** Default true: LLaMA attention is always causal (seed-spec §5.5). */
  causal?: boolean;
}

/** Keys and values already computed for earlier positions, post-rotary: [B, Hkv, P, Dh] each. */
export interface KvCache {
  k: RefTensor;
  v: RefTensor;
}

export interface AttentionInputs {
  /** Position ids [B, T] for rotary. */
  positions: RefTensor;
  /** [B, P + T]: 1 for a real key slot, 0 for padding (past slots first). Omitted = all real. */
  keyMask?: RefTensor;
  past?: KvCache;
}

/**
 * LLaMA self-attention on x [B, T, D] with an optional KV cache. Query i of this chunk sits at slot P + i
 * and sees key slots j ≤ P + i (when causal) whose keyMask is 1. Returns the output and the grown cache.
 */
export function llamaAttention(
  x: RefTensor,
  w: AttentionWeights,
  cfg: AttentionConfig,
  inputs: AttentionInputs,
): { out: RefTensor; present: KvCache } {
  const [B, T] = x.shape;
  const q = applyRotary(splitHeads(linear(x, w.wq), cfg.numHeads), inputs.positions, cfg.ropeTheta);
  const kNew = applyRotary(splitHeads(linear(x, w.wk), cfg.numKvHeads), inputs.positions, cfg.ropeTheta);
  const vNew = splitHeads(linear(x, w.wv), cfg.numKvHeads);
  const k = inputs.past ? concat([inputs.past.k, kNew], 2) : kNew;
  const v = inputs.past ? concat([inputs.past.v, vNew], 2) : vNew;
  const P = inputs.past ? inputs.past.k.shape[2] : 0;
  const S = P + T;
  const mask = inputs.keyMask;
  if (mask && (mask.shape[0] !== B || mask.shape[1] !== S)) throw new Error(`llamaAttention: keyMask must be [${B}, ${S}]`);
  const causal = cfg.causal ?? true;
  const visible: VisibleFn = (b, i, j) => (!causal || j <= P + i) && (!mask || mask.data[b * S + j] !== 0);
  const o = scaledDotProductAttention(q, k, v, visible);
  return { out: linear(mergeHeads(o), w.wo), present: { k, v } };
}

export type MlpActivation = 'silu' | 'gelu';

export interface GatedMlpWeights {
  /** [F, D] */ gate: RefTensor;
  /** [F, D] */ up: RefTensor;
  /** [D, F] */ down: RefTensor;
}

/** down(act(gate(x)) ⊙ up(x)): SwiGLU with silu, the studio model's GELU variant with gelu. */
export function gatedMlp(x: RefTensor, w: GatedMlpWeights, activation: MlpActivation): RefTensor {
  const g = linear(x, w.gate);
  const a = activation === 'silu' ? silu(g) : gelu(g);
  const u = linear(x, w.up);
  const h = refTensor(a.shape);
  for (let i = 0; i < h.data.length; i++) h.data[i] = a.data[i] * u.data[i];
  return linear(h, w.down);
}

export interface LlamaBlockWeights {
  inputNorm: RefTensor;
  attn: AttentionWeights;
  postNorm: RefTensor;
  mlp: GatedMlpWeights;
}

export interface LlamaBlockConfig extends AttentionConfig {
  rmsNormEps: number;
  activation: MlpActivation;
}

/** Pre-norm decoder layer: h = x + attn(norm(x)); out = h + mlp(norm(h)). */
export function llamaBlock(
  x: RefTensor,
  w: LlamaBlockWeights,
  cfg: LlamaBlockConfig,
  inputs: AttentionInputs,
): { out: RefTensor; present: KvCache } {
  const a = llamaAttention(rmsNorm(x, w.inputNorm, cfg.rmsNormEps), w.attn, cfg, inputs);
  const h = add(x, a.out);
  const out = add(h, gatedMlp(rmsNorm(h, w.postNorm, cfg.rmsNormEps), w.mlp, cfg.activation));
  return { out, present: a.present };
}

/** N blocks then the final RMSNorm; `past` has one cache per layer when given. */
export function llamaStack(
  x: RefTensor,
  layers: readonly LlamaBlockWeights[],
  finalNorm: RefTensor,
  cfg: LlamaBlockConfig,
  inputs: { positions: RefTensor; keyMask?: RefTensor; past?: readonly KvCache[] },
): { out: RefTensor; present: KvCache[] } {
  let h = x;
  const present: KvCache[] = [];
  layers.forEach((w, i) => {
    const r = llamaBlock(h, w, cfg, { positions: inputs.positions, keyMask: inputs.keyMask, past: inputs.past?.[i] });
    h = r.out;
    present.push(r.present);
  });
  return { out: rmsNorm(h, finalNorm, cfg.rmsNormEps), present };
}
