/**
 * The reference's quantized-audio files (`.enc` for EnCodec, `.dac` for DAC): `np.save` of a Python dict
 * `{"codes": uint16 [1, levels, T], "metadata": {...}}`, i.e. a 0-d object .npy whose payload is a pickle.
 * Reading goes through the restricted unpickler; writing reproduces numpy 1.x's bytes exactly.
 */
import { readFile } from 'node:fs/promises';
import { writeAll, writeFileAtomic } from './atomic-write.js';
import { checkHostTensor, type HostTensor } from './host-tensor.js';
import { encodeNpyHeader, readNpy } from './npy.js';
import { NumpyFormatError } from './pickle-numpy.js';
import { NdArray, NumpyDType, describePickleValue, type PickleValue } from './pickle-values.js';
import { pickle } from './pickler.js';

export interface CodesFile {
  /** uint16 [1, levels, T], level-major (all T codes of level 0, then level 1, …). */
  codes: HostTensor<'uint16'>;
  /**
   * The metadata dict as stored: str keys in file order; values are plain pickle values (numpy arrays such as
   * DAC's `input_db` come back as NdArray; with `wrapFloats`, floats as PyFloat).
   */
  metadata: Map<string, PickleValue>;
}

function fail(message: string): never {
  throw new NumpyFormatError(message);
}

function toUint16Codes(arr: NdArray): HostTensor<'uint16'> {
  const t = arr.tensor;
  if (!t) fail(`"codes" is an object array, expected integer codes`);
  if (t.shape.length !== 3 || t.shape[0] !== 1) fail(`"codes" has shape [${t.shape.join(', ')}], expected [1, levels, T]`);
  if (t.dtype === 'uint16') return t as HostTensor<'uint16'>;
  if (!['int16', 'int32', 'int64', 'uint8', 'uint32', 'int8'].includes(t.dtype)) fail(`"codes" has dtype ${t.dtype}, expected integers`);
  const out = new Uint16Array(t.data.length);
  for (let i = 0; i < out.length; i++) {
    const v = Number(t.data[i]);
    if (v < 0 || v > 0xffff) fail(`"codes" value ${v} at index ${i} does not fit uint16`);
    out[i] = v;
  }
  return { dtype: 'uint16', shape: [...t.shape], data: out };
}

/** Read a .enc / .dac buffer. */
export function readCodesFile(bytes: Uint8Array, options: { wrapFloats?: boolean } = {}): CodesFile {
  const arr = readNpy(bytes, options);
  if (!arr.objects || arr.shape.length !== 0) fail(`expected a 0-d object array holding a dict, found ${arr.dtype.descr} [${arr.shape.join(', ')}]`);
  const dict = arr.objects[0];
  if (!(dict instanceof Map)) fail(`expected a dict inside the array, found ${describePickleValue(dict)}`);
  const codes = dict.get('codes');
  if (!(codes instanceof NdArray)) fail(`"codes" is missing or not a numpy array (found ${describePickleValue(codes ?? null)})`);
  const meta = dict.get('metadata') ?? new Map();
  if (!(meta instanceof Map)) fail(`"metadata" is not a dict (found ${describePickleValue(meta)})`);
  const metadata = new Map<string, PickleValue>();
  for (const [k, v] of meta) {
    if (typeof k !== 'string') fail(`metadata key ${describePickleValue(k)} is not a str`);
    metadata.set(k, v);
  }
  return { codes: toUint16Codes(codes), metadata };
}

export async function readCodesFilePath(path: string, options: { wrapFloats?: boolean } = {}): Promise<CodesFile> {
  const bytes = await readFile(path);
  try {
    return readCodesFile(bytes, options);
  } catch (err) {
    if (err instanceof Error) err.message = `${path}: ${err.message}`;
    throw err;
  }
}

/** Serialize as `np.save(path, {"codes": codes, "metadata": metadata})` with numpy 1.x does. */
export function encodeCodesFile(file: CodesFile): Uint8Array {
  checkHostTensor(file.codes, 'codes');
  if (file.codes.dtype !== 'uint16' || file.codes.shape.length !== 3 || file.codes.shape[0] !== 1) {
    fail(`codes must be uint16 [1, levels, T], got ${file.codes.dtype} [${file.codes.shape.join(', ')}]`);
  }
  const codes = new NdArray(new NumpyDType('u', 2, '<'), [...file.codes.shape], file.codes, null);
  const dict = new Map<PickleValue, PickleValue>([
    ['codes', codes],
    ['metadata', new Map<PickleValue, PickleValue>(file.metadata)],
  ]);
  const outer = new NdArray(new NumpyDType('O', 8, '|'), [], null, [dict]);
  const header = encodeNpyHeader('|O', false, []);
  const body = pickle(outer);
  const out = new Uint8Array(header.byteLength + body.byteLength);
  out.set(header, 0);
  out.set(body, header.byteLength);
  return out;
}

/** Write a .enc / .dac file atomically. */
export async function writeCodesFile(path: string, file: CodesFile): Promise<void> {
  const bytes = encodeCodesFile(file);
  await writeFileAtomic(path, (fh) => writeAll(fh, bytes));
}

/** Codes as the reference's loader uses them: `codes[0].T` → [T, levels], time-major. */
export function codesTimeMajor(codes: HostTensor<'uint16'>): { frames: number; levels: number; data: Uint16Array } {
  const [, levels, frames] = codes.shape;
  const data = new Uint16Array(frames * levels);
  for (let l = 0; l < levels; l++) for (let t = 0; t < frames; t++) data[t * levels + l] = codes.data[l * frames + t];
  return { frames, levels, data };
}
