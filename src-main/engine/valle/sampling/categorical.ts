import { argmax, rowMax } from './logit-math.js';
import type { Rng } from './rng.js';

/**
 * Temperatures below this are greedy. The reference switches at exactly ≤ 0; a temperature of 1e-6 would
 * divide the logits into the millions and sample the argmax anyway (or overflow in float32), so anything this
 * small is treated as 0 and takes no random draw.
 */
export const GREEDY_TEMPERATURE_EPSILON = 1e-4;

export function isGreedyTemperature(temperature: number): boolean {
  return temperature < GREEDY_TEMPERATURE_EPSILON;
}

/** Greedy decoding: the most likely token, lowest index on ties (torch.argmax). */
export function greedyToken(logits: ArrayLike<number>): number {
  return argmax(logits);
}

/**
 * Draws one index with probability softmax(logits)[i], with one uniform number u from `rng`: the first index
 * whose cumulative weight exceeds u · total. Weights are exp(l − max) in float64, unnormalised so rounding in
 * a normalisation cannot leave a gap at the top. −∞ entries have weight 0 and are never drawn.
 */
export function sampleCategorical(logits: ArrayLike<number>, rng: Rng): number {
  const m = rowMax(logits);
  const weights = new Float64Array(logits.length);
  let total = 0;
  for (let i = 0; i < logits.length; i++) {
    weights[i] = Math.exp(logits[i] - m);
    total += weights[i];
  }
  const target = rng.nextFloat64() * total;
  let acc = 0;
  let lastPositive = -1;
  for (let i = 0; i < weights.length; i++) {
    if (weights[i] === 0) continue;
    acc += weights[i];
    lastPositive = i;
    if (target < acc) return i;
  }
  // Only reachable when float rounding leaves acc a hair below target at the very end.
  return lastPositive;
}
