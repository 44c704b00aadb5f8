/** The parameter table against Appendix B, and the §5.11 initialisation. */
import { describe, expect, it } from 'vitest';
import { activeModel, loadExampleConfig } from '../config/index.js';
import { modelSpecFromConfig, UnsupportedModelError } from './model-spec.js';
import { initParameters, parameterCount, parameterTable } from './parameters.js';
import { tinyModel, tinySpec } from './testing/tiny-model.js';

describe('parameter table', () => {
  it('full size from the example config: 135 tensors, 220,514,305 parameters (Appendix B), no weights allocated', async () => {
    const spec = modelSpecFromConfig(activeModel(await loadExampleConfig()));
    const table = parameterTable(spec);
    expect(table).toHaveLength(135);
    expect(parameterCount(table)).toBe(220_514_305);
    expect(parameterCount(table.filter((e) => e.name !== 'model.embed_tokens.weight'))).toBe(219_464_705);
    const shape = (n: string) => table.find((e) => e.name === n)?.shape;
    expect(shape('resps_emb.embeddings.0.weight')).toEqual([1025, 1024]);
    expect(shape('resps_emb.embeddings.7.weight')).toEqual([1024, 1024]);
    expect(shape('proms_emb.embeddings.7.weight')).toEqual([1024, 1024]);
    expect(shape('langs_emb.weight')).toEqual([2, 1024]);
    expect(shape('model.layers.11.mlp.down_proj.weight')).toEqual([1024, 4096]);
    expect(shape('classifier.bias')).toEqual([1025]);
    expect(shape('sep')).toEqual([1024]);
  });

  it('refuses variants it does not build, naming each setting', () => {
    expect(() => modelSpecFromConfig(tinyModel({ experimental: { split_classifiers: true } }))).toThrow(/split_classifiers/);
    expect(() => modelSpecFromConfig(tinyModel({ model: { capabilities: ['ar'] } }))).toThrow(UnsupportedModelError);
    expect(() => modelSpecFromConfig(tinyModel({ model: { version: 4, arch_type: 'retnet' } }))).toThrow(/version 4.*retnet/);
  });
});

describe('initParameters (§5.11)', () => {
  it('is reproducible from the seed and follows the per-module init', () => {
    const spec = tinySpec();
    const a = initParameters(spec, 7);
    const b = initParameters(spec, 7);
    const c = initParameters(spec, 8);
    expect(a.get('text_emb.weight')).toEqual(b.get('text_emb.weight'));
    expect(a.get('text_emb.weight')).not.toEqual(c.get('text_emb.weight'));
    const stats = (v: Float32Array) => {
      const mean = v.reduce((s, x) => s + x, 0) / v.length;
      return { mean, std: Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length), maxAbs: v.reduce((m, x) => Math.max(m, Math.abs(x)), 0) };
    };
    expect(stats(a.get('proms_emb.embeddings.3.weight')!).std).toBeCloseTo(1, 1);
    expect(stats(a.get('model.layers.0.mlp.up_proj.weight')!).std).toBeCloseTo(0.02, 2);
    expect(stats(a.get('model.layers.0.self_attn.q_proj.weight')!).maxAbs).toBeLessThanOrEqual(1 / Math.sqrt(32));
    expect(stats(a.get('classifier.bias')!).maxAbs).toBeLessThanOrEqual(1 / Math.sqrt(32));
    expect(a.get('dropout_token')!.every((x) => x === 0)).toBe(true);
    expect(a.get('model.norm.weight')!.every((x) => x === 1)).toBe(true);
  });
});
