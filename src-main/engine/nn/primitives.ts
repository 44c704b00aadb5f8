/**
 * One builder per primitive in `ops.ts`: each checks dtypes and shapes (errors name the op and the
 * shapes), infers the output, and adds one node. Plain numbers passed as operands become scalar constants
 * of the other operand's dtype.
 */
import type { DType } from './dtype.js';
import { isFloat, isInteger } from './dtype.js';
import type { Graph } from './graph.js';
import { Op } from './ops.js';
import type { Dim, Shape } from './shape.js';
import {
  broadcastShapes,
  dimAdd,
  dimDivExact,
  dimEquals,
  dimFloorDiv,
  dimMul,
  dimSub,
  formatShape,
  isStatic,
  normalizeAxis,
  normalizeDim,
  shapeProduct,
} from './shape.js';
import { Tensor } from './tensor.js';

/** `end` value meaning "to the end of the axis" (ONNX clamps any larger end). */
export const SLICE_END = 2 ** 62;

export type Operand = Tensor | number;

function graphOf(...xs: Operand[]): Graph {
  const t = xs.find((x): x is Tensor => x instanceof Tensor);
  if (!t) throw new Error('at least one operand must be a Tensor');
  return t.graph;
}

function lift(g: Graph, x: Operand, dtype: DType, op: string): Tensor {
  if (x instanceof Tensor) {
    g.own(x, op);
    return x;
  }
  if (typeof x !== 'number') throw new TypeError(`${op}: operand is ${typeof x}, expected a Tensor or a number`);
  return g.scalar(x, dtype);
}

function describe(t: Tensor): string {
  return `${t.dtype}${formatShape(t.shape)}`;
}

function requireFloat(op: string, t: Tensor): void {
  if (!isFloat(t.dtype)) throw new Error(`${op}: input ${t.valueName} is ${describe(t)}; ${op} needs a float tensor`);
}

function requireNumeric(op: string, t: Tensor): void {
  if (t.dtype === 'bool') throw new Error(`${op}: input ${t.valueName} is bool; ${op} needs a numeric tensor`);
}

function requireBool(op: string, t: Tensor): void {
  if (t.dtype !== 'bool') throw new Error(`${op}: input ${t.valueName} is ${describe(t)}; ${op} needs a bool tensor`);
}

function unary(op: Op, x: Tensor, check: (op: string, t: Tensor) => void): Tensor {
  x.graph.own(x, op);
  check(op, x);
  return x.graph.addNode(op, [x], {}, [{ dtype: x.dtype, shape: x.shape }])[0];
}

// ---------------------------------------------------------------- unary

export function identity(x: Tensor): Tensor {
  return unary(Op.Identity, x, () => {});
}
export function neg(x: Tensor): Tensor {
  return unary(Op.Neg, x, requireNumeric);
}
export function exp(x: Tensor): Tensor {
  return unary(Op.Exp, x, requireFloat);
}
export function log(x: Tensor): Tensor {
  return unary(Op.Log, x, requireFloat);
}
export function sqrt(x: Tensor): Tensor {
  return unary(Op.Sqrt, x, requireFloat);
}
export function reciprocal(x: Tensor): Tensor {
  return unary(Op.Reciprocal, x, requireFloat);
}
export function abs(x: Tensor): Tensor {
  return unary(Op.Abs, x, requireNumeric);
}
export function sigmoid(x: Tensor): Tensor {
  return unary(Op.Sigmoid, x, requireFloat);
}
export function tanh(x: Tensor): Tensor {
  return unary(Op.Tanh, x, requireFloat);
}
export function erf(x: Tensor): Tensor {
  return unary(Op.Erf, x, requireFloat);
}
export function sin(x: Tensor): Tensor {
  return unary(Op.Sin, x, requireFloat);
}
export function cos(x: Tensor): Tensor {
  return unary(Op.Cos, x, requireFloat);
}
export function relu(x: Tensor): Tensor {
  return unary(Op.Relu, x, requireNumeric);
}
export function logicalNot(x: Tensor): Tensor {
  return unary(Op.Not, x, requireBool);
}

/** The same value, treated as a constant by `gradients`. */
export function stopGradient(x: Tensor): Tensor {
  return unary(Op.StopGradient, x, () => {});
}

export function cast(x: Tensor, to: DType): Tensor {
  x.graph.own(x, Op.Cast);
  return x.graph.addNode(Op.Cast, [x], { to }, [{ dtype: to, shape: x.shape }])[0];
}

// ---------------------------------------------------------------- binary

type BinaryKind = 'arith' | 'float' | 'compare' | 'logic';

function binary(op: Op, a: Operand, b: Operand, kind: BinaryKind): Tensor {
  const g = graphOf(a, b);
  const dtype = a instanceof Tensor ? a.dtype : (b as Tensor).dtype;
  const ta = lift(g, a, dtype, op);
  const tb = lift(g, b, dtype, op);
  if (ta.dtype !== tb.dtype) {
    throw new Error(`${op}: dtypes differ (${describe(ta)} vs ${describe(tb)}); cast one operand first`);
  }
  if (kind === 'logic') requireBool(op, ta);
  else if (kind === 'float') requireFloat(op, ta);
  else requireNumeric(op, ta);
  const shape = broadcastShapes(ta.shape, tb.shape, op);
  const outDtype: DType = kind === 'compare' ? 'bool' : ta.dtype;
  return g.addNode(op, [ta, tb], {}, [{ dtype: outDtype, shape }])[0];
}

export function add(a: Operand, b: Operand): Tensor {
  return binary(Op.Add, a, b, 'arith');
}
export function sub(a: Operand, b: Operand): Tensor {
  return binary(Op.Sub, a, b, 'arith');
}
export function mul(a: Operand, b: Operand): Tensor {
  return binary(Op.Mul, a, b, 'arith');
}
export function div(a: Operand, b: Operand): Tensor {
  return binary(Op.Div, a, b, 'arith');
}
export function pow(a: Operand, b: Operand): Tensor {
  return binary(Op.Pow, a, b, 'float');
}
export function maximum(a: Operand, b: Operand): Tensor {
  return binary(Op.Max, a, b, 'arith');
}
export function minimum(a: Operand, b: Operand): Tensor {
  return binary(Op.Min, a, b, 'arith');
}
export function equal(a: Operand, b: Operand): Tensor {
  return binary(Op.Equal, a, b, 'compare');
}
export function less(a: Operand, b: Operand): Tensor {
  return binary(Op.Less, a, b, 'compare');
}
export function greater(a: Operand, b: Operand): Tensor {
  return binary(Op.Greater, a, b, 'compare');
}
export function logicalAnd(a: Tensor, b: Tensor): Tensor {
  return binary(Op.And, a, b, 'logic');
}
export function logicalOr(a: Tensor, b: Tensor): Tensor {
  return binary(Op.Or, a, b, 'logic');
}

/** cond ? a : b, elementwise with broadcasting. */
export function where(cond: Tensor, a: Operand, b: Operand): Tensor {
  const g = cond.graph;
  g.own(cond, Op.Where);
  requireBool(Op.Where, cond);
  const dtype = a instanceof Tensor ? a.dtype : b instanceof Tensor ? b.dtype : 'float32';
  const ta = lift(g, a, dtype, Op.Where);
  const tb = lift(g, b, dtype, Op.Where);
  if (ta.dtype !== tb.dtype) throw new Error(`Where: branch dtypes differ (${describe(ta)} vs ${describe(tb)})`);
  const shape = broadcastShapes(broadcastShapes(cond.shape, ta.shape, Op.Where), tb.shape, Op.Where);
  return g.addNode(Op.Where, [cond, ta, tb], {}, [{ dtype: ta.dtype, shape }])[0];
}

// ---------------------------------------------------------------- reductions

function normalizeAxes(axes: number | readonly number[], rank: number, op: string): number[] {
  const list = typeof axes === 'number' ? [axes] : [...axes];
  if (list.length === 0) throw new Error(`${op}: give at least one axis`);
  const out = list.map((a) => normalizeAxis(a, rank, op)).sort((a, b) => a - b);
  for (let i = 1; i < out.length; i++) if (out[i] === out[i - 1]) throw new Error(`${op}: axis ${out[i]} repeated`);
  return out;
}

function reducedShape(shape: Shape, axes: readonly number[], keepdims: boolean): Dim[] {
  const out: Dim[] = [];
  shape.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keepdims) out.push(1);
  });
  return out;
}

function reduce(op: Op, x: Tensor, axes: number | readonly number[], keepdims: boolean): Tensor {
  x.graph.own(x, op);
  if (op === Op.ReduceMean) requireFloat(op, x);
  else requireNumeric(op, x);
  const ax = normalizeAxes(axes, x.rank, op);
  return x.graph.addNode(op, [x], { axes: ax, keepdims }, [{ dtype: x.dtype, shape: reducedShape(x.shape, ax, keepdims) }])[0];
}

export function reduceSum(x: Tensor, axes: number | readonly number[], keepdims = false): Tensor {
  return reduce(Op.ReduceSum, x, axes, keepdims);
}
export function reduceMax(x: Tensor, axes: number | readonly number[], keepdims = false): Tensor {
  return reduce(Op.ReduceMax, x, axes, keepdims);
}
export function reduceMean(x: Tensor, axes: number | readonly number[], keepdims = false): Tensor {
  return reduce(Op.ReduceMean, x, axes, keepdims);
}

/** Index of the largest value along `axis` (first one on ties), as int64. */
export function argMax(x: Tensor, axis: number, keepdims = false): Tensor {
  x.graph.own(x, Op.ArgMax);
  requireNumeric(Op.ArgMax, x);
  const a = normalizeAxis(axis, x.rank, Op.ArgMax);
  return x.graph.addNode(Op.ArgMax, [x], { axis: a, keepdims }, [
    { dtype: 'int64', shape: reducedShape(x.shape, [a], keepdims) },
  ])[0];
}

// ---------------------------------------------------------------- movement

/**
 * New shape with the same elements. At most one entry may be -1 (inferred). Symbolic entries must be sizes
 * the graph already knows (a tensor of that size, or a product/sum of such).
 */
export function reshape(x: Tensor, shape: readonly Dim[]): Tensor {
  const g = x.graph;
  g.own(x, Op.Reshape);
  const inferred = shape.findIndex((d) => d === -1);
  if (shape.filter((d) => d === -1).length > 1) throw new Error(`Reshape: more than one -1 in ${formatShape(shape)}`);
  const known = shape.map((d, i) => (i === inferred ? 1 : normalizeDim(d)));
  const total = shapeProduct(x.shape);
  const knownProduct = shapeProduct(known);
  const out: Dim[] = [...known];
  if (inferred >= 0) {
    if (knownProduct === 0) throw new Error(`Reshape: cannot infer -1 in ${formatShape(shape)} with a zero-size dim`);
    try {
      out[inferred] = dimDivExact(total, knownProduct);
    } catch {
      throw new Error(`Reshape: ${describe(x)} has ${total} elements, which ${formatShape(shape)} cannot hold`);
    }
  } else if (!dimEquals(total, knownProduct)) {
    throw new Error(
      `Reshape: ${describe(x)} (${total} elements) cannot become ${formatShape(shape)} (${knownProduct} elements)`,
    );
  }
  const resolved = out.filter((_, i) => i !== inferred);
  const deps = g.dimDeps(
    resolved.filter((d, i) => !isStatic(d) && !(i < x.rank && dimEquals(d, x.shape[i]))),
    Op.Reshape,
  );
  return g.addNode(Op.Reshape, [x], { shape: out, inferredAxis: inferred }, [{ dtype: x.dtype, shape: out }], {
    shapeDeps: deps,
  })[0];
}

export function transpose(x: Tensor, perm: readonly number[]): Tensor {
  x.graph.own(x, Op.Transpose);
  const sorted = [...perm].sort((a, b) => a - b);
  if (perm.length !== x.rank || sorted.some((p, i) => p !== i)) {
    throw new Error(`Transpose: perm [${perm.join(', ')}] is not a permutation of the ${x.rank} axes of ${describe(x)}`);
  }
  return x.graph.addNode(Op.Transpose, [x], { perm: [...perm] }, [
    { dtype: x.dtype, shape: perm.map((p) => x.shape[p]) },
  ])[0];
}

/** Broadcasts `x` to `shape` (numpy rules; the result has the broadcast of both). */
export function expand(x: Tensor, shape: readonly Dim[]): Tensor {
  const g = x.graph;
  g.own(x, Op.Expand);
  const target = shape.map(normalizeDim);
  const out = broadcastShapes(x.shape, target, Op.Expand);
  const deps = g.dimDeps(target, Op.Expand);
  return g.addNode(Op.Expand, [x], { shape: target }, [{ dtype: x.dtype, shape: out }], { shapeDeps: deps })[0];
}

export function squeeze(x: Tensor, axes: number | readonly number[]): Tensor {
  x.graph.own(x, Op.Squeeze);
  const ax = normalizeAxes(axes, x.rank, Op.Squeeze);
  for (const a of ax) {
    if (x.shape[a] !== 1) throw new Error(`Squeeze: axis ${a} of ${describe(x)} has size ${x.shape[a]}, not 1`);
  }
  return x.graph.addNode(Op.Squeeze, [x], { axes: ax }, [
    { dtype: x.dtype, shape: x.shape.filter((_, i) => !ax.includes(i)) },
  ])[0];
}

/** Inserts size-1 axes; `axes` index the output. */
export function unsqueeze(x: Tensor, axes: number | readonly number[]): Tensor {
  x.graph.own(x, Op.Unsqueeze);
  const outRank = x.rank + (typeof axes === 'number' ? 1 : axes.length);
  const ax = normalizeAxes(axes, outRank, Op.Unsqueeze);
  const out: Dim[] = [];
  let j = 0;
  for (let i = 0; i < outRank; i++) out.push(ax.includes(i) ? 1 : x.shape[j++]);
  return x.graph.addNode(Op.Unsqueeze, [x], { axes: ax }, [{ dtype: x.dtype, shape: out }])[0];
}

export interface SliceSpec {
  axis: number;
  /** a symbolic start is allowed with step 1 (read at run time) */
  start?: Dim;
  /** exclusive; a symbolic size is allowed (read at run time) when start is 0 or positive and step is 1 */
  end?: Dim;
  step?: number;
}

function sliceLength(dim: Dim, start: Dim, end: Dim, step: number, what: string): Dim {
  if (step === 0) throw new Error(`${what}: step 0`);
  if (typeof start === 'string') {
    if (step !== 1) throw new Error(`${what}: a symbolic start needs step 1`);
    const e: Dim = typeof end === 'string' ? end : end >= SLICE_END ? dim : end < 0 ? dimAdd(dim, end) : end;
    return dimSub(e, start);
  }
  if (typeof dim === 'number' && typeof end === 'number') {
    if (step > 0) {
      const s = Math.min(Math.max(start < 0 ? start + dim : start, 0), dim);
      const e = Math.min(Math.max(end < 0 ? end + dim : end, 0), dim);
      return Math.max(0, Math.ceil((e - s) / step));
    }
    const s = Math.min(Math.max(start < 0 ? start + dim : start, 0), dim - 1);
    const e = Math.min(Math.max(end < 0 ? end + dim : end, -1), dim - 1);
    return Math.max(0, Math.ceil((s - e) / -step));
  }
  if (step < 0) throw new Error(`${what}: a negative step needs a static size (got ${dim})`);
  let span: Dim;
  if (typeof end === 'string') {
    if (start < 0) throw new Error(`${what}: a symbolic end needs a non-negative start`);
    span = dimSub(end, start);
  } else {
    const s: Dim = start < 0 ? dimAdd(dim, start) : start;
    const e: Dim = end >= SLICE_END ? dim : end < 0 ? dimAdd(dim, end) : end;
    // With a symbolic size we assume the bounds lie inside the axis (the caller's promise); ONNX would clamp.
    span = dimSub(e, s);
  }
  return step === 1 ? span : dimFloorDiv(dimAdd(span, step - 1), step);
}

/** Basic slicing; `end` defaults to the end of the axis, `start` to 0, `step` to 1. */
export function slice(x: Tensor, specs: readonly SliceSpec[]): Tensor {
  const g = x.graph;
  g.own(x, Op.Slice);
  if (specs.length === 0) throw new Error('Slice: no axes given');
  const axes: number[] = [];
  const starts: Dim[] = [];
  const ends: Dim[] = [];
  const steps: number[] = [];
  const out = [...x.shape];
  for (const spec of specs) {
    const axis = normalizeAxis(spec.axis, x.rank, Op.Slice);
    if (axes.includes(axis)) throw new Error(`Slice: axis ${axis} given twice`);
    const start = spec.start === undefined ? 0 : typeof spec.start === 'string' ? normalizeDim(spec.start) : spec.start;
    const end = spec.end === undefined ? SLICE_END : typeof spec.end === 'string' ? normalizeDim(spec.end) : spec.end;
    const step = spec.step ?? 1;
    if ((typeof start === 'number' && !Number.isInteger(start)) || (typeof end === 'number' && !Number.isInteger(end)) || !Number.isInteger(step)) {
      throw new Error(`Slice: start/end/step must be integers (axis ${axis})`);
    }
    out[axis] = sliceLength(x.shape[axis], start, end, step, `Slice of ${describe(x)} on axis ${axis}`);
    axes.push(axis);
    starts.push(start);
    ends.push(end);
    steps.push(step);
  }
  const deps = g.dimDeps([...starts, ...ends].filter((e) => typeof e === 'string'), Op.Slice);
  return g.addNode(Op.Slice, [x], { axes, starts, ends, steps }, [{ dtype: x.dtype, shape: out }], {
    shapeDeps: deps,
  })[0];
}

export function concat(xs: readonly Tensor[], axis: number): Tensor {
  if (xs.length === 0) throw new Error('Concat: no inputs');
  const g = xs[0].graph;
  for (const t of xs) g.own(t, Op.Concat);
  const rank = xs[0].rank;
  const a = normalizeAxis(axis, rank, Op.Concat);
  const out = [...xs[0].shape];
  for (const t of xs.slice(1)) {
    if (t.dtype !== xs[0].dtype) throw new Error(`Concat: dtypes differ (${describe(xs[0])} vs ${describe(t)})`);
    if (t.rank !== rank || t.shape.some((d, i) => i !== a && !dimEquals(d, xs[0].shape[i]))) {
      throw new Error(`Concat on axis ${a}: shapes ${xs.map((x) => formatShape(x.shape)).join(', ')} differ off that axis`);
    }
    out[a] = dimAdd(out[a], t.shape[a]);
  }
  return g.addNode(Op.Concat, xs, { axis: a }, [{ dtype: xs[0].dtype, shape: out }])[0];
}

export type PadMode = 'constant' | 'reflect' | 'edge';

/** Pads axes by static amounts: `pads` lists [before, after] for every axis. */
export function pad(x: Tensor, pads: readonly (readonly [number, number])[], mode: PadMode = 'constant', value = 0): Tensor {
  x.graph.own(x, Op.Pad);
  if (pads.length !== x.rank) throw new Error(`Pad: ${pads.length} [before, after] pairs for ${describe(x)}`);
  const flat = [...pads.map((p) => p[0]), ...pads.map((p) => p[1])];
  if (flat.some((p) => !Number.isInteger(p) || p < 0)) throw new Error(`Pad: pads must be non-negative integers`);
  const out = x.shape.map((d, i) => dimAdd(d, pads[i][0] + pads[i][1]));
  if (mode === 'reflect') {
    pads.forEach(([b, e], i) => {
      const d = x.shape[i];
      if (typeof d === 'number' && (b >= d || e >= d) && b + e > 0) {
        throw new Error(`Pad: reflect padding ${b},${e} needs axis ${i} longer than the pad (size ${d})`);
      }
    });
  }
  return x.graph.addNode(Op.Pad, [x], { pads: flat, mode, value }, [{ dtype: x.dtype, shape: out }])[0];
}

// ---------------------------------------------------------------- indexing

/** x.take(indices, axis): output shape x.shape[:axis] + indices.shape + x.shape[axis+1:]. */
export function gather(x: Tensor, indices: Tensor, axis = 0): Tensor {
  const g = x.graph;
  g.own(x, Op.Gather);
  g.own(indices, Op.Gather);
  if (indices.dtype !== 'int64' && indices.dtype !== 'int32') {
    throw new Error(`Gather: indices are ${describe(indices)}; they must be int64 or int32`);
  }
  const a = normalizeAxis(axis, x.rank, Op.Gather);
  const out = [...x.shape.slice(0, a), ...indices.shape, ...x.shape.slice(a + 1)];
  return g.addNode(Op.Gather, [x, indices], { axis: a }, [{ dtype: x.dtype, shape: out }])[0];
}

/** data with `updates` added at `indices` (duplicates accumulate); ONNX ScatterND with reduction='add'. */
export function scatterNDAdd(data: Tensor, indices: Tensor, updates: Tensor): Tensor {
  const g = data.graph;
  for (const t of [data, indices, updates]) g.own(t, Op.ScatterNDAdd);
  if (indices.dtype !== 'int64') throw new Error(`ScatterNDAdd: indices are ${describe(indices)}; they must be int64`);
  if (updates.dtype !== data.dtype) throw new Error(`ScatterNDAdd: updates ${describe(updates)} vs data ${describe(data)}`);
  const k = indices.shape[indices.rank - 1];
  if (typeof k !== 'number' || k > data.rank) throw new Error(`ScatterNDAdd: indices ${describe(indices)} need a static last dim ≤ ${data.rank}`);
  const expected = [...indices.shape.slice(0, -1), ...data.shape.slice(k)];
  if (expected.length !== updates.rank || expected.some((d, i) => !dimEquals(d, updates.shape[i]))) {
    throw new Error(`ScatterNDAdd: updates ${describe(updates)} should be ${formatShape(expected)}`);
  }
  return g.addNode(Op.ScatterNDAdd, [data, indices, updates], {}, [{ dtype: data.dtype, shape: data.shape }])[0];
}

// ---------------------------------------------------------------- contractions

/** Batched matrix product of rank ≥ 2 operands; leading (batch) dims broadcast. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  const g = a.graph;
  g.own(a, Op.MatMul);
  g.own(b, Op.MatMul);
  requireNumeric(Op.MatMul, a);
  if (a.dtype !== b.dtype) throw new Error(`MatMul: dtypes differ (${describe(a)} vs ${describe(b)})`);
  if (a.rank < 2 || b.rank < 2) {
    throw new Error(`MatMul: operands must have rank ≥ 2 (got ${describe(a)} @ ${describe(b)}); unsqueeze vectors first`);
  }
  const k1 = a.shape[a.rank - 1];
  const k2 = b.shape[b.rank - 2];
  if (!dimEquals(k1, k2)) throw new Error(`MatMul: inner dims differ: ${describe(a)} @ ${describe(b)} (${k1} vs ${k2})`);
  const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2), `MatMul batch dims of ${describe(a)} @ ${describe(b)}`);
  return g.addNode(Op.MatMul, [a, b], {}, [{ dtype: a.dtype, shape: [...batch, a.shape[a.rank - 2], b.shape[b.rank - 1]] }])[0];
}

export interface Conv1dOptions {
  stride?: number;
  dilation?: number;
  /** zero padding [begin, end] (other padding modes: pad first, see `conv1dPadded`) */
  pads?: readonly [number, number];
  groups?: number;
}

function positiveInt(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 1) throw new Error(`${what} must be a positive integer, got ${v}`);
  return v;
}

/** x [N, Cin, L] * w [Cout, Cin/groups, K] → [N, Cout, Lout] (cross-correlation, as ONNX Conv). */
export function conv1d(x: Tensor, w: Tensor, options: Conv1dOptions = {}): Tensor {
  const g = x.graph;
  g.own(x, Op.Conv1d);
  g.own(w, Op.Conv1d);
  requireFloat(Op.Conv1d, x);
  if (w.dtype !== x.dtype) throw new Error(`Conv1d: dtypes differ (${describe(x)} vs ${describe(w)})`);
  const stride = positiveInt(options.stride ?? 1, 'Conv1d stride');
  const dilation = positiveInt(options.dilation ?? 1, 'Conv1d dilation');
  const groups = positiveInt(options.groups ?? 1, 'Conv1d groups');
  const pads = options.pads ?? [0, 0];
  if (x.rank !== 3 || w.rank !== 3) throw new Error(`Conv1d: expected x [N, C, L] and w [Cout, Cin/groups, K], got ${describe(x)}, ${describe(w)}`);
  // Weight dims may be symbolic: the weight-gradient of a convolution is itself a convolution whose
  // "weight" is the incoming gradient, sized by batch and length.
  const [cout, cinPerGroup, k] = w.shape;
  if (!dimEquals(x.shape[1], dimMul(cinPerGroup, groups)) || (typeof cout === 'number' && cout % groups !== 0)) {
    throw new Error(`Conv1d: x ${describe(x)} and w ${describe(w)} do not fit groups=${groups}`);
  }
  const span = dimAdd(dimMul(dilation, dimSub(k, 1)), 1);
  const lout = dimAdd(dimFloorDiv(dimSub(dimAdd(x.shape[2], pads[0] + pads[1]), span), stride), 1);
  if (typeof lout === 'number' && lout < 1) throw new Error(`Conv1d: input ${describe(x)} is shorter than the kernel span ${span}`);
  return g.addNode(Op.Conv1d, [x, w], { stride, dilation, pads: [...pads], groups }, [
    { dtype: x.dtype, shape: [x.shape[0], cout, lout] },
  ])[0];
}

export interface ConvTranspose1dOptions extends Conv1dOptions {
  outputPadding?: number;
}

/** x [N, Cin, L], w [Cin, Cout/groups, K] → [N, Cout, stride*(L-1) + outputPadding + dilation*(K-1) + 1 - pads]. */
export function convTranspose1d(x: Tensor, w: Tensor, options: ConvTranspose1dOptions = {}): Tensor {
  const g = x.graph;
  g.own(x, Op.ConvTranspose1d);
  g.own(w, Op.ConvTranspose1d);
  requireFloat(Op.ConvTranspose1d, x);
  if (w.dtype !== x.dtype) throw new Error(`ConvTranspose1d: dtypes differ (${describe(x)} vs ${describe(w)})`);
  const stride = positiveInt(options.stride ?? 1, 'ConvTranspose1d stride');
  const dilation = positiveInt(options.dilation ?? 1, 'ConvTranspose1d dilation');
  const groups = positiveInt(options.groups ?? 1, 'ConvTranspose1d groups');
  const outputPadding = options.outputPadding ?? 0;
  const pads = options.pads ?? [0, 0];
  if (!Number.isInteger(outputPadding) || outputPadding < 0 || (outputPadding >= stride && outputPadding >= dilation)) {
    throw new Error(`ConvTranspose1d: outputPadding ${outputPadding} must be smaller than stride or dilation`);
  }
  if (x.rank !== 3 || w.rank !== 3) throw new Error(`ConvTranspose1d: expected x [N, C, L] and w [Cin, Cout/groups, K], got ${describe(x)}, ${describe(w)}`);
  const [cin, coutPerGroup, k] = w.shape;
  if (!isStatic(cin) || !isStatic(coutPerGroup) || !isStatic(k)) throw new Error(`ConvTranspose1d: weight shape ${formatShape(w.shape)} must be static`);
  if (!dimEquals(x.shape[1], cin) || cin % groups !== 0) {
    throw new Error(`ConvTranspose1d: x ${describe(x)} and w ${describe(w)} do not fit groups=${groups}`);
  }
  const lout = dimAdd(dimMul(dimSub(x.shape[2], 1), stride), outputPadding + dilation * (k - 1) + 1 - pads[0] - pads[1]);
  return g.addNode(Op.ConvTranspose1d, [x, w], { stride, dilation, pads: [...pads], groups, outputPadding }, [
    { dtype: x.dtype, shape: [x.shape[0], coutPerGroup * groups, lout] },
  ])[0];
}

// ---------------------------------------------------------------- values made from shapes

/** Zeros shaped like `x` (read at run time, so symbolic dims need nothing else). */
export function zerosLike(x: Tensor, dtype: DType = x.dtype): Tensor {
  x.graph.own(x, Op.ZerosLike);
  return x.graph.addNode(Op.ZerosLike, [x], { dtype }, [{ dtype, shape: x.shape }])[0];
}

/** Number of elements of `x` over `axes` (all axes by default), as a scalar of `dtype`. */
export function size(x: Tensor, dtype: DType, axes?: readonly number[]): Tensor {
  x.graph.own(x, Op.Size);
  const ax = axes === undefined ? x.shape.map((_, i) => i) : axes.map((a) => normalizeAxis(a, x.rank, Op.Size));
  return x.graph.addNode(Op.Size, [x], { axes: ax, dtype }, [{ dtype, shape: [] }])[0];
}

/** [0, 1, …, n-1] as a 1-D tensor; `n` may be symbolic. */
export function arange(g: Graph, n: Dim, dtype: DType = 'int64'): Tensor {
  if (!isFloat(dtype) && !isInteger(dtype)) throw new Error(`Arange: dtype ${dtype} is not numeric`);
  const count = normalizeDim(n);
  const deps = g.dimDeps([count], Op.Arange);
  return g.addNode(Op.Arange, [], { n: [count], dtype }, [{ dtype, shape: [count] }], { shapeDeps: deps })[0];
}

// ---------------------------------------------------------------- escape hatch

/** An ONNX attribute given verbatim to `onnxOp`. */
export type OnnxAttr =
  | { int: number }
  | { ints: readonly number[] }
  | { float: number }
  | { floats: readonly number[] }
  | { string: string };

export interface OnnxOpSpec {
  opType: string;
  /** '' (default) for ai.onnx, 'com.microsoft' for ORT contrib ops */
  domain?: string;
  /** inputs in order; null leaves an optional input empty */
  inputs: readonly (Tensor | null)[];
  attrs?: Readonly<Record<string, OnnxAttr>>;
  outputs: readonly { dtype: DType; shape: Shape }[];
}

/**
 * One ONNX node written verbatim, for fused or contrib ops used at inference (GroupQueryAttention,
 * RotaryEmbedding, LSTM, …). The caller vouches for output dtypes and shapes; it has no gradient rule, so a
 * path through it to a loss is refused by `gradients`.
 */
export function onnxOp(g: Graph, spec: OnnxOpSpec): Tensor[] {
  const present = spec.inputs.filter((t): t is Tensor => t !== null);
  for (const t of present) g.own(t, spec.opType);
  const slots = spec.inputs.map((t) => (t === null ? -1 : present.indexOf(t)));
  return g.addNode(
    Op.OnnxOp,
    present,
    {
      opType: spec.opType,
      domain: spec.domain ?? '',
      inputSlots: slots,
      onnxAttrs: JSON.stringify(spec.attrs ?? {}),
    },
    spec.outputs,
    { baseName: spec.opType },
  );
}
