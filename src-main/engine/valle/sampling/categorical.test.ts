import { describe, expect, it } from 'vitest';
import { GREEDY_TEMPERATURE_EPSILON, greedyToken, isGreedyTemperature, sampleCategorical } from './categorical.js';
import { Xoshiro128StarStar, rngForDraw, type Rng } from './rng.js';

const fixed = (u: number): Rng => ({ nextUint32: () => Math.floor(u * 2 ** 32), nextFloat64: () => u });

/** Pearson's chi-square of observed counts against expected probabilities. */
function chiSquare(counts: number[], probs: number[], n: number): number {
  return counts.reduce((acc, c, i) => acc + (c - n * probs[i]) ** 2 / (n * probs[i]), 0);
}

describe('greedy', () => {
  it('is chosen at temperature 0 and below a tiny epsilon only', () => {
    expect(isGreedyTemperature(0)).toBe(true);
    expect(isGreedyTemperature(GREEDY_TEMPERATURE_EPSILON / 2)).toBe(true);
    expect(isGreedyTemperature(GREEDY_TEMPERATURE_EPSILON)).toBe(false);
    expect(isGreedyTemperature(0.05)).toBe(false);
  });

  it('takes the argmax, lowest id on ties', () => {
    expect(greedyToken([0.1, 0.7, 0.7, -1])).toBe(1);
  });
});

describe('sampleCategorical', () => {
  it('inverts the CDF: u picks the first token whose cumulative probability exceeds it', () => {
    const logits = [0.5, 0.25, 0.25].map(Math.log); // CDF 0.5, 0.75, 1
    expect(sampleCategorical(logits, fixed(0))).toBe(0);
    expect(sampleCategorical(logits, fixed(0.49))).toBe(0);
    expect(sampleCategorical(logits, fixed(0.51))).toBe(1);
    expect(sampleCategorical(logits, fixed(0.76))).toBe(2);
    expect(sampleCategorical(logits, fixed(1 - 2 ** -53))).toBe(2);
  });

  it('never draws a −∞ token, even at the ends of [0, 1)', () => {
    const logits = [-Infinity, 0, -Infinity, 0, -Infinity];
    expect(sampleCategorical(logits, fixed(0))).toBe(1);
    expect(sampleCategorical(logits, fixed(1 - 2 ** -53))).toBe(3);
  });

  it('frequencies match softmax (chi-square, per-draw streams as the sampler uses them; df 4, p = 0.001 → 18.47)', () => {
    const probs = [0.4, 0.3, 0.15, 0.1, 0.05];
    const logits = probs.map((p) => Math.log(p) + 7); // an offset must not matter
    const n = 50_000;
    const counts = new Array(probs.length).fill(0);
    for (let step = 0; step < n; step++) counts[sampleCategorical(logits, rngForDraw(2024, 0, 0, step))]++;
    expect(chiSquare(counts, probs, n)).toBeLessThan(18.47);
  });

  it('frequencies match softmax from one long stream too', () => {
    const probs = [0.05, 0.6, 0.05, 0.3];
    const rng = Xoshiro128StarStar.fromSeed(99);
    const n = 40_000;
    const counts = new Array(probs.length).fill(0);
    for (let i = 0; i < n; i++) counts[sampleCategorical(probs.map(Math.log), rng)]++;
    expect(chiSquare(counts, probs, n)).toBeLessThan(16.27); // df 3, p = 0.001
  });
});
