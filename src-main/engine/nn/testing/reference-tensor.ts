/**
 * The plain-JS tensor that the reference implementations work on: float64, row-major, no strides.
 *
 * [Note: why float64 references] The graphs under test run in float32; computing the expected values in
 * float64 with straightforward loops keeps the references independent of ONNX Runtime and of the graph
 * builder, and makes their own rounding negligible next to the test tolerances.
 */
import { mulberry32 } from '../random.js';

export interface RefTensor {
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Wraps data (copied to float64) in a tensor of the given shape; zeros when no data is given. */
export function refTensor(shape: readonly number[], data?: ArrayLike<number>): RefTensor {
  const n = sizeOf(shape);
  if (data !== undefined && data.length !== n) {
    throw new Error(`refTensor: shape [${shape.join(', ')}] needs ${n} values, got ${data.length}`);
  }
  const out = new Float64Array(n);
  if (data !== undefined) for (let i = 0; i < n; i++) out[i] = data[i];
  return { shape: [...shape], data: out };
}

export function reshape(t: RefTensor, shape: readonly number[]): RefTensor {
  if (sizeOf(shape) !== t.data.length) throw new Error(`reshape: [${t.shape.join(', ')}] -> [${shape.join(', ')}]`);
  return { shape: [...shape], data: t.data };
}

/** Deterministic pseudo-random values in [-scale, scale) (mulberry32), so tests need no fixtures. */
export function randomTensor(shape: readonly number[], seed: number, scale = 1): RefTensor {
  const rand = mulberry32(seed);
  const t = refTensor(shape);
  for (let i = 0; i < t.data.length; i++) t.data[i] = (rand() * 2 - 1) * scale;
  return t;
}

/** Largest absolute difference between two same-shaped arrays (shapes are checked when both are tensors). */
export function maxAbsDiff(a: RefTensor | ArrayLike<number>, b: RefTensor | ArrayLike<number>): number {
  const da = 'data' in a ? a.data : a;
  const db = 'data' in b ? b.data : b;
  if ('shape' in a && 'shape' in b && a.shape.join(',') !== b.shape.join(',')) {
    throw new Error(`maxAbsDiff: shapes differ [${a.shape.join(', ')}] vs [${b.shape.join(', ')}]`);
  }
  if (da.length !== db.length) throw new Error(`maxAbsDiff: lengths differ ${da.length} vs ${db.length}`);
  let m = 0;
  for (let i = 0; i < da.length; i++) {
    const d = Math.abs(da[i] - db[i]);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

/** Generic permutation of axes (like numpy.transpose). */
export function transpose(t: RefTensor, perm: readonly number[]): RefTensor {
  const rank = t.shape.length;
  if (perm.length !== rank) throw new Error('transpose: permutation rank mismatch');
  const outShape = perm.map((p) => t.shape[p]);
  const inStrides = stridesOf(t.shape);
  const out = refTensor(outShape);
  const idx = new Array<number>(rank).fill(0);
  for (let o = 0; o < out.data.length; o++) {
    let src = 0;
    for (let k = 0; k < rank; k++) src += idx[k] * inStrides[perm[k]];
    out.data[o] = t.data[src];
    for (let k = rank - 1; k >= 0; k--) {
      if (++idx[k] < outShape[k]) break;
      idx[k] = 0;
    }
  }
  return out;
}

export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let k = shape.length - 1; k >= 0; k--) {
    s[k] = acc;
    acc *= shape[k];
  }
  return s;
}

/** Concatenates along one axis. */
export function concat(parts: readonly RefTensor[], axis: number): RefTensor {
  const rank = parts[0].shape.length;
  const ax = axis < 0 ? axis + rank : axis;
  const outer = sizeOf(parts[0].shape.slice(0, ax));
  const inner = sizeOf(parts[0].shape.slice(ax + 1));
  const total = parts.reduce((s, p) => s + p.shape[ax], 0);
  const outShape = [...parts[0].shape];
  outShape[ax] = total;
  const out = refTensor(outShape);
  let offset = 0;
  for (const p of parts) {
    const len = p.shape[ax];
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < len * inner; j++) out.data[(o * total + offset) * inner + j] = p.data[o * len * inner + j];
    }
    offset += len;
  }
  return out;
}

/** Slices [start, end) along one axis. */
export function sliceAxis(t: RefTensor, axis: number, start: number, end: number): RefTensor {
  const rank = t.shape.length;
  const ax = axis < 0 ? axis + rank : axis;
  const outer = sizeOf(t.shape.slice(0, ax));
  const inner = sizeOf(t.shape.slice(ax + 1));
  const len = t.shape[ax];
  const outShape = [...t.shape];
  outShape[ax] = end - start;
  const out = refTensor(outShape);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < (end - start) * inner; j++) out.data[o * (end - start) * inner + j] = t.data[(o * len + start) * inner + j];
  }
  return out;
}

export function add(a: RefTensor, b: RefTensor): RefTensor {
  if (a.data.length !== b.data.length) throw new Error('add: sizes differ');
  const out = refTensor(a.shape);
  for (let i = 0; i < out.data.length; i++) out.data[i] = a.data[i] + b.data[i];
  return out;
}
