/**
 * Multi-layer LSTM (PyTorch nn.LSTM, sequence-first): parameters `${name}.weight_ih_l{k}` [4H, I],
 * `weight_hh_l{k}` [4H, H], `bias_ih_l{k}`, `bias_hh_l{k}` [4H], gate rows ordered i, f, g, o.
 *
 * 'unrolled' (differentiable; needs a static T):
 *
 *   x [T,B,I] ─ MatMul W_ihᵀ + b_ih + b_hh ─► xg [T,B,4H]     (all steps at once)
 *   for t:  gates = xg[t] + h·W_hhᵀ ─ split i f g o ─ c = σf⊙c + σi⊙tanh g ; h = σo⊙tanh c ─► y[t]
 *   y [T,B,H] feeds layer k+1; final h, c of every layer stacked to [L,B,H]
 *
 * 'onnx' (inference, any T): one ONNX LSTM node per layer; PyTorch's gate blocks (i,f,g,o) are reordered to
 * ONNX's (i,o,f,c) inside the graph (constant-folded for frozen weights). Same numbers as 'unrolled'.
 */
import { add, concat, matmul, mul, onnxOp, sigmoid, slice, squeeze, tanh, transpose, unsqueeze, zerosLike } from '../primitives.js';
import type { Dim } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { lastSegment } from './linear.js';
import type { ParamSource } from './params.js';

export interface LstmOptions {
  params: ParamSource;
  name: string;
  inputSize: number;
  hiddenSize: number;
  numLayers: number;
  /** default true */
  bias?: boolean;
  implementation: 'unrolled' | 'onnx';
}

export interface LstmState {
  /** [L, B, H] */
  h: Tensor;
  c: Tensor;
}

export interface LstmResult {
  /** [T, B, H] */
  output: Tensor;
  state: LstmState;
}

interface LayerWeights {
  wIh: Tensor;
  wHh: Tensor;
  bias: Tensor | null;
  bIh: Tensor | null;
  bHh: Tensor | null;
}

function layerWeights(x: Tensor, o: LstmOptions, k: number, inF: number): LayerWeights {
  const g = x.graph;
  const H = o.hiddenSize;
  const bound = 1 / Math.sqrt(H);
  const init = { kind: 'uniform', bound } as const;
  const wIh = o.params.param(g, `${o.name}.weight_ih_l${k}`, [4 * H, inF], init);
  const wHh = o.params.param(g, `${o.name}.weight_hh_l${k}`, [4 * H, H], init);
  if (o.bias === false) return { wIh, wHh, bias: null, bIh: null, bHh: null };
  const bIh = o.params.param(g, `${o.name}.bias_ih_l${k}`, [4 * H], init);
  const bHh = o.params.param(g, `${o.name}.bias_hh_l${k}`, [4 * H], init);
  return { wIh, wHh, bias: add(bIh, bHh), bIh, bHh };
}

function gate(t: Tensor, k: number, H: number): Tensor {
  return slice(t, [{ axis: -1, start: k * H, end: (k + 1) * H }]);
}

function unrolledLayer(x: Tensor, w: LayerWeights, H: number, h0: Tensor | null, c0: Tensor | null): { y: Tensor; h: Tensor; c: Tensor } {
  const T = x.shape[0];
  if (typeof T !== 'number') throw new Error(`lstm (unrolled): the sequence length must be static, got "${T}"; use implementation 'onnx'`);
  let xg = matmul(x, transpose(w.wIh, [1, 0])); // [T, B, 4H]
  if (w.bias) xg = add(xg, w.bias);
  const wHhT = transpose(w.wHh, [1, 0]);
  const zeros = zerosLike(gate(squeeze(slice(xg, [{ axis: 0, start: 0, end: 1 }]), 0), 0, H)); // [B, H]
  let h = h0 ?? zeros;
  let c = c0 ?? zeros;
  const ys: Tensor[] = [];
  for (let t = 0; t < T; t++) {
    const gates = add(squeeze(slice(xg, [{ axis: 0, start: t, end: t + 1 }]), 0), matmul(h, wHhT)); // [B, 4H]
    c = add(mul(sigmoid(gate(gates, 1, H)), c), mul(sigmoid(gate(gates, 0, H)), tanh(gate(gates, 2, H))));
    h = mul(sigmoid(gate(gates, 3, H)), tanh(c));
    ys.push(unsqueeze(h, 0));
  }
  return { y: ys.length === 1 ? ys[0] : concat(ys, 0), h, c };
}

/** PyTorch gate blocks i,f,g,o → ONNX i,o,f,c along axis 0. */
function toOnnxGateOrder(t: Tensor, H: number): Tensor {
  const blocks = [0, 1, 2, 3].map((k) => slice(t, [{ axis: 0, start: k * H, end: (k + 1) * H }]));
  return concat([blocks[0], blocks[3], blocks[1], blocks[2]], 0);
}

function onnxLayer(x: Tensor, w: LayerWeights, H: number, h0: Tensor | null, c0: Tensor | null): { y: Tensor; h: Tensor; c: Tensor } {
  const g = x.graph;
  const [T, B] = x.shape as [Dim, Dim];
  const W = unsqueeze(toOnnxGateOrder(w.wIh, H), 0);
  const R = unsqueeze(toOnnxGateOrder(w.wHh, H), 0);
  const Bias = w.bIh && w.bHh ? unsqueeze(concat([toOnnxGateOrder(w.bIh, H), toOnnxGateOrder(w.bHh, H)], 0), 0) : null;
  const [Y, Yh, Yc] = onnxOp(g, {
    opType: 'LSTM',
    inputs: [x, W, R, Bias, null, h0 ? unsqueeze(h0, 0) : null, c0 ? unsqueeze(c0, 0) : null],
    attrs: { hidden_size: { int: H } },
    outputs: [
      { dtype: x.dtype, shape: [T, 1, B, H] },
      { dtype: x.dtype, shape: [1, B, H] },
      { dtype: x.dtype, shape: [1, B, H] },
    ],
  });
  return { y: squeeze(Y, 1), h: squeeze(Yh, 0), c: squeeze(Yc, 0) };
}

/** x [T, B, inputSize]; `state` h/c [L, B, H] (zeros when omitted). */
export function lstm(x: Tensor, o: LstmOptions, state?: LstmState): LstmResult {
  if (x.rank !== 3 || x.shape[2] !== o.inputSize) throw new Error(`lstm ${o.name}: x must be [T, B, ${o.inputSize}], got [${x.shape.join(', ')}]`);
  if (!Number.isInteger(o.numLayers) || o.numLayers < 1) throw new Error(`lstm ${o.name}: numLayers must be a positive integer`);
  const g = x.graph;
  const H = o.hiddenSize;
  return g.scope(lastSegment(o.name), () => {
    let input = x;
    const hs: Tensor[] = [];
    const cs: Tensor[] = [];
    for (let k = 0; k < o.numLayers; k++) {
      const r = g.scope(`l${k}`, () => {
        const w = layerWeights(x, o, k, k === 0 ? o.inputSize : H);
        const pick = (s: Tensor) => squeeze(slice(s, [{ axis: 0, start: k, end: k + 1 }]), 0);
        const h0 = state ? pick(state.h) : null;
        const c0 = state ? pick(state.c) : null;
        return o.implementation === 'unrolled' ? unrolledLayer(input, w, H, h0, c0) : onnxLayer(input, w, H, h0, c0);
      });
      input = r.y;
      hs.push(unsqueeze(r.h, 0));
      cs.push(unsqueeze(r.c, 0));
    }
    return {
      output: input,
      state: { h: hs.length === 1 ? hs[0] : concat(hs, 0), c: cs.length === 1 ? cs[0] : concat(cs, 0) },
    };
  });
}
