/**
 * Reference softmax cross-entropy over class logits with an ignore index and optional per-position weights.
 */
import type { RefTensor } from './reference-tensor.js';

export interface CrossEntropyOptions {
  /** Targets equal to this are skipped (PyTorch's default −100). */
  ignoreIndex?: number;
  /** One weight per position [N]; default 1. */
  weights?: RefTensor;
  /** 'mean' divides by the sum of weights of the counted positions (PyTorch's weighted mean). */
  reduction?: 'mean' | 'sum';
}

/**
 * logits [N, C], targets N integer class ids. Per position nll_i = logsumexp(logits_i) − logits_i[target_i];
 * loss = Σ w_i·nll_i (sum) or that divided by Σ w_i (mean), over non-ignored i. With nothing counted the
 * mean is 0 (not NaN), so an all-padding batch cannot poison a training step.
 */
export function crossEntropy(
  logits: RefTensor,
  targets: ArrayLike<number>,
  opts: CrossEntropyOptions = {},
): { loss: number; perPosition: Float64Array } {
  const [N, C] = logits.shape;
  if (targets.length !== N) throw new Error(`crossEntropy: ${N} rows, ${targets.length} targets`);
  const ignore = opts.ignoreIndex ?? -100;
  const per = new Float64Array(N);
  let num = 0;
  let den = 0;
  for (let i = 0; i < N; i++) {
    const t = targets[i];
    if (t === ignore) continue;
    if (!Number.isInteger(t) || t < 0 || t >= C) throw new Error(`crossEntropy: target ${t} out of [0, ${C})`);
    let max = -Infinity;
    for (let j = 0; j < C; j++) max = Math.max(max, logits.data[i * C + j]);
    let s = 0;
    for (let j = 0; j < C; j++) s += Math.exp(logits.data[i * C + j] - max);
    per[i] = max + Math.log(s) - logits.data[i * C + t];
    const w = opts.weights ? opts.weights.data[i] : 1;
    num += w * per[i];
    den += w;
  }
  const loss = (opts.reduction ?? 'mean') === 'sum' ? num : den === 0 ? 0 : num / den;
  return { loss, perPosition: per };
}
