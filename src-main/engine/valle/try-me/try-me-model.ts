/**
 * The model Try Me trains from scratch: the released architecture (version 5 llama AR+NAR, 8 levels, the
 * reference vocabularies and tensor names) at a size a 2-core CPU overfits in about a minute.
 *
 * Unified loss (`loss_factors` empty, the dataclass default): the split loss never trains the first response
 * code (its logit sits on the separator, §5.7), and greedy AR generation from the prompt starts exactly there.
 */
import { configFromObject, type ModelConfig } from '../config/index.js';

export interface TryMeModelSize {
  dim: number;
  heads: number;
  layers: number;
}

/**
 * Chosen by measurement (docs/try-me.md): at d = 128 with 2 layers a step takes ~0.1–0.2 s on 2 shared cores
 * and every seed tried passed within 260 steps; d = 256 steps cost 3–4 times as much.
 */
export const TRY_ME_MODEL_SIZE: Readonly<TryMeModelSize> = Object.freeze({ dim: 128, heads: 4, layers: 2 });

export function tryMeModelConfig(size: TryMeModelSize = TRY_ME_MODEL_SIZE): ModelConfig {
  return configFromObject({
    models: [
      {
        name: 'try-me',
        size: { dim: size.dim, heads: size.heads, layers: size.layers },
        resp_levels: 8,
        tasks: 8,
        langs: 2,
        tones: 1,
        arch_type: 'llama',
        version: 5,
        capabilities: ['ar', 'nar'],
        loss_factors: {},
        experimental: { unified_position_ids: false },
      },
    ],
  }).config.models[0];
}
