/** Losses, composed from primitives. */
import * as P from '../primitives.js';
import { dimEquals, formatShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { logSoftmax } from './activations.js';

export interface CrossEntropyOptions {
  /** positions whose target equals this contribute nothing (PyTorch's default is -100) */
  ignoreIndex?: number;
  /** per-position weights shaped like the targets (float, same dtype as the logits) */
  weights?: Tensor;
  /** 'mean' (default): Σ w·nll / Σ w over counted positions (0 when none count); 'sum'; 'none': per position */
  reduction?: 'mean' | 'sum' | 'none';
}

/**
 * Cross-entropy of `logits` [..., V] against integer `targets` [...]: -log softmax(logits)[target].
 * The target's log-probability is picked with a one-hot mask (Equal against arange(V)), so an ignored or
 * out-of-range target selects nothing.
 */
export function crossEntropy(logits: Tensor, targets: Tensor, options: CrossEntropyOptions = {}): Tensor {
  const g = logits.graph;
  if (targets.dtype !== 'int64' && targets.dtype !== 'int32') {
    throw new Error(`crossEntropy: targets are ${targets.dtype}; they must be int64 or int32`);
  }
  const lead = logits.shape.slice(0, -1);
  if (lead.length !== targets.rank || lead.some((d, i) => !dimEquals(d, targets.shape[i]))) {
    throw new Error(`crossEntropy: logits ${formatShape(logits.shape)} need targets ${formatShape(lead)}, got ${formatShape(targets.shape)}`);
  }
  const ids = targets.dtype === 'int64' ? targets : P.cast(targets, 'int64');
  const vocab = logits.shape[logits.rank - 1];
  const oneHot = P.cast(P.equal(P.unsqueeze(ids, -1), P.arange(g, vocab, 'int64')), logits.dtype);
  const nll = P.neg(P.reduceSum(P.mul(logSoftmax(logits, -1), oneHot), -1));
  let weight: Tensor | null = null;
  if (options.ignoreIndex !== undefined) {
    weight = P.cast(P.logicalNot(P.equal(ids, options.ignoreIndex)), logits.dtype);
  }
  if (options.weights !== undefined) {
    const w = options.weights;
    if (w.dtype !== logits.dtype || w.rank !== targets.rank || w.shape.some((d, i) => !dimEquals(d, targets.shape[i]))) {
      throw new Error(`crossEntropy: weights ${w} must be ${logits.dtype}${formatShape(targets.shape)}`);
    }
    weight = weight === null ? w : P.mul(weight, w);
  }
  const perPosition = weight === null ? nll : P.mul(nll, weight);
  const reduction = options.reduction ?? 'mean';
  if (reduction === 'none') return perPosition;
  const all = targets.shape.map((_, i) => i);
  if (all.length === 0) return perPosition;
  const total = P.reduceSum(perPosition, all);
  if (reduction === 'sum') return total;
  const count = weight === null ? P.size(targets, logits.dtype) : P.reduceSum(weight, all);
  // nothing counted → loss 0, not NaN
  return P.div(total, P.where(P.greater(count, 0), count, 1));
}
