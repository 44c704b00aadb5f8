/**
 * An independent plain-JS (float64) forward of the AR+NAR model for tests: embeddings written straight from
 * the rules of seed spec §5.2–5.3 (not through the input table or input-layout.ts rows), the nn test
 * references for the LLaMA stack, and the classifier.
 */
import {
  linear,
  llamaStack,
  refTensor,
  type LlamaBlockWeights,
  type RefTensor,
} from '../../../nn/testing/reference.js';
import type { CodeMatrix, SequenceRequest } from '../input-layout.js';
import type { ValleModelSpec } from '../model-spec.js';

type Weights = ReadonlyMap<string, Float32Array>;

function row(w: Weights, name: string, index: number, d: number): number[] {
  const t = w.get(name);
  if (!t) throw new Error(`reference: no weight ${name}`);
  return Array.from(t.subarray(index * d, (index + 1) * d));
}

const code = (m: CodeMatrix, t: number, k: number) => m.data[t * m.levels + k];

function sum(vectors: number[][], d: number): number[] {
  const out = new Array<number>(d).fill(0);
  for (const v of vectors) for (let i = 0; i < d; i++) out[i] += v[i];
  return out;
}

/** [S, d] input embeddings of one request, with the segment names in order (for the position ids). */
export function referenceEmbeddings(spec: ValleModelSpec, w: Weights, req: SequenceRequest): number[][] {
  const d = spec.dModel;
  const S = spec.audioEmbeddingSums;
  const prom = (k: number, c: number) => row(w, `proms_emb.embeddings.${k}.weight`, c, d);
  const resp = (k: number, c: number) => row(w, `resps_emb.embeddings.${k}.weight`, c, d);
  const segments: number[][][] = [];
  const L = req.task === 'stt' ? 0 : req.level;
  const lang = spec.capabilities.includes('lang') && req.lang != null ? [row(w, 'langs_emb.weight', req.lang, d)] : null;
  const text = (ids: readonly number[]) => ids.map((id) => row(w, 'text_emb.weight', id, d));
  if (req.task === 'stt') {
    const a = req.resp!;
    const frames: number[][] = [];
    for (let t = 0; t < a.frames; t++) {
      const parts: number[][] = [];
      for (let l = 0; l <= a.levels - 2; l++) {
        if (l === 0) parts.push(resp(0, code(a, t, 0)));
        else if (!S) parts.push(resp(l + 1, code(a, t, l)));
        else for (let k = 0; k < l; k++) parts.push(resp(k + 1, code(a, t, k)));
      }
      frames.push(sum(parts, d));
    }
    segments.push(frames);
    if (lang) segments.push(lang);
    segments.push([row(w, 'rvq_l_emb.weight', 0, d)]);
    if (req.text) segments.push(text(req.text));
  } else {
    segments.push(text(req.text!));
    if (lang) segments.push(lang);
    segments.push([row(w, 'rvq_l_emb.weight', L, d)]);
    if (req.prompt) {
      const p = req.prompt;
      const frames: number[][] = [];
      for (let t = 0; t < p.frames; t++) {
        if (L === 0) frames.push(prom(0, code(p, t, 0)));
        else if (!S || L - 1 === 0) frames.push(prom(L - 1, code(p, t, L - 1)));
        else frames.push(sum(Array.from({ length: L - 1 }, (_, k) => prom(k, code(p, t, k))), d));
      }
      segments.push(frames);
    }
    if (req.resp) {
      const r = req.resp;
      const frames: number[][] = [];
      for (let t = 0; t < r.frames; t++) {
        if (L === 0) frames.push(resp(0, code(r, t, 0)));
        else if (!S || L - 1 === 0) frames.push(resp(L, code(r, t, L - 1)));
        else frames.push(sum(Array.from({ length: L - 1 }, (_, k) => resp(k + 1, code(r, t, k))), d));
      }
      segments.push(frames);
    }
  }
  const sep = Array.from(w.get('sep')!);
  const out: number[][] = [];
  segments.forEach((s, i) => {
    out.push(...s);
    if (i < segments.length - 1) out.push(sep);
  });
  return out;
}

export function referenceLayers(spec: ValleModelSpec, w: Weights): { layers: LlamaBlockWeights[]; norm: RefTensor } {
  const d = spec.dModel;
  const t = (name: string, shape: number[]) => refTensor(shape, w.get(name)!);
  const layers = Array.from({ length: spec.layers }, (_, i) => {
    const p = `model.layers.${i}`;
    return {
      inputNorm: t(`${p}.input_layernorm.weight`, [d]),
      postNorm: t(`${p}.post_attention_layernorm.weight`, [d]),
      attn: {
        wq: t(`${p}.self_attn.q_proj.weight`, [d, d]),
        wk: t(`${p}.self_attn.k_proj.weight`, [d, d]),
        wv: t(`${p}.self_attn.v_proj.weight`, [d, d]),
        wo: t(`${p}.self_attn.o_proj.weight`, [d, d]),
      },
      mlp: {
        gate: t(`${p}.mlp.gate_proj.weight`, [spec.ffnDim, d]),
        up: t(`${p}.mlp.up_proj.weight`, [spec.ffnDim, d]),
        down: t(`${p}.mlp.down_proj.weight`, [d, spec.ffnDim]),
      },
    };
  });
  return { layers, norm: t('model.norm.weight', [d]) };
}

/** Logits [S, 1025] of one unpadded sequence (embeddings [S, d], position ids [S]). */
export function referenceLogits(spec: ValleModelSpec, w: Weights, embeddings: number[][], positions: readonly number[]): RefTensor {
  const S = embeddings.length;
  const d = spec.dModel;
  const x = refTensor([1, S, d], embeddings.flat());
  const { layers, norm } = referenceLayers(spec, w);
  const cfg = { numHeads: spec.heads, numKvHeads: spec.kvHeads, ropeTheta: spec.ropeTheta, rmsNormEps: spec.rmsNormEps, activation: 'gelu' as const };
  const h = llamaStack(x, layers, norm, cfg, { positions: refTensor([1, S], positions) }).out;
  const V = spec.outputTokens;
  const logits = linear(refTensor([S, d], h.data), refTensor([V, d], w.get('classifier.weight')!), refTensor([V], w.get('classifier.bias')!));
  return logits;
}
