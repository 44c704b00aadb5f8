/**
 * Small random EnCodec checkpoints in the published transformers layout (config.json + model.safetensors),
 * written by tests. Tensor names and shapes come from the reference module walk (encodec-reference.ts), not
 * from the code under test.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { mulberry32 } from '../../../nn/index.js';
import { writeSafetensors } from '../../../nn/io/safetensors.js';
import type { HostTensor } from '../../../nn/io/host-tensor.js';
import { refCheckpointShapes, type RefConfig } from './encodec-reference.js';

export interface TinyEncodecConfig extends RefConfig {
  sampling_rate: number;
  target_bandwidths: number[];
  codebook_dim: number;
}

/** num_filters 4, ratios [4, 3, 2] (hop 24), 2 LSTM layers, 1024 × 8 codebooks; 1000 frames/s → 8 levels. */
export const TINY_ENCODEC: TinyEncodecConfig = {
  sampling_rate: 24000,
  audio_channels: 1,
  num_filters: 4,
  upsampling_ratios: [4, 3, 2],
  num_residual_layers: 1,
  dilation_growth_rate: 2,
  kernel_size: 7,
  last_kernel_size: 7,
  residual_kernel_size: 3,
  compress: 2,
  num_lstm_layers: 2,
  hidden_size: 8,
  codebook_size: 1024,
  codebook_dim: 8,
  // bits per level = 10 × 1000 frames/s: 20/40/80 kbps ↔ 2/4/8 levels
  target_bandwidths: [20, 40, 80],
  use_causal_conv: true,
  pad_mode: 'reflect',
  trim_right_ratio: 1,
  use_conv_shortcut: true,
};

export function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(Math.max(rand(), 1e-12))) * Math.cos(2 * Math.PI * rand());
}

export function numQuantizersOf(c: TinyEncodecConfig): number {
  const hop = c.upsampling_ratios.reduce((a, b) => a * b, 1);
  const frameRate = Math.ceil(c.sampling_rate / hop);
  return Math.floor((1000 * c.target_bandwidths[c.target_bandwidths.length - 1]) / (frameRate * 10));
}

export type RefWeights = Map<string, { shape: number[]; data: Float32Array }>;

/** Random values with sensible scales: unit-norm conv rows (g ≈ 1), LSTM U(±1/√H), codebooks shrinking per level. */
export function randomEncodecWeights(c: TinyEncodecConfig, seed: number): RefWeights {
  const rand = mulberry32(seed);
  const out: RefWeights = new Map();
  for (const [name, shape] of refCheckpointShapes(c, numQuantizersOf(c), c.codebook_dim)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    if (name.endsWith('.weight_g')) for (let i = 0; i < n; i++) data[i] = 0.6 + 0.6 * rand();
    else if (name.endsWith('.weight_v')) for (let i = 0; i < n; i++) data[i] = gaussian(rand);
    else if (name.endsWith('.bias')) for (let i = 0; i < n; i++) data[i] = 0.1 * gaussian(rand);
    else if (name.includes('.lstm.')) {
      const bound = 1 / Math.sqrt(shape[0] / 4);
      for (let i = 0; i < n; i++) data[i] = (2 * rand() - 1) * bound;
    } else if (name.endsWith('.codebook.embed')) {
      const level = Number(/layers\.(\d+)\./.exec(name)![1]);
      const std = 0.8 * 0.7 ** level;
      for (let i = 0; i < n; i++) data[i] = std * gaussian(rand);
    } else if (name.endsWith('.inited')) data.fill(1);
    else for (let i = 0; i < n; i++) data[i] = rand();
    out.set(name, { shape, data });
  }
  return out;
}

export interface WriteOptions {
  /** torch.nn.utils.parametrizations.weight_norm names (original0/original1) instead of weight_g/weight_v */
  parametrizationNames?: boolean;
  /** drop these tensors from the file */
  omit?: string[];
  /** store these tensors with another shape (random data) */
  reshape?: Record<string, number[]>;
}

export function configJson(c: TinyEncodecConfig): Record<string, unknown> {
  return {
    architectures: ['EncodecModel'],
    model_type: 'encodec',
    ...c,
    norm_type: 'weight_norm',
    normalize: false,
    chunk_length_s: null,
    overlap: null,
    torch_dtype: 'float32',
  };
}

export async function writeEncodecFolder(dir: string, c: TinyEncodecConfig, weights: RefWeights, o: WriteOptions = {}): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'config.json'), JSON.stringify(configJson(c), null, 2));
  const tensors = new Map<string, HostTensor>();
  for (const [name, t] of weights) {
    if (o.omit?.includes(name)) continue;
    let stored = name;
    if (o.parametrizationNames) stored = name.replace(/\.weight_g$/, '.parametrizations.weight.original0').replace(/\.weight_v$/, '.parametrizations.weight.original1');
    const shape = o.reshape?.[name];
    tensors.set(stored, shape ? { dtype: 'float32', shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(0.5) } : { dtype: 'float32', shape: t.shape, data: t.data });
  }
  await writeSafetensors(join(dir, 'model.safetensors'), tensors);
}
