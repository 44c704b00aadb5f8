/**
 * Loading EnCodec from a folder in the Hugging Face transformers layout (facebook/encodec_24khz):
 * `config.json` + `model.safetensors` (or `pytorch_model.bin`). Every tensor the graphs read is checked by
 * name and shape before anything is built; weight norm is folded here, once.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { StudioError } from '../../../../src-shared/api/errors.js';
import type { ParamSource } from '../../nn/blocks/params.js';
import type { Graph } from '../../nn/index.js';
import type { HostTensor } from '../../nn/io/host-tensor.js';
import { readSafetensors } from '../../nn/io/safetensors.js';
import { readTorchCheckpointFile } from '../../nn/io/torch-zip.js';
import { matchCheckpoint, recordExpected, type ExpectedTensor } from './checkpoint-match.js';
import { numQuantizers, parseEncodecConfig, type EncodecConfig } from './config.js';
import { buildDecoderGraph, buildEncoderGraph } from './encodec-graphs.js';

export const ENCODEC_CONFIG_FILE = 'config.json';
export const ENCODEC_WEIGHT_FILES = ['model.safetensors', 'pytorch_model.bin'] as const;

export interface EncodecWeights {
  dir: string;
  config: EncodecConfig;
  /** Folded, checked values by the names the graphs ask for. */
  values: Map<string, Float32Array>;
  /** Tensors in the file that no graph reads (beyond the quantizer's training buffers). */
  unused: string[];
}

/** Every tensor the encoder, quantizer and decoder graphs read, with its shape (weight norm already folded). */
export function encodecExpectedTensors(config: EncodecConfig): ExpectedTensor[] {
  return recordExpected((_g: Graph, params: ParamSource) => {
    buildEncoderGraph(params, config, numQuantizers(config));
    buildDecoderGraph(params, config, 'oneshot');
  });
}

/** The quantizer's k-means buffers (`inited`, `cluster_size`, `embed_avg`): present in the file, unused. */
export function isUnusedEncodecBuffer(name: string): boolean {
  return /^quantizer\.layers\.\d+\.codebook\.(inited|cluster_size|embed_avg)$/.test(name);
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isFile() ?? false;
}

export async function loadEncodecWeights(dir: string): Promise<EncodecWeights> {
  const configPath = join(dir, ENCODEC_CONFIG_FILE);
  const weightPath = (await exists(join(dir, ENCODEC_WEIGHT_FILES[0]))) ? join(dir, ENCODEC_WEIGHT_FILES[0]) : join(dir, ENCODEC_WEIGHT_FILES[1]);
  const missing = [(await exists(configPath)) ? null : ENCODEC_CONFIG_FILE, (await exists(weightPath)) ? null : ENCODEC_WEIGHT_FILES.join(' or ')].filter((x) => x !== null);
  if (missing.length > 0) {
    throw new StudioError('not_found', `EnCodec weights are not installed in ${dir}: ${missing.join(' and ')} missing (the files of facebook/encodec_24khz; see docs/codecs.md).`, { dir, missing });
  }
  let config: EncodecConfig;
  try {
    config = parseEncodecConfig(JSON.parse(await readFile(configPath, 'utf8')), configPath);
  } catch (error) {
    throw new StudioError('invalid_input', `EnCodec ${(error as Error).message}`, { path: configPath });
  }
  let tensors: Map<string, HostTensor>;
  try {
    tensors = weightPath.endsWith('.safetensors') ? readSafetensors(await readFile(weightPath)).tensors : (await readTorchCheckpointFile(weightPath)).tensors;
  } catch (error) {
    throw new StudioError('invalid_input', `EnCodec weights ${weightPath} could not be read: ${(error as Error).message}`, { path: weightPath });
  }
  const { values, unused } = matchCheckpoint(encodecExpectedTensors(config), tensors, { source: `EnCodec checkpoint ${weightPath}`, ignorable: isUnusedEncodecBuffer });
  return { dir, config, values, unused };
}
