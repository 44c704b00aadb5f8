import { describe, expect, it } from 'vitest';
import { softmax } from './logit-math.js';
import { applyRepetitionPenalty, repetitionPenaltyAt } from './repetition-penalty.js';

/** The reference's `reptition_penalize` (spec §7.2), written out to compare against. */
function referencePenalize(logits: number[], previous: number[], factor: number, decay: number): number[] {
  const out = [...logits];
  if (factor === 1) return out;
  const seen = new Set<number>();
  [...previous].reverse().forEach((token, k) => {
    if (seen.has(token)) return;
    out[token] /= factor * (k + 1) ** decay;
    seen.add(token);
  });
  return out;
}

describe('repetition penalty', () => {
  it('divides a positive logit and multiplies a negative one, at the most recent occurrence only', () => {
    // history [0, 1, 0], factor 2, decay 0: token 0 → 2 / 2 = 1; token 1 → −2 · 2 = −4; tokens 2, 3 untouched.
    const row = new Float64Array([2, -2, 1, 0.5]);
    applyRepetitionPenalty(row, [0, 1, 0], 2, 0);
    expect(Array.from(row)).toEqual([1, -4, 1, 0.5]);
  });

  it('is identical to the reference for positive logits at decay 0', () => {
    const logits = [3, 1.5, 0.2, 4, 2];
    const history = [4, 0, 3, 0, 1];
    const row = Float64Array.from(logits);
    applyRepetitionPenalty(row, history, 1.3, 0);
    expect(Array.from(row)).toEqual(referencePenalize(logits, history, 1.3, 0));
  });

  it('A.14: the reference makes a repeated token with a negative logit MORE likely; ours makes it less likely', () => {
    const logits = [1, -2, 0.5];
    const before = softmax(logits)[1];
    const reference = softmax(referencePenalize(logits, [1], 1.5, 0))[1];
    const row = Float64Array.from(logits);
    applyRepetitionPenalty(row, [1], 1.5, 0);
    expect(reference).toBeGreaterThan(before); // the defect
    expect(softmax(row)[1]).toBeLessThan(before); // the fix
  });

  it('decay fades the penalty with distance: 1 + (factor − 1) · d^−decay', () => {
    // factor 3, decay 1: d = 1 → 3, d = 2 → 2, d = 4 → 1.5.
    expect(repetitionPenaltyAt(3, 1, 1)).toBe(3);
    expect(repetitionPenaltyAt(3, 1, 2)).toBe(2);
    expect(repetitionPenaltyAt(3, 1, 4)).toBe(1.5);
    // history [2, 1, 0, 0]: token 0 at d = 1 (its older occurrence is ignored), token 1 at d = 3, token 2 at d = 4.
    const row = new Float64Array([6, 6, 6, 6]);
    applyRepetitionPenalty(row, [2, 1, 0, 0], 3, 1);
    expect(row[0]).toBeCloseTo(6 / 3, 14);
    expect(row[1]).toBeCloseTo(6 / (1 + 2 / 3), 14);
    expect(row[2]).toBeCloseTo(6 / 1.5, 14);
    expect(row[3]).toBe(6);
  });

  it('with decay > 0, older tokens are penalised less (the reference penalises them more)', () => {
    const ours = Float64Array.from([5, 5]);
    applyRepetitionPenalty(ours, [0, 1], 2, 1); // token 1 recent (d = 1), token 0 older (d = 2)
    expect(ours[0]).toBeGreaterThan(ours[1]);
    const reference = referencePenalize([5, 5], [0, 1], 2, 1);
    expect(reference[0]).toBeLessThan(reference[1]);
  });

  it('factor 1 is a no-op; −∞ stays −∞; 0 stays 0', () => {
    const row = new Float64Array([1, -Infinity, 0]);
    applyRepetitionPenalty(row, [0, 1, 2], 1, 0);
    expect(Array.from(row)).toEqual([1, -Infinity, 0]);
    applyRepetitionPenalty(row, [0, 1, 2], 2, 0);
    expect(Array.from(row)).toEqual([0.5, -Infinity, 0]);
  });

  it('rejects a history token outside the row', () => {
    expect(() => applyRepetitionPenalty(new Float64Array(4), [4], 2, 0)).toThrow(/outside the logits row/);
  });
});
