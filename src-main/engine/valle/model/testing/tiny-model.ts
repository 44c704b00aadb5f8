/**
 * A tiny AR+NAR config for tests: the reference's vocabularies, levels, langs/tasks/tones and tensor names
 * (Appendix B patterns), with d = 32, 4 heads, 2 layers, so graphs build and run in milliseconds.
 */
import { configFromObject, type ModelConfig, type VallEConfig } from '../../config/index.js';

export function tinyConfig(overrides: { experimental?: Record<string, unknown>; model?: Record<string, unknown> } = {}): VallEConfig {
  return configFromObject({
    models: [
      {
        name: 'ar+nar',
        size: { dim: 32, heads: 4, layers: 2 },
        resp_levels: 8,
        tasks: 8,
        langs: 2,
        tones: 1,
        arch_type: 'llama',
        version: 5,
        capabilities: ['ar', 'nar'],
        ...overrides.model,
        experimental: { unified_position_ids: false, ...overrides.experimental },
      },
    ],
  }).config;
}

export function tinyModel(overrides: Parameters<typeof tinyConfig>[0] = {}): ModelConfig {
  return tinyConfig(overrides).models[0];
}

import { modelSpecFromConfig, type ValleModelSpec } from '../model-spec.js';
import { initParameters, parameterTable } from '../parameters.js';
import { mulberry32 } from '../../../nn/random.js';

/**
 * Weights for numerical tests: the §5.11 init, then norm weights moved off 1 and the MLP scaled up, so that
 * every part of the block visibly shapes the output.
 */
export function testWeights(spec: ValleModelSpec, seed = 1): Map<string, Float32Array> {
  const w = initParameters(spec, seed);
  const rand = mulberry32(seed * 7919 + 1);
  for (const e of parameterTable(spec)) {
    const v = w.get(e.name)!;
    if (e.name.endsWith('norm.weight')) for (let i = 0; i < v.length; i++) v[i] = 1 + (rand() * 2 - 1) * 0.3;
    if (e.name.includes('.mlp.')) for (let i = 0; i < v.length; i++) v[i] *= 8;
    if (e.name === 'sep' || e.name === 'dropout_token') for (let i = 0; i < v.length; i++) v[i] = rand() * 2 - 1;
  }
  return w;
}

export function tinySpec(overrides: Parameters<typeof tinyConfig>[0] = {}): ValleModelSpec {
  return modelSpecFromConfig(tinyModel(overrides));
}
