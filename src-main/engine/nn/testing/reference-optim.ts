/**
 * Reference AdamW step and global-norm gradient clipping, written to match torch.optim.AdamW
 * (amsgrad off, maximize off) and torch.nn.utils.clip_grad_norm_.
 */

export interface AdamWHyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

/**
 * One AdamW update at step t (1-based, already incremented), in place on param/m/v:
 *   p ← p·(1 − lr·wd)                       decoupled decay, before the moment update
 *   m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²
 *   p ← p − (lr / (1−β1^t)) · m / (√v / √(1−β2^t) + eps)   eps added after the bias-corrected sqrt
 */
export function adamwStepReference(
  param: Float64Array,
  grad: ArrayLike<number>,
  m: Float64Array,
  v: Float64Array,
  t: number,
  h: AdamWHyper,
): void {
  const bc1 = 1 - Math.pow(h.beta1, t);
  const bc2 = 1 - Math.pow(h.beta2, t);
  const stepSize = h.lr / bc1;
  for (let i = 0; i < param.length; i++) {
    param[i] *= 1 - h.lr * h.weightDecay;
    m[i] = h.beta1 * m[i] + (1 - h.beta1) * grad[i];
    v[i] = h.beta2 * v[i] + (1 - h.beta2) * grad[i] * grad[i];
    const denom = Math.sqrt(v[i]) / Math.sqrt(bc2) + h.eps;
    param[i] -= (stepSize * m[i]) / denom;
  }
}

/**
 * Scales every gradient in place by min(1, maxNorm / (‖g‖ + 1e-6)), ‖g‖ the L2 norm over all of them
 * together (torch's clip_grad_norm_ with its 1e-6). Returns the norm before clipping.
 */
export function clipGradNormReference(grads: readonly Float64Array[], maxNorm: number): number {
  let ss = 0;
  for (const g of grads) for (let i = 0; i < g.length; i++) ss += g[i] * g[i];
  const norm = Math.sqrt(ss);
  const coef = Math.min(1, maxNorm / (norm + 1e-6));
  if (coef < 1) for (const g of grads) for (let i = 0; i < g.length; i++) g[i] *= coef;
  return norm;
}
