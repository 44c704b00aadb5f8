import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { activeLora, activeModel, configPaths, framesPerSecond, loraFullName, modelFullName } from './derived.js';
import { configFromObject, loadExampleConfig } from './load.js';
import { SIZE_PRESETS, modelDimensions } from './size-presets.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const spec = readFileSync(path.resolve(here, '../../../../../shared/reference/seed-spec.md'), 'utf8');

/** The preset rows of the spec's §1.4 table: | `name` … | d_model | heads | layers | FFN | head_dim |. */
function specPresetTable(): Record<string, number[]> {
  const section = spec.slice(spec.indexOf('Size presets (`Model.dim/heads/layers`)'));
  const rows: Record<string, number[]> = {};
  for (const line of section.split('\n').slice(1, 10)) {
    const m = /^\| `(\w+)`[^|]*\|((?:\s*\d+\s*\|){5})\s*$/.exec(line);
    if (m) rows[m[1]] = m[2].split('|').map((c) => c.trim()).filter(Boolean).map(Number);
  }
  return rows;
}

const modelWith = (entry: Record<string, unknown>) => configFromObject({ models: [entry] }).config.models[0];

describe('size presets', () => {
  it('match the table in the spec (d_model, heads, layers, FFN, head_dim)', () => {
    const table = specPresetTable();
    expect(Object.keys(table).sort()).toEqual(Object.keys(SIZE_PRESETS).sort());
    for (const [name, [dModel, heads, layers, ffn, headDim]] of Object.entries(table)) {
      const dims = modelDimensions(modelWith({ size: name }));
      expect({ name, dModel: dims.dModel, heads: dims.heads, layers: dims.layers, ffn: dims.ffnDim, headDim: dims.headDim }).toEqual({ name, dModel, heads, layers, ffn, headDim });
    }
  });

  it('turn the example config into the released model shape: 220,514,305 parameters (spec Appendix B)', async () => {
    const model = activeModel(await loadExampleConfig());
    const d = modelDimensions(model);
    const dModel = d.dModel;
    const perLayer = 4 * dModel * dModel + 3 * dModel * d.ffnDim + 2 * dModel;
    const params =
      d.textTokens * dModel + // text_emb
      2 * dModel + // sep, dropout_token
      d.respLevels * d.audioTokens * dModel + // proms_emb
      (d.audioTokens + 1) * dModel + (d.respLevels - 1) * d.audioTokens * dModel + // resps_emb (level 0 has the stop token)
      (d.langs + d.tasks + d.tones + d.respLevels) * dModel + // langs, tasks, tones, rvq_l
      (d.audioTokens + 1) * dModel + // model.embed_tokens (unused)
      d.layers * perLayer +
      dModel + // final norm
      (d.audioTokens + 1) * (dModel + 1); // classifier weight + bias
    expect(params).toBe(220_514_305);
  });

  it('treat an unknown size string as full, as the reference does', () => {
    expect(modelDimensions(modelWith({ size: 'large' }))).toMatchObject({ preset: 'full', dModel: 1024, heads: 16, layers: 12 });
  });

  it('honour an explicit {dim, heads, layers} size, the rest from full', () => {
    expect(modelDimensions(modelWith({ size: { dim: 384, heads: 6 } }))).toMatchObject({ preset: null, dModel: 384, heads: 6, layers: 12, ffnDim: 1536, headDim: 64 });
    expect(() => modelDimensions(modelWith({ size: { dim: 100, heads: 16 } }))).toThrow(/not divisible by heads/);
  });

  it('ignore kv_heads for llama and use it for mistral', () => {
    expect(modelDimensions(modelWith({ experimental: { kv_heads: 4 } })).kvHeads).toBe(16);
    expect(modelDimensions(modelWith({ arch_type: 'mistral', experimental: { kv_heads: 4 } })).kvHeads).toBe(4);
  });

  it('take max levels from rvq_level_range when set', () => {
    expect(modelDimensions(modelWith({})).maxLevels).toBe(8);
    expect(modelDimensions(modelWith({ experimental: { rvq_level_range: [0, 4] } })).maxLevels).toBe(4);
  });
});

describe('derived names and values', () => {
  it('name the example model ar+nar-llama-8 and LoRAs <name>-r<rank>-a<alpha>', async () => {
    const config = await loadExampleConfig();
    expect(modelFullName(activeModel(config), config.optimizations)).toBe('ar+nar-llama-8');
    expect(modelFullName(modelWith({ name: 'ar+nar-tts+stt' }), { bitnet: false })).toBe('ar+nar-tts+stt-llama-8');
    expect(modelFullName(modelWith({ size: 'half', arch_type: 'mixtral', experts: 8, resp_levels: 4 }), { bitnet: true })).toBe('ar+nar-half-8xmixtral-bitnet-4');
    expect(modelFullName(modelWith({ arch_type: 'retnet/hf' }), { bitnet: false })).toBe('ar+nar-retnet-hf-8');
    expect(activeLora(config)).toBeNull();
    const withLoras = configFromObject({ loras: [{ name: 'a', training: false }, { name: 'b', rank: 64, alpha: 32 }] }).config;
    expect(loraFullName(activeLora(withLoras)!)).toBe('b-r64-a32');
  });

  it('pick the first training model', () => {
    const config = configFromObject({ models: [{ name: 'frozen', training: false }, { name: 'trained' }] }).config;
    expect(activeModel(config).name).toBe('trained');
  });

  it('give frames per second per codec', () => {
    expect(framesPerSecond(configFromObject({}).config)).toBe(75);
    expect(framesPerSecond(configFromObject({ audio_backend: 'dac', sample_rate: 44_100 }).config)).toBe(87);
    expect(framesPerSecond(configFromObject({ audio_backend: 'dac', sample_rate: 16_000 }).config)).toBe(50);
    expect(framesPerSecond(configFromObject({ audio_backend: 'dac', sample_rate: 24_000 }).config)).toBe(75);
    expect(framesPerSecond(configFromObject({ dataset: { _frames_per_second: 86 } }).config)).toBe(86);
  });

  it('derive directories from the YAML location', () => {
    const paths = configPaths('/data/run/config.yaml', 1_700_000_000_999);
    expect(paths).toEqual({
      relPath: '/data/run',
      cacheDir: '/data/run/.cache',
      dataDir: '/data/run/data',
      metadataDir: '/data/run/metadata',
      ckptDir: '/data/run/ckpt',
      logDir: '/data/run/logs/1700000000',
    });
  });
});
