/**
 * Vocos (EnCodec features → VocosBackbone → ISTFTHead) as one nn graph:
 *
 *   codes [T, L], bandwidth_id [1]
 *     ─ features: Σ_l codebook_weights[l·1024 + code_l]                  (Vocos.codes_to_features)  [1, C, T]
 *     ─ embed: Conv1d(C → dim, k 7, pad 3)
 *     ─ norm: AdaLayerNorm(bandwidth_id)  = LayerNorm(no affine, eps 1e-6)·scale[id] + shift[id]
 *     ─ ConvNeXt × num_layers:  x + γ ⊙ pwconv2(GELU(pwconv1(AdaLN(dwconv_k7(x)))))
 *     ─ final_layer_norm (affine, eps 1e-6)
 *     ─ head: Linear(dim → n_fft + 2) → log-magnitude | phase; mag = min(exp(·), 100);
 *             X = mag·(cos φ + i sin φ) → iSTFT ("same")                                    pcm [1, 1, T·hop]
 *
 * Tensor names are Vocos' state-dict names (see docs/codecs.md); `taps` adds intermediate outputs for tests.
 */
import { conv1d } from '../../nn/blocks/conv1d.js';
import { INFERENCE_PLAN } from '../../nn/blocks/emit-plan.js';
import { geluExact } from '../../nn/blocks/functional.js';
import { linear } from '../../nn/blocks/linear.js';
import type { ParamSource } from '../../nn/blocks/params.js';
import { add, arange, cos, exp, gather, Graph, minimum, mul, onnxOp, reduceSum, sin, slice, transpose, unsqueeze, type Tensor } from '../../nn/index.js';
import { istftSame } from '../istft/istft-graph.js';
import { ENCODEC_24KHZ_FEATURES, vocosTableLevels, type VocosConfig } from './config.js';

export const VOCOS_LN_EPS = 1e-6;

export interface VocosGraphOptions {
  params: ParamSource;
  config: VocosConfig;
  /** the head's window (the checkpoint's `head.istft.window` when it has one); default periodic Hann */
  window?: Float32Array;
  taps?: boolean;
}

/** LayerNormalization over the last axis; scale/bias null = no affine (ones / zeros). */
function layerNorm(x: Tensor, scale: Tensor | null, bias: Tensor | null, dim: number): Tensor {
  const g = x.graph;
  const s = scale ?? g.constant(new Float32Array(dim).fill(1), [dim], 'float32');
  return onnxOp(g, {
    opType: 'LayerNormalization',
    inputs: bias ? [x, s, bias] : [x, s],
    attrs: { axis: { int: -1 }, epsilon: { float: VOCOS_LN_EPS } },
    outputs: [{ dtype: x.dtype, shape: x.shape }],
  })[0];
}

/** AdaLayerNorm (x [1, T, dim]) or plain LayerNorm when the backbone is not bandwidth-conditioned. */
function adaNorm(x: Tensor, name: string, bandwidthId: Tensor, o: VocosGraphOptions): Tensor {
  const g = x.graph;
  const { dim, adanormNumEmbeddings: n } = o.config;
  return g.scope(name.slice(name.lastIndexOf('.') + 1), () => {
    if (n === null) {
      const w = o.params.param(g, `${name}.weight`, [dim], { kind: 'ones' });
      const b = o.params.param(g, `${name}.bias`, [dim], { kind: 'zeros' });
      return layerNorm(x, w, b, dim);
    }
    const scale = gather(o.params.param(g, `${name}.scale.weight`, [n, dim], { kind: 'ones' }), bandwidthId, 0); // [1, dim]
    const shift = gather(o.params.param(g, `${name}.shift.weight`, [n, dim], { kind: 'zeros' }), bandwidthId, 0);
    return add(mul(layerNorm(x, null, null, dim), scale), shift);
  });
}

function convNeXt(x: Tensor, i: number, bandwidthId: Tensor, o: VocosGraphOptions): Tensor {
  const g = x.graph;
  const { dim, intermediateDim } = o.config;
  const p = `backbone.convnext.${i}`;
  return g.scope(`convnext.${i}`, () => {
    const h = conv1d(x, { params: o.params, name: `${p}.dwconv`, inChannels: dim, outChannels: dim, kernelSize: 7, padding: 3, groups: dim });
    let y = adaNorm(transpose(h, [0, 2, 1]), `${p}.norm`, bandwidthId, o); // [1, T, dim]
    y = linear(y, { params: o.params, name: `${p}.pwconv1`, inFeatures: dim, outFeatures: intermediateDim, bias: true });
    y = geluExact(y, INFERENCE_PLAN);
    y = linear(y, { params: o.params, name: `${p}.pwconv2`, inFeatures: intermediateDim, outFeatures: dim, bias: true });
    y = mul(y, o.params.param(g, `${p}.gamma`, [dim], { kind: 'normal', std: 1 / o.config.numLayers }));
    return add(x, transpose(y, [0, 2, 1]));
  });
}

/** codes int64 [T, L] (L ≤ the table's levels, checked by the caller) → features [1, C, T]. */
export function vocosFeatures(codes: Tensor, o: VocosGraphOptions): Tensor {
  const g = codes.graph;
  const K = ENCODEC_24KHZ_FEATURES.codebookSize;
  return g.scope('feature_extractor', () => {
    const table = o.params.param(g, 'feature_extractor.codebook_weights', [vocosTableLevels(o.config) * K, o.config.inputChannels], { kind: 'normal', std: 1 });
    const rows = gather(table, add(codes, mul(arange(g, codes.shape[1], 'int64'), K)), 0); // [T, L, C]
    return unsqueeze(transpose(reduceSum(rows, 1), [1, 0]), 0);
  });
}

export function vocosGraph(codes: Tensor, bandwidthId: Tensor, o: VocosGraphOptions): Tensor {
  const g = codes.graph;
  const tap = (name: string, t: Tensor) => {
    if (o.taps) g.output(`tap.${name}`, t);
  };
  const { dim, inputChannels, nFft, hopLength } = o.config;
  const features = vocosFeatures(codes, o);
  tap('features', features);
  const hidden = g.scope('backbone', () => {
    let x = conv1d(features, { params: o.params, name: 'backbone.embed', inChannels: inputChannels, outChannels: dim, kernelSize: 7, padding: 3 });
    tap('backbone.embed', x);
    x = transpose(adaNorm(transpose(x, [0, 2, 1]), 'backbone.norm', bandwidthId, o), [0, 2, 1]);
    tap('backbone.norm', x);
    for (let i = 0; i < o.config.numLayers; i++) {
      x = convNeXt(x, i, bandwidthId, o);
      tap(`backbone.convnext.${i}`, x);
    }
    const w = o.params.param(g, 'backbone.final_layer_norm.weight', [dim], { kind: 'ones' });
    const b = o.params.param(g, 'backbone.final_layer_norm.bias', [dim], { kind: 'zeros' });
    return g.scope('final_layer_norm', () => layerNorm(transpose(x, [0, 2, 1]), w, b, dim)); // [1, T, dim]
  });
  tap('backbone', hidden);
  return g.scope('head', () => {
    const F = nFft / 2 + 1;
    const out = transpose(linear(hidden, { params: o.params, name: 'head.out', inFeatures: dim, outFeatures: nFft + 2, bias: true }), [0, 2, 1]); // [1, N+2, T]
    // Vocos clips the magnitude at 1e2 "to prevent excessively large magnitudes".
    const mag = minimum(exp(slice(out, [{ axis: 1, start: 0, end: F }])), 100);
    const phase = slice(out, [{ axis: 1, start: F, end: 2 * F }]);
    const real = mul(mag, cos(phase));
    const imag = mul(mag, sin(phase));
    tap('head.real', real);
    tap('head.imag', imag);
    return istftSame(real, imag, { nFft, hopLength, window: o.window });
  });
}

export function buildVocosGraph(o: VocosGraphOptions): Graph {
  const g = new Graph('vocos');
  const codes = g.input('codes', 'int64', ['T', 'L']);
  const bandwidthId = g.input('bandwidth_id', 'int64', [1]);
  g.output('pcm', vocosGraph(codes, bandwidthId, o));
  return g;
}
