/**
 * Small random Vocos checkpoints in the published layout (config.yaml + pytorch_model.bin as torch.save
 * writes it), for tests. Names and shapes come from vocos-reference.ts.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { mulberry32 } from '../../../nn/index.js';
import type { HostTensor } from '../../../nn/io/host-tensor.js';
import { writeTorchCheckpoint } from '../../../nn/io/torch-zip.js';
import { gaussian } from '../../encodec/testing/tiny-checkpoint.js';
import { refVocosShapes, type RefVocosConfig } from './vocos-reference.js';

export const TINY_VOCOS: RefVocosConfig = {
  input_channels: 8,
  dim: 16,
  intermediate_dim: 48,
  num_layers: 2,
  adanorm_num_embeddings: 4,
  n_fft: 64,
  hop_length: 16,
};

/** 16 levels: the 12 kbps of the four bandwidths [1.5, 3, 6, 12]. */
export const TINY_VOCOS_TABLE_LEVELS = 16;

export function configYaml(c: RefVocosConfig): string {
  return `feature_extractor:
  class_path: vocos.feature_extractors.EncodecFeatures
  init_args:
    encodec_model: encodec_24khz
    bandwidths: [1.5, 3.0, 6.0, 12.0]
    train_codebooks: false

backbone:
  class_path: vocos.models.VocosBackbone
  init_args:
    input_channels: ${c.input_channels}
    dim: ${c.dim}
    intermediate_dim: ${c.intermediate_dim}
    num_layers: ${c.num_layers}
    adanorm_num_embeddings: ${c.adanorm_num_embeddings}  # len(bandwidths)

head:
  class_path: vocos.heads.ISTFTHead
  init_args:
    dim: ${c.dim}
    n_fft: ${c.n_fft}
    hop_length: ${c.hop_length}
    padding: same
`;
}

export type RefWeights = Map<string, { shape: number[]; data: Float32Array }>;

export function randomVocosWeights(c: RefVocosConfig, seed: number, window?: Float32Array): RefWeights {
  const rand = mulberry32(seed);
  const out: RefWeights = new Map();
  for (const [name, shape] of refVocosShapes(c, TINY_VOCOS_TABLE_LEVELS)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    if (name === 'head.istft.window') {
      for (let i = 0; i < n; i++) data[i] = window ? window[i] : 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
    } else if (name.endsWith('.scale.weight')) for (let i = 0; i < n; i++) data[i] = 1 + 0.3 * gaussian(rand);
    else if (name.endsWith('.shift.weight') || name.endsWith('.bias')) for (let i = 0; i < n; i++) data[i] = 0.1 * gaussian(rand);
    else if (name.endsWith('.gamma')) for (let i = 0; i < n; i++) data[i] = 0.5 + 0.2 * gaussian(rand);
    else if (name === 'feature_extractor.codebook_weights') for (let i = 0; i < n; i++) data[i] = 0.5 * gaussian(rand);
    else {
      // weights: N(0, 1/fan_in) so activations stay O(1)
      const fanIn = n / shape[0];
      for (let i = 0; i < n; i++) data[i] = gaussian(rand) / Math.sqrt(fanIn);
    }
    out.set(name, { shape, data });
  }
  return out;
}

export async function writeVocosFolder(dir: string, c: RefVocosConfig, weights: RefWeights, o: { omit?: string[]; reshape?: Record<string, number[]>; extra?: Record<string, number[]> } = {}): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'config.yaml'), configYaml(c));
  const state = new Map<string, HostTensor>();
  for (const [name, t] of weights) {
    if (o.omit?.includes(name)) continue;
    const shape = o.reshape?.[name];
    state.set(name, shape ? { dtype: 'float32', shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) } : { dtype: 'float32', shape: t.shape, data: t.data });
  }
  for (const [name, shape] of Object.entries(o.extra ?? {})) state.set(name, { dtype: 'float32', shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) });
  await writeTorchCheckpoint(join(dir, 'pytorch_model.bin'), state);
}
