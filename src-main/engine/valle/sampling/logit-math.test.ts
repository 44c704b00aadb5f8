import { describe, expect, it } from 'vitest';
import { argmax, assertSampleable, logSoftmax, softmax, sortDescending } from './logit-math.js';

describe('logit math', () => {
  it('softmax matches exp/sum and gives −∞ probability 0', () => {
    const p = softmax([0, Math.log(3), -Infinity]);
    expect(p[0]).toBeCloseTo(0.25, 15);
    expect(p[1]).toBeCloseTo(0.75, 15);
    expect(p[2]).toBe(0);
  });

  it('softmax does not overflow on huge logits', () => {
    const p = softmax([1000, 1000]);
    expect(Array.from(p)).toEqual([0.5, 0.5]);
  });

  it('logSoftmax is the log of softmax', () => {
    const row = [1.5, -2, 0.25, 3];
    const lp = logSoftmax(row);
    const p = softmax(row);
    for (let i = 0; i < row.length; i++) expect(lp[i]).toBeCloseTo(Math.log(p[i]), 12);
  });

  it('argmax takes the lowest index on ties', () => {
    expect(argmax([1, 3, 3, 2])).toBe(1);
    expect(argmax([-Infinity, -Infinity, -5])).toBe(2);
  });

  it('sortDescending orders ties by index, −∞ last', () => {
    expect(Array.from(sortDescending([1, -Infinity, 3, 1, -Infinity, 3]))).toEqual([2, 5, 0, 3, 1, 4]);
  });

  it('assertSampleable rejects NaN and all −∞', () => {
    expect(() => assertSampleable([0, Number.NaN])).toThrow(/NaN at index 1/);
    expect(() => assertSampleable([-Infinity, -Infinity])).toThrow(/no token left/);
    expect(() => assertSampleable([-Infinity, 0])).not.toThrow();
  });
});
