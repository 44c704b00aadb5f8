/**
 * transformers' `EncodecConv1d` and `EncodecConvTranspose1d` as nn graph pieces, with their padding rules:
 *
 *   Conv1d:  k_eff = (k − 1)·dilation + 1,  padding_total = k_eff − stride
 *            extra = ceil(L / stride)·stride − L      (pads the input to a whole number of frames)
 *            causal: pad (padding_total, extra)        non-causal: (pt − ⌊pt/2⌋, ⌊pt/2⌋ + extra)
 *            reflect padding with the "small input" fix: when L ≤ max(left, right), zeros are appended first
 *            (max − L + 1 of them), the reflection is taken, and those zeros are cut off again.
 *   ConvTranspose1d: no padding; the output is trimmed by padding_total = k − stride:
 *            causal: right = ⌈pt · trim_right_ratio⌉, left = pt − right;  non-causal: right = ⌊pt/2⌋.
 *
 * (The extra padding is HF's `_get_extra_padding_for_conv1d`: with pt = k_eff − stride its
 * `ceil((L − k_eff + pt)/stride + 1) − 1` frames simplify to ceil(L/stride) output frames.)
 *
 * Lengths are symbolic, so paddings that depend on L are computed in the graph and applied with ONNX Pad
 * taking a pads tensor.
 *
 * [Note: streaming state] With `stream`, causal stride-1 convolutions keep the last padding_total samples of
 * their (padded) input and transposed convolutions their last input frames as state; a 'next' chunk reads
 * them instead of padding, so chunked decoding equals one-shot decoding (the decoder is causal once the first
 * chunk has covered the reflect padding at the start, see encodec-streaming.ts).
 */
import { conv1d as conv1dBlock } from '../../nn/blocks/conv1d.js';
import { convTranspose1d as convTransposeBlock } from '../../nn/blocks/conv-transpose1d.js';
import type { ParamSource } from '../../nn/blocks/params.js';
import { add, concat, conv1d as conv1dPrimitive, div, maximum, mul, onnxOp, pad, reshape, size, slice, sub, transpose, unsqueeze, type Dim, type Graph, type Tensor } from '../../nn/index.js';
import { dimAdd, dimFloorDiv, dimMul } from '../../nn/index.js';
import type { EncodecConfig } from './config.js';
import type { ConvSpec } from './layout.js';

/** Where streaming graphs read and write their carried state (see [Note: streaming state]). */
export interface StreamIO {
  /** 'first': pad as one-shot and emit state; 'next': read the previous chunk's state instead of padding. */
  mode: 'first' | 'next';
  input(key: string, dtype: 'float32', shape: readonly Dim[]): Tensor;
  output(key: string, t: Tensor): void;
}

export interface ConvContext {
  params: ParamSource;
  config: EncodecConfig;
  stream?: StreamIO;
}

/** Effective kernel span and HF's padding_total of a conv. */
export function convPadding(spec: ConvSpec): { kernelSpan: number; paddingTotal: number } {
  const kernelSpan = (spec.kernelSize - 1) * spec.dilation + 1;
  return { kernelSpan, paddingTotal: kernelSpan - spec.stride };
}

const scratchCounts = new WeakMap<Graph, number>();

/** A fresh symbolic length for an intermediate nothing is ever reshaped by. */
function scratchDim(g: Graph): string {
  const n = (scratchCounts.get(g) ?? 0) + 1;
  scratchCounts.set(g, n);
  return `{pad_scratch_${n}}`;
}

function int64(g: Graph, values: readonly number[]): Tensor {
  return g.literal(values, [values.length], 'int64');
}

function vec1(t: Tensor): Tensor {
  return unsqueeze(t, 0);
}

/** ONNX Pad on the time axis of [B, C, L] with pads computed in the graph (int64 scalars or numbers). */
function padTime(x: Tensor, left: Tensor | number, right: Tensor | number, mode: 'reflect' | 'constant', length: Dim): Tensor {
  const g = x.graph;
  const asVec = (v: Tensor | number) => (typeof v === 'number' ? int64(g, [v]) : vec1(v));
  const pads = concat([int64(g, [0, 0]), asVec(left), int64(g, [0, 0]), asVec(right)], 0);
  return onnxOp(g, {
    opType: 'Pad',
    inputs: [x, pads],
    attrs: { mode: { string: mode } },
    outputs: [{ dtype: x.dtype, shape: [x.shape[0], x.shape[1], length] }],
  })[0];
}

/**
 * x padded by `left` (static) and `rightStatic + extra` where extra fills the last stride frame (dynamic when
 * stride > 1). `minLength` is a lower bound of L known at build time: when it exceeds both pads, the small
 * input fix can never trigger and is left out.
 */
export function encodecPad(x: Tensor, left: number, rightStatic: number, stride: number, mode: 'reflect' | 'constant', minLength: number): Tensor {
  const g = x.graph;
  const L = x.shape[2];
  const paddedLength: Dim =
    stride === 1 ? dimAdd(L, left + rightStatic) : dimAdd(dimMul(dimFloorDiv(dimAdd(L, stride - 1), stride), stride), left + rightStatic);
  if (stride === 1 && (mode === 'constant' || minLength > Math.max(left, rightStatic))) {
    if (left === 0 && rightStatic === 0) return x;
    return pad(x, [[0, 0], [0, 0], [left, rightStatic]], mode === 'reflect' ? 'reflect' : 'constant');
  }
  const len = size(x, 'int64', [2]);
  let right: Tensor | number = rightStatic;
  let maxRight = rightStatic;
  if (stride > 1) {
    // extra = ceil(L / stride)·stride − L  (int64 Div truncates; L ≥ 0)
    const frames = div(add(len, stride - 1), stride);
    const extra = sub(mul(frames, stride), len);
    right = rightStatic === 0 ? extra : add(extra, rightStatic);
    maxRight = rightStatic + stride - 1;
  }
  if (mode === 'constant' || minLength > Math.max(left, maxRight)) return padTime(x, left, right, mode, paddedLength);
  // Small-input fix: zp = max(max(left, right) − L + 1, 0) zeros appended, reflected, then removed.
  const maxPad = typeof right === 'number' ? g.scalar(Math.max(left, right), 'int64') : maximum(right, left);
  const zp = maximum(add(sub(maxPad, len), 1), 0);
  const extended = padTime(x, 0, zp, 'constant', scratchDim(g));
  const reflected = padTime(extended, left, right, 'reflect', scratchDim(g));
  const total = add(add(len, left), right);
  return onnxOp(g, {
    opType: 'Slice',
    inputs: [reflected, int64(g, [0]), vec1(total), int64(g, [2])],
    outputs: [{ dtype: x.dtype, shape: [x.shape[0], x.shape[1], paddedLength] }],
  })[0];
}

/** EncodecConv1d: padding as above, then the (weight-norm-folded) conv. */
export function encodecConv1d(x: Tensor, spec: ConvSpec, ctx: ConvContext, minLength: number): Tensor {
  const { paddingTotal } = convPadding(spec);
  const c = ctx.config;
  const stream = ctx.stream;
  let input: Tensor;
  if (stream && paddingTotal > 0) {
    if (!c.useCausalConv || spec.stride !== 1) throw new Error(`streaming needs causal stride-1 convolutions (${spec.name})`);
    const key = spec.name;
    input =
      stream.mode === 'next'
        ? concat([stream.input(key, 'float32', [x.shape[0], spec.inChannels, paddingTotal]), x], 2)
        : encodecPad(x, paddingTotal, 0, 1, c.padMode, minLength);
    stream.output(key, slice(input, [{ axis: 2, start: -paddingTotal }]));
  } else if (c.useCausalConv) {
    input = encodecPad(x, paddingTotal, 0, spec.stride, c.padMode, minLength);
  } else {
    const right = Math.floor(paddingTotal / 2);
    input = encodecPad(x, paddingTotal - right, right, spec.stride, c.padMode, minLength);
  }
  return conv1dBlock(input, {
    params: ctx.params,
    name: spec.name,
    inChannels: spec.inChannels,
    outChannels: spec.outChannels,
    kernelSize: spec.kernelSize,
    stride: spec.stride,
    dilation: spec.dilation,
    scope: 'conv',
  });
}

/**
 * A causal transposed conv trimmed by k − s on the right (the published configuration), with k = m·s, as
 * an ordinary convolution over the input frames followed by interleaving the s output phases:
 *
 *   y[P·s + r] = Σ_p W[:, :, p·s + r]ᵀ · x[P − p]   (p < m)   = Conv1d(x padded by m − 1 frames on the left)
 *   with kernel W2[(o, r), i, q] = W[i, o, (m − 1 − q)·s + r], output [B, Cout·s, T] → [B, Cout, T·s].
 *
 * Same numbers as ConvTranspose + trim, but ORT runs Conv as one multi-threaded GEMM while its ConvTranspose
 * spends most of its time in a col2im pass (measured: 1.5–2.7× faster per layer at the 24 kHz sizes).
 * The kernel is rearranged inside the graph from the checkpoint's [Cin, Cout, K] weight; ORT folds that
 * into a constant when the session is created.
 */
function polyphaseCausalConvTranspose(x: Tensor, spec: ConvSpec, ctx: ConvContext): Tensor {
  const g = x.graph;
  const { inChannels: cin, outChannels: cout, kernelSize: k, stride: s } = spec;
  const m = k / s;
  const stream = ctx.stream;
  return g.scope('conv', () => {
    const bound = 1 / Math.sqrt(cout * k);
    const w = ctx.params.param(g, `${spec.name}.weight`, [cin, cout, k], { kind: 'uniform', bound });
    const b = ctx.params.param(g, `${spec.name}.bias`, [cout], { kind: 'uniform', bound });
    let phases = reshape(w, [cin, cout, m, s]); // [i, o, p, r]
    if (m > 1) phases = slice(phases, [{ axis: 2, start: m - 1, end: -(m + 1), step: -1 }]); // p → q = m − 1 − p
    const kernel = reshape(transpose(phases, [1, 3, 0, 2]), [cout * s, cin, m]); // [(o, r), i, q]
    const n = m - 1;
    let input = x;
    let pads: [number, number] = [n, 0];
    if (stream && n > 0) {
      if (stream.mode === 'next') {
        input = concat([stream.input(spec.name, 'float32', [x.shape[0], cin, n]), x], 2);
        pads = [0, 0];
      }
      stream.output(spec.name, slice(input, [{ axis: 2, start: -n }]));
    }
    const y = conv1dPrimitive(input, kernel, { pads }); // [B, Cout·s, T]
    const [B, , T] = y.shape;
    const interleaved = reshape(transpose(reshape(y, [B, cout, s, T]), [0, 1, 3, 2]), [B, cout, dimMul(T, s)]);
    return add(interleaved, unsqueeze(b, [0, 2]));
  });
}

/** EncodecConvTranspose1d: the transposed conv, then HF's trimming of padding_total = k − stride. */
export function encodecConvTranspose1d(x: Tensor, spec: ConvSpec, ctx: ConvContext): Tensor {
  const c = ctx.config;
  const s = spec.stride;
  const paddingTotal = spec.kernelSize - s;
  const right = c.useCausalConv ? Math.ceil(paddingTotal * c.trimRightRatio) : Math.floor(paddingTotal / 2);
  const left = paddingTotal - right;
  if (c.useCausalConv && left === 0 && spec.kernelSize % s === 0 && spec.dilation === 1) return polyphaseCausalConvTranspose(x, spec, ctx);
  const block = (input: Tensor) =>
    convTransposeBlock(input, {
      params: ctx.params,
      name: spec.name,
      inChannels: spec.inChannels,
      outChannels: spec.outChannels,
      kernelSize: spec.kernelSize,
      stride: s,
      scope: 'conv',
    });
  const stream = ctx.stream;
  if (!stream) {
    const y = block(x);
    return left === 0 && right === 0 ? y : slice(y, [{ axis: 2, start: left, ...(right > 0 ? { end: -right } : {}) }]);
  }
  if (!c.useCausalConv || left !== 0) throw new Error(`streaming needs causal transposed convolutions trimmed on the right only (${spec.name})`);
  // Output sample j depends on input frames ⌊(j − k)/s⌋ + 1 … ⌊j/s⌋: a chunk needs the previous n frames.
  const n = Math.ceil(spec.kernelSize / s) - 1;
  if (n === 0) {
    const y = block(x);
    return right > 0 ? slice(y, [{ axis: 2, start: 0, end: -right }]) : y;
  }
  const key = spec.name;
  if (stream.mode === 'first') {
    stream.output(key, slice(x, [{ axis: 2, start: -n }]));
    const y = block(x);
    return right > 0 ? slice(y, [{ axis: 2, start: 0, end: -right }]) : y;
  }
  const extended = concat([stream.input(key, 'float32', [x.shape[0], spec.inChannels, n]), x], 2);
  stream.output(key, slice(extended, [{ axis: 2, start: -n }]));
  // The chunk's own samples: untrimmed positions n·s … (n + T)·s, i.e. everything after the previous frames'
  // span and before the last k − s.
  const y = block(extended);
  return slice(y, [{ axis: 2, start: n * s, ...(spec.kernelSize > s ? { end: -(spec.kernelSize - s) } : {}) }]);
}

/** nn.ELU(alpha = 1) as one ONNX Elu node (inference graphs only). */
export function eluInference(x: Tensor): Tensor {
  return onnxOp(x.graph, { opType: 'Elu', inputs: [x], attrs: { alpha: { float: 1 } }, outputs: [{ dtype: x.dtype, shape: x.shape }] })[0];
}
