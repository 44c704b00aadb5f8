/**
 * The parameter table of the AR+NAR model (seed spec §5.10, Appendix B): every checkpoint tensor by name,
 * with its shape and its initialisation for training from scratch (§5.11), in the reference's state-dict
 * order. The table is the contract checkpoints are validated against and the one export writes.
 */
import type { ParamInit } from '../../nn/blocks/params.js';
import { paramNames, respTableRows, type ValleModelSpec } from './model-spec.js';
import { mulberry32 } from './random.js';

export type ParamRole = 'embedding' | 'backbone' | 'head' | 'unused';

export interface ParamEntry {
  name: string;
  shape: number[];
  init: ParamInit;
  role: ParamRole;
}

/** HF LlamaConfig.initializer_range: normal(0, 0.02) for the HF submodules. */
const HF_STD = 0.02;

export function parameterTable(spec: ValleModelSpec): ParamEntry[] {
  const d = spec.dModel;
  const F = spec.ffnDim;
  const t: ParamEntry[] = [];
  const push = (name: string, shape: number[], init: ParamInit, role: ParamRole) => t.push({ name, shape, init, role });
  // VALL-E's own modules: PyTorch defaults (nn.Embedding N(0,1), sep N(0,1), dropout_token zeros).
  const emb: ParamInit = { kind: 'normal', std: 1 };
  push(paramNames.textEmb, [spec.textTokens, d], emb, 'embedding');
  push(paramNames.sep, [d], emb, 'embedding');
  push(paramNames.dropoutToken, [d], { kind: 'zeros' }, 'embedding');
  for (let k = 0; k < spec.levels; k++) push(paramNames.promEmb(k), [spec.audioTokens, d], emb, 'embedding');
  for (let k = 0; k < spec.levels; k++) push(paramNames.respEmb(k), [respTableRows(spec, k), d], emb, 'embedding');
  if (spec.langs > 0) push(paramNames.langsEmb, [spec.langs, d], emb, 'embedding');
  if (spec.tasks > 0) push(paramNames.tasksEmb, [spec.tasks, d], emb, 'embedding');
  if (spec.tones > 0) push(paramNames.tonesEmb, [spec.tones, d], emb, 'embedding');
  push(paramNames.rvqEmb, [spec.levels, d], emb, 'embedding');
  push(paramNames.embedTokens, [spec.outputTokens, d], { kind: 'normal', std: HF_STD }, 'unused');
  // Attention projections: the reference's `replace_attention` rebuilds them for any non-HF kernel (the
  // `attention: auto` default), so they get PyTorch's Linear init U(±1/√in); the rest of the HF stack N(0, 0.02).
  const attnInit: ParamInit = { kind: 'uniform', bound: 1 / Math.sqrt(d) };
  for (let i = 0; i < spec.layers; i++) {
    const p = `${paramNames.backbone}.layers.${i}`;
    push(`${p}.self_attn.q_proj.weight`, [spec.heads * spec.headDim, d], attnInit, 'backbone');
    push(`${p}.self_attn.k_proj.weight`, [spec.kvHeads * spec.headDim, d], attnInit, 'backbone');
    push(`${p}.self_attn.v_proj.weight`, [spec.kvHeads * spec.headDim, d], attnInit, 'backbone');
    push(`${p}.self_attn.o_proj.weight`, [d, spec.heads * spec.headDim], attnInit, 'backbone');
    push(`${p}.mlp.gate_proj.weight`, [F, d], { kind: 'normal', std: HF_STD }, 'backbone');
    push(`${p}.mlp.up_proj.weight`, [F, d], { kind: 'normal', std: HF_STD }, 'backbone');
    push(`${p}.mlp.down_proj.weight`, [d, F], { kind: 'normal', std: HF_STD }, 'backbone');
    push(`${p}.input_layernorm.weight`, [d], { kind: 'ones' }, 'backbone');
    push(`${p}.post_attention_layernorm.weight`, [d], { kind: 'ones' }, 'backbone');
  }
  push(`${paramNames.backbone}.norm.weight`, [d], { kind: 'ones' }, 'backbone');
  const bound = 1 / Math.sqrt(d);
  push(paramNames.classifierWeight, [spec.outputTokens, d], { kind: 'uniform', bound }, 'head');
  push(paramNames.classifierBias, [spec.outputTokens], { kind: 'uniform', bound }, 'head');
  return t;
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Total number of parameters of a table (no weights are allocated). */
export function parameterCount(table: readonly ParamEntry[]): number {
  return table.reduce((n, e) => n + elementCount(e.shape), 0);
}

/** FNV-1a of a name, so each tensor's random stream depends on the seed and its name only. */
function hashName(name: string): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  return h >>> 0;
}

export function initValues(init: ParamInit, n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  if (init.kind === 'zeros') return out;
  if (init.kind === 'ones') return out.fill(1);
  const rand = mulberry32(seed);
  if (init.kind === 'uniform') {
    for (let i = 0; i < n; i++) out[i] = (rand() * 2 - 1) * init.bound;
    return out;
  }
  for (let i = 0; i < n; i += 2) {
    const u1 = Math.max(rand(), 1e-12);
    const u2 = rand();
    const r = Math.sqrt(-2 * Math.log(u1)) * init.std;
    out[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  return out;
}

/** Fresh weights for training from scratch (§5.11), reproducible from `seed`. */
export function initParameters(spec: ValleModelSpec, seed = 0): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const e of parameterTable(spec)) out.set(e.name, initValues(e.init, elementCount(e.shape), (seed ^ hashName(e.name)) >>> 0));
  return out;
}
