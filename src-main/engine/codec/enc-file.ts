/**
 * Codes on disk in the reference's `.enc` layout (seed-spec §4.1, nn/io/codes-file.ts): np.save of
 * {"codes": uint16 [1, levels, T], "metadata": {original_length, sample_rate, language?}}. We add one key,
 * `codec` (which codec made the codes); the reference's loaders read only the keys they know.
 */
import { readFile } from 'node:fs/promises';
import { StudioError } from '../../../src-shared/api/errors.js';
import { encodeCodesFile, readCodesFile, writeCodesFile } from '../nn/io/codes-file.js';
import { NdArray, PyFloat, type PickleValue } from '../nn/io/pickle-values.js';
import type { Codes } from './codes.js';

export interface EncMetadata {
  /** Samples of the audio that was encoded, at its own rate (null when the file does not say). */
  originalLength: number | null;
  sampleRate: number | null;
  language?: string;
  codec?: string;
}

export interface EncFile extends EncMetadata {
  codes: Codes;
  /** Every metadata key as stored (text, phonemes, … pass through untouched). */
  raw: Map<string, PickleValue>;
}

export async function readEncFile(path: string, name = path): Promise<EncFile> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new StudioError('not_found', `${name} does not exist.`, { file: name });
    if (code === 'EISDIR') throw new StudioError('invalid_input', `${name} is a folder, not a .enc file.`, { file: name });
    throw error;
  }
  let file;
  try {
    file = readCodesFile(bytes);
  } catch (error) {
    throw new StudioError('invalid_input', `${name} is not a codes file (.enc): ${(error as Error).message}.`, { file: name });
  }
  const [, levels, frames] = file.codes.shape;
  const data = new Uint16Array(frames * levels);
  for (let l = 0; l < levels; l++) for (let t = 0; t < frames; t++) data[t * levels + l] = file.codes.data[l * frames + t];
  const meta = file.metadata;
  const num = (key: string): number | null => {
    const v = meta.get(key);
    if (typeof v === 'number') return v;
    if (typeof v === 'bigint') return Number(v);
    if (v instanceof PyFloat) return v.value;
    if (v instanceof NdArray && v.tensor && v.tensor.data.length === 1) return Number(v.tensor.data[0]);
    return null;
  };
  const str = (key: string): string | undefined => {
    const v = meta.get(key);
    return typeof v === 'string' ? v : undefined;
  };
  return {
    codes: { levels, frames, data },
    originalLength: num('original_length'),
    sampleRate: num('sample_rate'),
    language: str('language'),
    codec: str('codec'),
    raw: meta,
  };
}

/** The .enc bytes for `codes` (time-major in, level-major on disk). */
export function encodeEncFile(codes: Codes, meta: EncMetadata): Uint8Array {
  return encodeCodesFile({ codes: levelMajor(codes), metadata: metadataMap(meta) });
}

/** Writes atomically: the target is either untouched or complete. */
export async function writeEncFile(path: string, codes: Codes, meta: EncMetadata): Promise<void> {
  await writeCodesFile(path, { codes: levelMajor(codes), metadata: metadataMap(meta) });
}

function levelMajor(codes: Codes) {
  const { levels, frames } = codes;
  const data = new Uint16Array(levels * frames);
  for (let t = 0; t < frames; t++) for (let l = 0; l < levels; l++) data[l * frames + t] = codes.data[t * levels + l];
  return { dtype: 'uint16' as const, shape: [1, levels, frames], data };
}

function metadataMap(meta: EncMetadata): Map<string, PickleValue> {
  const m = new Map<string, PickleValue>();
  // Key order as the reference's process_job writes them.
  if (meta.originalLength !== null) m.set('original_length', Math.round(meta.originalLength));
  if (meta.sampleRate !== null) m.set('sample_rate', Math.round(meta.sampleRate));
  if (meta.language) m.set('language', meta.language);
  if (meta.codec) m.set('codec', meta.codec);
  return m;
}
