/**
 * What a LoRA file must look like (seed spec §8.1, §8.6): only `lora_A`/`lora_B` tensors of backbone Linear
 * layers, `model.layers.{i}.<module>.lora_{A,B}` (wrapped Linear, the default) or
 * `model.layers.{i}.<module>.parametrizations.weight.0.lora_{A,B}` (`parametrize: true`), every module with both
 * halves, one rank throughout, and widths that fit one model (attention projections d×d, MLP d↔ffn).
 * Shapes: wrapped A [r, in], B [out, r]; parametrized B [in, r], A [r, out] (§8.3 swaps them).
 */
import type { LoraSummary } from '../../../src-shared/api/models.js';
import { StudioError } from '../../../src-shared/api/errors.js';

const MODULES = ['self_attn.q_proj', 'self_attn.k_proj', 'self_attn.v_proj', 'self_attn.o_proj', 'mlp.gate_proj', 'mlp.up_proj', 'mlp.down_proj'] as const;
type Module = (typeof MODULES)[number];
const NAME = /^(?:model\.)?layers\.(\d+)\.(self_attn\.[qkvo]_proj|mlp\.(?:gate|up|down)_proj)\.(parametrizations\.weight\.0\.)?lora_(A|B)$/;

interface Half {
  shape: number[];
}

/** True when every tensor is a LoRA tensor (the test `models.import` uses to tell a LoRA from a checkpoint). */
export function looksLikeLora(names: Iterable<string>): boolean {
  let any = false;
  for (const name of names) {
    if (!name.includes('lora_')) return false;
    any = true;
  }
  return any;
}

/**
 * Checks a LoRA's tensors and summarises it. Every problem found is listed in one `invalid_input`. `config` is the
 * file's LoRA settings (rank, alpha, parametrize) when it carries them.
 */
export function checkLora(
  shapes: ReadonlyMap<string, readonly number[]>,
  config: { rank?: number; alpha?: number; parametrize?: boolean } | null,
  fileName: string,
): { summary: LoraSummary; warnings: string[] } {
  const problems: string[] = [];
  const warnings: string[] = [];
  const modules = new Map<string, { layer: number; module: Module; parametrized: boolean; A?: Half; B?: Half }>();
  const unexpected: string[] = [];
  for (const [name, shape] of shapes) {
    const m = NAME.exec(name);
    if (!m) {
      unexpected.push(name);
      continue;
    }
    const key = `${m[1]}.${m[2]}`;
    const entry = modules.get(key) ?? { layer: Number(m[1]), module: m[2] as Module, parametrized: m[3] !== undefined };
    if (entry.parametrized !== (m[3] !== undefined)) problems.push(`${key} mixes wrapped and parametrized LoRA tensors`);
    entry[m[4] as 'A' | 'B'] = { shape: [...shape] };
    modules.set(key, entry);
  }
  if (unexpected.length > 0) problems.push(`not LoRA tensors of the backbone's linear layers: ${unexpected.slice(0, 8).join(', ')}${unexpected.length > 8 ? ` and ${unexpected.length - 8} more` : ''}`);
  if (modules.size === 0) throw new StudioError('invalid_input', `${fileName} holds no LoRA tensors (model.layers.N.<projection>.lora_A / lora_B).`, { file: fileName });

  const ranks = new Set<number>();
  const widths = { d: new Set<number>(), ffn: new Set<number>() };
  const parametrized = [...modules.values()].some((e) => e.parametrized);
  for (const [key, e] of modules) {
    if (!e.A || !e.B) {
      problems.push(`${key} has lora_${e.A ? 'A' : 'B'} but no lora_${e.A ? 'B' : 'A'}`);
      continue;
    }
    if (e.A.shape.length !== 2 || e.B.shape.length !== 2) {
      problems.push(`${key}: LoRA tensors must be matrices, got [${e.A.shape}] and [${e.B.shape}]`);
      continue;
    }
    // Wrapped: A [r, in], B [out, r]. Parametrized: B [in, r], A [r, out].
    const [rA, a1] = e.A.shape;
    const [b0, rB] = e.B.shape;
    if (rA !== rB) {
      problems.push(`${key}: lora_A has rank ${rA} but lora_B has rank ${rB}`);
      continue;
    }
    ranks.add(rA);
    const inF = e.parametrized ? b0 : a1;
    const outF = e.parametrized ? a1 : b0;
    if (e.module.startsWith('self_attn.')) {
      if (inF !== outF) problems.push(`${key}: an attention projection maps d to d, got ${inF} → ${outF}`);
      widths.d.add(inF);
    } else if (e.module === 'mlp.down_proj') {
      widths.ffn.add(inF);
      widths.d.add(outF);
    } else {
      widths.d.add(inF);
      widths.ffn.add(outF);
    }
  }
  if (ranks.size > 1) problems.push(`the rank differs between modules (${[...ranks].sort((a, b) => a - b).join(', ')})`);
  if (widths.d.size > 1) problems.push(`the model width differs between modules (${[...widths.d].sort((a, b) => a - b).join(', ')})`);
  if (widths.ffn.size > 1) problems.push(`the MLP width differs between modules (${[...widths.ffn].sort((a, b) => a - b).join(', ')})`);
  const rank = [...ranks][0] ?? 0;
  if (config?.rank !== undefined && ranks.size === 1 && config.rank !== rank) problems.push(`its config says rank ${config.rank} but the tensors have rank ${rank}`);
  if (config?.parametrize !== undefined && config.parametrize !== parametrized) {
    problems.push(`its config says parametrize: ${config.parametrize} but the tensors are ${parametrized ? 'parametrized' : 'wrapped-Linear'} LoRA tensors`);
  }
  if (problems.length > 0) {
    throw new StudioError('invalid_input', `${fileName} is not a usable LoRA: ${problems.join('; ')}.`, { file: fileName, problems });
  }
  let alpha = config?.alpha;
  if (alpha === undefined) {
    alpha = rank;
    warnings.push(`${fileName} carries no LoRA config; alpha is taken to equal the rank (${rank}), a scaling of 1`);
  }
  const layers = new Set([...modules.values()].map((e) => e.layer));
  const targets = MODULES.filter((m) => [...modules.values()].some((e) => e.module === m));
  return { summary: { rank, alpha, layers: layers.size, targets: [...targets], dModel: [...widths.d][0] ?? 0, parametrized }, warnings };
}
