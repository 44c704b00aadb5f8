import { rename, stat } from 'node:fs/promises';
import path from 'node:path';
import { StudioError } from '../../../src-shared/api/errors.js';
import type { ImportSource } from '../../../src-shared/api/library.js';
import type { ParsedInputOf } from '../../../src-shared/api/index.js';
import type { InstalledModel, ModelFile } from '../../../src-shared/api/models.js';
import type { JobContext } from '../jobs/job-context.js';
import { loadCheckpoint } from '../valle/checkpoint/load-checkpoint.js';
import { loadConfigFile, loraConfigFromSftMetadata, type VallEConfig } from '../valle/config/index.js';
import { copyWithHash, sha256File } from './file-hash.js';
import { checkLora, looksLikeLora } from './lora-check.js';
import type { ModelRegistry, NewModel } from './model-registry.js';
import { countElements, listTensors } from './tensor-listing.js';
import { valleFacts } from './valle-summary.js';

/** A source made concrete: a file on disk, and whether it may be moved (a staged upload) or must be copied. */
export interface ResolvedSource {
  file: string;
  /** The name the user knows it by. */
  displayName: string;
  /** The path it was read from (null for uploads). */
  originalPath: string | null;
  movable: boolean;
}

export type ResolveSource = (source: ImportSource) => ResolvedSource;
export type ImportModelInput = ParsedInputOf<'models.import'>;

const CHECKPOINT_EXTENSIONS = ['.sft', '.safetensors', '.pth', '.pt'];
const YAML_EXTENSIONS = ['.yaml', '.yml'];

/**
 * `models.import`: copy (or, for an upload, move) the checkpoint and its optional YAML into a staging folder,
 * check them there — a VALL-E checkpoint with loadCheckpoint (every tensor against the parameter table, the YAML's
 * settings as the base), a LoRA by its tensor names and shapes (spec §8.6) — and install the folder only once it
 * passed. A failure at any point removes the staging folder: nothing half-imported is ever listed.
 *
 * The checkpoint is named `fp32.<ext>` (a LoRA `lora.<ext>`) and the YAML `config.yaml` inside the model's folder,
 * the names the reference and `valle --model <folder>` look for.
 */
export async function importModel(
  input: ImportModelInput,
  deps: { registry: ModelRegistry; resolve: ResolveSource },
  job: JobContext,
): Promise<InstalledModel> {
  const checkpoint = deps.resolve(input.checkpoint);
  const yaml = input.yaml ? deps.resolve(input.yaml) : null;
  const ext = path.extname(checkpoint.displayName).toLowerCase();
  if (!CHECKPOINT_EXTENSIONS.includes(ext)) {
    throw new StudioError('invalid_input', `${checkpoint.displayName} is not a checkpoint: use a .sft, .safetensors, .pth or .pt file.`, { file: checkpoint.displayName });
  }
  if (yaml && !YAML_EXTENSIONS.includes(path.extname(yaml.displayName).toLowerCase())) {
    throw new StudioError('invalid_input', `${yaml.displayName} is not a YAML config (.yaml or .yml).`, { file: yaml.displayName });
  }

  const staging = await deps.registry.createStaging();
  try {
    job.progress({ fraction: 0, stage: 'Reading the checkpoint' });
    const listing = await listTensors(checkpoint.file);
    const kind = input.kind === 'auto' ? (looksLikeLora(listing.shapes.keys()) ? 'lora' : 'valle') : input.kind;
    if (kind === 'lora' && yaml) throw new StudioError('invalid_input', 'A LoRA is imported on its own: its settings are in the file, not in a YAML.');

    const stagedName = `${kind === 'lora' ? 'lora' : 'fp32'}${ext}`;
    const stagedCheckpoint = path.join(staging, stagedName);
    const copied = await place(checkpoint, stagedCheckpoint, job, 0, 0.6);
    const files: ModelFile[] = [{ role: kind === 'lora' ? 'lora' : 'checkpoint', name: stagedName, bytes: copied.bytes, sha256: copied.sha256 }];
    let baseConfig: VallEConfig | undefined;
    if (yaml) {
      const stagedYaml = path.join(staging, 'config.yaml');
      const y = await place(yaml, stagedYaml, job, 0.6, 0.62);
      baseConfig = (await loadConfigFile(stagedYaml)).config;
      files.push({ role: 'yaml', name: 'config.yaml', bytes: y.bytes, sha256: y.sha256 });
    }

    job.progress({ fraction: 0.65, stage: 'Checking the tensors' });
    const name = input.name ?? defaultName(checkpoint);
    const origin = { kind: 'imported' as const, fileName: checkpoint.displayName, path: checkpoint.originalPath };
    let model: NewModel;
    if (kind === 'lora') {
      const { lora: loraConfig, warnings: configWarnings } = loraConfigFromSftMetadata(listing.config === null ? null : { config: listing.config }, {
        source: `${checkpoint.displayName} config`,
        unknownKeys: 'warn',
      });
      const { summary, warnings } = checkLora(listing.shapes, loraConfig, checkpoint.displayName);
      model = {
        name,
        kind: 'lora',
        architecture: 'llama',
        fullName: null,
        sizePreset: null,
        dimensions: null,
        parameterCount: countElements(listing.shapes),
        codec: null,
        origin,
        files,
        totalBytes: total(files),
        lora: summary,
        warnings: [...configWarnings, ...warnings],
      };
    } else {
      const loaded = await loadCheckpoint(stagedCheckpoint, baseConfig ? { baseConfig } : {});
      model = { name, kind: 'valle', ...valleFacts(loaded), origin, files, totalBytes: total(files), lora: null, warnings: loaded.warnings };
    }
    job.progress({ fraction: 0.95, stage: 'Installing' });
    if (job.signal.aborted) throw new StudioError('cancelled', 'Cancelled.');
    return await deps.registry.install(staging, model);
  } catch (error) {
    await deps.registry.discardStaging(staging);
    throw error;
  }
}

/** Copies a source into the staging folder (or moves a staged upload), hashing it; progress from `from` to `to`. */
async function place(source: ResolvedSource, target: string, job: JobContext, from: number, to: number): Promise<{ bytes: number; sha256: string }> {
  if (source.movable) {
    try {
      await rename(source.file, target);
    } catch (error) {
      // Uploads and models on different file systems (a models folder linked elsewhere): copy instead.
      if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
      return place({ ...source, movable: false }, target, job, from, to);
    }
    const { size } = await stat(target);
    const sha256 = await sha256File(target, job.signal);
    job.progress({ fraction: to, stage: `Stored ${source.displayName}` });
    return { bytes: size, sha256 };
  }
  return copyWithHash(source.file, target, {
    signal: job.signal,
    onProgress: (done, all) => job.progress({ fraction: from + (to - from) * (all > 0 ? done / all : 1), stage: `Copying ${source.displayName}` }),
  });
}

/** `fp32.sft` says nothing: name the model after its folder then (the reference's ckpt/<name>/fp32.sft layout). */
function defaultName(source: ResolvedSource): string {
  const stem = path.basename(source.displayName, path.extname(source.displayName));
  if (!/^(fp32|fp16|bf16|lora|model|state)$/i.test(stem) || source.originalPath === null) return stem;
  const parent = path.basename(path.dirname(source.originalPath));
  return parent || stem;
}

function total(files: ModelFile[]): number {
  return files.reduce((n, f) => n + f.bytes, 0);
}
