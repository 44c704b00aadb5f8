import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './config-errors.js';
import { configFromObject, defaultConfig, exampleConfigPath, loadConfigFile, loadExampleConfig, parseConfigYaml } from './load.js';

const seed = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../../shared/fixtures/seed');
const fixture = path.join(seed, 'config.yaml');

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('loading the reference example config (fixtures/seed/config.yaml)', () => {
  it('is the fixture, byte for byte, also as shipped in resources/', () => {
    const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
    expect(sha(fixture)).toBe('4451c39d5aaf76369a62264bf178f4682adac526d17ccddc092a5bf6068f9adc');
    expect(sha(exampleConfigPath())).toBe(sha(fixture));
  });

  it('reads every section with the values written in the file', async () => {
    const { config, warnings, paths } = await loadConfigFile(fixture);
    // YAML 1.1 integers with underscores, as PyYAML reads them.
    expect(config.sample_rate).toBe(24000);
    expect(config.trainer.iterations).toBe(1000000);
    expect(config.audio_backend).toBe('vocos');

    expect(config.models).toHaveLength(1);
    const model = config.models[0];
    expect(model).toMatchObject({
      name: 'ar+nar',
      size: 'full',
      resp_levels: 8,
      tasks: 8,
      langs: 2,
      tones: 1,
      arch_type: 'llama',
      training: true,
      version: 5,
      attention: 'auto',
      dropout: 0.1,
      loss_factors: { text: 0.1, prom: 0.5, resp: 1.0 },
    });
    expect(model).not.toHaveProperty('prom_levels');
    expect(model.experimental).toMatchObject({
      hf: false,
      interleave: false,
      audio_embedding_mode: '',
      audio_embedding_sums: false,
      p_rvq_levels: 'auto',
      unified_position_ids: false,
      // not in the file: dataclass defaults
      split_classifiers: false,
      kv_heads: 0,
      token_dropout_rvq_levels: [1, 8],
    });

    expect(config.hyperparameters).toMatchObject({
      autotune: false,
      autotune_params: { start_profile_step: 1, end_profile_step: 50, num_tuning_micro_batch_sizes: 8 },
      batch_size: 16,
      gradient_accumulation_steps: 4,
      gradient_clipping: 1.0,
      warmup_steps: 100,
      optimizer: 'Prodigy',
      learning_rate: 1.0,
      torch_optimizer: true,
      scheduler: '',
      torch_scheduler: true,
    });
    expect(config.evaluation).toEqual({
      batch_size: 8,
      frequency: 5000,
      size: 8,
      steps: 500,
      ar_temperature: 0.95,
      nar_temperature: 0.25,
      nar_levels: 0,
      load_disabled_engines: true,
    });
    expect(config.trainer).toMatchObject({
      ddp: false,
      save_tag: 'step',
      save_on_oom: true,
      save_on_quit: true,
      save_frequency: 250,
      export_on_save: true,
      keep_last_checkpoints: 4,
      gradient_checkpointing: true,
      strict_loading: false,
      gc_mode: 'None', // `None` is a plain string in YAML
      weight_dtype: 'float32',
      amp: false,
      backend: 'deepspeed',
      load_webui: false,
      check_for_oom: true, // commented out in the file: default
    });
    expect(config.trainer.deepspeed).toEqual({
      inferencing: true,
      zero_optimization_level: 0,
      use_compression_training: false,
      amp: false,
      compression_bits: 8,
      config: {},
    });
    expect(config.inference).toMatchObject({ backend: 'deepspeed', normalize: false, weight_dtype: 'float32', amp: false });
    expect(config.optimizations).toMatchObject({
      injects: false,
      replace: true,
      linear: false,
      embedding: false,
      optimizers: true,
      bitsandbytes: false,
      dadaptation: false,
      bitnet: false,
      fp8: false,
    });
    expect(config.dataset).toMatchObject({
      speaker_name_getter: "lambda p: f'{p.parts[-3]}_{p.parts[-2]}'",
      speaker_group_getter: "lambda p: f'{p.parts[-3]}'",
      speaker_languages: { ja: [] },
      use_hdf5: true,
      hdf5_flag: 'r',
      use_metadata: true,
      validate: true,
      workers: 2,
      cache: true,
      duration_range: [3.0, 5.0],
      random_utterance: 1.0,
      max_prompts: 1,
      prompt_duration_range: [3.0, 3.0],
      max_resps: 1,
      p_resp_append: 0.25,
      sample_type: 'path',
      sample_order: 'duration',
      sample_max_duration_batch: 0,
      tasks_list: ['tts'],
      training: [],
      validation: [],
      noise: [],
      phones_range: [4, 256], // default
    });
    expect(config.loras).toEqual([]);
    expect(config.tokenizer_path).toBe('./tokenizer.json');
    expect(warnings).toEqual(['models[0].prom_levels is legacy and ignored']);
    expect(paths.relPath).toBe(seed);
    expect(paths.ckptDir).toBe(path.join(seed, 'ckpt'));
  });

  it('turns HDF5 off when formatted for inference', async () => {
    expect((await loadExampleConfig({ training: false })).dataset.use_hdf5).toBe(false);
    expect((await loadExampleConfig()).dataset.use_hdf5).toBe(true);
  });
});

describe('defaults', () => {
  it('are the reference dataclass defaults, with one default model', () => {
    const config = defaultConfig();
    expect(config.models).toHaveLength(1);
    expect(config.models[0]).toMatchObject({ name: 'ar+nar', size: 'full', langs: 1, tasks: 8, tones: 1, resp_levels: 8, capabilities: ['ar', 'nar'] });
    expect(config.models[0].experimental.unified_position_ids).toBe(true);
    expect(config.trainer).toMatchObject({ weight_dtype: 'float16', backend: 'local', iterations: 1_000_000, save_frequency: 100 });
    expect(config.hyperparameters).toMatchObject({ batch_size: 8, gradient_accumulation_steps: 32, gradient_clipping: 10, learning_rate: 3.25e-4, optimizer: 'Adamw' });
    // Empty scheduler → torch_scheduler forced on.
    expect(config.hyperparameters.torch_scheduler).toBe(true);
    expect(config.evaluation).toMatchObject({ batch_size: 64, frequency: 250, size: 64, steps: 500, ar_temperature: 1.0, nar_temperature: 0.0 });
    expect(config.dataset).toMatchObject({ duration_range: [1.0, 12.0], prompt_duration_range: [3.0, 6.0], workers: 8, hdf5_flag: 'a', sample_order: 'interleaved' });
    expect(config.optimizations).toMatchObject({ linear: true, embedding: true, replace: false });
    expect(config.supported_weights_formats).toEqual(['sft', 'safetensors', 'pt', 'pth']);
  });

  it('are not shared between configs', () => {
    const a = defaultConfig();
    a.dataset.training.push('x/y');
    a.models[0].capabilities.push('lang');
    const b = defaultConfig();
    expect(b.dataset.training).toEqual([]);
    expect(b.models[0].capabilities).toEqual(['ar', 'nar']);
  });

  it('treats an empty document as all defaults', () => {
    expect(parseConfigYaml('# nothing\n').config).toEqual(defaultConfig());
  });
});

describe('unknown keys and wrong values', () => {
  it('lists every unknown key by path, at every depth, in one error', () => {
    const error = errorOf(() =>
      parseConfigYaml(
        [
          'foo: 1',
          'models:',
          '- name: a',
          '  bar: 2',
          '  experimental:',
          '    foo: 3',
          '- name: b',
          '  experimental: {baz: 4}',
          'trainer:',
          '  deepspeed:',
          '    qux: 5',
          'loras:',
          '- {rank: 8, quux: 6}',
          'dataset: {speaker_getter: x}',
        ].join('\n'),
        { source: 'my.yaml' },
      ),
    );
    expect(error.issues.filter((i) => i.message === 'unknown key').map((i) => i.path).sort()).toEqual(
      ['foo', 'models[0].bar', 'models[0].experimental.foo', 'models[1].experimental.baz', 'trainer.deepspeed.qux', 'loras[0].quux', 'dataset.speaker_getter'].sort(),
    );
    expect(error.issues).toHaveLength(7);
    expect(error.code).toBe('invalid_input');
    expect(error.message).toMatch(/^my\.yaml has 7 errors:\n/);
    expect(error.message).toContain('  models[0].experimental.foo: unknown key');
    expect(error.details).toMatchObject({ file: 'my.yaml', issues: error.issues });
  });

  it('names the path of wrong types and values', () => {
    const error = errorOf(() =>
      configFromObject({
        sample_rate: '24k',
        audio_backend: 'wavenet',
        models: [{ size: 1.5, resp_levels: 8.5, experimental: { p_rvq_levels: 'sometimes' } }],
        trainer: { weight_dtype: 'float64', deepspeed: { inferencing: 'yes please' } },
        dataset: { duration_range: 3, tasks_list: ['tts', 'sing'] },
      }),
    );
    const byPath = Object.fromEntries(error.issues.map((i) => [i.path, i.message]));
    expect(byPath).toEqual({
      sample_rate: 'expected a number, got the string "24k"',
      audio_backend: 'expected encodec, vocos, dac or lite, got the string "wavenet"',
      'models[0].size': 'expected a size preset (full, half, quarter, double) or {dim, heads, layers}, got number 1.5',
      'models[0].resp_levels': 'expected an integer, got number 8.5',
      'models[0].experimental.p_rvq_levels': 'expected "auto", "equal" or a list of RVQ levels, got the string "sometimes"',
      'trainer.weight_dtype': 'expected one of "float32", "float16", "bfloat16", "float8_e5m2", "float8_e4m3fn", got the string "float64"',
      'trainer.deepspeed.inferencing': 'expected true or false, got the string "yes please"',
      'dataset.duration_range': 'expected a list, got number 3',
      'dataset.tasks_list[1]': 'expected one of "tts", "tts-c", "stt", "ns", "sr", "tse", "cse", "nse", got the string "sing"',
    });
  });

  it('rejects a document that is not a mapping', () => {
    expect(errorOf(() => parseConfigYaml('- a\n- b\n')).issues).toEqual([{ path: '(top level)', message: 'expected a mapping of settings' }]);
  });

  it('reports YAML syntax errors with their line', () => {
    expect(() => parseConfigYaml('models:\n  - name: "unterminated\n', { source: 'broken.yaml' })).toThrow(/broken\.yaml is not valid YAML: line \d+/);
  });

  it('reports a missing file as not_found', async () => {
    await expect(loadConfigFile(path.join(seed, 'no-such.yaml'))).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('YAML 1.1 as PyYAML reads it', () => {
  it('reads underscores in numbers, yes/no/on/off booleans, and keeps y/n and None as strings', () => {
    const { config } = parseConfigYaml(
      [
        'sample_rate: 44_100',
        'trainer: {iterations: 2_500, strict_loading: yes, amp: on, ddp: No, save_tag: y, gc_mode: None}',
        'dataset: {sample_max_duration_batch: 1_000.5}',
      ].join('\n'),
    );
    expect(config.sample_rate).toBe(44100);
    expect(config.trainer).toMatchObject({ iterations: 2500, strict_loading: true, amp: true, ddp: false, save_tag: 'y', gc_mode: 'None' });
    expect(config.dataset.sample_max_duration_batch).toBe(1000.5);
  });

  it('supports merge keys and keeps the last of repeated keys', () => {
    const { config } = parseConfigYaml(['models:', '- &m {langs: 2, tasks: 4}', '- <<: *m', '  name: second', '  name: last'].join('\n'));
    expect(config.models[1]).toMatchObject({ langs: 2, tasks: 4, name: 'last' });
  });

  it('reads 1e-4 (no dot) as a number where PyYAML keeps a string', () => {
    expect(parseConfigYaml('hyperparameters: {learning_rate: 1e-4}').config.hyperparameters.learning_rate).toBe(1e-4);
  });
});

describe('Config.format() normalisations', () => {
  it('moves and drops legacy model keys', () => {
    const { config, warnings } = configFromObject({ models: [{ prom_levels: 8, interleave: false, audio_embedding_sums: true }] });
    expect(config.models[0].experimental.audio_embedding_sums).toBe(true);
    expect(config.models[0]).not.toHaveProperty('interleave');
    expect(config.models[0]).not.toHaveProperty('audio_embedding_sums');
    expect(warnings).toHaveLength(3);
  });

  it('treats a null experimental section as the defaults (spec A.1)', () => {
    const { config } = configFromObject({ models: [{ experimental: null }] });
    expect(config.models[0].experimental.unified_position_ids).toBe(true);
  });

  it('applies the scheduler, prompt duration, checkpointing, backend and bitsandbytes rules', () => {
    const { config, warnings } = configFromObject({
      hyperparameters: { scheduler_type: 'schedulefree', torch_scheduler: false },
      dataset: { prompt_duration: 4.5 },
      trainer: { activation_checkpointing: false },
      inference: { audio_backend: 'dac' },
      audio_backend: '',
      bitsandbytes: { dadaptation: true, linear: false },
    });
    // scheduler_type → scheduler; schedulefree + dadaptation → no scheduler → torch_scheduler.
    expect(config.hyperparameters.scheduler).toBe('');
    expect(config.hyperparameters.torch_scheduler).toBe(true);
    expect(config.optimizations).toMatchObject({ dadaptation: true, linear: false, embedding: true });
    expect(config.dataset.prompt_duration_range).toEqual([4.5, 4.5]);
    expect(config.trainer.gradient_checkpointing).toBe(false);
    expect(config.audio_backend).toBe('dac');
    expect(warnings).toContain('bitsandbytes is deprecated; its settings replace optimizations');
  });

  it('keeps a scheduler that is set, and torch_scheduler as written', () => {
    const { config } = configFromObject({ hyperparameters: { scheduler: 'schedulefree', torch_scheduler: false } });
    expect(config.hyperparameters).toMatchObject({ scheduler: 'schedulefree', torch_scheduler: false });
  });

  it('warns about a size string that is not a preset', () => {
    expect(configFromObject({ models: [{ size: 'large' }] }).warnings).toEqual(['models[0].size "large" is not a preset; the reference builds the "full" size for it']);
  });
});
