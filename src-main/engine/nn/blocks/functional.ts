/**
 * Elementwise and normalisation pieces the blocks share, each in two spellings chosen by the EmitPlan:
 * primitives (differentiable) or one fused ONNX node (inference only, faster in ORT).
 */
import { softmax } from '../composite/activations.js';
import { rmsNorm } from '../composite/normalization.js';
import { add, div, erf, mul, onnxOp } from '../primitives.js';
import type { Tensor } from '../tensor.js';
import type { EmitPlan } from './emit-plan.js';

/** Softmax over the last axis (the core's composite: max-shifted, the shift under stopGradient). */
export function softmaxLastAxis(x: Tensor, plan: EmitPlan): Tensor {
  if (plan.mode === 'inference') {
    return onnxOp(x.graph, { opType: 'Softmax', inputs: [x], attrs: { axis: { int: -1 } }, outputs: [{ dtype: x.dtype, shape: x.shape }] })[0];
  }
  return softmax(x, -1);
}

/**
 * w ⊙ x / sqrt(mean(x²) + eps) over the last axis: one SimplifiedLayerNormalization node for inference,
 * the core's composite (x·x, not Pow: ORT's Pow with a float exponent calls pow() per element) otherwise.
 */
export function rmsNormalize(x: Tensor, weight: Tensor, eps: number, plan: EmitPlan): Tensor {
  if (plan.mode === 'inference') {
    return onnxOp(x.graph, {
      opType: 'SimplifiedLayerNormalization',
      inputs: [x, weight],
      attrs: { axis: { int: -1 }, epsilon: { float: eps } },
      outputs: [{ dtype: x.dtype, shape: x.shape }],
    })[0];
  }
  return rmsNorm(x, weight, eps);
}

/** Exact (erf) GELU: x·½·(1 + erf(x/√2)), the spelling ORT's GeluFusion matches. */
export function geluExact(x: Tensor, plan: EmitPlan): Tensor {
  if (plan.mode === 'inference') {
    return onnxOp(x.graph, { opType: 'Gelu', domain: 'com.microsoft', inputs: [x], outputs: [{ dtype: x.dtype, shape: x.shape }] })[0];
  }
  return mul(mul(x, add(erf(div(x, Math.SQRT2)), 1)), 0.5);
}

export { silu } from '../composite/activations.js';
