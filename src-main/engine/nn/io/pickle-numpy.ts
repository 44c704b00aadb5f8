/**
 * The numpy constructors a restricted unpickle may call: `_reconstruct` + `ndarray.__setstate__`,
 * `dtype(...)` + `dtype.__setstate__`, and `multiarray.scalar`. They only ever build data, from checked input.
 */
import { f16ToF32 } from './half.js';
import { elementCount, typedFromBytes, type HostDType, type HostTensor } from './host-tensor.js';
import { NdArray, NumpyDType, PyGlobal, describePickleValue, isPyTuple, type PickleValue } from './pickle-values.js';
import { gatherStrided } from './strided.js';

export class NumpyFormatError extends Error {
  override name = 'NumpyFormatError';
}

function fail(message: string): never {
  throw new NumpyFormatError(message);
}

const hostDTypes: Record<string, HostDType> = {
  f2: 'float16',
  f4: 'float32',
  f8: 'float64',
  i1: 'int8',
  i2: 'int16',
  i4: 'int32',
  i8: 'int64',
  u1: 'uint8',
  u2: 'uint16',
  u4: 'uint32',
  u8: 'uint64',
  b1: 'bool',
};

const numpyOfHost: Record<HostDType, string | undefined> = Object.fromEntries(
  Object.entries(hostDTypes).map(([k, v]) => [v, k]),
) as Record<HostDType, string | undefined>;

/** numpy descr for a host dtype ('<f4', '|u1', '|b1'); bfloat16 has no numpy dtype. */
export function numpyDescrOf(dtype: HostDType): string {
  const code = numpyOfHost[dtype];
  if (code === undefined) fail(`${dtype} has no numpy dtype`);
  return code.endsWith('1') ? `|${code}` : `<${code}`;
}

/** Parse a descr string as found in .npy headers: '<u2', '>f8', '|b1', '|O', 'O', '=i4'. */
export function parseDescr(descr: string): NumpyDType {
  const m = /^([<>|=]?)([biufcOSUVMm])(\d*)$/.exec(descr);
  if (!m) fail(`numpy dtype "${descr}" is not supported`);
  const [, order, kind, size] = m;
  if (kind === 'O') return new NumpyDType('O', 8, '|');
  if (size === '') fail(`numpy dtype "${descr}" has no item size`);
  const itemsize = Number(size);
  const byteorder = order === '>' ? '>' : itemsize === 1 || order === '|' ? '|' : '<';
  return new NumpyDType(kind, itemsize, byteorder);
}

/** The host dtype of a numeric numpy dtype; a clear error for the rest (complex, strings, datetimes, …). */
export function hostDTypeOf(dt: NumpyDType): HostDType {
  const host = hostDTypes[`${dt.kind}${dt.itemsize}`];
  if (host === undefined) fail(`numpy dtype "${dt.descr}" is not supported (numeric and bool dtypes only)`);
  return host;
}

/**
 * Raw numpy element bytes → C-ordered host tensor. Big-endian data is byte-swapped; Fortran order is reordered.
 * The result may view `bytes` (little-endian, C order, aligned) — copy before mutating if `bytes` is shared.
 */
export function tensorFromNumpyBytes(dt: NumpyDType, shape: number[], bytes: Uint8Array, fortranOrder: boolean, what = 'array'): HostTensor {
  const dtype = hostDTypeOf(dt);
  const n = elementCount(shape);
  if (bytes.byteLength !== n * dt.itemsize) {
    fail(`${what}: ${dt.descr} [${shape.join(', ')}] needs ${n * dt.itemsize} bytes of data, found ${bytes.byteLength}`);
  }
  let le = bytes;
  if (dt.byteorder === '>' && dt.itemsize > 1) {
    le = new Uint8Array(bytes.byteLength);
    for (let i = 0; i < bytes.byteLength; i += dt.itemsize) {
      for (let j = 0; j < dt.itemsize; j++) le[i + j] = bytes[i + dt.itemsize - 1 - j];
    }
  }
  let data = typedFromBytes(dtype, le);
  if (fortranOrder && shape.length > 1) {
    const strides: number[] = [];
    let s = 1;
    for (const d of shape) {
      strides.push(s);
      s *= d;
    }
    data = gatherStrided(dtype, data, shape, strides, 0);
  }
  return { dtype, shape: [...shape], data } as HostTensor;
}

function asInt(value: PickleValue, what: string): number {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  fail(`${what} must be an int, got ${describePickleValue(value)}`);
}

function asShape(value: PickleValue, what: string): number[] {
  if (!Array.isArray(value)) fail(`${what} must be a tuple of ints, got ${describePickleValue(value)}`);
  return value.map((d, i) => {
    const n = asInt(d as PickleValue, `${what}[${i}]`);
    if (n < 0) fail(`${what}[${i}] is negative (${n})`);
    return n;
  });
}

/** `numpy.core.multiarray._reconstruct(ndarray, (0,), b'b')`: an empty array that BUILD then fills. */
export function reconstruct(args: readonly PickleValue[]): NdArray {
  const subtype = args[0];
  if (!(subtype instanceof PyGlobal) || subtype.qualifiedName !== 'numpy.ndarray') {
    fail(`_reconstruct of ${describePickleValue(subtype)} is not supported (plain numpy.ndarray only)`);
  }
  return new NdArray(new NumpyDType('u', 1, '|'), [0], null, null);
}

/** `numpy.dtype(obj, align, copy)` with obj like 'u2', 'f4', 'O8', 'b1'. */
export function makeDType(args: readonly PickleValue[]): NumpyDType {
  const spec = args[0];
  if (typeof spec !== 'string') fail(`numpy.dtype(${describePickleValue(spec)}) is not supported`);
  const dt = parseDescr(spec);
  return dt;
}

/** `dtype.__setstate__((version, endian, subarray, names, fields, elsize, alignment, flags[, metadata]))`. */
export function setDTypeState(dt: NumpyDType, state: PickleValue): void {
  if (!isPyTuple(state) || state.length < 5) fail(`numpy dtype state must be a tuple, got ${describePickleValue(state)}`);
  const [, endian, subarray, names, fields] = state;
  if (subarray !== null || names !== null || fields !== null) {
    fail('structured or sub-array numpy dtypes are not supported');
  }
  if (endian === '<' || endian === '>' || endian === '|') dt.byteorder = dt.itemsize === 1 || dt.kind === 'O' ? '|' : endian;
  else if (endian === '=') dt.byteorder = dt.itemsize === 1 ? '|' : '<';
  else fail(`numpy dtype byte order ${JSON.stringify(endian)} is not valid`);
}

/** `ndarray.__setstate__((version, shape, dtype, is_fortran, data))` (or without the version). */
export function setNdArrayState(arr: NdArray, state: PickleValue): void {
  if (!isPyTuple(state) || (state.length !== 5 && state.length !== 4)) {
    fail(`numpy array state must be a 4- or 5-tuple, got ${describePickleValue(state)}`);
  }
  const [shapeV, dtypeV, fortranV, dataV] = state.length === 5 ? state.slice(1) : state;
  const shape = asShape(shapeV, 'numpy array shape');
  if (!(dtypeV instanceof NumpyDType)) fail(`numpy array dtype must be a numpy.dtype, got ${describePickleValue(dtypeV)}`);
  const fortran = fortranV === true || fortranV === 1;
  const n = elementCount(shape);
  arr.dtype = dtypeV;
  arr.shape = shape;
  if (dtypeV.kind === 'O') {
    if (!Array.isArray(dataV)) fail(`numpy object array data must be a list, got ${describePickleValue(dataV)}`);
    if (dataV.length !== n) fail(`numpy object array [${shape.join(', ')}] needs ${n} items, found ${dataV.length}`);
    arr.objects = fortran && shape.length > 1 ? reorderFortranObjects(dataV as PickleValue[], shape) : [...(dataV as PickleValue[])];
    arr.tensor = null;
    return;
  }
  let bytes: Uint8Array;
  if (dataV instanceof Uint8Array) bytes = dataV;
  else if (typeof dataV === 'string') bytes = latin1Bytes(dataV); // Python 2 pickles carry raw data as str
  else fail(`numpy array data must be bytes, got ${describePickleValue(dataV)}`);
  arr.tensor = tensorFromNumpyBytes(dtypeV, shape, bytes, fortran, 'numpy array');
  arr.objects = null;
}

function reorderFortranObjects(items: PickleValue[], shape: number[]): PickleValue[] {
  const idx = Array.from({ length: items.length }, (_, i) => i);
  const strides: number[] = [];
  let s = 1;
  for (const d of shape) {
    strides.push(s);
    s *= d;
  }
  const order = gatherStrided('float64', Float64Array.from(idx), shape, strides, 0);
  return Array.from(order, (i) => items[i]);
}

export function latin1Bytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff) fail(`character U+${c.toString(16).padStart(4, '0')} cannot be encoded as latin-1`);
    out[i] = c;
  }
  return out;
}

/** `numpy.core.multiarray.scalar(dtype, data)`: one numpy scalar as a plain JS value. */
export function numpyScalar(args: readonly PickleValue[]): PickleValue {
  const [dt, raw] = args;
  if (!(dt instanceof NumpyDType)) fail(`numpy scalar needs a dtype, got ${describePickleValue(dt)}`);
  if (dt.kind === 'O') return raw ?? null;
  const bytes = raw instanceof Uint8Array ? raw : typeof raw === 'string' ? latin1Bytes(raw) : fail(`numpy scalar data must be bytes`);
  const t = tensorFromNumpyBytes(dt, [], bytes, false, 'numpy scalar');
  const v = t.data[0];
  if (t.dtype === 'bool') return v !== 0;
  if (t.dtype === 'float16') return f16ToF32(v as number);
  if (typeof v === 'bigint') return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  return v;
}
