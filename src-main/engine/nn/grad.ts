/**
 * Reverse-mode differentiation into the same graph.
 *
 * `gradients(loss, targets)` adds backward nodes built from primitives (so the result is plain ONNX) and
 * returns one gradient tensor per target. The walker (below the table) visits only nodes on a path from a
 * target to the loss, in reverse creation order (creation order is topological; no recursion), sums
 * fan-out contributions once, and un-broadcasts each contribution to its operand's shape once. Rules
 * therefore return gradients in the broadcast (output) shape and never accumulate.
 *
 * Backward nodes are named after their forward node: the rule for `/layers.0/attn/MatMul` builds under
 * `/layers.0/attn/MatMul_grad/…`.
 */
import { isFloat } from './dtype.js';
import type { Graph, Node } from './graph.js';
import { Op } from './ops.js';
import * as P from './primitives.js';
import type { Dim } from './shape.js';
import { dimAdd, dimEquals, dimSub, formatShape, isStatic } from './shape.js';
import type { Tensor } from './tensor.js';

/** What a rule sees: the forward node, the gradient of each output (null: none flows), which inputs need one. */
export interface GradContext {
  readonly graph: Graph;
  readonly node: Node;
  readonly inputs: readonly Tensor[];
  readonly output: Tensor;
  /** gradient of output 0 (every primitive with a rule has one output) */
  readonly grad: Tensor;
  /** needs[i]: input i leads back to a target, so its gradient will be used */
  readonly needs: readonly boolean[];
}

/** Returns the gradient for each input, in the output's (broadcast) shape, or null where none exists. */
export type GradRule = (ctx: GradContext) => (Tensor | null)[];

// ---------------------------------------------------------------- rules: unary

function identityGrad(c: GradContext): (Tensor | null)[] {
  return [c.grad];
}
function negGrad(c: GradContext): (Tensor | null)[] {
  return [P.neg(c.grad)];
}
function expGrad(c: GradContext): (Tensor | null)[] {
  return [P.mul(c.grad, c.output)];
}
function logGrad(c: GradContext): (Tensor | null)[] {
  return [P.div(c.grad, c.inputs[0])];
}
function sqrtGrad(c: GradContext): (Tensor | null)[] {
  return [P.div(P.mul(c.grad, 0.5), c.output)];
}
function reciprocalGrad(c: GradContext): (Tensor | null)[] {
  return [P.neg(P.mul(c.grad, P.mul(c.output, c.output)))];
}
function absGrad(c: GradContext): (Tensor | null)[] {
  // subgradient +1 at 0
  return [P.where(P.less(c.inputs[0], 0), P.neg(c.grad), c.grad)];
}
function sigmoidGrad(c: GradContext): (Tensor | null)[] {
  const y = c.output;
  return [P.mul(c.grad, P.mul(y, P.sub(1, y)))];
}
function tanhGrad(c: GradContext): (Tensor | null)[] {
  const y = c.output;
  return [P.mul(c.grad, P.sub(1, P.mul(y, y)))];
}
function erfGrad(c: GradContext): (Tensor | null)[] {
  const x = c.inputs[0];
  return [P.mul(c.grad, P.mul(P.exp(P.neg(P.mul(x, x))), 2 / Math.sqrt(Math.PI)))];
}
function sinGrad(c: GradContext): (Tensor | null)[] {
  return [P.mul(c.grad, P.cos(c.inputs[0]))];
}
function cosGrad(c: GradContext): (Tensor | null)[] {
  return [P.neg(P.mul(c.grad, P.sin(c.inputs[0])))];
}
function reluGrad(c: GradContext): (Tensor | null)[] {
  return [P.where(P.greater(c.inputs[0], 0), c.grad, 0)];
}
function castGrad(c: GradContext): (Tensor | null)[] {
  const x = c.inputs[0];
  return [isFloat(x.dtype) ? P.cast(c.grad, x.dtype) : null];
}

// ---------------------------------------------------------------- rules: binary and ternary

function addGrad(c: GradContext): (Tensor | null)[] {
  return [c.grad, c.grad];
}
function subGrad(c: GradContext): (Tensor | null)[] {
  return [c.grad, c.needs[1] ? P.neg(c.grad) : null];
}
function mulGrad(c: GradContext): (Tensor | null)[] {
  const [a, b] = c.inputs;
  return [c.needs[0] ? P.mul(c.grad, b) : null, c.needs[1] ? P.mul(c.grad, a) : null];
}
function divGrad(c: GradContext): (Tensor | null)[] {
  const b = c.inputs[1];
  return [c.needs[0] ? P.div(c.grad, b) : null, c.needs[1] ? P.neg(P.div(P.mul(c.grad, c.output), b)) : null];
}
function powGrad(c: GradContext): (Tensor | null)[] {
  const [a, b] = c.inputs;
  return [
    c.needs[0] ? P.mul(c.grad, P.mul(b, P.pow(a, P.sub(b, 1)))) : null,
    // only built when the exponent needs it: log(a) is NaN for a < 0
    c.needs[1] ? P.mul(c.grad, P.mul(c.output, P.log(a))) : null,
  ];
}
function maxGrad(c: GradContext): (Tensor | null)[] {
  // ties go to the first operand
  const bWins = P.less(c.inputs[0], c.inputs[1]);
  return [P.where(bWins, 0, c.grad), P.where(bWins, c.grad, 0)];
}
function minGrad(c: GradContext): (Tensor | null)[] {
  const bWins = P.greater(c.inputs[0], c.inputs[1]);
  return [P.where(bWins, 0, c.grad), P.where(bWins, c.grad, 0)];
}
function whereGrad(c: GradContext): (Tensor | null)[] {
  const cond = c.inputs[0];
  return [null, c.needs[1] ? P.where(cond, c.grad, 0) : null, c.needs[2] ? P.where(cond, 0, c.grad) : null];
}

// ---------------------------------------------------------------- rules: reductions

/** The output gradient with reduced axes put back as size 1. */
function keptDims(c: GradContext): Tensor {
  return c.node.attrs.keepdims ? c.grad : P.unsqueeze(c.grad, c.node.attrs.axes as number[]);
}
function reduceSumGrad(c: GradContext): (Tensor | null)[] {
  return [P.expand(keptDims(c), c.inputs[0].shape)];
}
function reduceMeanGrad(c: GradContext): (Tensor | null)[] {
  const x = c.inputs[0];
  const n = P.size(x, x.dtype, c.node.attrs.axes as number[]);
  return [P.expand(P.div(keptDims(c), n), x.shape)];
}
function reduceMaxGrad(c: GradContext): (Tensor | null)[] {
  // split evenly among tied maxima
  const x = c.inputs[0];
  const axes = c.node.attrs.axes as number[];
  const y = c.node.attrs.keepdims ? c.output : P.unsqueeze(c.output, axes);
  const hit = P.cast(P.equal(x, y), x.dtype);
  const count = P.reduceSum(hit, axes, true);
  return [P.mul(hit, P.div(keptDims(c), count))];
}

// ---------------------------------------------------------------- rules: movement

function reshapeGrad(c: GradContext): (Tensor | null)[] {
  return [P.reshape(c.grad, c.inputs[0].shape)];
}
function transposeGrad(c: GradContext): (Tensor | null)[] {
  const perm = c.node.attrs.perm as number[];
  const inverse = perm.map((_, i) => perm.indexOf(i));
  return [P.transpose(c.grad, inverse)];
}
function squeezeGrad(c: GradContext): (Tensor | null)[] {
  return [P.unsqueeze(c.grad, c.node.attrs.axes as number[])];
}
function unsqueezeGrad(c: GradContext): (Tensor | null)[] {
  return [P.squeeze(c.grad, c.node.attrs.axes as number[])];
}

/** Zeros shaped like `ref` with axis `axis` cut to [start, end). */
function zerosOfSlice(ref: Tensor, axis: number, start: Dim, end: Dim | undefined): Tensor {
  return P.zerosLike(P.slice(ref, [{ axis, start, end }]));
}

/** Places `piece` (the gradient of ref[start:end] along axis) into zeros shaped like `ref`. */
function embedAlongAxis(ref: Tensor, piece: Tensor, axis: number, start: Dim, end: Dim): Tensor {
  const parts: Tensor[] = [];
  if (!dimEquals(start, 0)) parts.push(zerosOfSlice(ref, axis, 0, start));
  parts.push(piece);
  if (!(typeof end === 'number' && end >= P.SLICE_END) && !dimEquals(end, ref.shape[axis])) {
    parts.push(zerosOfSlice(ref, axis, end, undefined));
  }
  return parts.length === 1 ? piece : P.concat(parts, axis);
}

/**
 * Slice: with step 1 the gradient is the incoming one padded with zeros (cut from the input's own shape, so
 * symbolic sizes need nothing else). Other steps need a static axis: each input position gathers its
 * gradient, or a zero appended at the end.
 */
function sliceGrad(c: GradContext): (Tensor | null)[] {
  const x = c.inputs[0];
  const a = c.node.attrs;
  const axes = a.axes as number[];
  const starts = a.starts as Dim[];
  const ends = a.ends as Dim[];
  const steps = a.steps as number[];
  // undo one axis at a time, last first; `ref` is x with the not-yet-undone axes already sliced
  let g = c.grad;
  for (let k = axes.length - 1; k >= 0; k--) {
    const specs = axes.slice(0, k).map((axis, j) => ({ axis, start: starts[j], end: ends[j], step: steps[j] }));
    const ref = specs.length === 0 ? x : P.slice(x, specs);
    const axis = axes[k];
    if (steps[k] === 1) {
      let start = starts[k];
      let end = ends[k];
      const d = ref.shape[axis];
      if (typeof start === 'number' && start < 0) start = isStatic(d) ? Math.max(0, d + start) : dimAdd(d, start);
      if (typeof end === 'number' && end < 0) end = isStatic(d) ? Math.max(0, d + end) : dimAdd(d, end);
      if (isStatic(d) && typeof end === 'number') end = Math.min(end, d);
      g = embedAlongAxis(ref, g, axis, start, end);
    } else {
      g = stridedSliceGrad(ref, g, axis, starts[k], ends[k], steps[k]);
    }
  }
  return [g];
}

function stridedSliceGrad(ref: Tensor, g: Tensor, axis: number, start: Dim, end: Dim, step: number): Tensor {
  const d = ref.shape[axis];
  if (!isStatic(d) || typeof start !== 'number' || typeof end !== 'number') {
    throw new Error(`gradient of Slice with step ${step} needs a static axis (got ${formatShape(ref.shape)} on axis ${axis})`);
  }
  const taken = g.shape[axis] as number;
  const source = new Array<number>(d).fill(taken); // index `taken` is the appended zero
  let pos = step > 0 ? Math.min(Math.max(start < 0 ? start + d : start, 0), d) : Math.min(Math.max(start < 0 ? start + d : start, 0), d - 1);
  for (let j = 0; j < taken; j++, pos += step) source[pos] = j;
  const zero = P.zerosLike(P.slice(g, [{ axis, start: 0, end: 1 }]));
  const padded = P.concat([g, zero], axis);
  return P.gather(padded, ref.graph.literal(source, [d], 'int64'), axis);
}

function concatGrad(c: GradContext): (Tensor | null)[] {
  const axis = c.node.attrs.axis as number;
  let offset: Dim = 0;
  return c.inputs.map((x, i) => {
    const start = offset;
    offset = dimAdd(offset, x.shape[axis]);
    return c.needs[i] ? P.slice(c.grad, [{ axis, start, end: offset }]) : null;
  });
}

/**
 * Pad: the centre of the gradient, plus (reflect / edge) the gradients of the padded cells folded back
 * onto the cells they copy. Axes are undone one at a time (padding several axes is padding them in turn).
 */
function padGrad(c: GradContext): (Tensor | null)[] {
  const x = c.inputs[0];
  const pads = c.node.attrs.pads as number[];
  const mode = c.node.attrs.mode as P.PadMode;
  const rank = x.rank;
  let g = c.grad;
  for (let axis = rank - 1; axis >= 0; axis--) {
    const before = pads[axis];
    const after = pads[axis + rank];
    if (before === 0 && after === 0) continue;
    const centre = P.slice(g, [{ axis, start: before, end: after === 0 ? undefined : -after }]);
    if (mode === 'constant') {
      g = centre;
      continue;
    }
    let acc = centre;
    if (before > 0) {
      const head = P.slice(g, [{ axis, start: 0, end: before }]);
      if (mode === 'edge') {
        acc = P.add(acc, embedAlongAxis(centre, P.reduceSum(head, axis, true), axis, 0, 1));
      } else {
        // head[j] copies x[before - j]: reversed, it lands on x[1 .. before]
        const reversed = P.slice(head, [{ axis, start: before - 1, end: -before - 1, step: -1 }]);
        acc = P.add(acc, embedAlongAxis(centre, reversed, axis, 1, before + 1));
      }
    }
    if (after > 0) {
      const tail = P.slice(g, [{ axis, start: -after }]);
      const n = centre.shape[axis];
      if (mode === 'edge') {
        acc = P.add(acc, embedAlongAxis(centre, P.reduceSum(tail, axis, true), axis, dimSub(n, 1), n));
      } else {
        // tail[j] copies x[n - 2 - j]: reversed, it lands on x[n-1-after .. n-2]
        const reversed = P.slice(tail, [{ axis, start: after - 1, end: -after - 1, step: -1 }]);
        acc = P.add(acc, embedAlongAxis(centre, reversed, axis, dimSub(n, after + 1), dimSub(n, 1)));
      }
    }
    g = acc;
  }
  return [g];
}

// ---------------------------------------------------------------- rules: indexing

/** Gather: scatter-add the gradient rows back (duplicates accumulate), with the gathered axis moved first. */
function gatherGrad(c: GradContext): (Tensor | null)[] {
  const [x, rawIndices] = c.inputs;
  const axis = c.node.attrs.axis as number;
  const indices = rawIndices.dtype === 'int64' ? rawIndices : P.cast(rawIndices, 'int64');
  const ri = indices.rank;
  const r = x.rank;
  if (axis === 0) return [P.scatterNDAdd(P.zerosLike(x), P.unsqueeze(indices, -1), c.grad), null];
  const permX = [axis, ...Array.from({ length: r }, (_, i) => i).filter((i) => i !== axis)];
  const xt = P.transpose(x, permX);
  // grad shape: x[:axis] + indices + x[axis+1:]; bring the index block first
  const gRank = c.grad.rank;
  const permG = [
    ...Array.from({ length: ri }, (_, i) => axis + i),
    ...Array.from({ length: axis }, (_, i) => i),
    ...Array.from({ length: gRank - axis - ri }, (_, i) => axis + ri + i),
  ];
  const scattered = P.scatterNDAdd(P.zerosLike(xt), P.unsqueeze(indices, -1), P.transpose(c.grad, permG));
  const inverse = permX.map((_, i) => permX.indexOf(i));
  return [P.transpose(scattered, inverse), null];
}

function scatterNDAddGrad(c: GradContext): (Tensor | null)[] {
  if (c.needs[2]) throw new Error(`${c.node.name}: gradient with respect to ScatterNDAdd updates is not implemented`);
  return [c.grad, null, null];
}

// ---------------------------------------------------------------- rules: contractions

function swapLast2(t: Tensor): Tensor {
  const perm = Array.from({ length: t.rank }, (_, i) => i);
  perm[t.rank - 1] = t.rank - 2;
  perm[t.rank - 2] = t.rank - 1;
  return P.transpose(t, perm);
}
function matmulGrad(c: GradContext): (Tensor | null)[] {
  const [a, b] = c.inputs;
  return [c.needs[0] ? P.matmul(c.grad, swapLast2(b)) : null, c.needs[1] ? P.matmul(swapLast2(a), c.grad) : null];
}

interface ConvAttrs {
  stride: number;
  dilation: number;
  pads: [number, number];
  groups: number;
  outputPadding: number;
}
function convAttrs(node: Node): ConvAttrs {
  const a = node.attrs;
  return {
    stride: a.stride as number,
    dilation: a.dilation as number,
    pads: a.pads as [number, number],
    groups: a.groups as number,
    outputPadding: (a.outputPadding as number | undefined) ?? 0,
  };
}

/** Cuts axis 2 of `t` to `length` when it is longer (or may be). */
function cutLength(t: Tensor, length: Dim): Tensor {
  return dimEquals(t.shape[2], length) ? t : P.slice(t, [{ axis: 2, start: 0, end: length }]);
}

/**
 * `a` [N, G*ca, La] and `b` [N, G*cb, Lb] → [G*cb, ca, K]: out[grp*cb+j, i, k] =
 *   Σ_n,t b[n, grp*cb+j, t] · a[n, grp*ca+i, k*kStep + t*tStep - pads[0]].
 * This correlation over batch and time is the weight gradient of both Conv (a = x, b = dy) and
 * ConvTranspose (a = dy, b = x); it is itself a Conv with batch and channel axes swapped.
 */
function batchCorrelation(a: Tensor, b: Tensor, groups: number, kStep: number, tStep: number, pads: [number, number], k: number): Tensor {
  const [n, ca] = [a.shape[0], (a.shape[1] as number) / groups];
  let input: Tensor;
  if (groups === 1) input = P.transpose(a, [1, 0, 2]); // [ca, N, La]
  else {
    const split = P.reshape(a, [n, groups, ca, a.shape[2]]);
    input = P.reshape(P.transpose(split, [2, 1, 0, 3]), [ca, -1, a.shape[2]]); // [ca, G*N, La]
  }
  const weight = P.transpose(b, [1, 0, 2]); // [G*cb, N, Lb]
  const out = P.conv1d(input, weight, { stride: kStep, dilation: tStep, pads, groups }); // [ca, G*cb, K']
  return P.transpose(cutLength(out, k), [1, 0, 2]);
}

function conv1dGrad(c: GradContext): (Tensor | null)[] {
  const [x, w] = c.inputs;
  const { stride, dilation, pads, groups } = convAttrs(c.node);
  const k = w.shape[2] as number;
  let gx: Tensor | null = null;
  if (c.needs[0]) {
    const L = x.shape[2];
    const lout = c.output.shape[2];
    // ConvTranspose of dy restores length (Lout-1)*stride + span - pads; output_padding supplies the
    // samples the forward conv skipped at the end (known when L is static, else the most, then cut).
    const restored = isStatic(L) && isStatic(lout) ? (lout - 1) * stride + dilation * (k - 1) + 1 - pads[0] - pads[1] : null;
    const outputPadding = restored === null ? stride - 1 : (L as number) - restored;
    gx = cutLength(P.convTranspose1d(c.grad, w, { stride, dilation, pads, groups, outputPadding }), L);
  }
  const gw = c.needs[1] ? batchCorrelation(x, c.grad, groups, dilation, stride, pads, k) : null;
  return [gx, gw];
}

function convTranspose1dGrad(c: GradContext): (Tensor | null)[] {
  const [x, w] = c.inputs;
  const { stride, dilation, pads, groups } = convAttrs(c.node);
  const k = w.shape[2] as number;
  const gx = c.needs[0] ? cutLength(P.conv1d(c.grad, w, { stride, dilation, pads, groups }), x.shape[2]) : null;
  const gw = c.needs[1] ? batchCorrelation(c.grad, x, groups, dilation, stride, pads, k) : null;
  return [gx, gw];
}

// ---------------------------------------------------------------- the table

/**
 * One rule per primitive; null where the op has none. Ops whose outputs do not depend differentiably on
 * their inputs (comparisons, shapes, argmax) are listed in `constantOutput` and never reach a rule.
 */
export const gradRules: Readonly<Record<Op, GradRule | null>> = {
  [Op.Identity]: identityGrad,
  [Op.Neg]: negGrad,
  [Op.Exp]: expGrad,
  [Op.Log]: logGrad,
  [Op.Sqrt]: sqrtGrad,
  [Op.Reciprocal]: reciprocalGrad,
  [Op.Abs]: absGrad,
  [Op.Sigmoid]: sigmoidGrad,
  [Op.Tanh]: tanhGrad,
  [Op.Erf]: erfGrad,
  [Op.Sin]: sinGrad,
  [Op.Cos]: cosGrad,
  [Op.Relu]: reluGrad,
  [Op.Not]: null,
  [Op.Cast]: castGrad,
  [Op.StopGradient]: null,
  [Op.Add]: addGrad,
  [Op.Sub]: subGrad,
  [Op.Mul]: mulGrad,
  [Op.Div]: divGrad,
  [Op.Pow]: powGrad,
  [Op.Max]: maxGrad,
  [Op.Min]: minGrad,
  [Op.Equal]: null,
  [Op.Less]: null,
  [Op.Greater]: null,
  [Op.And]: null,
  [Op.Or]: null,
  [Op.Where]: whereGrad,
  [Op.ReduceSum]: reduceSumGrad,
  [Op.ReduceMax]: reduceMaxGrad,
  [Op.ReduceMean]: reduceMeanGrad,
  [Op.ArgMax]: null,
  [Op.Reshape]: reshapeGrad,
  [Op.Transpose]: transposeGrad,
  [Op.Expand]: identityGrad, // the walker sums over the broadcast axes
  [Op.Squeeze]: squeezeGrad,
  [Op.Unsqueeze]: unsqueezeGrad,
  [Op.Slice]: sliceGrad,
  [Op.Concat]: concatGrad,
  [Op.Pad]: padGrad,
  [Op.Gather]: gatherGrad,
  [Op.ScatterNDAdd]: scatterNDAddGrad,
  [Op.MatMul]: matmulGrad,
  [Op.Conv1d]: conv1dGrad,
  [Op.ConvTranspose1d]: convTranspose1dGrad,
  [Op.ZerosLike]: null,
  [Op.Size]: null,
  [Op.Arange]: null,
  [Op.OnnxOp]: null,
};

/** Ops whose outputs carry no gradient back to their inputs (piecewise constant or value-independent). */
const constantOutput: ReadonlySet<Op> = new Set([
  Op.StopGradient,
  Op.Not,
  Op.Equal,
  Op.Less,
  Op.Greater,
  Op.And,
  Op.Or,
  Op.ArgMax,
  Op.ZerosLike,
  Op.Size,
  Op.Arange,
]);

// ---------------------------------------------------------------- the walker

export interface GradientOptions {
  /** dLoss/dloss; required when `loss` is not a scalar, same dtype and shape as `loss` */
  seed?: Tensor;
  /** give zeros instead of an error for a target the loss does not depend on */
  allowUnused?: boolean;
}

function checkTarget(t: Tensor, loss: Tensor): void {
  loss.graph.own(t, 'gradients');
  const src = t.source;
  if (src.kind === 'const') throw new Error(`gradients: target ${t.valueName} is a constant; constants have no gradient`);
  if (src.kind === 'param' && !src.trainable) {
    throw new Error(
      `gradients: parameter "${src.name}" is frozen (folded into the model as an initializer); mark it trainable to differentiate it`,
    );
  }
  if (!isFloat(t.dtype)) throw new Error(`gradients: target ${t.valueName} is ${t.dtype}; only float tensors have gradients`);
}

/** Sums `t`'s gradient over the axes its operand was broadcast along, giving the operand's shape. */
function unbroadcast(grad: Tensor, operand: Tensor, where: string): Tensor {
  if (grad.rank === operand.rank && grad.shape.every((d, i) => dimEquals(d, operand.shape[i]))) return grad;
  const extra = grad.rank - operand.rank;
  if (extra < 0) throw new Error(`${where}: gradient ${formatShape(grad.shape)} has lower rank than operand ${formatShape(operand.shape)}`);
  const axes: number[] = [];
  for (let i = 0; i < grad.rank; i++) {
    if (i < extra) axes.push(i);
    else {
      const od = operand.shape[i - extra];
      if (dimEquals(od, grad.shape[i])) continue;
      if (od !== 1) throw new Error(`${where}: gradient ${formatShape(grad.shape)} does not broadcast from operand ${formatShape(operand.shape)}`);
      axes.push(i);
    }
  }
  let out = P.reduceSum(grad, axes, true);
  if (extra > 0) out = P.squeeze(out, Array.from({ length: extra }, (_, i) => i));
  return out;
}

function gradPathOf(t: Tensor): string {
  const base = t.producer ? t.producer.name : `/${t.valueName}`;
  return `${base}_grad/accum`;
}

/**
 * Gradients of `loss` with respect to each of `targets`, as tensors in the same graph (declare them as
 * outputs, or feed them to an optimizer built in the graph).
 */
export function gradients(loss: Tensor, targets: readonly Tensor[], options: GradientOptions = {}): Tensor[] {
  const g = loss.graph;
  g.own(loss, 'gradients');
  if (!isFloat(loss.dtype)) throw new Error(`gradients: loss ${loss.valueName} is ${loss.dtype}; it must be float`);
  for (const t of targets) checkTarget(t, loss);
  let seed = options.seed;
  if (seed === undefined) {
    if (loss.rank !== 0) {
      throw new Error(
        `gradients: loss ${loss.valueName} has shape ${formatShape(loss.shape)}; reduce it to a scalar or pass a seed of that shape`,
      );
    }
  } else {
    g.own(seed, 'gradients seed');
    if (seed.dtype !== loss.dtype || seed.rank !== loss.rank || seed.shape.some((d, i) => !dimEquals(d, loss.shape[i]))) {
      throw new Error(`gradients: seed ${seed} must match loss ${loss}`);
    }
  }

  // 1. nodes the loss depends on
  const ancestors = new Set<number>();
  const stack: Tensor[] = [loss];
  while (stack.length > 0) {
    const node = stack.pop()!.producer;
    if (node === null || ancestors.has(node.id)) continue;
    ancestors.add(node.id);
    stack.push(...node.inputs);
  }
  // 2. of those, the ones a target reaches (creation order is topological)
  const live = new Set<number>(targets.map((t) => t.id));
  const onPath: Node[] = [];
  for (const node of g.nodes) {
    if (!ancestors.has(node.id) || constantOutput.has(node.op)) continue;
    if (!node.inputs.some((t) => live.has(t.id))) continue;
    onPath.push(node);
    for (const o of node.outputs) if (isFloat(o.dtype)) live.add(o.id);
  }
  const unused = targets.filter((t) => t !== loss && !onPath.some((n) => n.inputs.includes(t)));
  if (unused.length > 0 && !options.allowUnused) {
    throw new Error(`gradients: the loss does not depend on ${unused.map((t) => t.valueName).join(', ')} (pass allowUnused for zeros)`);
  }

  // 3. walk back, accumulating contributions per tensor
  const pending = new Map<number, Tensor[]>();
  const push = (t: Tensor, grad: Tensor): void => {
    const list = pending.get(t.id);
    if (list) list.push(grad);
    else pending.set(t.id, [grad]);
  };
  const total = (t: Tensor): Tensor | null => {
    const list = pending.get(t.id);
    if (!list || list.length === 0) return null;
    if (list.length === 1) return list[0];
    const sum = g.atPath(gradPathOf(t), () => list.reduce((acc, x) => P.add(acc, x)));
    pending.set(t.id, [sum]);
    return sum;
  };
  push(loss, seed ?? g.scalar(1, loss.dtype));

  for (let i = onPath.length - 1; i >= 0; i--) {
    const node = onPath[i];
    const grad = total(node.outputs[0]);
    if (grad === null) continue;
    const rule = gradRules[node.op];
    if (rule === null || node.outputs.length !== 1) {
      throw new Error(`gradients: op ${node.op} (node ${node.name}) has no gradient rule, and the loss depends on a target through it`);
    }
    const needs = node.inputs.map((t) => live.has(t.id) && isFloat(t.dtype));
    g.atPath(`${node.name}_grad`, () => {
      const results = rule({ graph: g, node, inputs: node.inputs, output: node.outputs[0], grad, needs });
      node.inputs.forEach((input, k) => {
        if (!needs[k]) return;
        const r = results[k];
        if (r === null || r === undefined) {
          throw new Error(`gradients: op ${node.op} (node ${node.name}) is not differentiable with respect to input ${k} (${input.valueName})`);
        }
        push(input, unbroadcast(r, input, node.name));
      });
    });
  }

  return targets.map((t) => {
    const grad = total(t);
    if (grad !== null) return grad;
    return g.atPath(`/${t.valueName}_grad`, () => P.zerosLike(t));
  });
}
