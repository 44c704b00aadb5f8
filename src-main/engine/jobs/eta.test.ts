import { describe, expect, it } from 'vitest';
import { estimateEtaSeconds, normaliseFraction } from './eta.js';

describe('estimateEtaSeconds', () => {
  it('extrapolates the average pace so far', () => {
    // A quarter done in 10 s: three more quarters at 10 s each.
    expect(estimateEtaSeconds(0.25, 10)).toBe(30);
    expect(estimateEtaSeconds(0.5, 3)).toBe(3);
  });

  it('is zero when done and unknown when the estimate would be noise', () => {
    expect(estimateEtaSeconds(1, 5)).toBe(0);
    expect(estimateEtaSeconds(null, 5)).toBeNull();
    expect(estimateEtaSeconds(0, 5)).toBeNull();
    expect(estimateEtaSeconds(0.005, 100)).toBeNull();
    expect(estimateEtaSeconds(0.5, 0.1)).toBeNull();
    expect(estimateEtaSeconds(Number.NaN, 5)).toBeNull();
  });
});

describe('normaliseFraction', () => {
  it('clamps to 0..1 and maps non-numbers to null', () => {
    expect(normaliseFraction(1.5)).toBe(1);
    expect(normaliseFraction(-0.2)).toBe(0);
    expect(normaliseFraction(0.3)).toBe(0.3);
    expect(normaliseFraction(Number.POSITIVE_INFINITY)).toBeNull();
    expect(normaliseFraction(undefined)).toBeNull();
    expect(normaliseFraction(null)).toBeNull();
  });
});
