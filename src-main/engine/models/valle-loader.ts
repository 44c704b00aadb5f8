import { StudioError } from '../../../src-shared/api/errors.js';
import type { InstalledModel } from '../../../src-shared/api/models.js';
import { loadCheckpoint, type LoadedCheckpoint } from '../valle/checkpoint/load-checkpoint.js';
import { loadConfigFile } from '../valle/config/index.js';
import { ValleModel } from '../valle/model/valle-model.js';
import type { LoadedModel } from './model-manager.js';
import type { ModelRegistry } from './model-registry.js';

/**
 * The active VALL-E model: its checkpoint (config, warnings) and the ValleModel facade over its weights. Sessions
 * are opened by the generation pipeline from `valle` (`valle.openRunner(...)`) with the settings' provider; they
 * belong to the generation, not to this handle.
 */
export interface LoadedValleModel extends LoadedModel {
  readonly checkpoint: Omit<LoadedCheckpoint, 'weights'>;
  readonly valle: ValleModel;
  /** Absolute paths of the files it was loaded from. */
  readonly files: { checkpoint: string; yaml: string | null };
}

/** Loads an installed VALL-E model from its folder (the YAML, when it has one, fills what the checkpoint lacks). */
export function valleLoader(registry: ModelRegistry): (model: InstalledModel) => Promise<LoadedValleModel> {
  return async (model) => {
    const checkpointFile = registry.fileOf(model, 'checkpoint');
    if (!checkpointFile) throw new StudioError('invalid_input', `${model.name} has no checkpoint file to load.`, { id: model.id });
    const yaml = registry.fileOf(model, 'yaml');
    const baseConfig = yaml ? (await loadConfigFile(yaml)).config : undefined;
    const { weights, ...checkpoint } = await loadCheckpoint(checkpointFile, baseConfig ? { baseConfig } : {});
    // ValleModel keeps the weight arrays themselves (no copy); the checkpoint's map is dropped here.
    const valle = ValleModel.fromCheckpoint({ model: checkpoint.model, weights });
    return { model, checkpoint, valle, files: { checkpoint: checkpointFile, yaml }, dispose: () => undefined };
  };
}
