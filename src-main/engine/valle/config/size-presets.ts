import type { ModelConfig } from './schema.js';

/** The reference's size presets (`vall_e/config.py:Model.dim/heads/layers`, seed spec §1.4). */
export interface SizePreset {
  dModel: number;
  heads: number;
  layers: number;
}

export const SIZE_PRESETS = {
  full: { dModel: 1024, heads: 16, layers: 12 },
  half: { dModel: 512, heads: 8, layers: 12 },
  quarter: { dModel: 256, heads: 4, layers: 12 },
  double: { dModel: 1024, heads: 16, layers: 24 },
} as const satisfies Record<string, SizePreset>;

export type SizePresetName = keyof typeof SIZE_PRESETS;

export function isSizePresetName(name: string): name is SizePresetName {
  return Object.hasOwn(SIZE_PRESETS, name);
}

/** The reference's fixed vocabulary sizes: text ids (the tokenizer's 256) and audio codes (1024 per level). */
export const TEXT_TOKENS = 256;
export const AUDIO_TOKENS = 1024;

/** Everything the model graphs need to know about a config model entry's shape. */
export interface ModelDimensions {
  /** The preset used, or null for an explicit `{dim, heads, layers}` size. */
  preset: SizePresetName | null;
  dModel: number;
  heads: number;
  /** Key/value heads: equal to `heads` except for mistral/mixtral with `experimental.kv_heads` (llama ignores it). */
  kvHeads: number;
  headDim: number;
  layers: number;
  /** LLaMA MLP width, 4·d in every preset. */
  ffnDim: number;
  /** text/phoneme vocabulary (256) */
  textTokens: number;
  /** codes per RVQ level (1024) */
  audioTokens: number;
  respLevels: number;
  /** `experimental.rvq_level_range`'s upper end when set, else `resp_levels`. */
  maxLevels: number;
  langs: number;
  tasks: number;
  tones: number;
  experts: number;
}

/**
 * Dimensions of a config model entry. A size string that is not a preset means `full`, as in the reference
 * (the loader warns about it); an explicit `{dim, heads, layers}` size is honoured, missing parts taken from
 * `full` — an extension (spec A.2: the reference ignores dict sizes).
 */
export function modelDimensions(model: ModelConfig): ModelDimensions {
  let preset: SizePresetName | null;
  let dims: SizePreset;
  let textTokens = TEXT_TOKENS;
  let audioTokens = AUDIO_TOKENS;
  if (typeof model.size === 'string') {
    preset = isSizePresetName(model.size) ? model.size : 'full';
    dims = SIZE_PRESETS[preset];
  } else {
    preset = null;
    const full = SIZE_PRESETS.full;
    dims = { dModel: model.size.dim ?? full.dModel, heads: model.size.heads ?? full.heads, layers: model.size.layers ?? full.layers };
    textTokens = model.size.text_tokens ?? TEXT_TOKENS;
    audioTokens = model.size.audio_tokens ?? AUDIO_TOKENS;
  }
  if (dims.dModel % dims.heads !== 0) {
    throw new RangeError(`model "${model.name}": dim ${dims.dModel} is not divisible by heads ${dims.heads}`);
  }
  const usesKvHeads = model.arch_type === 'mistral' || model.arch_type === 'mixtral';
  const kvHeads = usesKvHeads && model.experimental.kv_heads > 0 ? model.experimental.kv_heads : dims.heads;
  if (dims.heads % kvHeads !== 0) {
    throw new RangeError(`model "${model.name}": heads ${dims.heads} is not a multiple of kv_heads ${kvHeads}`);
  }
  const range = model.experimental.rvq_level_range;
  return {
    preset,
    dModel: dims.dModel,
    heads: dims.heads,
    kvHeads,
    headDim: dims.dModel / dims.heads,
    layers: dims.layers,
    ffnDim: 4 * dims.dModel,
    textTokens,
    audioTokens,
    respLevels: model.resp_levels,
    maxLevels: range.length > 0 ? range[range.length - 1] : model.resp_levels,
    langs: model.langs,
    tasks: model.tasks,
    tones: model.tones,
    experts: model.experts,
  };
}
