import { describe, expect, it } from 'vitest';
import { ConfigError } from './config-errors.js';
import { loadExampleConfig } from './load.js';
import { configFromSftMetadata, loraConfigFromSftMetadata } from './sft-metadata.js';
import { modelDimensions } from './size-presets.js';

/**
 * Metadata as 31e8b7e's export writes it (spec §10): string values, `config` = json.dumps of the Model
 * dataclass with `experimental` expanded (Python's json.dumps spacing, None → null).
 */
const exported = {
  name: 'ar+nar',
  version: 5,
  size: 'full',
  resp_levels: 8,
  tasks: 8,
  langs: 2,
  tones: 1,
  experts: 1,
  arch_type: 'llama',
  training: true,
  frozen_params: [],
  attention: 'auto',
  dropout: 0.1,
  loss_factors: {},
  capabilities: ['ar', 'nar', 'lang'],
  experimental: {
    hf: false,
    interleave: false,
    split_classifiers: true,
    audio_embedding_sums: true,
    audio_embedding_mode: null,
    kv_heads: 0,
    p_rvq_levels: 'auto',
    rvq_level_range: [],
    unified_position_ids: true,
    tie_classifier_to_embedding: false,
    token_dropout_error: 0.0,
    token_dropout_rate: 0.0,
    token_dropout_rvq_levels: [1, 8],
    causal_size: 1,
    p_len_train: 0.05,
  },
};
const pyJson = (value: unknown) => JSON.stringify(value).replace(/([,:])(?=[^\s])/g, '$1 ');
const metadata = (config: unknown) => ({
  format: 'pt',
  stats: pyJson({ global_step: 1000, micro_step: 4000, global_samples: 16000, tokens_processed: 1 }),
  userdata: pyJson({ symmap: { a: 16 } }),
  config: pyJson(config),
});

describe('configFromSftMetadata', () => {
  it("takes the model settings from the file over the YAML's, keeping the YAML's other sections", async () => {
    const base = await loadExampleConfig();
    const { config, fromMetadata, warnings } = configFromSftMetadata(metadata(exported), base);
    expect(fromMetadata).toBe(true);
    expect(warnings).toEqual([]);
    expect(config.models).toHaveLength(1);
    const model = config.models[0];
    // Where the example YAML says otherwise, the file wins.
    expect(base.models[0].experimental.unified_position_ids).toBe(false);
    expect(model.experimental).toMatchObject({ unified_position_ids: true, audio_embedding_sums: true, split_classifiers: true, audio_embedding_mode: null });
    expect(model.capabilities).toEqual(['ar', 'nar', 'lang']);
    expect(model.loss_factors).toEqual({});
    expect(modelDimensions(model)).toMatchObject({ dModel: 1024, layers: 12, langs: 2 });
    // Everything else is the YAML's.
    expect(config.trainer).toEqual(base.trainer);
    expect(config.sample_rate).toBe(24000);
    // The base is not modified.
    expect(base.models[0].experimental.split_classifiers).toBe(false);
  });

  it('accepts an already decoded config object', async () => {
    const base = await loadExampleConfig();
    expect(configFromSftMetadata({ config: exported }, base).config.models[0].experimental.audio_embedding_sums).toBe(true);
  });

  it('falls back to the YAML when the file carries no config', async () => {
    const base = await loadExampleConfig();
    const result = configFromSftMetadata({ format: 'pt' }, base);
    expect(result.fromMetadata).toBe(false);
    expect(result.config).toEqual(base);
    expect(result.warnings[0]).toMatch(/no "config" entry/);
    expect(configFromSftMetadata(null, base).fromMetadata).toBe(false);
  });

  it('refuses settings it does not know, by path, unless asked to drop them', async () => {
    const base = await loadExampleConfig();
    const later = { ...exported, experimental: { ...exported.experimental, noncausal_masks: true, layerskip: false }, tones_bias: 1 };
    let error: unknown;
    try {
      configFromSftMetadata(metadata(later), base, { source: 'fp32.sft' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map((i) => i.path).sort()).toEqual(['config.experimental.layerskip', 'config.experimental.noncausal_masks', 'config.tones_bias']);
    expect((error as ConfigError).message).toMatch(/^fp32\.sft has 3 errors/);

    const lenient = configFromSftMetadata(metadata(later), base, { unknownKeys: 'warn' });
    expect(lenient.warnings.sort()).toEqual([
      'config.experimental.layerskip: unknown key, ignored',
      'config.experimental.noncausal_masks: unknown key, ignored',
      'config.tones_bias: unknown key, ignored',
    ]);
    expect(lenient.config.models[0].experimental.audio_embedding_sums).toBe(true);
  });

  it('still refuses wrong values in warn mode, and bad JSON', async () => {
    const base = await loadExampleConfig();
    expect(() => configFromSftMetadata(metadata({ ...exported, langs: 'two', extra: 1 }), base, { unknownKeys: 'warn' })).toThrow(/config\.langs: expected a number/);
    expect(() => configFromSftMetadata({ config: '{"name": ' }, base)).toThrow(/config: not valid JSON/);
  });
});

describe('loraConfigFromSftMetadata', () => {
  it('reads the LoRA settings a lora.sft carries', () => {
    const { lora } = loraConfigFromSftMetadata({ config: pyJson({ name: 'lora', rank: 128, alpha: 128, training: true, embeddings: false, parametrize: false, rvq_levels: [] }) });
    expect(lora).toEqual({ name: 'lora', rank: 128, alpha: 128, training: true, embeddings: false, parametrize: false, rvq_levels: [] });
    expect(loraConfigFromSftMetadata({}).lora).toBeNull();
  });
});
