/**
 * Small but real model files for tests (engine and e2e): a reference-format VALL-E `.sft` (tiny dimensions, the
 * reference's tensor names, config in the metadata) written by the checkpoint exporter, and LoRA files in the
 * layout of spec §8.6.
 */
import type { HostTensor } from '../../nn/io/host-tensor.js';
import { writeSafetensors } from '../../nn/io/safetensors.js';
import { encodeTorchCheckpoint } from '../../nn/io/torch-zip.js';
import { exportCheckpoint, type ExportDtype } from '../../valle/checkpoint/export-checkpoint.js';
import { initParameters } from '../../valle/model/parameters.js';
import { modelSpecFromConfig } from '../../valle/model/model-spec.js';
import { mulberry32 } from '../../nn/random.js';
import { tinyModel } from '../../valle/model/testing/tiny-model.js';

/** Writes a tiny AR+NAR checkpoint (d 32, 4 heads, `layers` layers) as a reference `.sft`. Returns its parameter count. */
export async function writeTinyValleSft(file: string, options: { seed?: number; layers?: number; dtype?: ExportDtype } = {}): Promise<number> {
  const model = tinyModel({ model: { size: { dim: 32, heads: 4, layers: options.layers ?? 2 } } });
  const weights = initParameters(modelSpecFromConfig(model), options.seed ?? 1);
  const result = await exportCheckpoint({ path: file, model, weights, dtype: options.dtype ?? 'float16' });
  return result.parameters;
}

export interface TinyLoraOptions {
  rank?: number;
  layers?: number;
  d?: number;
  ffn?: number;
  /** LoRA settings written as the file's `config` (§8.6); omitted when null. */
  config?: Record<string, unknown> | null;
  /** Tensors to add or override (to make broken files). */
  extra?: Record<string, number[]>;
  /** Tensors to leave out. */
  omit?: string[];
}

/** LoRA tensors (wrapped Linear, the reference default) for q, v, o, gate, up, down of each layer. */
export function tinyLoraTensors(options: TinyLoraOptions = {}): Map<string, HostTensor> {
  const r = options.rank ?? 4;
  const d = options.d ?? 32;
  const ffn = options.ffn ?? 4 * d;
  const rand = mulberry32(7);
  const shapes = new Map<string, number[]>();
  for (let i = 0; i < (options.layers ?? 2); i++) {
    for (const p of ['q', 'v', 'o']) {
      shapes.set(`model.layers.${i}.self_attn.${p}_proj.lora_A`, [r, d]);
      shapes.set(`model.layers.${i}.self_attn.${p}_proj.lora_B`, [d, r]);
    }
    for (const p of ['gate', 'up']) {
      shapes.set(`model.layers.${i}.mlp.${p}_proj.lora_A`, [r, d]);
      shapes.set(`model.layers.${i}.mlp.${p}_proj.lora_B`, [ffn, r]);
    }
    shapes.set(`model.layers.${i}.mlp.down_proj.lora_A`, [r, ffn]);
    shapes.set(`model.layers.${i}.mlp.down_proj.lora_B`, [d, r]);
  }
  for (const [name, shape] of Object.entries(options.extra ?? {})) shapes.set(name, shape);
  for (const name of options.omit ?? []) shapes.delete(name);
  const tensors = new Map<string, HostTensor>();
  for (const [name, shape] of shapes) {
    const n = shape.reduce((a, b) => a * b, 1);
    tensors.set(name, { dtype: 'float32', shape, data: Float32Array.from({ length: n }, () => rand() - 0.5) });
  }
  return tensors;
}

export async function writeTinyLoraSft(file: string, options: TinyLoraOptions = {}): Promise<void> {
  const config = options.config === undefined ? { name: 'lora', rank: options.rank ?? 4, alpha: 8, training: false, embeddings: false, parametrize: false, rvq_levels: [] } : options.config;
  await writeSafetensors(file, tinyLoraTensors(options), config === null ? {} : { config: JSON.stringify(config) });
}

/** A LoRA as the reference's `.pth` export: `{module: lora tensors, config}`. */
export function tinyLoraPth(options: TinyLoraOptions = {}): Uint8Array {
  const config = new Map<unknown, unknown>([
    ['name', 'lora'],
    ['rank', options.rank ?? 4],
    ['alpha', 16],
  ]);
  return encodeTorchCheckpoint(tinyLoraTensors(options), { wrap: (sd) => new Map<unknown, unknown>([['module', sd], ['config', config]]) });
}
