/**
 * Loading Vocos from a folder as published on the Hugging Face hub (charactr/vocos-encodec-24khz):
 * `config.yaml` + `pytorch_model.bin` (a torch zip checkpoint, read with nn/io's restricted unpickler).
 * Every tensor the graph reads is checked by name and shape first; all problems come in one error.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { StudioError } from '../../../../src-shared/api/errors.js';
import type { HostTensor } from '../../nn/io/host-tensor.js';
import { readTorchCheckpointFile } from '../../nn/io/torch-zip.js';
import { readSafetensors } from '../../nn/io/safetensors.js';
import { matchCheckpoint, recordExpected, toFloat32, type ExpectedTensor } from '../encodec/checkpoint-match.js';
import { parseVocosConfig, type VocosConfig } from './config.js';
import { buildVocosGraph } from './vocos-graph.js';

export const VOCOS_CONFIG_FILE = 'config.yaml';
export const VOCOS_WEIGHT_FILES = ['pytorch_model.bin', 'model.safetensors'] as const;
/** The ISTFT head's window buffer (persistent, so it is in the state dict). */
export const VOCOS_WINDOW = 'head.istft.window';

export interface VocosWeights {
  dir: string;
  config: VocosConfig;
  values: Map<string, Float32Array>;
  /** The checkpoint's window, when it has one (else the graph uses the periodic Hann window). */
  window: Float32Array | undefined;
  unused: string[];
}

export function vocosExpectedTensors(config: VocosConfig): ExpectedTensor[] {
  return recordExpected((_g, params) => buildVocosGraph({ params, config }));
}

/**
 * Tensors a Vocos state dict may hold that the decoder does not read: the window (handled apart) and, should a
 * checkpoint carry it, the wrapped EnCodec model (Vocos.from_pretrained adds those from the encodec package).
 */
export function isIgnorableVocosTensor(name: string): boolean {
  return name === VOCOS_WINDOW || name.startsWith('feature_extractor.encodec.');
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isFile() ?? false;
}

export async function loadVocosWeights(dir: string): Promise<VocosWeights> {
  const configPath = join(dir, VOCOS_CONFIG_FILE);
  let weightPath = join(dir, VOCOS_WEIGHT_FILES[0]);
  if (!(await exists(weightPath)) && (await exists(join(dir, VOCOS_WEIGHT_FILES[1])))) weightPath = join(dir, VOCOS_WEIGHT_FILES[1]);
  const missing = [(await exists(configPath)) ? null : VOCOS_CONFIG_FILE, (await exists(weightPath)) ? null : VOCOS_WEIGHT_FILES[0]].filter((x) => x !== null);
  if (missing.length > 0) {
    throw new StudioError('not_found', `Vocos weights are not installed in ${dir}: ${missing.join(' and ')} missing (the files of charactr/vocos-encodec-24khz; see docs/codecs.md).`, { dir, missing });
  }
  let config: VocosConfig;
  try {
    config = parseVocosConfig(await readFile(configPath, 'utf8'), configPath);
  } catch (error) {
    throw new StudioError('invalid_input', `Vocos ${(error as Error).message}`, { path: configPath });
  }
  let tensors: Map<string, HostTensor>;
  try {
    tensors = weightPath.endsWith('.bin') ? (await readTorchCheckpointFile(weightPath)).tensors : readSafetensors(await readFile(weightPath)).tensors;
  } catch (error) {
    throw new StudioError('invalid_input', `Vocos weights ${weightPath} could not be read: ${(error as Error).message}`, { path: weightPath });
  }
  const source = `Vocos checkpoint ${weightPath}`;
  let window: Float32Array | undefined;
  const w = tensors.get(VOCOS_WINDOW);
  if (w) {
    if (w.shape.length !== 1 || w.shape[0] !== config.nFft) {
      throw new StudioError('invalid_input', `${source} does not match the model configuration:\ntensors with the wrong shape (1):\n  - ${VOCOS_WINDOW}: [${w.shape.join(', ')}] in the file, [${config.nFft}] expected`);
    }
    window = Float32Array.from(toFloat32(w, VOCOS_WINDOW).data);
  }
  const { values, unused } = matchCheckpoint(vocosExpectedTensors(config), tensors, { source, ignorable: isIgnorableVocosTensor });
  return { dir, config, values, window, unused };
}
