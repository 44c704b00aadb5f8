/**
 * Copying a strided view (torch tensors with non-contiguous strides, Fortran-ordered numpy arrays) into a
 * fresh C-ordered array.
 */
import { allocTyped, elementCount, type DTypeArrays, type HostDType } from './host-tensor.js';

/** C-order (row-major) strides of a shape, in elements. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

export function isContiguous(shape: readonly number[], strides: readonly number[]): boolean {
  const c = contiguousStrides(shape);
  // Strides of size-1 dimensions do not affect the layout.
  return shape.every((d, i) => d <= 1 || strides[i] === c[i]);
}

/**
 * Highest element index a view touches (offset for an empty or 0-d view), used to check a view fits its storage.
 * Strides must be non-negative.
 */
export function lastIndex(shape: readonly number[], strides: readonly number[], offset: number): number {
  if (elementCount(shape) === 0) return offset - 1;
  let last = offset;
  for (let i = 0; i < shape.length; i++) last += (shape[i] - 1) * strides[i];
  return last;
}

/** out[c-order index] = src[offset + Σ index_k·strides_k]. */
export function gatherStrided<D extends HostDType>(
  dtype: D,
  src: DTypeArrays[D],
  shape: readonly number[],
  strides: readonly number[],
  offset: number,
): DTypeArrays[D] {
  const n = elementCount(shape);
  const out = allocTyped(dtype, n);
  if (n === 0) return out;
  const rank = shape.length;
  const o = out as unknown as { [i: number]: number | bigint };
  const s = src as unknown as { [i: number]: number | bigint };
  if (rank === 0) {
    o[0] = s[offset];
    return out;
  }
  const idx = new Array<number>(rank).fill(0);
  let at = offset;
  const inner = rank - 1;
  const innerStride = strides[inner];
  const innerSize = shape[inner];
  for (let i = 0; i < n; i += innerSize) {
    let p = at;
    for (let j = 0; j < innerSize; j++, p += innerStride) o[i + j] = s[p];
    // Advance the outer counters like an odometer.
    for (let k = inner - 1; k >= 0; k--) {
      idx[k]++;
      at += strides[k];
      if (idx[k] < shape[k]) break;
      at -= strides[k] * shape[k];
      idx[k] = 0;
    }
  }
  return out;
}
