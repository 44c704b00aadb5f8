import type { LogitRow } from './logit-math.js';

/**
 * How strongly a token last seen `distance` steps ago (1 = the previous token) is penalised:
 * `1 + (factor − 1) · distance^(−decay)`. With decay 0 every seen token gets exactly `factor`, as in the
 * reference; with decay > 0 the penalty fades towards 1 (no effect) the longer ago the token was.
 *
 * Deviation (not an Appendix A item; found while porting): the reference divides by `factor · distance^decay`,
 * so a positive decay penalises *older* tokens more, and a negative decay drives the divisor below 1 for old
 * tokens, turning the penalty into a reward. Both contradict "decay". Identical to the reference at decay 0,
 * the default of every reference entry point.
 */
export function repetitionPenaltyAt(factor: number, decay: number, distance: number): number {
  return 1 + (factor - 1) * distance ** -decay;
}

/**
 * Penalises every token in `history` once, at its most recent occurrence (the reference's `one_time=True`):
 * a positive logit is divided by the penalty, a negative one multiplied, so a penalty > 1 always makes the
 * token less likely.
 *
 * Deviation (spec A.14, §7.2): the reference divides regardless of sign, so with factor > 1 a repeated token
 * whose logit is negative becomes *more* likely. Appendix A suggests replicating; we fix it because the option
 * exists to discourage repeats and the reference's behaviour flips that for exactly the unlikely tokens. For
 * positive logits the result is identical.
 */
export function applyRepetitionPenalty(logits: LogitRow, history: ArrayLike<number>, factor: number, decay: number): void {
  if (factor === 1) return;
  const seen = new Set<number>();
  for (let i = history.length - 1; i >= 0; i--) {
    const token = history[i];
    if (seen.has(token)) continue;
    seen.add(token);
    if (!Number.isInteger(token) || token < 0 || token >= logits.length) {
      throw new RangeError(`history token ${token} at position ${i} is outside the logits row (width ${logits.length})`);
    }
    const penalty = repetitionPenaltyAt(factor, decay, history.length - i);
    const v = logits[token];
    logits[token] = v > 0 ? v / penalty : v * penalty;
  }
}
