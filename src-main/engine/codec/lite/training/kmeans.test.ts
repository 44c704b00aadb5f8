import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../nn/index.js';
import { jsAssigner, kmeans } from './kmeans.js';
import { OrtAssigner } from './ort-assigner.js';

/** n points around each of the given centres (±0.05 jitter). */
function blobs(centres: number[][], n: number, seed: number): Float32Array {
  const rnd = mulberry32(seed);
  const dims = centres[0].length;
  const out = new Float32Array(centres.length * n * dims);
  let p = 0;
  for (let i = 0; i < n; i++) for (const c of centres) for (let d = 0; d < dims; d++) out[p++] = c[d] + (rnd() - 0.5) * 0.1;
  return out;
}

describe('kmeans', () => {
  const centres = [
    [0, 0, 0],
    [5, 0, 1],
    [0, 5, -2],
    [-4, -4, 3],
  ];

  it('recovers well-separated clusters', async () => {
    const pts = blobs(centres, 50, 1);
    const r = await kmeans(pts, 200, 3, 4, { seed: 3 });
    const found = Array.from({ length: 4 }, (_, j) => Array.from(r.centroids.subarray(j * 3, j * 3 + 3)));
    for (const c of centres) {
      const nearest = Math.min(...found.map((f) => Math.hypot(f[0] - c[0], f[1] - c[1], f[2] - c[2])));
      expect(nearest).toBeLessThan(0.05);
    }
    expect(r.mse).toBeLessThan(0.01);
  });

  it('is deterministic for a seed', async () => {
    const pts = blobs(centres, 40, 2);
    const a = await kmeans(pts, 160, 3, 6, { seed: 11 });
    const b = await kmeans(pts, 160, 3, 6, { seed: 11 });
    expect(Array.from(a.centroids)).toEqual(Array.from(b.centroids));
  });

  it('refills empty clusters instead of leaving dead entries', async () => {
    // 8 clusters requested, only 4 distinct places: every centroid must still serve some point.
    const pts = blobs(centres, 30, 4);
    const r = await kmeans(pts, 120, 3, 8, { seed: 5 });
    const used = new Set(r.labels);
    expect(used.size).toBe(8);
  });
});

describe('OrtAssigner', () => {
  it('labels points exactly as the JS search does', async () => {
    const rnd = mulberry32(9);
    const n = 3000;
    const dims = 7;
    const k = 64;
    const pts = Float32Array.from({ length: n * dims }, () => rnd() * 2 - 1);
    const cents = Float32Array.from({ length: k * dims }, () => rnd() * 2 - 1);
    const l1 = new Int32Array(n);
    const d1 = new Float64Array(n);
    const l2 = new Int32Array(n);
    const d2 = new Float64Array(n);
    await jsAssigner.assign(pts, n, dims, cents, k, l1, d1);
    const ort = await OrtAssigner.create(dims, 1);
    try {
      await ort.assign(pts, n, dims, cents, k, l2, d2);
    } finally {
      await ort.release();
    }
    let same = 0;
    for (let i = 0; i < n; i++) if (l1[i] === l2[i]) same++;
    // float32 vs float64 may swap near-ties only.
    expect(same).toBeGreaterThan(n - 3);
    for (let i = 0; i < n; i += 97) expect(d2[i]).toBeCloseTo(d1[i], 4);
  });
});
