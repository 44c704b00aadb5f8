import type { LogitRow } from './logit-math.js';

/** Matches are not extended past this many tokens (or `allowedLength`, if larger): keeps base^n finite and the scan linear. */
export const DRY_MAX_MATCH_LENGTH = 50;

export interface DryParams {
  /** 0 = off. */
  multiplier: number;
  base: number;
  allowedLength: number;
}

/**
 * For every token that would continue an earlier repeat, the length of the longest such repeat.
 *
 * DRY ("don't repeat yourself", p-e-w, text-generation-webui PR 5677 — the reference's credited source): for
 * each earlier position i holding the same token as the last one, the token at i + 1 is what came next last
 * time. The match length is how far the text ending at i agrees with the text ending at the last token,
 * counted backwards (at least 1: the last token itself). Emitting that next token would extend a repeat of
 * that length.
 *
 * Deviations from the reference's `dry_sampling` (spec §7.6), which is not this algorithm:
 * - it walks every position i and penalises the token *at* i instead of the token after a match, and
 *   compares with `previous[-length-1]`, i.e. against the sequence without its last token (off by one);
 * - it gives every token a length of at least 1 without any match, and the most recent token always matches
 *   itself in full, so it gets the maximum length min(N, 50) — with a non-zero multiplier the last token is
 *   effectively banned;
 * - the penalty loop stops (`break`) at the first token, in first-seen order, whose length is below the
 *   allowed length. The first-seen token is `previous[0]`, whose length is usually 1 (position 0 has
 *   nothing before it), so with the default allowed length 2 almost nothing is ever penalised;
 * - it crashes on the 1-D AR sequence (A.11: it indexes `prev[:, -1]`).
 * Since the reference DRY can never run at 31e8b7e (A.11), no output can depend on its exact logic; this is
 * the canonical algorithm it was ported from, with the reference's cap `max(allowedLength, 50)`. Audio codes
 * have no "sequence breakers", so there are none here.
 */
export function dryMatchLengths(history: ArrayLike<number>, allowedLength: number): Map<number, number> {
  const lengths = new Map<number, number>();
  const n = history.length;
  if (n < 2) return lengths;
  const last = history[n - 1];
  const cap = Math.max(allowedLength, DRY_MAX_MATCH_LENGTH);
  // Positions before the last one only: the last token trivially "matches" itself.
  for (let i = 0; i < n - 1; i++) {
    if (history[i] !== last) continue;
    const next = history[i + 1];
    let length = 1;
    while (length < cap) {
      const j = i - length;
      if (j < 0 || history[j] !== history[n - 1 - length]) break;
      length++;
    }
    const prev = lengths.get(next);
    if (prev === undefined || length > prev) lengths.set(next, length);
  }
  return lengths;
}

/** Subtracts `multiplier · base^(length − allowedLength)` from every token whose repeat length reaches `allowedLength`. */
export function applyDry(logits: LogitRow, history: ArrayLike<number>, params: DryParams): void {
  if (params.multiplier === 0) return;
  for (const [token, length] of dryMatchLengths(history, params.allowedLength)) {
    if (length < params.allowedLength) continue;
    if (token < 0 || token >= logits.length) {
      throw new RangeError(`history token ${token} is outside the logits row (width ${logits.length})`);
    }
    logits[token] -= params.multiplier * params.base ** (length - params.allowedLength);
  }
}
