/**
 * Where a VALL-E model's weights are, from what a person names (the `--model` / `--yaml` of the CLI, mirroring
 * the reference, seed spec §6.1):
 *
 * - `--model FILE` (.sft / .safetensors / .pth / .pt): that checkpoint.
 * - `--model DIR`: DIR/fp32.{sft,safetensors,pth,pt}, else the one DIR/ckpt/<name>/fp32.* (the reference's
 *   layout, e.g. training/valle/ckpt/ar+nar-llama-8/fp32.sft).
 * - `--yaml CFG` without `--model`: <CFG's folder>/ckpt/<model full name>/fp32.* (what the reference loads).
 *   With `--model` the YAML supplies the settings the checkpoint does not carry.
 * - neither: $VALLE_YAML as `--yaml`, as the reference; otherwise a not_found error saying how to get one.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { StudioError } from '../../../../src-shared/api/errors.js';
import { loadCheckpoint, type LoadedCheckpoint } from '../checkpoint/load-checkpoint.js';
import { activeModel, loadConfigFile, modelFullName, type VallEConfig } from '../config/index.js';
import { ValleModel } from '../model/valle-model.js';

/** The reference probes these suffixes, in this order. */
const WEIGHT_SUFFIXES = ['.sft', '.safetensors', '.pth', '.pt'];

export const NO_MODEL_HELP =
  'No VALL-E model given. Pass --model with a checkpoint: the reference weights ar+nar-llama-8/fp32.sft ' +
  '(Hugging Face ecker/vall-e; the reference\'s scripts/setup.sh puts them in training/valle/ckpt/ar+nar-llama-8/), ' +
  'a folder holding one, or --yaml with a reference config whose ckpt/ folder holds the weights ($VALLE_YAML works too).';

export interface ModelLocation {
  /** the checkpoint file */
  file: string;
  /** the YAML whose settings fill what the checkpoint lacks, if any */
  yaml: string | null;
}

async function kindOf(p: string): Promise<'file' | 'dir' | null> {
  const info = await stat(p).catch(() => null);
  if (!info) return null;
  return info.isDirectory() ? 'dir' : 'file';
}

async function fp32In(dir: string): Promise<string | null> {
  for (const s of WEIGHT_SUFFIXES) {
    const p = path.join(dir, `fp32${s}`);
    if ((await kindOf(p)) === 'file') return p;
  }
  return null;
}

async function weightsInDir(dir: string, shown: string): Promise<string> {
  const direct = await fp32In(dir);
  if (direct) return direct;
  const ckpt = path.join(dir, 'ckpt');
  const found: string[] = [];
  if ((await kindOf(ckpt)) === 'dir') {
    for (const name of (await readdir(ckpt)).sort()) {
      const f = await fp32In(path.join(ckpt, name));
      if (f) found.push(f);
    }
  }
  if (found.length === 1) return found[0];
  if (found.length > 1) {
    throw new StudioError('invalid_input', `${shown} holds several models (${found.map((f) => path.relative(dir, f)).join(', ')}); pass the file you mean to --model.`);
  }
  throw new StudioError('not_found', `${shown} holds no model weights (looked for fp32.sft / .safetensors / .pth / .pt there and in its ckpt/<name>/ folders).`);
}

async function weightsForYaml(yamlPath: string, config: VallEConfig): Promise<string> {
  const name = modelFullName(activeModel(config), config.optimizations);
  const dir = path.join(path.dirname(yamlPath), 'ckpt', name);
  const f = await fp32In(dir);
  if (!f) throw new StudioError('not_found', `No weights for model ${name} next to ${yamlPath} (looked for ${path.join(dir, 'fp32.sft')} and the other suffixes). Pass --model.`);
  return f;
}

export interface LoadModelRequest {
  model?: string | null;
  yaml?: string | null;
  cwd: string;
  env?: Record<string, string | undefined>;
}

export interface LoadedVoiceModel {
  model: ValleModel;
  checkpoint: LoadedCheckpoint;
  location: ModelLocation;
}

/** Finds the weights, loads the checkpoint (its own config first, the YAML's or the example's for the rest). */
export async function loadVoiceModel(request: LoadModelRequest): Promise<LoadedVoiceModel> {
  const yamlOption = request.yaml ?? (request.model ? null : (request.env?.VALLE_YAML ?? null));
  if (!request.model && !yamlOption) throw new StudioError('not_found', NO_MODEL_HELP);
  const yamlPath = yamlOption ? path.resolve(request.cwd, yamlOption) : null;
  const config = yamlPath ? (await loadConfigFile(yamlPath)).config : undefined;
  let file: string;
  if (request.model) {
    const full = path.resolve(request.cwd, request.model);
    const kind = await kindOf(full);
    if (kind === null) throw new StudioError('not_found', `${request.model} does not exist. ${NO_MODEL_HELP}`);
    file = kind === 'dir' ? await weightsInDir(full, request.model) : full;
  } else {
    file = await weightsForYaml(yamlPath!, config!);
  }
  const checkpoint = await loadCheckpoint(file, config ? { baseConfig: config } : {});
  return { model: ValleModel.fromCheckpoint(checkpoint), checkpoint, location: { file, yaml: yamlPath } };
}
