import { z } from 'zod';

/**
 * The reference's configuration (`vall_e/config.py` @ 31e8b7e, seed spec §1) as zod schemas: same keys
 * (snake_case, as in the YAML), same defaults. Objects are strict because the reference's dataclasses
 * reject unknown keywords; the loader reports every unknown key by path.
 *
 * Where the reference takes any string but only acts on a few values, enums are used when a wrong value
 * would make the reference fail later (audio backend, training backend, dtypes, sampling, tasks) and plain
 * strings where it silently falls back (size presets, arch types, optimizer names).
 */

const int = () => z.number().int();
const nonNegInt = () => z.number().int().nonnegative();
const stringList = (defaults: string[] = []) => z.array(z.string()).default(() => [...defaults]);
const anyRecord = () => z.record(z.string(), z.unknown()).default(() => ({}));
const range = (lo: number, hi: number) =>
  z
    .tuple([z.number(), z.number()], { error: 'expected a [low, high] pair of numbers' })
    .default((): [number, number] => [lo, hi]);

export const AUDIO_BACKENDS = ['encodec', 'vocos', 'dac', 'lite'] as const;
export const TRAINING_BACKENDS = ['local', 'deepspeed'] as const;
export const WEIGHT_DTYPES = ['float32', 'float16', 'bfloat16', 'float8_e5m2', 'float8_e4m3fn'] as const;
export const TASKS = ['tts', 'tts-c', 'stt', 'ns', 'sr', 'tse', 'cse', 'nse'] as const;
/** Architectures the reference can build (`arch_type`); only llama matters for the released model. */
export const KNOWN_ARCH_TYPES = ['llama', 'mistral', 'mixtral', 'transformer', 'retnet', 'retnet-hf', 'bitnet', 'mamba', 'mamba2', 'mamba2-hf', 'mmfreelm'] as const;

/** §1.3 `dataset`. Speaker getters are Python lambdas the reference `eval`s; they are kept as text. */
export const datasetSchema = z.strictObject({
  training: stringList(),
  validation: stringList(),
  noise: stringList(),
  temp: stringList(),
  speaker_name_getter: z.string().default("lambda p: f'{p.parts[-3]}_{p.parts[-2]}'"),
  speaker_group_getter: z.string().default("lambda p: f'{p.parts[-3]}'"),
  speaker_languages: z.record(z.string(), z.array(z.string())).default(() => ({})),
  hdf5_name: z.string().default('data.h5'),
  use_hdf5: z.boolean().default(false),
  hdf5_flag: z.string().default('a'),
  use_metadata: z.boolean().default(false),
  validate: z.boolean().default(true),
  workers: nonNegInt().default(8),
  cache: z.boolean().default(true),
  phones_range: range(4, 256),
  duration_range: range(1.0, 12.0),
  prompt_duration_range: range(3.0, 6.0),
  /** Legacy sugar for `prompt_duration_range: [x, x]` (applied by formatConfig). */
  prompt_duration: z.number().nullable().default(null),
  min_utterances: nonNegInt().default(2),
  random_utterance: z.number().default(1.0),
  max_prompts: nonNegInt().default(3),
  max_resps: nonNegInt().default(1),
  p_resp_append: z.number().default(1.0),
  p_resp_pad_silence: z.number().default(0.0),
  sample_type: z.enum(['path', 'speaker', 'group']).default('path'),
  /** `duration`, or anything else (= interleave by speaker). */
  sample_order: z.string().default('interleaved'),
  sample_max_duration_batch: z.number().default(0.0),
  sample_shuffle: z.boolean().default(true),
  tasks_list: z.array(z.enum(TASKS)).default((): Array<(typeof TASKS)[number]> => ['tts']),
  reencode_on_concat: z.boolean().default(false),
  reencode_device: z.string().default('cpu'),
  noise_scale: z.number().default(0.25),
  inject_noise_in_prom: z.boolean().default(false),
  _frames_per_second: z.number().nonnegative().default(0),
});

/** An explicit size (extension, spec A.2: the reference ignores dict sizes and builds `full`). */
export const explicitSizeSchema = z.strictObject({
  dim: z.number().int().positive().optional(),
  heads: z.number().int().positive().optional(),
  layers: z.number().int().positive().optional(),
  audio_tokens: z.number().int().positive().optional(),
  text_tokens: z.number().int().positive().optional(),
});

/** §1.5 `models[].experimental`. */
export const modelExperimentalSchema = z.strictObject({
  hf: z.boolean().default(false),
  interleave: z.boolean().default(false),
  split_classifiers: z.boolean().default(false),
  audio_embedding_sums: z.boolean().default(false),
  audio_embedding_mode: z.enum(['', 'inclusive', 'exclusive']).nullable().default(null),
  kv_heads: nonNegInt().default(0),
  p_rvq_levels: z
    .union([z.enum(['auto', 'equal']), z.array(nonNegInt())], { error: 'expected "auto", "equal" or a list of RVQ levels' })
    .default('auto'),
  rvq_level_range: z.array(nonNegInt()).default(() => []),
  unified_position_ids: z.boolean().default(true),
  tie_classifier_to_embedding: z.boolean().default(false),
  token_dropout_error: z.number().default(0.0),
  token_dropout_rate: z.number().default(0.0),
  token_dropout_rvq_levels: z.array(nonNegInt()).default(() => [1, 8]),
  causal_size: z.number().int().positive().default(1),
  p_len_train: z.number().default(0.05),
});

/** §1.4 `models[]`, as written in a YAML (legacy keys included; formatConfig removes them). */
export const modelSchema = z.strictObject({
  name: z.string().default('ar+nar'),
  version: z.number().int().positive().default(5),
  size: z
    .union([z.string(), explicitSizeSchema], { error: 'expected a size preset (full, half, quarter, double) or {dim, heads, layers}' })
    .default('full'),
  resp_levels: z.number().int().positive().default(8),
  tasks: nonNegInt().default(8),
  langs: nonNegInt().default(1),
  tones: nonNegInt().default(1),
  experts: z.number().int().positive().default(1),
  arch_type: z.string().min(1).default('llama'),
  training: z.boolean().default(true),
  frozen_params: stringList(),
  attention: z.string().default('auto'),
  dropout: z.number().min(0).max(1).default(0.1),
  loss_factors: z.record(z.string(), z.number()).default(() => ({})),
  capabilities: stringList(['ar', 'nar']),
  // The reference's default is None, which crashes its model constructor (A.1): missing or null → defaults.
  experimental: modelExperimentalSchema.nullable().prefault({}),
  /** Legacy (deleted by the reference's format()). */
  prom_levels: z.number().int().optional(),
  /** Legacy (deleted by the reference's format()). */
  interleave: z.boolean().optional(),
  /** Legacy spelling of `experimental.audio_embedding_sums` (moved there by format()). */
  audio_embedding_sums: z.boolean().optional(),
});

/** §1.6 `loras[]`. */
export const loraSchema = z.strictObject({
  name: z.string().default('lora'),
  rank: z.number().int().positive().default(128),
  alpha: z.number().positive().default(128),
  training: z.boolean().default(true),
  embeddings: z.boolean().default(false),
  parametrize: z.boolean().default(false),
  rvq_levels: z.array(nonNegInt()).default(() => []),
});

/** §1.7 `hyperparameters`. */
export const hyperparametersSchema = z.strictObject({
  batch_size: z.number().int().positive().default(8),
  gradient_accumulation_steps: z.number().int().positive().default(32),
  gradient_clipping: z.number().nonnegative().default(10),
  optimizer: z.string().default('Adamw'),
  optimizer_params: anyRecord(),
  learning_rate: z.number().default(3.25e-4),
  warmup_steps: nonNegInt().default(0),
  scheduler: z.string().default(''),
  /** Legacy alias of `scheduler`. */
  scheduler_type: z.string().default(''),
  scheduler_params: anyRecord(),
  autotune: z.boolean().default(false),
  autotune_params: anyRecord(),
  torch_optimizer: z.boolean().default(false),
  torch_scheduler: z.boolean().default(false),
});

/** §1.8 `evaluation`. */
export const evaluationSchema = z.strictObject({
  batch_size: z.number().int().positive().default(64),
  frequency: nonNegInt().default(250),
  size: nonNegInt().default(64),
  steps: nonNegInt().default(500),
  ar_temperature: z.number().default(1.0),
  nar_temperature: z.number().default(0.0),
  nar_levels: nonNegInt().default(0),
  /** Deprecated. */
  load_disabled_engines: z.boolean().default(true),
});

/** §1.9 `trainer.deepspeed`. */
export const deepspeedSchema = z.strictObject({
  zero_optimization_level: nonNegInt().default(0),
  use_compression_training: z.boolean().default(false),
  compression_bits: z.number().int().positive().default(8),
  inferencing: z.boolean().default(false),
  amp: z.boolean().default(false),
  config: anyRecord(),
});

/** §1.9 `trainer`. */
export const trainerSchema = z.strictObject({
  iterations: nonNegInt().default(1_000_000),
  save_tag: z.string().default('step'),
  // An unquoted tag such as 9500 reads as a number; it names a directory either way.
  load_tag: z
    .union([z.string(), int()], { error: 'expected a checkpoint tag' })
    .transform(String)
    .nullable()
    .default(null),
  save_on_oom: z.boolean().default(true),
  save_on_quit: z.boolean().default(true),
  export_on_save: z.boolean().default(false),
  export_on_quit: z.boolean().default(false),
  save_frequency: nonNegInt().default(100),
  keep_last_checkpoints: nonNegInt().default(0),
  load_state_dict: z.boolean().default(false),
  load_states: z.boolean().default(true),
  strict_loading: z.boolean().default(false),
  load_module_only: z.boolean().default(false),
  restart_step_count: z.boolean().default(false),
  resize_modules: z.boolean().default(false),
  /** Deprecated alias of `gradient_checkpointing`. */
  activation_checkpointing: z.boolean().nullable().default(null),
  gradient_checkpointing: z.boolean().default(true),
  aggressive_optimizations: z.boolean().default(false),
  check_for_oom: z.boolean().default(true),
  /** `step` / `substep` call the GC; anything else (the example YAML writes the string "None") does not. */
  gc_mode: z.string().nullable().default(null),
  load_disabled_engines: z.boolean().default(false),
  weight_dtype: z.enum(WEIGHT_DTYPES).default('float16'),
  amp: z.boolean().default(false),
  ddp: z.boolean().default(false),
  load_webui: z.boolean().default(false),
  no_logger: z.boolean().default(false),
  backend: z.enum(TRAINING_BACKENDS).default('local'),
  deepspeed: deepspeedSchema.prefault({}),
});

/** §1.10 `inference`. */
export const inferenceSchema = z.strictObject({
  backend: z.enum(TRAINING_BACKENDS).default('local'),
  weight_dtype: z.enum([...WEIGHT_DTYPES, 'int8']).default('float32'),
  amp: z.boolean().default(false),
  normalize: z.boolean().default(false),
  /** Legacy: copied to the top-level `audio_backend` when that one is empty. */
  audio_backend: z.union([z.enum(AUDIO_BACKENDS), z.literal('')], { error: 'expected "", encodec, vocos, dac or lite' }).default(''),
  use_vocos: z.boolean().default(true),
  use_encodec: z.boolean().default(true),
  use_dac: z.boolean().default(true),
});

/** §1.11 `optimizations` (which torch classes the reference swaps in; no effect on fp32 numerics). */
export const optimizationsSchema = z.strictObject({
  injects: z.boolean().default(false),
  replace: z.boolean().default(false),
  compile: z.union([z.boolean(), z.string()], { error: 'expected a boolean or a torch.compile backend name' }).default(false),
  linear: z.boolean().default(true),
  embedding: z.boolean().default(true),
  optimizers: z.boolean().default(true),
  bitsandbytes: z.boolean().default(false),
  dadaptation: z.boolean().default(false),
  bitnet: z.boolean().default(false),
  fp8: z.boolean().default(false),
  model_offloading: z.record(z.string(), z.unknown()).nullable().default(null),
  tensorrt: z.boolean().default(false),
});

/** §1.2 top level, as written in a YAML. */
export const configSchema = z.strictObject({
  device: z.string().default('cuda'),
  mode: z.string().default('training'),
  experimental: z.boolean().default(false),
  dataset: datasetSchema.prefault({}),
  models: z.array(modelSchema).default(() => []),
  loras: z.array(loraSchema).default(() => []),
  hyperparameters: hyperparametersSchema.prefault({}),
  evaluation: evaluationSchema.prefault({}),
  trainer: trainerSchema.prefault({}),
  inference: inferenceSchema.prefault({}),
  /** Deprecated alias: when present it replaces `optimizations`. */
  bitsandbytes: optimizationsSchema.nullable().default(null),
  optimizations: optimizationsSchema.prefault({}),
  /** `naive` selects the legacy built-in symbol map (§2.5). */
  tokenizer: z.string().nullable().default(null),
  tokenizer_path: z.string().default('./tokenizer.json'),
  sample_rate: z.number().int().positive().default(24_000),
  audio_backend: z.union([z.enum(AUDIO_BACKENDS), z.literal('')], { error: 'expected encodec, vocos, dac or lite' }).default('vocos'),
  weights_format: z.string().default('sft'),
  supported_weights_formats: stringList(['sft', 'safetensors', 'pt', 'pth']),
});

export type RawConfig = z.output<typeof configSchema>;
export type RawModel = z.output<typeof modelSchema>;
export type DatasetConfig = z.output<typeof datasetSchema>;
export type ModelExperimental = z.output<typeof modelExperimentalSchema>;
export type ExplicitSize = z.output<typeof explicitSizeSchema>;
export type LoraConfig = z.output<typeof loraSchema>;
export type HyperparametersConfig = z.output<typeof hyperparametersSchema>;
export type EvaluationConfig = z.output<typeof evaluationSchema>;
export type TrainerConfig = z.output<typeof trainerSchema>;
export type DeepSpeedConfig = z.output<typeof deepspeedSchema>;
export type InferenceConfig = z.output<typeof inferenceSchema>;
export type OptimizationsConfig = z.output<typeof optimizationsSchema>;

/** A model entry after formatConfig: legacy keys gone, `experimental` always present. */
export type ModelConfig = Omit<RawModel, 'prom_levels' | 'interleave' | 'audio_embedding_sums' | 'experimental'> & {
  experimental: ModelExperimental;
};

/** The configuration after formatConfig (what the rest of the engine reads). */
export type VallEConfig = Omit<RawConfig, 'models' | 'bitsandbytes'> & { models: ModelConfig[] };
