import { describe, expect, it } from 'vitest';
import { softmax } from './logit-math.js';
import { Xoshiro128StarStar } from './rng.js';
import { applyTopK, applyTopKTopP, applyTopP } from './top-k-top-p.js';

const kept = (row: ArrayLike<number>) => Array.from(row, (v, i) => (v > -Infinity ? i : -1)).filter((i) => i >= 0);

/** Independent characterisations: top-k keeps a token iff fewer than k tokens are strictly larger; top-p iff
 *  the tokens strictly more likely than it hold ≤ p of the probability. */
function bruteTopK(row: number[], k: number): number[] {
  return row.map((v, i) => (row.filter((w) => w > v).length < k ? i : -1)).filter((i) => i >= 0);
}
function bruteTopP(row: number[], p: number): number[] {
  const probs = softmax(row);
  return row
    .map((v, i) => {
      let above = 0;
      row.forEach((w, j) => {
        if (w > v) above += probs[j];
      });
      return above <= p ? i : -1;
    })
    .filter((i) => i >= 0);
}

describe('top-k', () => {
  it('keeps the k largest and every tie of the k-th', () => {
    const row = new Float64Array([1, 5, 3, 3, 0]);
    applyTopK(row, 2);
    expect(kept(row)).toEqual([1, 2, 3]);
    expect(row[0]).toBe(-Infinity);
    expect(row[1]).toBe(5); // survivors unchanged
  });

  it('k = 0 is off and k above the width keeps everything', () => {
    const row = new Float64Array([1, 2, 3]);
    applyTopK(row, 0);
    applyTopK(row, 10);
    expect(Array.from(row)).toEqual([1, 2, 3]);
  });

  it('agrees with the brute-force rule on random rows with ties', () => {
    const rng = Xoshiro128StarStar.fromSeed(11);
    for (let trial = 0; trial < 200; trial++) {
      const row = Array.from({ length: 12 }, () => Math.floor(rng.nextFloat64() * 6) - 3);
      const k = 1 + (rng.nextUint32() % 12);
      const work = Float64Array.from(row);
      applyTopK(work, k);
      expect(kept(work)).toEqual(bruteTopK(row, k));
    }
  });
});

describe('top-p', () => {
  it('keeps the token that crosses p (hand example)', () => {
    // probs 0.5, 0.3, 0.15, 0.05: mass before each = 0, 0.5, 0.8, 0.95. p = 0.7 keeps ranks 0 and 1.
    const row = Float64Array.from([0.5, 0.3, 0.15, 0.05].map(Math.log));
    applyTopP(row, 0.7);
    expect(kept(row)).toEqual([0, 1]);
  });

  it('p = 1 changes nothing, even when the cumulative sum rounds above 1', () => {
    const values = Array.from({ length: 1025 }, (_, i) => Math.sin(i) * 4);
    const row = Float64Array.from(values);
    applyTopP(row, 1);
    expect(Array.from(row)).toEqual(values);
  });

  it('p → 0 keeps exactly the top token', () => {
    for (const p of [0, 1e-12, 0.01]) {
      const row = new Float64Array([0.1, 2, 1.9, -1]);
      applyTopP(row, p);
      expect(kept(row)).toEqual([1]);
    }
  });

  it('keeps tokens tied at the cut together, whatever their order (deviation from torch.sort)', () => {
    // probs ≈ 0.535, 0.197, 0.197, 0.072; p = 0.6: the first tied token is kept (0.535 ≤ 0.6 before it),
    // so its twin is too; the reference would keep whichever torch.sort put first.
    const row = new Float64Array([2, 1, 1, 0]);
    applyTopP(row, 0.6);
    expect(kept(row)).toEqual([0, 1, 2]);
    const swapped = new Float64Array([1, 0, 2, 1]);
    applyTopP(swapped, 0.6);
    expect(kept(swapped)).toEqual([0, 2, 3]);
  });

  it('agrees with the brute-force rule on random rows with ties', () => {
    const rng = Xoshiro128StarStar.fromSeed(12);
    for (let trial = 0; trial < 300; trial++) {
      const row = Array.from({ length: 10 }, () => Math.floor(rng.nextFloat64() * 8) / 2);
      const p = rng.nextFloat64();
      const work = Float64Array.from(row);
      applyTopP(work, p);
      expect(kept(work)).toEqual(bruteTopP(row, p));
    }
  });

  it('runs after top-k on the renormalised survivors', () => {
    // Alone, p0 = e³/(e³+e²+e+1) ≈ 0.644 ≤ 0.7 keeps rank 1. After top-2, p0 = e³/(e³+e²) ≈ 0.731 > 0.7: only rank 0.
    const alone = new Float64Array([3, 2, 1, 0]);
    applyTopP(alone, 0.7);
    expect(kept(alone)).toEqual([0, 1]);
    const both = new Float64Array([3, 2, 1, 0]);
    applyTopKTopP(both, 2, 0.7);
    expect(kept(both)).toEqual([0]);
  });
});
