import { describe, expect, it } from 'vitest';
import { hostTensor } from '../io/host-tensor.js';
import { foldWeightNormReference, maxAbsDiff, randomTensor } from '../testing/reference.js';
import { foldWeightNorm } from './weight-norm.js';

describe('foldWeightNorm', () => {
  it('computes g·v/‖v‖ per output row (hand case: v=[3,4], g=10 → [6,8])', () => {
    const w = foldWeightNorm(hostTensor('float32', [2, 1, 1], new Float32Array([10, -1])), hostTensor('float32', [2, 1, 2], new Float32Array([3, 4, 0, 2])));
    expect(w.shape).toEqual([2, 1, 2]);
    expect(maxAbsDiff(w.data, [6, 8, 0, -1])).toBe(0);
  });
  it('matches the reference on a conv-shaped weight', () => {
    const g = randomTensor([8], 1);
    const v = randomTensor([8, 3, 5], 2);
    const w = foldWeightNorm(hostTensor('float64', [8], g.data), hostTensor('float64', [8, 3, 5], v.data));
    expect(maxAbsDiff(w.data, foldWeightNormReference(g, v).data)).toBeLessThan(1e-6);
  });
  it('refuses a g that does not match the rows, and a zero row', () => {
    expect(() => foldWeightNorm(hostTensor('float32', [3], new Float32Array(3)), hostTensor('float32', [2, 2], new Float32Array(4).fill(1)))).toThrow(/one value per row/);
    expect(() => foldWeightNorm(hostTensor('float32', [2], new Float32Array(2)), hostTensor('float32', [2, 2], new Float32Array([1, 1, 0, 0])))).toThrow(/row 1 .* all zeros/);
  });
});
