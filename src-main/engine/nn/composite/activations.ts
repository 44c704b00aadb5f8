/** Activations and softmax, composed from primitives (no gradient rules of their own). */
import * as P from '../primitives.js';
import type { Tensor } from '../tensor.js';

/** exp(x - max) / Σ exp(x - max) along `axis`; the max is a constant shift, so no gradient flows through it. */
export function softmax(x: Tensor, axis = -1): Tensor {
  const shifted = P.sub(x, P.stopGradient(P.reduceMax(x, axis, true)));
  const e = P.exp(shifted);
  return P.div(e, P.reduceSum(e, axis, true));
}

/** (x - max) - log Σ exp(x - max) along `axis`. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  const shifted = P.sub(x, P.stopGradient(P.reduceMax(x, axis, true)));
  return P.sub(shifted, P.log(P.reduceSum(P.exp(shifted), axis, true)));
}

/** x · sigmoid(x) */
export function silu(x: Tensor): Tensor {
  return P.mul(x, P.sigmoid(x));
}

export type GeluApproximation = 'erf' | 'tanh';

/** 0.5·x·(1 + erf(x/√2)), or the tanh approximation used by GPT-2 style models. */
export function gelu(x: Tensor, approximate: GeluApproximation = 'erf'): Tensor {
  if (approximate === 'erf') return P.mul(P.mul(x, 0.5), P.add(P.erf(P.mul(x, Math.SQRT1_2)), 1));
  const cubic = P.mul(P.mul(P.mul(x, x), x), 0.044715);
  const inner = P.mul(P.add(x, cubic), Math.sqrt(2 / Math.PI));
  return P.mul(P.mul(x, 0.5), P.add(P.tanh(inner), 1));
}

/** x for x > 0, alpha·(exp(x) - 1) otherwise. exp sees min(x, 0) so the untaken branch cannot overflow. */
export function elu(x: Tensor, alpha = 1): Tensor {
  const negative = P.mul(P.sub(P.exp(P.minimum(x, 0)), 1), alpha);
  return P.where(P.greater(x, 0), x, negative);
}
