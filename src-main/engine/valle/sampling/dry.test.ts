import { describe, expect, it } from 'vitest';
import { DRY_MAX_MATCH_LENGTH, applyDry, dryMatchLengths } from './dry.js';
import { Xoshiro128StarStar } from './rng.js';

const asObject = (m: Map<number, number>) => Object.fromEntries([...m].sort((a, b) => a[0] - b[0]));

/**
 * Independent definition: candidate c gets the largest L (≤ cap) such that for some i < N − 1 with
 * h[i + 1] = c, the L tokens ending at i equal the last L tokens of the history.
 */
function bruteMatchLengths(h: number[], cap: number): Record<number, number> {
  const out: Record<number, number> = {};
  const n = h.length;
  for (let i = 0; i < n - 1; i++) {
    let best = 0;
    for (let L = 1; L <= Math.min(cap, i + 1); L++) {
      const a = h.slice(i - L + 1, i + 1).join(',');
      const b = h.slice(n - L).join(',');
      if (a === b) best = L;
      else break;
    }
    if (best > 0) out[h[i + 1]] = Math.max(out[h[i + 1]] ?? 0, best);
  }
  return out;
}

/** The reference's `dry_sampling` (spec §7.6) on a 1-D history, to show what the fixes change. */
function referenceDry(logits: number[], previous: number[], factor: number, base: number, allowed: number): number[] {
  const out = [...logits];
  const lengths = new Map<number, number>();
  previous.forEach((token, i) => {
    let length = 1;
    while (length < Math.max(allowed, 50)) {
      const j = i - length;
      if (j < 0 || previous[j] !== previous[previous.length - length - 1]) break;
      length++;
    }
    lengths.set(token, Math.max(length, lengths.get(token) ?? 0));
  });
  for (const [token, length] of lengths) {
    if (length < allowed) break;
    out[token] -= factor * base ** (length - allowed);
  }
  return out;
}

describe('DRY match lengths', () => {
  it('hand examples', () => {
    // [1 2 3 1 2]: the earlier "1 2" was followed by 3 → emitting 3 repeats a run of 2.
    expect(asObject(dryMatchLengths([1, 2, 3, 1, 2], 2))).toEqual({ 3: 2 });
    // [1 2 3 4 1 2 3]: "1 2 3" was followed by 4 → length 3.
    expect(asObject(dryMatchLengths([1, 2, 3, 4, 1, 2, 3], 2))).toEqual({ 4: 3 });
    // [7 1 2 9 1 2 8 1 2]: "1 2" was followed by 9 and by 8; the token before differs (7/9 vs 8) → both length 2.
    expect(asObject(dryMatchLengths([7, 1, 2, 9, 1, 2, 8, 1, 2], 2))).toEqual({ 8: 2, 9: 2 });
    // [5 5 5 5]: the match at i = 2 extends back over 3 tokens.
    expect(asObject(dryMatchLengths([5, 5, 5, 5], 2))).toEqual({ 5: 3 });
    // The last token never occurred before → nothing to penalise.
    expect(asObject(dryMatchLengths([1, 2, 3, 4], 2))).toEqual({});
    expect(asObject(dryMatchLengths([9], 2))).toEqual({});
  });

  it('caps the match at max(allowedLength, 50)', () => {
    const run = new Array(120).fill(4);
    expect(dryMatchLengths(run, 2).get(4)).toBe(DRY_MAX_MATCH_LENGTH);
    expect(dryMatchLengths(run, 70).get(4)).toBe(70);
  });

  it('agrees with the brute-force definition on random sequences with repeats', () => {
    const rng = Xoshiro128StarStar.fromSeed(3);
    for (let trial = 0; trial < 300; trial++) {
      const alphabet = 2 + (rng.nextUint32() % 4);
      const n = 1 + (rng.nextUint32() % 40);
      const h = Array.from({ length: n }, () => rng.nextUint32() % alphabet);
      expect(asObject(dryMatchLengths(h, 2))).toEqual(bruteMatchLengths(h, 50));
    }
  });
});

describe('applyDry', () => {
  it('subtracts multiplier · base^(length − allowed) from tokens at or above the allowed length', () => {
    // [1 2 3 4 1 2 3]: token 4 has length 3; allowed 2 → 0.8 · 1.75^1 = 1.4. allowed 3 → 0.8. allowed 4 → none.
    const h = [1, 2, 3, 4, 1, 2, 3];
    for (const [allowed, penalty] of [
      [2, 1.4],
      [3, 0.8],
      [4, 0],
    ]) {
      const row = new Float64Array(6).fill(1);
      applyDry(row, h, { multiplier: 0.8, base: 1.75, allowedLength: allowed });
      expect(row[4]).toBeCloseTo(1 - penalty, 14);
      for (const other of [0, 1, 2, 3, 5]) expect(row[other]).toBe(1);
    }
  });

  it('multiplier 0 is a no-op', () => {
    const row = new Float64Array([1, 1, 1]);
    applyDry(row, [0, 1, 0, 1], { multiplier: 0, base: 1.75, allowedLength: 1 });
    expect(Array.from(row)).toEqual([1, 1, 1]);
  });

  it('fixes the reference: it bans the last token outright, and its break skips real repeats', () => {
    // [2 5 6 2 5 6 2]: "2 5 6" repeats; emitting 5 would extend "2 5 6 2" (length 4) → canonical DRY penalises 5
    // by 1.75^(4−2). The reference gives the last token 2 its full self-match length 7 (1.75^5 ≈ 16.4, in
    // effect a ban) and then breaks at 5, whose length is 1.
    const h = [2, 5, 6, 2, 5, 6, 2];
    const ref = referenceDry(new Array(7).fill(0), h, 1, 1.75, 2);
    const ours = new Float64Array(7);
    applyDry(ours, h, { multiplier: 1, base: 1.75, allowedLength: 2 });
    expect(ref[2]).toBeCloseTo(-(1.75 ** 5), 12);
    expect(ref[5]).toBe(0);
    expect(ours[2]).toBe(0);
    expect(ours[5]).toBeCloseTo(-(1.75 ** 2), 12);
    // [1 2 3 1 2]: previous[0] = 1 has length 1 < 2 and is first in insertion order, so the reference's `break`
    // stops before penalising anything; canonical DRY penalises 3 (would repeat "1 2 3").
    const h2 = [1, 2, 3, 1, 2];
    expect(referenceDry([0, 0, 0, 0], h2, 1, 1.75, 2)).toEqual([0, 0, 0, 0]);
    const ours2 = new Float64Array(4);
    applyDry(ours2, h2, { multiplier: 1, base: 1.75, allowedLength: 2 });
    expect(Array.from(ours2)).toEqual([0, 0, 0, -1]);
  });
});
