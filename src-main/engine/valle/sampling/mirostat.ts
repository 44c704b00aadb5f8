import { softmax, sortDescending } from './logit-math.js';
import { sampleCategorical } from './categorical.js';
import type { Rng } from './rng.js';

/**
 * Mirostat v1 (Basu et al. 2021; the reference's `mirostat_sample`, credited to basusourya/mirostat): keeps
 * the surprise (−log2 p of the drawn token) near a target τ by adapting how many top tokens are eligible.
 * State lives per sequence and carries from step to step.
 */
export interface MirostatState {
  /** Target surprise in bits. */
  readonly tau: number;
  /** Learning rate of the μ update. */
  readonly eta: number;
  /** Vocabulary size in the Zipf normalisation. */
  readonly n: number;
  /** Current maximum surprise μ (the reference's `max_surprise`). */
  mu: number;
  /** Surprise of the last drawn token (`index_surprise`), NaN before the first draw. */
  lastSurprise: number;
  /** Σ surprise over all draws (`running_total_surprise`). */
  runningTotalSurprise: number;
  /** Draws so far. */
  steps: number;
}

/**
 * A fresh state with μ = 2τ, as Mirostat defines it.
 *
 * Deviation (spec A.16): the reference's AR loop initialises `max_surprise = 2·eta` (meant 2·tau) and shares
 * one state dict between all sequences of a batch. Here μ starts at 2τ and each `TokenSampler` owns its state.
 */
export function createMirostatState(tau: number, eta: number, n: number): MirostatState {
  return { tau, eta, n, mu: 2 * tau, lastSurprise: Number.NaN, runningTotalSurprise: 0, steps: 0 };
}

/** Number of rank pairs the Zipf exponent is estimated from (the reference's `range(100)`). */
export const ZIPF_ESTIMATE_RANKS = 100;

/**
 * Least-squares estimate of the Zipf exponent s from the top of a descending probability list:
 * `s = Σ ln(p_i / p_{i+1}) · ln((i+2)/(i+1)) / Σ ln((i+2)/(i+1))²` over i < 100.
 *
 * Deviation (not an Appendix A item; spec §7.7): the reference always uses 100 pairs and divides by zero —
 * and raises — when fewer than 101 tokens have non-zero probability (after top-k/top-p, or by float32
 * underflow). Here only pairs with both probabilities > 0 count; the result is identical whenever the
 * reference would not crash. Returns NaN when there is no such pair (a single candidate).
 */
export function estimateZipfExponent(sortedProbs: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  let pairs = 0;
  for (let i = 0; i < ZIPF_ESTIMATE_RANKS && i + 1 < sortedProbs.length; i++) {
    if (!(sortedProbs[i + 1] > 0)) break;
    const b = sortedProbs[i] / sortedProbs[i + 1];
    const t = (i + 2) / (i + 1);
    num += Math.log(b) * Math.log(t);
    den += Math.log(t) ** 2;
    pairs++;
  }
  return pairs === 0 ? Number.NaN : num / den;
}

/**
 * How many top tokens are eligible: `round(((ε · 2^μ) / (1 − n^(−ε)))^(1/s)) + 1` with ε = s − 1 (the
 * reference's `compute_k(...) + 1`), clamped to [1, candidates]. At ε = 0 the expression is 0/0; its limit
 * 2^μ / ln n is used. The clamp only matters where the reference would slice past the end (harmless) or get a
 * non-finite k (s = 0: all candidates equally likely → all of them).
 */
export function mirostatTopK(sortedProbs: ArrayLike<number>, n: number, mu: number, candidates: number): number {
  const s = estimateZipfExponent(sortedProbs);
  if (Number.isNaN(s)) return 1;
  const eps = s - 1;
  const base = Math.abs(eps) < 1e-12 ? 2 ** mu / Math.log(n) : (eps * 2 ** mu) / (1 - n ** -eps);
  const k = Math.round(base ** (1 / s)) + 1;
  if (!Number.isFinite(k)) return candidates;
  return Math.min(Math.max(k, 1), candidates);
}

/**
 * One Mirostat draw from a row of already processed logits (penalised, filtered, temperature-scaled — spec
 * §7.1): sort descending, keep the top k, draw from their renormalised softmax, then
 * `surprise = log2(1 / p_full(token))`, `μ ← μ − η · (surprise − τ)`. Returns the token id; mutates `state`.
 * Ties in the sort are broken by ascending id (torch.sort leaves them unspecified).
 */
export function mirostatSample(logits: ArrayLike<number>, state: MirostatState, rng: Rng): number {
  const order = sortDescending(logits);
  const sorted = new Float64Array(order.length);
  for (let r = 0; r < order.length; r++) sorted[r] = logits[order[r]];
  const probs = softmax(sorted);
  let candidates = 0;
  while (candidates < probs.length && probs[candidates] > 0) candidates++;
  const k = mirostatTopK(probs, state.n, state.mu, candidates);
  const rank = sampleCategorical(sorted.subarray(0, k), rng);
  const surprise = Math.log2(1 / probs[rank]);
  state.lastSurprise = surprise;
  state.runningTotalSurprise += surprise;
  state.mu -= state.eta * (surprise - state.tau);
  state.steps++;
  return order[rank];
}
