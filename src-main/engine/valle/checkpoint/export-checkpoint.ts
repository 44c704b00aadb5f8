/**
 * `valle export` as a library function (seed spec §10): the model's weights as a reference `.sft` — the
 * tensors are the state dict under its flat names (Appendix B, state-dict order), cast to the chosen dtype;
 * the string metadata holds `config` (the Model dataclass, `experimental` expanded), `stats` and `userdata`,
 * each JSON-encoded as Python's json.dumps writes them. The file is written atomically (temp, fsync, rename).
 *
 * Differences from the reference export: the dtype is an explicit argument (the reference casts to
 * `trainer.weight_dtype`, float16 by default, while still naming the file fp32.*); float32 is the default here
 * because it is lossless.
 */
import { StudioError } from '../../../../src-shared/api/errors.js';
import { f32ArrayToBf16, f32ArrayToF16 } from '../../nn/io/half.js';
import type { HostTensor } from '../../nn/io/host-tensor.js';
import { writeSafetensors } from '../../nn/io/safetensors.js';
import type { ModelConfig } from '../config/index.js';
import { modelSpecFromConfig } from '../model/model-spec.js';
import { elementCount, parameterTable } from '../model/parameters.js';
import { compareTensors, describeMismatch, isClean } from './validate-tensors.js';
import { pyJsonDumps } from './py-json.js';

export type ExportDtype = 'float32' | 'float16' | 'bfloat16';

export interface ExportCheckpointOptions {
  /** target `.sft` / `.safetensors` path */
  path: string;
  model: ModelConfig;
  weights: ReadonlyMap<string, Float32Array>;
  /** default float32 */
  dtype?: ExportDtype;
  /** `{global_step, micro_step, global_samples, tokens_processed}` */
  stats?: Record<string, unknown> | null;
  /** `{symmap: tokenizer vocab}` */
  userdata?: Record<string, unknown> | null;
}

export interface ExportResult {
  path: string;
  dtype: ExportDtype;
  tensors: number;
  parameters: number;
}

export function castWeights(data: Float32Array, shape: number[], dtype: ExportDtype): HostTensor {
  if (dtype === 'float32') return { dtype, shape, data };
  if (dtype === 'float16') return { dtype, shape, data: f32ArrayToF16(data) };
  return { dtype, shape, data: f32ArrayToBf16(data) };
}

/** The metadata of a reference export for a model config. */
export function exportMetadata(model: ModelConfig, stats?: Record<string, unknown> | null, userdata?: Record<string, unknown> | null): Record<string, string> {
  const md: Record<string, string> = {};
  if (stats) md.stats = pyJsonDumps(stats);
  if (userdata) md.userdata = pyJsonDumps(userdata);
  md.config = pyJsonDumps(model);
  return md;
}

export async function exportCheckpoint(o: ExportCheckpointOptions): Promise<ExportResult> {
  const dtype = o.dtype ?? 'float32';
  if (!['float32', 'float16', 'bfloat16'].includes(dtype)) throw new StudioError('invalid_input', `export dtype must be float32, float16 or bfloat16, got ${String(dtype)}`);
  if (!/\.(sft|safetensors)$/i.test(o.path)) throw new StudioError('invalid_input', `export writes safetensors: the path must end in .sft or .safetensors (${o.path})`, { file: o.path });
  const table = parameterTable(modelSpecFromConfig(o.model));
  const shapes = new Map<string, number[]>();
  for (const [name, w] of o.weights) {
    const entry = table.find((e) => e.name === name);
    // A flat array has no shape of its own: report its element count against the expected shape.
    shapes.set(name, entry && w.length === elementCount(entry.shape) ? entry.shape : [w.length]);
  }
  const mismatch = compareTensors(table, shapes);
  if (!isClean(mismatch)) throw new StudioError('invalid_input', `cannot export: weights do not match the model: ${describeMismatch(mismatch)}`, { ...mismatch });
  const tensors = new Map<string, HostTensor>();
  for (const e of table) tensors.set(e.name, castWeights(o.weights.get(e.name)!, e.shape, dtype));
  await writeSafetensors(o.path, tensors, exportMetadata(o.model, o.stats, o.userdata));
  return { path: o.path, dtype, tensors: table.length, parameters: table.reduce((n, e) => n + elementCount(e.shape), 0) };
}
