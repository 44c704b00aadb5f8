/**
 * Registry providers for `encodec` and `vocos`: find the weights in the studio's models folder (or an explicit
 * folder), load them once per folder, and hand out codecs at the requested bandwidth. The heavy modules (ORT,
 * graph builders) are imported only when a codec is actually asked for.
 *
 * Folders (first that exists):
 *   encodec: <path> | <modelsDir>/encodec_24khz | <modelsDir>/encodec      (config.json + model.safetensors)
 *   vocos:   <path> | <modelsDir>/vocos-encodec-24khz | <modelsDir>/vocos (config.yaml + pytorch_model.bin)
 * Vocos encodes with EnCodec, looked up the same way (under modelsDir, or beside the Vocos folder).
 */
import { stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { StudioError } from '../../../../src-shared/api/errors.js';
import type { Codec } from '../codec.js';
import type { EncodecCodec } from './encodec-codec.js';
import type { EncodecModel } from './encodec-model.js';
import type { VocosModel } from '../vocos/vocos-model.js';

export const ENCODEC_FOLDERS = ['encodec_24khz', 'encodec'] as const;
export const VOCOS_FOLDERS = ['vocos-encodec-24khz', 'vocos'] as const;

export interface NeuralCodecLoadOptions {
  modelsDir?: string;
  /** A folder holding the weights, instead of looking in modelsDir. */
  path?: string;
  /** kbps (EnCodec 1.5/3/6/12/24, Vocos 1.5/3/6/12); default 6 = 8 levels, as the reference. */
  bandwidth?: number;
}

async function isDir(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isDirectory() ?? false;
}

/** The folder to load from, or a not_found error listing where it looked. */
async function findFolder(codec: string, repo: string, candidates: string[]): Promise<string> {
  for (const c of candidates) if (await isDir(c)) return c;
  const where = candidates.length > 0 ? `looked in ${candidates.join(', ')}` : 'no models folder was given';
  throw new StudioError('not_found', `the ${codec} codec needs its weights (${repo} from the Hugging Face hub; see docs/codecs.md): ${where}.`, { codec, candidates });
}

function candidates(options: NeuralCodecLoadOptions, names: readonly string[], fallbackBase?: string): string[] {
  if (options.path) return [resolve(options.path)];
  const base = options.modelsDir ?? fallbackBase;
  return base ? names.map((n) => resolve(join(base, n))) : [];
}

const encodecModels = new Map<string, Promise<EncodecModel>>();
const vocosModels = new Map<string, Promise<VocosModel>>();

function once<T>(cache: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> {
  let p = cache.get(key);
  if (!p) {
    // A failed load is not cached: the user may install the files and ask again.
    p = load().catch((error: unknown) => {
      cache.delete(key);
      throw error;
    });
    cache.set(key, p);
  }
  return p;
}

async function encodecAt(dir: string, bandwidth: number): Promise<EncodecCodec> {
  const [{ EncodecModel }, { EncodecCodec }] = await Promise.all([import('./encodec-model.js'), import('./encodec-codec.js')]);
  const model = await once(encodecModels, dir, () => EncodecModel.fromFolder(dir));
  return new EncodecCodec(model, bandwidth);
}

export async function loadEncodecCodec(options: NeuralCodecLoadOptions): Promise<Codec> {
  const dir = await findFolder('encodec', 'facebook/encodec_24khz', candidates(options, ENCODEC_FOLDERS));
  return encodecAt(dir, options.bandwidth ?? 6);
}

export async function loadVocosCodec(options: NeuralCodecLoadOptions): Promise<Codec> {
  const dir = await findFolder('vocos', 'charactr/vocos-encodec-24khz', candidates(options, VOCOS_FOLDERS));
  const [{ VocosModel }, { VocosCodec }] = await Promise.all([import('../vocos/vocos-model.js'), import('../vocos/vocos-codec.js')]);
  const model = await once(vocosModels, dir, () => VocosModel.fromFolder(dir));
  const encodecCandidates = candidates({ modelsDir: options.modelsDir }, ENCODEC_FOLDERS, dirname(dir));
  // Only encode() needs EnCodec; decoding works without it, so it is looked up when first used.
  const encoder = async (bandwidth: number) => encodecAt(await findFolder('encodec', 'facebook/encodec_24khz (Vocos encodes with EnCodec)', encodecCandidates), bandwidth);
  return new VocosCodec(model, options.bandwidth ?? 6, encoder);
}

export const encodecProvider = {
  name: 'encodec',
  summary: 'EnCodec 24 kHz (facebook/encodec_24khz weights): 75 frames/s, 2–32 levels × 1024 codes by bandwidth',
  load: loadEncodecCodec,
};

export const vocosProvider = {
  name: 'vocos',
  summary: 'Vocos decoder for EnCodec codes (charactr/vocos-encodec-24khz weights; encodes with EnCodec)',
  load: loadVocosCodec,
};
