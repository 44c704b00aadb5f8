import type { LogitRow } from './logit-math.js';

/**
 * Sets every logit from `firstBanned` on to −∞ so those ids can never be drawn.
 *
 * Deviation from the reference (spec A.10): its `ban_tokens` skips a token when `logits.shape[-1] >= token`
 * — the bounds check is inverted, so it never bans anything and a NAR level can emit the stop token 1024.
 * Under greedy decoding this changes nothing unless 1024 was the argmax (where the reference would decode
 * garbage); when sampling, the remaining codes are renormalised without it.
 */
export function banTokensFrom(logits: LogitRow, firstBanned: number): void {
  for (let i = Math.max(0, firstBanned); i < logits.length; i++) logits[i] = -Infinity;
}
