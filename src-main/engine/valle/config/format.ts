import { isSizePresetName } from './size-presets.js';
import { KNOWN_ARCH_TYPES, modelExperimentalSchema, modelSchema, type ModelConfig, type RawConfig, type VallEConfig } from './schema.js';

export interface FormatOptions {
  /**
   * False for inference (`Config.format(training=False)`): HDF5 loading is switched off. Default true, as in
   * the reference's module-level `cfg`.
   */
  training?: boolean;
}

/**
 * The reference's `Config.format()` normalisations that change values (seed spec §1.12), in its order. The
 * steps that touch the outside world (open HDF5, load the tokenizer) and the multi-process one (local backend
 * + several processes → ddp) belong to the callers. Returns human-readable warnings for legacy or
 * suspicious settings; none of them stops loading.
 */
export function formatConfig(raw: RawConfig, options: FormatOptions = {}): { config: VallEConfig; warnings: string[] } {
  const warnings: string[] = [];

  // Legacy model keys: prom_levels and interleave are dropped, audio_embedding_sums moves into experimental.
  // No models → one default model.
  const rawModels = raw.models.length > 0 ? raw.models : [modelSchema.parse({})];
  const models: ModelConfig[] = rawModels.map((entry, i) => {
    const { prom_levels, interleave, audio_embedding_sums, experimental, ...rest } = entry;
    const settings = structuredClone(experimental ?? modelExperimentalSchema.parse({}));
    if (prom_levels !== undefined) warnings.push(`models[${i}].prom_levels is legacy and ignored`);
    if (interleave !== undefined) warnings.push(`models[${i}].interleave is legacy and ignored (see experimental.interleave)`);
    if (audio_embedding_sums !== undefined) {
      settings.audio_embedding_sums = audio_embedding_sums;
      warnings.push(`models[${i}].audio_embedding_sums is legacy; moved to models[${i}].experimental.audio_embedding_sums`);
    }
    if (typeof rest.size === 'string' && !isSizePresetName(rest.size)) {
      warnings.push(`models[${i}].size "${rest.size}" is not a preset; the reference builds the "full" size for it`);
    }
    if (!(KNOWN_ARCH_TYPES as readonly string[]).includes(rest.arch_type)) {
      warnings.push(`models[${i}].arch_type "${rest.arch_type}" is not one the reference knows`);
    }
    return { ...rest, experimental: settings };
  });

  const { bitsandbytes, ...top } = raw;
  const config: VallEConfig = structuredClone({ ...top, models });

  // Deprecated `bitsandbytes` section replaces `optimizations`.
  if (bitsandbytes) {
    config.optimizations = structuredClone(bitsandbytes);
    warnings.push('bitsandbytes is deprecated; its settings replace optimizations');
  }

  const hp = config.hyperparameters;
  if (hp.scheduler_type && !hp.scheduler) hp.scheduler = hp.scheduler_type;
  // ScheduleFree and D-Adaptation do not combine: no scheduler.
  if (hp.scheduler.toLowerCase() === 'schedulefree' && config.optimizations.dadaptation) hp.scheduler = '';
  if (hp.scheduler === '') hp.torch_scheduler = true;

  const ds = config.dataset;
  if (ds.prompt_duration !== null && ds.prompt_duration !== 0) ds.prompt_duration_range = [ds.prompt_duration, ds.prompt_duration];

  if (config.inference.audio_backend !== '' && config.audio_backend === '') config.audio_backend = config.inference.audio_backend;
  if (config.audio_backend === '') {
    // The reference would fall through to its EnCodec code paths; the dataclass default is clearer.
    config.audio_backend = 'vocos';
    warnings.push('audio_backend is empty; using vocos');
  }

  const trainer = config.trainer;
  if (trainer.activation_checkpointing !== null) trainer.gradient_checkpointing = trainer.activation_checkpointing;

  if (options.training === false) ds.use_hdf5 = false;
  return { config, warnings };
}
