/**
 * The parameter table of the AR+NAR model (seed spec §5.10, Appendix B): every checkpoint tensor by name,
 * with its shape and its initialisation for training from scratch (§5.11), in the reference's state-dict
 * order. The table is the contract checkpoints are validated against and the one export writes.
 */
import { hashName, initValues, type ParamInit } from '../../nn/blocks/params.js';
import { paramNames, respTableRows, type ValleModelSpec } from './model-spec.js';

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

/** Fresh weights for training from scratch (§5.11), reproducible from `seed`. */
export function initParameters(spec: ValleModelSpec, seed = 0): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const e of parameterTable(spec)) out.set(e.name, initValues(e.init, elementCount(e.shape), (seed ^ hashName(e.name)) >>> 0));
  return out;
}
