/**
 * Host tensors: a dtype, a C-order shape and a typed array holding the elements. This is the one shape of tensor
 * data that crosses nn/io (files), nn/runtime (ORT feeds and outputs) and worker messages.
 *
 * float16 and bfloat16 keep their raw 16-bit patterns in a Uint16Array (Node 20 has no Float16Array); use
 * `f16ToF32` / `bf16ToF32` in ./half.ts to get numbers. bool is one byte per element (0 or 1), as in NumPy,
 * safetensors and ORT.
 */

export const hostDTypes = [
  'float64',
  'float32',
  'float16',
  'bfloat16',
  'int64',
  'int32',
  'int16',
  'int8',
  'uint64',
  'uint32',
  'uint16',
  'uint8',
  'bool',
] as const;

export type HostDType = (typeof hostDTypes)[number];

export interface DTypeArrays {
  float64: Float64Array;
  float32: Float32Array;
  float16: Uint16Array;
  bfloat16: Uint16Array;
  int64: BigInt64Array;
  int32: Int32Array;
  int16: Int16Array;
  int8: Int8Array;
  uint64: BigUint64Array;
  uint32: Uint32Array;
  uint16: Uint16Array;
  uint8: Uint8Array;
  bool: Uint8Array;
}

export type HostTypedArray = DTypeArrays[HostDType];

/** A tensor in host memory. `data.length` equals the product of `shape` (1 for a scalar, shape []). */
export interface HostTensor<D extends HostDType = HostDType> {
  dtype: D;
  shape: number[];
  data: DTypeArrays[D];
}

type ArrayCtor = {
  new (length: number): HostTypedArray;
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): HostTypedArray;
  readonly BYTES_PER_ELEMENT: number;
};

const ctors: Record<HostDType, ArrayCtor> = {
  float64: Float64Array,
  float32: Float32Array,
  float16: Uint16Array,
  bfloat16: Uint16Array,
  int64: BigInt64Array,
  int32: Int32Array,
  int16: Int16Array,
  int8: Int8Array,
  uint64: BigUint64Array,
  uint32: Uint32Array,
  uint16: Uint16Array,
  uint8: Uint8Array,
  bool: Uint8Array,
};

// Every reader and writer here moves raw little-endian bytes straight into typed arrays.
if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new Error('nn/io assumes a little-endian host');
}

export function isHostDType(value: unknown): value is HostDType {
  return typeof value === 'string' && (hostDTypes as readonly string[]).includes(value);
}

export function bytesPerElement(dtype: HostDType): number {
  return ctors[dtype].BYTES_PER_ELEMENT;
}

/** Number of elements of a shape; throws on a dimension that is not a non-negative integer. */
export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new Error(`invalid tensor dimension ${String(d)} in shape [${shape.join(', ')}]`);
    n *= d;
  }
  return n;
}

/** A zero-filled typed array of the right kind for `dtype`. */
export function allocTyped<D extends HostDType>(dtype: D, length: number): DTypeArrays[D] {
  return new ctors[dtype](length) as DTypeArrays[D];
}

/**
 * Typed array over little-endian bytes. Views the bytes when they are aligned, copies them when not (a typed
 * array cannot start at an unaligned offset), so the result may or may not share memory with `bytes`.
 */
export function typedFromBytes<D extends HostDType>(dtype: D, bytes: Uint8Array): DTypeArrays[D] {
  const size = bytesPerElement(dtype);
  if (bytes.byteLength % size !== 0) {
    throw new Error(`${bytes.byteLength} bytes is not a whole number of ${dtype} elements (${size} bytes each)`);
  }
  const length = bytes.byteLength / size;
  const Ctor = ctors[dtype];
  if (bytes.byteOffset % size === 0) return new Ctor(bytes.buffer, bytes.byteOffset, length) as DTypeArrays[D];
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Ctor(copy.buffer, 0, length) as DTypeArrays[D];
}

/** The little-endian bytes of a tensor's elements (a view, not a copy). */
export function tensorBytes(t: HostTensor): Uint8Array {
  return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

/** Build a host tensor, checking that the data is the right kind and length for dtype and shape. */
export function hostTensor<D extends HostDType>(dtype: D, shape: readonly number[], data: DTypeArrays[D]): HostTensor<D> {
  checkHostTensor({ dtype, shape: [...shape], data });
  return { dtype, shape: [...shape], data };
}

/** Zero-filled tensor. */
export function zerosTensor<D extends HostDType>(dtype: D, shape: readonly number[]): HostTensor<D> {
  return { dtype, shape: [...shape], data: allocTyped(dtype, elementCount(shape)) };
}

/** Throws a specific error when `t` is not a consistent host tensor; `name` goes into the message. */
export function checkHostTensor(t: HostTensor, name = 'tensor'): void {
  if (!isHostDType(t.dtype)) throw new Error(`${name}: unknown dtype ${String(t.dtype)}`);
  if (!Array.isArray(t.shape)) throw new Error(`${name}: shape must be an array of integers`);
  const n = elementCount(t.shape);
  const Ctor = ctors[t.dtype];
  if (!(t.data instanceof Ctor)) {
    throw new Error(`${name}: dtype ${t.dtype} needs a ${Ctor.name}, got ${t.data?.constructor?.name ?? typeof t.data}`);
  }
  if (t.data.length !== n) {
    throw new Error(`${name}: shape [${t.shape.join(', ')}] has ${n} elements but the data holds ${t.data.length}`);
  }
}
