import path from 'node:path';
import { StudioError } from '../../../src-shared/api/errors.js';
import { elementCount } from '../valle/model/parameters.js';
import { checkpointFormatOf, pickleToPlain } from '../valle/checkpoint/load-checkpoint.js';
import type { PickleValue } from '../nn/io/pickle-values.js';
import { SafetensorsFile } from '../nn/io/safetensors.js';
import { flattenTensors, readTorchCheckpointFile } from '../nn/io/torch-zip.js';

/** The names and shapes of a checkpoint's tensors, without their data where the format allows. */
export interface TensorListing {
  format: 'sft' | 'pth';
  shapes: Map<string, number[]>;
  /** The `config` entry (safetensors metadata or the export dict's), decoded; null when absent. */
  config: unknown;
}

/**
 * Lists a `.sft`/`.safetensors` (header only) or `.pth`/`.pt`/`.bin` torch zip. For a reference export dict
 * (`{module, config, …}`) the tensors are those of `lora` when present, else of `module` (spec §8.6); a bare
 * state dict is listed as is. Unreadable files are an `invalid_input` naming the file.
 */
export async function listTensors(file: string): Promise<TensorListing> {
  const format = path.extname(file).toLowerCase() === '.bin' ? 'pth' : checkpointFormatOf(file);
  try {
    if (format === 'sft') {
      const f = await SafetensorsFile.open(file);
      try {
        const config = f.metadata.config;
        return { format, shapes: new Map(f.header.entries.map((e) => [e.name, e.shape])), config: config === undefined ? null : decodeJson(config) };
      } finally {
        await f.close();
      }
    }
    const ckpt = await readTorchCheckpointFile(file);
    const root = ckpt.root;
    let dict: PickleValue = root;
    let config: unknown = null;
    if (root instanceof Map && (root.has('module') || root.has('lora'))) {
      dict = root.get('lora') ?? root.get('module')!;
      config = root.has('config') ? pickleToPlain(root.get('config')) : null;
    }
    return { format, shapes: new Map([...flattenTensors(dict)].map(([k, t]) => [k, t.shape])), config };
  } catch (error) {
    if (error instanceof StudioError) throw error;
    throw new StudioError('invalid_input', `${path.basename(file)} is not a readable ${format === 'sft' ? 'safetensors' : 'PyTorch'} checkpoint: ${(error as Error).message}`, {
      file: path.basename(file),
    });
  }
}

export function countElements(shapes: ReadonlyMap<string, readonly number[]>): number {
  let n = 0;
  for (const shape of shapes.values()) n += elementCount([...shape]);
  return n;
}

function decodeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}
