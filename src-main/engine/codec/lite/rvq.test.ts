import { describe, expect, it } from 'vitest';
import { ResidualVq } from './rvq.js';

describe('ResidualVq', () => {
  // 2 levels × 3 entries × 2 dims: level 0 coarse, level 1 fine.
  const books = Float32Array.from([
    // level 0
    0, 0, 10, 0, 0, 10,
    // level 1
    0, 0, 1, 1, -1, 0,
  ]);
  const vq = new ResidualVq(books, 2, 3, 2);

  it('picks the nearest entry per level, greedily on the residual', () => {
    const r = Float64Array.from([10.9, 1.2]);
    const codes = [0, 0];
    vq.encode(r, 2, codes);
    // Level 0: (10, 0) is nearest; residual (0.9, 1.2) → level 1 entry (1, 1).
    expect(codes).toEqual([1, 1]);
    expect(r[0]).toBeCloseTo(-0.1, 6);
    expect(r[1]).toBeCloseTo(0.2, 6);
    expect(Array.from(vq.decode(codes, 0, 2, new Float64Array(2)))).toEqual([11, 1]);
    expect(Array.from(vq.decode(codes, 0, 1, new Float64Array(2)))).toEqual([10, 0]);
  });

  it('writes codes at an offset and refuses codebooks of the wrong size', () => {
    const out = new Uint16Array(5);
    vq.encode(Float64Array.from([-1, 9]), 2, out, 3);
    expect(Array.from(out)).toEqual([0, 0, 0, 2, 2]);
    expect(() => new ResidualVq(new Float32Array(11), 2, 3, 2)).toThrow(/expected 2×3×2/);
  });
});
