import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { StudioError } from '../../../src-shared/api/errors.js';
import type { InstalledModel, ModelFile } from '../../../src-shared/api/models.js';
import type { HostLog } from '../host/host-log.js';
import { loadCheckpoint } from '../valle/checkpoint/load-checkpoint.js';
import { loadConfigFile, type VallEConfig } from '../valle/config/index.js';
import type { CatalogueItem } from './catalogue.js';
import type { DownloadedModelFile } from './download/download-manager.js';
import type { ModelRegistry, NewModel } from './model-registry.js';
import { countElements, listTensors } from './tensor-listing.js';
import { valleFacts } from './valle-summary.js';

/**
 * Installs the verified files of a catalogue download as a model, checked the way an import is: a VALL-E checkpoint
 * with loadCheckpoint (its YAML, when it loads, as the base; an optional YAML that does not load is left out with a
 * warning), a codec by reading its weights' tensor list. The files are moved (not copied) into a staging folder,
 * which the registry publishes; on failure the staging folder is removed.
 */
export async function installDownload(registry: ModelRegistry, item: CatalogueItem, downloaded: DownloadedModelFile[], log: HostLog): Promise<InstalledModel> {
  const staging = await registry.createStaging();
  try {
    let files: ModelFile[] = [];
    for (const d of downloaded) {
      const name = path.posix.basename(d.path);
      await rename(d.file, path.join(staging, name));
      files.push({ role: d.role, name, bytes: d.bytes, sha256: d.sha256 });
    }
    const warnings: string[] = [];
    const at = (role: ModelFile['role']) => {
      const f = files.find((x) => x.role === role);
      return f ? path.join(staging, f.name) : null;
    };
    const origin = { kind: 'hub' as const, repo: item.repo, revision: item.revision, catalogueId: item.id };
    let model: NewModel;
    if (item.kind === 'valle') {
      const checkpoint = at('checkpoint');
      if (!checkpoint) throw new StudioError('invalid_input', `${item.name} has no checkpoint file in its catalogue entry.`);
      const yaml = at('yaml');
      let baseConfig: VallEConfig | undefined;
      if (yaml) {
        try {
          baseConfig = (await loadConfigFile(yaml)).config;
        } catch (error) {
          const optional = downloaded.find((d) => d.role === 'yaml')?.optional ?? false;
          if (!optional) throw error;
          warnings.push(`${path.basename(yaml)} was left out: ${(error as Error).message.split('\n')[0]}`);
          log.warn(`${item.id}: leaving out ${yaml}`, error);
          await rm(yaml, { force: true });
          files = files.filter((f) => f.role !== 'yaml');
        }
      }
      const loaded = await loadCheckpoint(checkpoint, baseConfig ? { baseConfig } : {});
      model = { name: item.name, kind: 'valle', ...valleFacts(loaded), origin, files, totalBytes: sum(files), lora: null, warnings: [...warnings, ...loaded.warnings] };
    } else {
      const weights = at('weights') ?? at('checkpoint') ?? at('lora');
      const parameterCount = weights ? countElements((await listTensors(weights)).shapes) : null;
      model = {
        name: item.name,
        kind: item.kind,
        architecture: item.codec,
        fullName: null,
        sizePreset: null,
        dimensions: null,
        parameterCount,
        codec: item.codec,
        origin,
        files,
        totalBytes: sum(files),
        lora: null,
        warnings,
      };
    }
    return await registry.install(staging, model, item.id);
  } catch (error) {
    await registry.discardStaging(staging);
    throw error;
  }
}

function sum(files: ModelFile[]): number {
  return files.reduce((n, f) => n + f.bytes, 0);
}
