/**
 * What the AR+NAR model of a config is made of (seed spec §5.1–5.6): dimensions, vocabularies, which optional
 * embeddings exist, the behavioural switches that change the inputs (audio_embedding_sums,
 * unified_position_ids, capabilities) and the loss (loss_factors), and the checkpoint names of every weight
 * (Appendix B). Everything downstream (parameter table, input layout, graphs, checkpoint validation) reads this.
 *
 * Only the released architecture is built: version 5, llama, capabilities with "ar" and "nar", one shared
 * classifier. Anything else is refused here, by name, rather than silently run as something it is not.
 */
import { modelDimensions, type ModelConfig, type ModelDimensions } from '../config/index.js';

/** The sizes come from the config's dimensions as they are; the rest is what the AR+NAR model adds. */
type SpecDimensions = Pick<ModelDimensions, 'dModel' | 'heads' | 'kvHeads' | 'headDim' | 'layers' | 'ffnDim' | 'textTokens' | 'audioTokens' | 'langs' | 'tasks' | 'tones'>;

export interface ValleModelSpec extends SpecDimensions {
  /** the AR's stop token: 1024 (= audioTokens) */
  stopToken: number;
  /** rows of the shared classifier and of `resps_emb.embeddings.0`: audioTokens + 1 */
  outputTokens: number;
  /** RVQ levels (8): prompt tables, response tables, rvq-level tokens */
  levels: number;
  capabilities: readonly string[];
  /** a lang token is inserted (capability "lang" and a langs table) */
  langToken: boolean;
  /** a tone token is inserted (capability "tone" and a tones table) */
  toneToken: boolean;
  audioEmbeddingSums: boolean;
  unifiedPositionIds: boolean;
  /** empty = the unified loss (§5.7 mode 1) */
  lossFactors: Readonly<Record<string, number>>;
  rmsNormEps: number;
  ropeTheta: number;
  /** HF LlamaConfig.max_position_embeddings the reference sets (75·60·5) */
  maxPositions: number;
  ignoreIndex: number;
}

/** Checkpoint names (the reference's `AR_NAR` state dict, Appendix B). */
export const paramNames = {
  textEmb: 'text_emb.weight',
  sep: 'sep',
  dropoutToken: 'dropout_token',
  promEmb: (level: number) => `proms_emb.embeddings.${level}.weight`,
  respEmb: (level: number) => `resps_emb.embeddings.${level}.weight`,
  langsEmb: 'langs_emb.weight',
  tasksEmb: 'tasks_emb.weight',
  tonesEmb: 'tones_emb.weight',
  rvqEmb: 'rvq_l_emb.weight',
  /** exists in the state dict, never read (inputs are passed as embeddings) */
  embedTokens: 'model.embed_tokens.weight',
  /** prefix of the LLaMA stack: `model.layers.{i}.…`, `model.norm.weight` */
  backbone: 'model',
  classifierWeight: 'classifier.weight',
  classifierBias: 'classifier.bias',
} as const;

export class UnsupportedModelError extends Error {
  override name = 'UnsupportedModelError';
}

/** The spec of a (formatted) config model entry; throws UnsupportedModelError for variants not built here. */
export function modelSpecFromConfig(model: ModelConfig): ValleModelSpec {
  const problems: string[] = [];
  const x = model.experimental;
  if (model.version !== 5) problems.push(`version ${model.version} (only version 5 embeddings are implemented)`);
  if (model.arch_type !== 'llama') problems.push(`arch_type "${model.arch_type}" (only llama)`);
  if (!model.capabilities.includes('ar') || !model.capabilities.includes('nar')) {
    problems.push(`capabilities [${model.capabilities.join(', ')}] (the AR+NAR model needs both "ar" and "nar")`);
  }
  if (model.capabilities.includes('len')) problems.push('capability "len" (the NAR-len model is a different class)');
  if (model.experts > 1) problems.push(`experts ${model.experts} (mixture of experts)`);
  if (x.hf) problems.push('experimental.hf');
  if (x.interleave) problems.push('experimental.interleave');
  if (x.split_classifiers) problems.push('experimental.split_classifiers (per-level heads)');
  if (x.tie_classifier_to_embedding) problems.push('experimental.tie_classifier_to_embedding');
  if (x.causal_size !== 1) problems.push(`experimental.causal_size ${x.causal_size}`);
  if (problems.length > 0) {
    throw new UnsupportedModelError(`model "${model.name}" uses settings this port does not build: ${problems.join('; ')}`);
  }
  const d = modelDimensions(model);
  if (d.headDim % 2 !== 0) throw new UnsupportedModelError(`model "${model.name}": head size ${d.headDim} must be even (rotary)`);
  if (d.respLevels < 1) throw new UnsupportedModelError(`model "${model.name}": resp_levels must be at least 1`);
  return {
    dModel: d.dModel,
    heads: d.heads,
    kvHeads: d.kvHeads,
    headDim: d.headDim,
    layers: d.layers,
    ffnDim: d.ffnDim,
    textTokens: d.textTokens,
    audioTokens: d.audioTokens,
    stopToken: d.audioTokens,
    outputTokens: d.audioTokens + 1,
    levels: d.respLevels,
    langs: d.langs,
    tasks: d.tasks,
    tones: d.tones,
    capabilities: [...model.capabilities],
    langToken: model.capabilities.includes('lang') && d.langs > 0,
    toneToken: model.capabilities.includes('tone') && d.tones > 0,
    audioEmbeddingSums: x.audio_embedding_sums,
    unifiedPositionIds: x.unified_position_ids,
    lossFactors: { ...model.loss_factors },
    rmsNormEps: 1e-6,
    ropeTheta: 10000,
    maxPositions: 22500,
    ignoreIndex: -100,
  };
}

/**
 * [Note: one input table] Every input embedding of §5.2 is a row of one of the tables below. The graphs
 * concatenate them (in this order) into one [rows, d] table, so any position's input — a single lookup, a
 * separator, or a sum over several RVQ levels — is a weighted sum of a few rows of it, chosen on the host
 * (input-layout.ts). Offsets of each table in that concatenation:
 */
export interface InputTableLayout {
  text: number;
  sep: number;
  rvq: number;
  lang: number | null;
  task: number | null;
  tone: number | null;
  /** per level k: `proms_emb.embeddings.k` */
  prom: number[];
  /** per level k: `resps_emb.embeddings.k` (k = 0 has the stop token) */
  resp: number[];
  dropoutToken: number;
  rows: number;
  /** table names in concatenation order, each with its row count */
  parts: { name: string; rows: number; vector: boolean }[];
}

export function inputTableLayout(spec: ValleModelSpec): InputTableLayout {
  const parts: { name: string; rows: number; vector: boolean }[] = [];
  let at = 0;
  const add = (name: string, rows: number, vector = false): number => {
    parts.push({ name, rows, vector });
    const start = at;
    at += rows;
    return start;
  };
  const text = add(paramNames.textEmb, spec.textTokens);
  const sep = add(paramNames.sep, 1, true);
  const rvq = add(paramNames.rvqEmb, spec.levels);
  const lang = spec.langs > 0 ? add(paramNames.langsEmb, spec.langs) : null;
  const task = spec.tasks > 0 ? add(paramNames.tasksEmb, spec.tasks) : null;
  const tone = spec.tones > 0 ? add(paramNames.tonesEmb, spec.tones) : null;
  const prom = Array.from({ length: spec.levels }, (_, k) => add(paramNames.promEmb(k), spec.audioTokens));
  const resp = Array.from({ length: spec.levels }, (_, k) => add(paramNames.respEmb(k), respTableRows(spec, k)));
  const dropoutToken = add(paramNames.dropoutToken, 1, true);
  return { text, sep, rvq, lang, task, tone, prom, resp, dropoutToken, rows: at, parts };
}

/** `resps_emb.embeddings.k` rows: level 0 also embeds the stop token (§5.2). */
export function respTableRows(spec: ValleModelSpec, level: number): number {
  return level === 0 ? spec.outputTokens : spec.audioTokens;
}
