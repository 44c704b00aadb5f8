import { describe, expect, it } from 'vitest';
import { applyTemperature, dynamicTemperature } from './dynamic-temperature.js';

describe('dynamic temperature', () => {
  it('hand example: two equal logits → p_max 0.5 → halfway between T and T_min', () => {
    // σ(−10 · (0.5 − 0.5)) = 0.5 → T_dyn = 1 − (1 − 0.5) · 0.5 = 0.75.
    expect(dynamicTemperature([0, 0], 1, 0.5)).toBe(0.75);
  });

  it('confident rows go to T_min, uncertain rows to T', () => {
    // p_max ≈ 1 → σ(5) ≈ 0.99331 → T_dyn ≈ 1 − 0.5 · 0.99331.
    expect(dynamicTemperature([50, 0, 0], 1, 0.5)).toBeCloseTo(1 - 0.5 / (1 + Math.exp(-5)), 12);
    // 1000 equal logits: p_max = 0.001 → σ(−4.99) → T_dyn ≈ T − small.
    const flat = new Array(1000).fill(0);
    expect(dynamicTemperature(flat, 1, 0.5)).toBeCloseTo(1 - 0.5 / (1 + Math.exp(10 * (0.5 - 0.001))), 12);
  });

  it('reads p_max of the row as filtered (−∞ entries have no mass)', () => {
    // One finite entry: p_max = 1.
    expect(dynamicTemperature([3, -Infinity, -Infinity], 1.2, 0.2)).toBeCloseTo(1.2 - 1 / (1 + Math.exp(-5)), 12);
  });

  it('applyTemperature uses the fixed temperature when the minimum is off or within 0.001', () => {
    const a = new Float64Array([1, 2]);
    expect(applyTemperature(a, 0.5, null)).toBe(0.5);
    expect(Array.from(a)).toEqual([2, 4]);
    const b = new Float64Array([1, 2]);
    expect(applyTemperature(b, 0.5, 0.4995)).toBe(0.5);
    const c = new Float64Array([0, 0]);
    expect(applyTemperature(c, 1, 0.5)).toBe(0.75);
  });
});
