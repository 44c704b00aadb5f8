/**
 * Element types a graph tensor may carry, and their ONNX TensorProto codes.
 * Only types onnxruntime-node moves across its JS boundary are listed.
 */
export type DType = 'float32' | 'float64' | 'float16' | 'int64' | 'int32' | 'int8' | 'uint8' | 'bool';

export const dtypes: readonly DType[] = ['float32', 'float64', 'float16', 'int64', 'int32', 'int8', 'uint8', 'bool'];

/** onnx.TensorProto.DataType values. */
export const onnxDataType: Readonly<Record<DType, number>> = {
  float32: 1,
  uint8: 2,
  int8: 3,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
  float64: 11,
};

export const bytesPerElement: Readonly<Record<DType, number>> = {
  float32: 4,
  float64: 8,
  float16: 2,
  int64: 8,
  int32: 4,
  int8: 1,
  uint8: 1,
  bool: 1,
};

export function isFloat(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64' || dtype === 'float16';
}

export function isInteger(dtype: DType): boolean {
  return dtype === 'int64' || dtype === 'int32' || dtype === 'int8' || dtype === 'uint8';
}

/** The typed array that holds a tensor's values on the JS side. float16 travels as raw Uint16 bits. */
export type TypedArrayFor<D extends DType> = D extends 'float32'
  ? Float32Array
  : D extends 'float64'
    ? Float64Array
    : D extends 'float16'
      ? Uint16Array
      : D extends 'int64'
        ? BigInt64Array
        : D extends 'int32'
          ? Int32Array
          : D extends 'int8'
            ? Int8Array
            : D extends 'uint8' | 'bool'
              ? Uint8Array
              : never;

export type AnyTypedArray =
  | Float32Array
  | Float64Array
  | Uint16Array
  | BigInt64Array
  | Int32Array
  | Int8Array
  | Uint8Array;

/** Builds a typed array of `dtype` from plain numbers (bigint for int64 accepted too). */
export function typedArrayFrom(dtype: DType, values: ArrayLike<number | bigint | boolean>): AnyTypedArray {
  const n = values.length;
  switch (dtype) {
    case 'float32':
      return Float32Array.from({ length: n }, (_, i) => Number(values[i]));
    case 'float64':
      return Float64Array.from({ length: n }, (_, i) => Number(values[i]));
    case 'float16':
      return Uint16Array.from({ length: n }, (_, i) => float32ToFloat16Bits(Number(values[i])));
    case 'int64':
      return BigInt64Array.from({ length: n }, (_, i) => BigInt(typeof values[i] === 'boolean' ? Number(values[i]) : (values[i] as number | bigint)));
    case 'int32':
      return Int32Array.from({ length: n }, (_, i) => Number(values[i]));
    case 'int8':
      return Int8Array.from({ length: n }, (_, i) => Number(values[i]));
    case 'uint8':
    case 'bool':
      return Uint8Array.from({ length: n }, (_, i) => Number(values[i]));
  }
}

/** Checks that `data` is the typed array `dtype` uses; the error names the tensor. */
export function checkTypedArray(dtype: DType, data: AnyTypedArray, what: string): void {
  const ok =
    (dtype === 'float32' && data instanceof Float32Array) ||
    (dtype === 'float64' && data instanceof Float64Array) ||
    (dtype === 'float16' && data instanceof Uint16Array) ||
    (dtype === 'int64' && data instanceof BigInt64Array) ||
    (dtype === 'int32' && data instanceof Int32Array) ||
    (dtype === 'int8' && data instanceof Int8Array) ||
    ((dtype === 'uint8' || dtype === 'bool') && data instanceof Uint8Array);
  if (!ok) throw new TypeError(`${what}: data is a ${data.constructor.name}, which does not hold ${dtype}`);
}

/** IEEE half from a JS number, round to nearest even. */
export function float32ToFloat16Bits(value: number): number {
  const f32 = new Float32Array(1);
  const u32 = new Uint32Array(f32.buffer);
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
  return sign | half;
}
