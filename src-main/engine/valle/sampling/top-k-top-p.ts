import { softmax, sortDescending, type LogitRow } from './logit-math.js';

/**
 * Top-k: every logit strictly below the k-th largest becomes −∞, so ties with the k-th survive (as
 * `logits < topk(logits, k)[..., -1]` in the reference). k ≤ 0 is off; k is capped at the row width.
 */
export function applyTopK(logits: LogitRow, k: number): void {
  if (k <= 0) return;
  const kk = Math.min(k, logits.length);
  const sorted = Float64Array.from(logits).sort();
  const threshold = sorted[sorted.length - kk];
  for (let i = 0; i < logits.length; i++) if (logits[i] < threshold) logits[i] = -Infinity;
}

/**
 * Top-p (nucleus), the reference's rule: walk the tokens from most to least likely; a token is kept while the
 * probability of the tokens *before* it is ≤ p, so the token that crosses p is kept and the top token always
 * is (min tokens 1). p ≥ 1 is off; p = 0 keeps only the top token. Probabilities are the softmax of the row as
 * given — after top-k, so the survivors of top-k are renormalised.
 *
 * Deviation (not an Appendix A item): the reference orders equal logits by torch.sort, which leaves ties in
 * no specified order, so of two equally likely tokens at the cut one may survive and the other not, by
 * accident. Here a token tied with the last kept token is kept too (the same rule top-k uses). Without ties
 * at the cut the kept set is identical, up to float32-vs-float64 rounding of the cumulative sum exactly at p.
 */
export function applyTopP(logits: LogitRow, p: number): void {
  if (p >= 1) return;
  const probs = softmax(logits);
  const order = sortDescending(logits);
  let before = 0;
  let lastKept = Infinity;
  for (let rank = 0; rank < order.length; rank++) {
    const i = order[rank];
    const v = logits[i];
    if (rank === 0 || before <= p || v === lastKept) lastKept = v;
    else logits[i] = -Infinity;
    before += probs[i];
  }
}

/** Top-k, then top-p on what top-k left (spec §7.4 order). */
export function applyTopKTopP(logits: LogitRow, k: number, p: number): void {
  applyTopK(logits, k);
  applyTopP(logits, p);
}
