import { describe, expect, it } from 'vitest';
import { applyLengthPenalty } from './length-penalty.js';
import { softmax } from './logit-math.js';

describe('length penalty', () => {
  it('scales the stop logit by length^factor in the direction of the factor, whatever its sign', () => {
    // length 4, factor 0.5 → scale 2: +3 → 1.5 (divided), −3 → −6 (multiplied); other logits untouched.
    const pos = new Float64Array([1, 3]);
    applyLengthPenalty(pos, 4, 0.5, 1);
    expect(Array.from(pos)).toEqual([1, 1.5]);
    const neg = new Float64Array([1, -3]);
    applyLengthPenalty(neg, 4, 0.5, 1);
    expect(Array.from(neg)).toEqual([1, -6]);
    // factor −0.5 → scale 0.5: +3 → 6, −3 → −1.5.
    const posShort = new Float64Array([1, 3]);
    applyLengthPenalty(posShort, 4, -0.5, 1);
    expect(posShort[1]).toBe(6);
    const negShort = new Float64Array([1, -3]);
    applyLengthPenalty(negShort, 4, -0.5, 1);
    expect(negShort[1]).toBe(-1.5);
  });

  it('factor > 0 always lowers the stop probability, factor < 0 always raises it', () => {
    for (const stopLogit of [2.5, -2.5]) {
      const before = softmax([0.3, stopLogit])[1];
      const longer = new Float64Array([0.3, stopLogit]);
      applyLengthPenalty(longer, 10, 1, 1);
      const shorter = new Float64Array([0.3, stopLogit]);
      applyLengthPenalty(shorter, 10, -1, 1);
      expect(softmax(longer)[1]).toBeLessThan(before);
      expect(softmax(shorter)[1]).toBeGreaterThan(before);
    }
  });

  it('factor 0 is a no-op and a stop token outside the row is an error', () => {
    const row = new Float64Array([1, 2]);
    applyLengthPenalty(row, 100, 0, 1);
    expect(Array.from(row)).toEqual([1, 2]);
    expect(() => applyLengthPenalty(row, 3, 1, 2)).toThrow(/outside the logits row/);
  });
});
