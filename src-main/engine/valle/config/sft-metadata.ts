import type { z } from 'zod';
import { ConfigError, toConfigIssues, type ConfigIssue } from './config-errors.js';
import { formatConfig } from './format.js';
import { loraSchema, modelSchema, type LoraConfig, type VallEConfig } from './schema.js';

/**
 * A reference `.sft` export (safetensors) carries its model's config in the file's string metadata: key
 * `config`, the JSON of the Model dataclass with `experimental` expanded (seed spec §10). That is the
 * authority on how the weights must be run (langs, capabilities, audio_embedding_sums,
 * unified_position_ids, split_classifiers, …); a YAML only fills in what the file does not say.
 */

export interface SftConfigOptions {
  /**
   * What to do with keys our schema does not know (a file exported by a later reference version can carry
   * settings that change the model's behaviour). Default 'error': refuse, listing them by path. 'warn':
   * drop them and list them in `warnings`.
   */
  unknownKeys?: 'error' | 'warn';
  /** Names the file in messages. */
  source?: string;
}

export interface SftConfigResult {
  config: VallEConfig;
  /** True when the model entry came from the file's metadata, false when the file had none. */
  fromMetadata: boolean;
  warnings: string[];
}

/**
 * The config to run an `.sft` file with: `base` (a YAML config, typically the example one) with its models
 * replaced by the single model the file's metadata describes. Without `config` metadata, `base` unchanged.
 *
 * @param metadata the safetensors `__metadata__` map (string values; already-decoded objects are accepted).
 */
export function configFromSftMetadata(
  metadata: Readonly<Record<string, unknown>> | null | undefined,
  base: VallEConfig,
  options: SftConfigOptions = {},
): SftConfigResult {
  const source = options.source ?? 'the .sft metadata';
  const raw = metadata?.config;
  if (raw === undefined || raw === null) {
    return { config: structuredClone(base), fromMetadata: false, warnings: [`${source} has no "config" entry; using the YAML's model settings`] };
  }
  const { value, warnings } = parseStrictly(modelSchema, decodeJson(raw, source), source, options.unknownKeys ?? 'error');
  const formatted = formatConfig({ ...structuredClone(base), bitsandbytes: null, models: [value] });
  return { config: formatted.config, fromMetadata: true, warnings: [...warnings, ...formatted.warnings.map((w) => w.replace(/^models\[0\]/, 'config'))] };
}

/** The LoRA settings a reference `lora.sft` carries in its `config` metadata (spec §8.6), or null without one. */
export function loraConfigFromSftMetadata(metadata: Readonly<Record<string, unknown>> | null | undefined, options: SftConfigOptions = {}): {
  lora: LoraConfig | null;
  warnings: string[];
} {
  const source = options.source ?? 'the lora .sft metadata';
  const raw = metadata?.config;
  if (raw === undefined || raw === null) return { lora: null, warnings: [] };
  const { value, warnings } = parseStrictly(loraSchema, decodeJson(raw, source), source, options.unknownKeys ?? 'error');
  return { lora: value, warnings };
}

function decodeJson(raw: unknown, source: string): unknown {
  if (typeof raw !== 'string') return raw;
  try {
    return JSON.parse(raw);
  } catch (error) {
    throw new ConfigError(source, [{ path: 'config', message: `not valid JSON (${(error as Error).message})` }]);
  }
}

/** Parse with a strict schema; in 'warn' mode, unknown keys are removed (and reported) before a second parse. */
function parseStrictly<S extends z.ZodType>(schema: S, input: unknown, source: string, unknownKeys: 'error' | 'warn'): { value: z.output<S>; warnings: string[] } {
  const first = schema.safeParse(input, { reportInput: true });
  if (first.success) return { value: first.data, warnings: [] };
  const issues = first.error.issues;
  const unknown = issues.filter((i) => i.code === 'unrecognized_keys');
  if (unknownKeys === 'error' || unknown.length < issues.length) throw new ConfigError(source, toConfigIssues(issues, 'config'));

  const pruned = structuredClone(input) as Record<string, unknown>;
  for (const issue of unknown) {
    const owner = issue.path.reduce<unknown>((node, key) => (node as Record<PropertyKey, unknown>)[key as string], pruned) as Record<string, unknown>;
    for (const key of (issue as { keys: string[] }).keys) delete owner[key];
  }
  const second = schema.safeParse(pruned, { reportInput: true });
  if (!second.success) throw new ConfigError(source, toConfigIssues(second.error.issues, 'config'));
  const dropped: ConfigIssue[] = toConfigIssues(unknown, 'config');
  return { value: second.data, warnings: dropped.map((d) => `${d.path}: unknown key, ignored`) };
}
