import { describe, expect, it } from 'vitest';
import { emitOnnx, Graph, mulberry32 } from '../../nn/index.js';
import { SyncSession } from '../encodec/sync-session.js';
import { gaussian } from '../encodec/testing/tiny-checkpoint.js';
import { istftSameRef } from '../vocos/testing/vocos-reference.js';
import { hannWindow, istftSame } from './istft-graph.js';

function run(nFft: number, hop: number, T: number, seed: number, window?: Float32Array): { graph: Float32Array; ref: Float64Array } {
  const F = nFft / 2 + 1;
  const g = new Graph('istft');
  const re = g.input('re', 'float32', [1, F, 'T']);
  const im = g.input('im', 'float32', [1, F, 'T']);
  g.output('y', istftSame(re, im, { nFft, hopLength: hop, window }));
  const session = SyncSession.create(emitOnnx(g).model, { intraOpThreads: 1 });
  const rand = mulberry32(seed);
  const a = Float32Array.from({ length: F * T }, () => gaussian(rand));
  const b = Float32Array.from({ length: F * T }, () => gaussian(rand));
  const y = session.run({ re: { dtype: 'float32', shape: [1, F, T], data: a }, im: { dtype: 'float32', shape: [1, F, T], data: b } }).y;
  session.dispose();
  expect(y.shape).toEqual([1, 1, T * hop]);
  const rows = (d: Float32Array) => Array.from({ length: F }, (_, k) => Float64Array.from(d.subarray(k * T, (k + 1) * T)));
  return { graph: y.data as Float32Array, ref: istftSameRef(rows(a), rows(b), nFft, hop, Float64Array.from(window ?? hannWindow(nFft))) };
}

function maxRelDiff(a: Float32Array, b: Float64Array): number {
  let m = 0;
  let d = 0;
  b.forEach((v, i) => {
    m = Math.max(m, Math.abs(v));
    d = Math.max(d, Math.abs(v - a[i]));
  });
  return d / m;
}

describe('iSTFT graph ("same" padding) against a direct inverse DFT with overlap-add', () => {
  it('matches for small sizes and every frame count down to one', () => {
    for (const T of [1, 2, 3, 9]) {
      const { graph, ref } = run(64, 16, T, T);
      expect(maxRelDiff(graph, ref), `T=${T}`).toBeLessThan(1e-5);
    }
  });

  it('matches at the published size (n_fft 1280, hop 320) and with another window', () => {
    const { graph, ref } = run(1280, 320, 4, 5);
    expect(maxRelDiff(graph, ref)).toBeLessThan(1e-4);
    const sqrtHann = Float32Array.from(hannWindow(48), (v) => Math.sqrt(v) + 0.05);
    const other = run(48, 12, 5, 6, sqrtHann);
    expect(maxRelDiff(other.graph, other.ref)).toBeLessThan(1e-5);
  });

  it('inverts a forward STFT of a signal in the interior (the Hann/hop-¼ frames overlap-add to the signal)', () => {
    // Forward STFT of x with the same framing, then the graph's inverse: interior samples must come back.
    const nFft = 64;
    const hop = 16;
    const T = 12;
    const pad = (nFft - hop) / 2;
    const total = (T - 1) * hop + nFft;
    const x = Float64Array.from({ length: total }, (_, i) => Math.sin(i * 0.21) + 0.3 * Math.cos(i * 0.05));
    const w = hannWindow(nFft);
    const F = nFft / 2 + 1;
    const re = new Float32Array(F * T);
    const im = new Float32Array(F * T);
    for (let t = 0; t < T; t++) {
      for (let k = 0; k < F; k++) {
        let a = 0;
        let b = 0;
        for (let n = 0; n < nFft; n++) {
          const v = x[t * hop + n] * w[n];
          a += v * Math.cos((2 * Math.PI * k * n) / nFft);
          b -= v * Math.sin((2 * Math.PI * k * n) / nFft);
        }
        re[k * T + t] = a;
        im[k * T + t] = b;
      }
    }
    const g = new Graph('istft');
    const r = g.input('re', 'float32', [1, F, 'T']);
    const i = g.input('im', 'float32', [1, F, 'T']);
    g.output('y', istftSame(r, i, { nFft, hopLength: hop }));
    const s = SyncSession.create(emitOnnx(g).model, { intraOpThreads: 1 });
    const y = s.run({ re: { dtype: 'float32', shape: [1, F, T], data: re }, im: { dtype: 'float32', shape: [1, F, T], data: im } }).y.data as Float32Array;
    s.dispose();
    for (let n = 0; n < y.length; n++) expect(Math.abs(y[n] - x[n + pad]), `sample ${n}`).toBeLessThan(1e-4);
  });
});
