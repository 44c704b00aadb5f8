/**
 * NumPy .npy files (format versions 1.0, 2.0, 3.0): magic `\x93NUMPY`, version, header length (u16 for 1.0,
 * u32 after), a Python-literal dict header `{'descr': …, 'fortran_order': …, 'shape': (…), }` padded to 64 bytes,
 * then the raw data — or, for object arrays (`|O`), a pickle of the whole array, read with the restricted
 * unpickler.
 *
 * The writer produces what `np.save` (numpy ≥ 1.24) writes for numeric arrays: sorted header keys, the spare
 * growth space numpy reserves after the header, 64-byte alignment, version 1.0 unless the header needs more.
 */
import { readFile } from 'node:fs/promises';
import { writeAll, writeFileAtomic } from './atomic-write.js';
import { checkHostTensor, tensorBytes, type HostTensor } from './host-tensor.js';
import { unpickle, type UnpickleOptions } from './pickle.js';
import { NumpyFormatError, numpyDescrOf, parseDescr, tensorFromNumpyBytes } from './pickle-numpy.js';
import { NdArray } from './pickle-values.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const ARRAY_ALIGN = 64;
const GROWTH_AXIS_MAX_DIGITS = 21;

function fail(message: string): never {
  throw new NumpyFormatError(message);
}

export interface NpyHeader {
  version: [number, number];
  descr: string;
  fortranOrder: boolean;
  shape: number[];
  /** Offset of the data (or pickle) in the file. */
  dataOffset: number;
}

type Literal = string | number | boolean | null | Literal[] | Map<string, Literal>;

/** Parser for the Python literal subset numpy headers use: dicts, tuples, lists, str, int, True/False/None. */
function parseLiteral(text: string): Literal {
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const value = (): Literal => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const map = new Map<string, Literal>();
      for (;;) {
        ws();
        if (text[i] === '}') {
          i++;
          return map;
        }
        const k = value();
        if (typeof k !== 'string') fail('.npy header has a non-string key');
        ws();
        if (text[i++] !== ':') fail('.npy header dict is malformed (expected ":")');
        map.set(k, value());
        ws();
        if (text[i] === ',') i++;
        else if (text[i] !== '}') fail('.npy header dict is malformed (expected "," or "}")');
      }
    }
    if (c === '(' || c === '[') {
      const close = c === '(' ? ')' : ']';
      i++;
      const items: Literal[] = [];
      for (;;) {
        ws();
        if (text[i] === close) {
          i++;
          return items;
        }
        items.push(value());
        ws();
        if (text[i] === ',') i++;
        else if (text[i] !== close) fail(`.npy header sequence is malformed (expected "," or "${close}")`);
      }
    }
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) fail('.npy header has an unterminated string');
      const s = text.slice(i + 1, end);
      if (s.includes('\\')) fail('.npy header strings with escapes are not supported');
      i = end + 1;
      return s;
    }
    const m = /^(True|False|None|-?\d+L?)/.exec(text.slice(i, i + 32));
    if (!m) fail(`.npy header has an unexpected token at "${text.slice(i, i + 20)}"`);
    i += m[0].length;
    if (m[0] === 'True') return true;
    if (m[0] === 'False') return false;
    if (m[0] === 'None') return null;
    return Number(m[0].replace('L', ''));
  };
  const v = value();
  ws();
  if (i !== text.length) fail('.npy header has trailing characters');
  return v;
}

/** Parse and check the magic, version and header of a .npy buffer. */
export function readNpyHeader(bytes: Uint8Array): NpyHeader {
  if (bytes.byteLength < 10 || !MAGIC.every((b, i) => bytes[i] === b)) fail('not a .npy file (missing \\x93NUMPY magic)');
  const major = bytes[6];
  const minor = bytes[7];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let start: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.byteLength < 12) fail('.npy file is truncated in its header length');
    headerLen = view.getUint32(8, true);
    start = 12;
  } else fail(`.npy format version ${major}.${minor} is not supported (1.0, 2.0, 3.0)`);
  if (start + headerLen > bytes.byteLength) fail(`.npy file is truncated: header needs ${headerLen} bytes, ${bytes.byteLength - start} follow`);
  const raw = bytes.subarray(start, start + headerLen);
  const text = major === 3 ? new TextDecoder('utf-8', { fatal: true }).decode(raw) : String.fromCharCode(...raw);
  const dict = parseLiteral(text);
  if (!(dict instanceof Map)) fail('.npy header is not a dict');
  const descr = dict.get('descr');
  const fortran = dict.get('fortran_order');
  const shape = dict.get('shape');
  if (typeof descr !== 'string') fail(`.npy descr ${JSON.stringify(descr)} is not supported (structured dtypes are not)`);
  if (typeof fortran !== 'boolean') fail('.npy header lacks a boolean fortran_order');
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)) {
    fail('.npy header lacks a shape tuple of non-negative ints');
  }
  return { version: [major, minor], descr, fortranOrder: fortran, shape: shape as number[], dataOffset: start + headerLen };
}

/**
 * Read a .npy buffer. Numeric arrays come back with `tensor` (C order; may view `bytes`), object arrays with
 * `objects` (through the restricted unpickler; a 0-d array holds one object).
 */
export function readNpy(bytes: Uint8Array, options: Pick<UnpickleOptions, 'wrapFloats'> = {}): NdArray {
  const h = readNpyHeader(bytes);
  const dt = parseDescr(h.descr);
  const payload = bytes.subarray(h.dataOffset);
  if (dt.kind === 'O') {
    const value = unpickle(payload, { wrapFloats: options.wrapFloats });
    if (!(value instanceof NdArray) || value.objects === null) fail('.npy object array does not hold a pickled object array');
    if (value.shape.join(',') !== h.shape.join(',')) {
      fail(`.npy header shape (${h.shape.join(', ')}) does not match the pickled array's (${value.shape.join(', ')})`);
    }
    return value;
  }
  const n = h.shape.reduce((a, b) => a * b, 1);
  const need = n * dt.itemsize;
  if (payload.byteLength < need) fail(`.npy file is truncated: ${h.descr} [${h.shape.join(', ')}] needs ${need} bytes of data, ${payload.byteLength} present`);
  const tensor = tensorFromNumpyBytes(dt, h.shape, payload.subarray(0, need), h.fortranOrder, '.npy data');
  return new NdArray(dt, [...h.shape], tensor, null);
}

export async function readNpyFile(path: string, options: Pick<UnpickleOptions, 'wrapFloats'> = {}): Promise<NdArray> {
  const bytes = await readFile(path);
  try {
    return readNpy(bytes, options);
  } catch (err) {
    if (err instanceof Error) err.message = `${path}: ${err.message}`;
    throw err;
  }
}

function pyRepr(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

/** The magic + version + length + padded header numpy writes for these header fields. */
export function encodeNpyHeader(descr: string, fortranOrder: boolean, shape: readonly number[]): Uint8Array {
  let header = `{'descr': '${descr}', 'fortran_order': ${fortranOrder ? 'True' : 'False'}, 'shape': ${pyRepr(shape)}, }`;
  // numpy leaves room for the growing axis to get more digits, so the header can be rewritten in place.
  if (shape.length > 0) header += ' '.repeat(GROWTH_AXIS_MAX_DIGITS - String(shape[fortranOrder ? shape.length - 1 : 0]).length);
  for (const [major, lenBytes] of [
    [1, 2],
    [2, 4],
  ] as const) {
    const hlen = header.length + 1;
    const prefix = MAGIC.length + 2 + lenBytes;
    const pad = ARRAY_ALIGN - ((prefix + hlen) % ARRAY_ALIGN);
    const total = hlen + pad;
    if (major === 1 && total >= 65536) continue;
    const out = new Uint8Array(prefix + total);
    out.set(MAGIC, 0);
    out[6] = major;
    out[7] = 0;
    const view = new DataView(out.buffer);
    if (lenBytes === 2) view.setUint16(8, total, true);
    else view.setUint32(8, total, true);
    for (let i = 0; i < header.length; i++) out[prefix + i] = header.charCodeAt(i);
    out.fill(0x20, prefix + header.length, prefix + total - 1);
    out[prefix + total - 1] = 0x0a;
    return out;
  }
  fail('.npy header is too large');
}

/** Serialize a numeric host tensor as .npy (C order, little endian). */
export function encodeNpy(t: HostTensor): Uint8Array {
  checkHostTensor(t);
  const header = encodeNpyHeader(numpyDescrOf(t.dtype), false, t.shape);
  const out = new Uint8Array(header.byteLength + t.data.byteLength);
  out.set(header, 0);
  out.set(tensorBytes(t), header.byteLength);
  return out;
}

/** Write a numeric host tensor as a .npy file, atomically. */
export async function writeNpy(path: string, t: HostTensor): Promise<void> {
  checkHostTensor(t);
  const header = encodeNpyHeader(numpyDescrOf(t.dtype), false, t.shape);
  await writeFileAtomic(path, async (fh) => {
    await writeAll(fh, header);
    await writeAll(fh, tensorBytes(t));
  });
}
