import { describe, expect, it } from 'vitest';
import { softmax } from './logit-math.js';
import { createMirostatState, estimateZipfExponent, mirostatSample, mirostatTopK } from './mirostat.js';
import { rngForDraw, type Rng } from './rng.js';

const fixed = (u: number): Rng => ({ nextUint32: () => Math.floor(u * 2 ** 32), nextFloat64: () => u });

/** Zipf probabilities p_i ∝ (i + 1)^−s over n ranks. */
function zipf(s: number, n: number): number[] {
  const w = Array.from({ length: n }, (_, i) => (i + 1) ** -s);
  const z = w.reduce((a, b) => a + b, 0);
  return w.map((x) => x / z);
}

describe('mirostat', () => {
  it('starts with μ = 2τ (A.16: the reference starts at 2η)', () => {
    const st = createMirostatState(3, 0.1, 1024);
    expect(st.mu).toBe(6);
    expect(st.runningTotalSurprise).toBe(0);
  });

  it('recovers the exponent of an exact Zipf distribution', () => {
    expect(estimateZipfExponent(zipf(1.3, 1024))).toBeCloseTo(1.3, 12);
    expect(estimateZipfExponent(zipf(0.7, 50))).toBeCloseTo(0.7, 12); // fewer than 101 candidates: the reference would raise
  });

  it('k follows round(((ε·2^μ)/(1 − n^−ε))^(1/s)) + 1', () => {
    const s = 1.3;
    const eps = s - 1;
    const mu = 5;
    const expected = Math.round(((eps * 2 ** mu) / (1 - 1024 ** -eps)) ** (1 / s)) + 1;
    expect(mirostatTopK(zipf(s, 1024), 1024, mu, 1024)).toBe(expected);
    // A single candidate (no pair to estimate from) → k = 1.
    expect(mirostatTopK([1, 0, 0], 1024, mu, 1)).toBe(1);
  });

  it('updates μ by −η · (surprise − τ) with the surprise of the full distribution', () => {
    // probs 0.5, 0.25, 0.125, 0.125 in shuffled order; u = 0.9 draws the last of the k eligible.
    const logits = [0.125, 0.5, 0.125, 0.25].map(Math.log);
    const st = createMirostatState(2, 0.5, 1024);
    const full = softmax(logits);
    const token = mirostatSample(logits, st, fixed(0.9));
    const surprise = Math.log2(1 / full[token]);
    expect(st.lastSurprise).toBeCloseTo(surprise, 12);
    expect(st.mu).toBeCloseTo(4 - 0.5 * (surprise - 2), 12);
    expect(st.runningTotalSurprise).toBeCloseTo(surprise, 12);
    expect(st.steps).toBe(1);
    // Independently: sorted probs [0.5, 0.25, 0.125, 0.125] (ids 1, 3, 0, 2); k from the formula; u = 0.9 over
    // the renormalised top-k picks the last one when k ≤ 3 (cumulative ≥ 0.9 only at the last).
    const k = mirostatTopK([0.5, 0.25, 0.125, 0.125], 1024, 4, 4);
    const ids = [1, 3, 0, 2].slice(0, k);
    const p = [0.5, 0.25, 0.125, 0.125].slice(0, k);
    const z = p.reduce((a, b) => a + b, 0);
    let acc = 0;
    const pick = p.findIndex((x) => (acc += x / z) > 0.9);
    expect(token).toBe(ids[pick]);
  });

  it('holds the average surprise near τ over many steps (fixed seed)', () => {
    const logits = zipf(1.1, 1024).map(Math.log);
    const st = createMirostatState(3, 0.1, 1024);
    const steps = 4000;
    for (let step = 0; step < steps; step++) mirostatSample(logits, st, rngForDraw(8, 0, 0, step));
    expect(st.runningTotalSurprise / steps).toBeGreaterThan(2.7);
    expect(st.runningTotalSurprise / steps).toBeLessThan(3.3);
  });

  it('works when only one token is left', () => {
    const st = createMirostatState(3, 0.1, 1024);
    expect(mirostatSample([-Infinity, 2, -Infinity], st, fixed(0.5))).toBe(1);
    expect(st.lastSurprise).toBe(0);
  });
});
