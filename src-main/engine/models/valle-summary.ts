import type { InstalledModel } from '../../../src-shared/api/models.js';
import type { LoadedCheckpoint } from '../valle/checkpoint/load-checkpoint.js';
import { isSizePresetName, modelFullName } from '../valle/config/index.js';
import { parameterCount, parameterTable } from '../valle/model/parameters.js';

export type ModelFacts = Pick<InstalledModel, 'architecture' | 'fullName' | 'sizePreset' | 'dimensions' | 'parameterCount' | 'codec'>;

/** What the Models view shows about a VALL-E checkpoint, from the loaded (and so validated) checkpoint. */
export function valleFacts(checkpoint: LoadedCheckpoint): ModelFacts {
  const { model, spec, config } = checkpoint;
  const size = model.size;
  return {
    architecture: model.arch_type,
    fullName: modelFullName(model, config.optimizations),
    sizePreset: typeof size === 'string' ? (isSizePresetName(size) ? size : 'full') : 'custom',
    dimensions: { dModel: spec.dModel, heads: spec.heads, layers: spec.layers, levels: spec.levels, langs: spec.langs, tasks: spec.tasks },
    parameterCount: parameterCount(parameterTable(spec)),
    codec: config.audio_backend || null,
  };
}
