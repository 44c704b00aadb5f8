/** Normalizations over the last axis, composed from primitives. */
import * as P from '../primitives.js';
import type { Tensor } from '../tensor.js';

/** x / sqrt(mean(x²) + eps) · weight (LLaMA's RMSNorm); weight is optional. */
export function rmsNorm(x: Tensor, weight: Tensor | null, eps = 1e-6): Tensor {
  const meanSquare = P.reduceMean(P.mul(x, x), -1, true);
  const normed = P.mul(x, P.reciprocal(P.sqrt(P.add(meanSquare, eps))));
  return weight === null ? normed : P.mul(normed, weight);
}

/** (x - mean) / sqrt(var + eps) · weight + bias over the last axis (biased variance, as PyTorch). */
export function layerNorm(x: Tensor, weight: Tensor | null, bias: Tensor | null, eps = 1e-5): Tensor {
  const centred = P.sub(x, P.reduceMean(x, -1, true));
  const variance = P.reduceMean(P.mul(centred, centred), -1, true);
  let y = P.mul(centred, P.reciprocal(P.sqrt(P.add(variance, eps))));
  if (weight !== null) y = P.mul(y, weight);
  if (bias !== null) y = P.add(y, bias);
  return y;
}
