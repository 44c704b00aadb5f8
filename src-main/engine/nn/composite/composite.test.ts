/**
 * Composites: forward values against plain-JS computations written here, and finite-difference gradchecks
 * (composites have no rules of their own, so these check the primitives' rules in combination).
 */
import { describe, expect, it } from 'vitest';
import { emitOnnx } from '../emit/onnx.js';
import { Graph } from '../graph.js';
import * as P from '../primitives.js';
import type { Tensor } from '../tensor.js';
import type { GradcheckInput } from '../testing/gradcheck.js';
import { gradcheck, seededUniform } from '../testing/gradcheck.js';
import type { Feeds } from '../testing/run-model.js';
import { float64SessionOptions, runModel } from '../testing/run-model.js';
import { elu, gelu, logSoftmax, silu, softmax } from './activations.js';
import { causalMask, paddingMask, scaledDotProductAttention } from './attention.js';
import { conv1dLayer, embedding, linear, weightNorm } from './layers.js';
import { crossEntropy } from './loss.js';
import { layerNorm, rmsNorm } from './normalization.js';
import { applyRotary, rotaryTables } from './rotary.js';

// ---------------------------------------------------------------- plain-JS references

/** Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7) */
function erfJs(x: number): number {
  const s = Math.sign(x);
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
  return s * y;
}

function softmaxRows(x: number[], cols: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < x.length / cols; r++) {
    const row = x.slice(r * cols, (r + 1) * cols);
    const m = Math.max(...row);
    const e = row.map((v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    out.push(...e.map((v) => v / s));
  }
  return out;
}

async function forward(build: (g: Graph) => Tensor, feeds: Feeds): Promise<number[]> {
  const g = new Graph();
  const y = build(g);
  g.output('y', y);
  const out = await runModel(emitOnnx(g), feeds, undefined, float64SessionOptions);
  return Array.from(out.y.data as Float64Array, Number);
}

function f64(shape: number[], data: number[]): Feeds[string] {
  return { dtype: 'float64', shape, data: Float64Array.from(data) };
}

function expectClose(actual: number[], expected: number[], tol = 1e-9): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((v, i) => expect(Math.abs(v - expected[i]), `index ${i}: ${v} vs ${expected[i]}`).toBeLessThanOrEqual(tol * (1 + Math.abs(expected[i]))));
}

// ---------------------------------------------------------------- forward

describe('composite forward values match plain JS', () => {
  it('softmax and logSoftmax stay finite for large logits', async () => {
    const data = seededUniform(10, 1).map((v) => v * 1000);
    const feeds = { x: f64([2, 5], data) };
    const sm = await forward((g) => softmax(g.input('x', 'float64', [2, 5])), feeds);
    expectClose(sm, softmaxRows(data, 5));
    const lsm = await forward((g) => logSoftmax(g.input('x', 'float64', [2, 5])), feeds);
    const expectedLsm = [0, 1].flatMap((r) => {
      const row = data.slice(r * 5, r * 5 + 5);
      const m = Math.max(...row);
      const lse = Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0));
      return row.map((v) => v - m - lse);
    });
    expectClose(lsm, expectedLsm);
  });

  it('rmsNorm, layerNorm, silu, gelu (erf and tanh), elu', async () => {
    const data = seededUniform(8, 2).map((v) => v * 3);
    const w = [0.5, 1, 1.5, 2];
    const feeds = { x: f64([2, 4], data), w: f64([4], w) };
    const rms = await forward((g) => rmsNorm(g.input('x', 'float64', [2, 4]), g.input('w', 'float64', [4]), 1e-6), feeds);
    const expectedRms: number[] = [];
    for (let r = 0; r < 2; r++) {
      const row = data.slice(r * 4, r * 4 + 4);
      const ms = row.reduce((a, v) => a + v * v, 0) / 4;
      expectedRms.push(...row.map((v, i) => (v / Math.sqrt(ms + 1e-6)) * w[i]));
    }
    expectClose(rms, expectedRms);
    const ln = await forward((g) => layerNorm(g.input('x', 'float64', [2, 4]), null, null, 1e-5), feeds);
    const expectedLn: number[] = [];
    for (let r = 0; r < 2; r++) {
      const row = data.slice(r * 4, r * 4 + 4);
      const mean = row.reduce((a, v) => a + v, 0) / 4;
      const variance = row.reduce((a, v) => a + (v - mean) ** 2, 0) / 4;
      expectedLn.push(...row.map((v) => (v - mean) / Math.sqrt(variance + 1e-5)));
    }
    expectClose(ln, expectedLn);
    const s = await forward((g) => silu(g.input('x', 'float64', [2, 4])), feeds);
    expectClose(s, data.map((v) => v / (1 + Math.exp(-v))));
    const gt = await forward((g) => gelu(g.input('x', 'float64', [2, 4]), 'tanh'), feeds);
    expectClose(gt, data.map((v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)))));
    const e = await forward((g) => elu(g.input('x', 'float64', [2, 4]), 0.7), feeds);
    expectClose(e, data.map((v) => (v > 0 ? v : 0.7 * (Math.exp(v) - 1))));
    // Erf has no float64 kernel in ORT: check the erf GELU in float32
    const g = new Graph();
    g.output('y', gelu(g.input('x', 'float32', [2, 4]), 'erf'));
    const out = await runModel(emitOnnx(g), { x: { dtype: 'float32', shape: [2, 4], data: Float32Array.from(data) } });
    Array.from(out.y.data as Float32Array).forEach((v, i) => expect(v).toBeCloseTo(0.5 * data[i] * (1 + erfJs(data[i] / Math.SQRT2)), 5));
  });

  it('crossEntropy with ignore index and per-position weights', async () => {
    const V = 5;
    const logits = seededUniform(4 * V, 3).map((v) => v * 4);
    const targets = [2, -100, 4, 0];
    const weights = [1, 1, 0.5, 2];
    const feeds: Feeds = {
      logits: f64([4, V], logits),
      t: { dtype: 'int64', shape: [4], data: BigInt64Array.from(targets.map(BigInt)) },
      w: f64([4], weights),
    };
    const probs = softmaxRows(logits, V);
    let num = 0;
    let den = 0;
    const perPos: number[] = [];
    targets.forEach((t, i) => {
      if (t === -100) {
        perPos.push(0);
        return;
      }
      const nll = -Math.log(probs[i * V + t]);
      perPos.push(nll * weights[i]);
      num += nll * weights[i];
      den += weights[i];
    });
    const build = (reduction: 'mean' | 'sum' | 'none') => (g: Graph) =>
      crossEntropy(g.input('logits', 'float64', [4, V]), g.input('t', 'int64', [4]), {
        ignoreIndex: -100,
        weights: g.input('w', 'float64', [4]),
        reduction,
      });
    expectClose(await forward(build('mean'), feeds), [num / den]);
    expectClose(await forward(build('sum'), feeds), [num]);
    expectClose(await forward(build('none'), feeds), perPos);
  });

  it('crossEntropy is 0, not NaN, when every position is ignored', async () => {
    const out = await forward(
      (g) => crossEntropy(g.input('l', 'float64', [2, 3]), g.input('t', 'int64', [2]), { ignoreIndex: -1 }),
      { l: f64([2, 3], [1, 2, 3, 4, 5, 6]), t: { dtype: 'int64', shape: [2], data: BigInt64Array.of(-1n, -1n) } },
    );
    expect(out).toEqual([0]);
  });

  it('rotary embedding (rotate-half) at positions with an offset, partial rotary', async () => {
    const T = 3;
    const D = 6;
    const R = 4;
    const offset = 5;
    const x = seededUniform(T * D, 4);
    const out = await forward(
      (g) => {
        const xs = g.input('x', 'float64', [1, 1, T, D]);
        const pos = P.add(P.arange(g, T, 'int64'), offset);
        return applyRotary(xs, rotaryTables(g, pos, R, 10000, 'float64'), R);
      },
      { x: f64([1, 1, T, D], x) },
    );
    const expected: number[] = [];
    for (let t = 0; t < T; t++) {
      const row = x.slice(t * D, t * D + D);
      const res = [...row];
      for (let i = 0; i < R / 2; i++) {
        const angle = (t + offset) * 10000 ** ((-2 * i) / R);
        const [a, b] = [row[i], row[i + R / 2]];
        res[i] = a * Math.cos(angle) - b * Math.sin(angle);
        res[i + R / 2] = b * Math.cos(angle) + a * Math.sin(angle);
      }
      expected.push(...res);
    }
    expectClose(out, expected);
  });

  it('attention with KV cache, grouped-query heads, causal and padding masks', async () => {
    const [B, H, HKV, Pn, T, D] = [2, 4, 2, 2, 3, 2];
    const q = seededUniform(B * H * T * D, 5);
    const k = seededUniform(B * HKV * T * D, 6);
    const v = seededUniform(B * HKV * T * D, 7);
    const pk = seededUniform(B * HKV * Pn * D, 8);
    const pv = seededUniform(B * HKV * Pn * D, 9);
    const lengths = [5, 3]; // valid key positions per batch
    const g = new Graph();
    const res = scaledDotProductAttention(
      g.input('q', 'float64', [B, H, 'T', D]),
      g.input('k', 'float64', [B, HKV, 'T', D]),
      g.input('v', 'float64', [B, HKV, 'T', D]),
      {
        pastKey: g.input('pk', 'float64', [B, HKV, 'P', D]),
        pastValue: g.input('pv', 'float64', [B, HKV, 'P', D]),
        causal: true,
        mask: P.unsqueeze(paddingMask(g.input('len', 'int64', [B]), 'P+T'), [1, 2]),
      },
    );
    expect(res.key.shape).toEqual([B, HKV, 'P+T', D]);
    g.output('y', res.out);
    const out = await runModel(emitOnnx(g), {
      q: f64([B, H, T, D], q),
      k: f64([B, HKV, T, D], k),
      v: f64([B, HKV, T, D], v),
      pk: f64([B, HKV, Pn, D], pk),
      pv: f64([B, HKV, Pn, D], pv),
      len: { dtype: 'int64', shape: [B], data: BigInt64Array.from(lengths.map(BigInt)) },
    }, undefined, float64SessionOptions);
    const Tk = Pn + T;
    const keyAt = (b: number, h: number, j: number, d: number, src: 'k' | 'v'): number => {
      const past = src === 'k' ? pk : pv;
      const now = src === 'k' ? k : v;
      return j < Pn ? past[((b * HKV + h) * Pn + j) * D + d] : now[((b * HKV + h) * T + (j - Pn)) * D + d];
    };
    const expected: number[] = [];
    for (let b = 0; b < B; b++) {
      for (let h = 0; h < H; h++) {
        const hk = Math.floor(h / (H / HKV));
        for (let i = 0; i < T; i++) {
          const scores: number[] = [];
          for (let j = 0; j < Tk; j++) {
            const allowed = j <= i + Pn && j < lengths[b];
            let s = 0;
            for (let d = 0; d < D; d++) s += q[((b * H + h) * T + i) * D + d] * keyAt(b, hk, j, d, 'k');
            scores.push(allowed ? s / Math.sqrt(D) : -Infinity);
          }
          const p = softmaxRows(scores, Tk);
          for (let d = 0; d < D; d++) expected.push(p.reduce((acc, pj, j) => acc + pj * keyAt(b, hk, j, d, 'v'), 0));
        }
      }
    }
    expectClose(Array.from(out.y.data as Float64Array), expected);
  });

  it('causalMask for queries that are the last of the keys', async () => {
    const g = new Graph();
    g.output('m', P.cast(causalMask(g, 2, 4), 'int64'));
    const out = await runModel(emitOnnx(g), {});
    expect(Array.from(out.m.data as BigInt64Array, Number)).toEqual([1, 1, 1, 0, 1, 1, 1, 1]);
  });

  it('conv1d with reflect / replicate / zero padding, stride, dilation, groups and bias', async () => {
    const [N, C, L, O, K] = [1, 2, 7, 4, 3];
    const x = seededUniform(N * C * L, 10);
    const w = seededUniform(O * (C / 2) * K, 11);
    const bias = [0.1, -0.2, 0.3, 0.4];
    for (const padding of ['zero', 'reflect', 'replicate'] as const) {
      const g = new Graph();
      const y = conv1dLayer(g.input('x', 'float32', [N, C, L]), g.input('w', 'float32', [O, C / 2, K]), g.input('b', 'float32', [O]), {
        pads: [3, 2],
        padding,
        stride: 2,
        dilation: 2,
        groups: 2,
      });
      g.output('y', y);
      const out = await runModel(emitOnnx(g), {
        x: { dtype: 'float32', shape: [N, C, L], data: Float32Array.from(x) },
        w: { dtype: 'float32', shape: [O, C / 2, K], data: Float32Array.from(w) },
        b: { dtype: 'float32', shape: [O], data: Float32Array.from(bias) },
      });
      const sample = (c: number, i: number): number => {
        if (i >= 0 && i < L) return x[c * L + i];
        if (padding === 'zero') return 0;
        if (padding === 'replicate') return x[c * L + Math.min(Math.max(i, 0), L - 1)];
        return x[c * L + (i < 0 ? -i : 2 * (L - 1) - i)];
      };
      const lout = Math.floor((L + 5 - 2 * (K - 1) - 1) / 2) + 1;
      expect(out.y.shape).toEqual([N, O, lout]);
      for (let o = 0; o < O; o++) {
        const group = Math.floor(o / (O / 2));
        for (let t = 0; t < lout; t++) {
          let acc = bias[o];
          for (let k = 0; k < K; k++) acc += w[o * K + k] * sample(group, t * 2 + k * 2 - 3);
          expect(out.y.data[o * lout + t]).toBeCloseTo(acc, 5);
        }
      }
    }
  });

  it('convTranspose1d matches a scatter loop', async () => {
    const [Cin, Cout, L, K, s, d] = [2, 3, 4, 3, 2, 2];
    const pads: [number, number] = [1, 2];
    const x = seededUniform(Cin * L, 12);
    const w = seededUniform(Cin * Cout * K, 13);
    const g = new Graph();
    g.output('y', P.convTranspose1d(g.input('x', 'float32', [1, Cin, L]), g.input('w', 'float32', [Cin, Cout, K]), { stride: s, dilation: d, pads, outputPadding: 1 }));
    const out = await runModel(emitOnnx(g), {
      x: { dtype: 'float32', shape: [1, Cin, L], data: Float32Array.from(x) },
      w: { dtype: 'float32', shape: [Cin, Cout, K], data: Float32Array.from(w) },
    });
    const full = s * (L - 1) + 1 + d * (K - 1) + 1;
    const lout = full - pads[0] - pads[1];
    expect(out.y.shape).toEqual([1, Cout, lout]);
    const y = new Array<number>(Cout * lout).fill(0);
    for (let i = 0; i < Cin; i++) {
      for (let o = 0; o < Cout; o++) {
        for (let t = 0; t < L; t++) {
          for (let k = 0; k < K; k++) {
            const pos = t * s + k * d - pads[0];
            if (pos >= 0 && pos < lout) y[o * lout + pos] += x[i * L + t] * w[(i * Cout + o) * K + k];
          }
        }
      }
    }
    Array.from(out.y.data as Float32Array).forEach((v, i) => expect(v).toBeCloseTo(y[i], 5));
  });
});

// ---------------------------------------------------------------- gradchecks

interface Case {
  name: string;
  dtype?: 'float64' | 'float32';
  inputs: GradcheckInput[];
  build: (g: Graph, xs: Tensor[]) => Tensor;
}

const cases: Case[] = [
  { name: 'softmax', inputs: [{ name: 'x', shape: [2, 5] }], build: (_, [x]) => softmax(x, -1) },
  { name: 'logSoftmax (axis 0)', inputs: [{ name: 'x', shape: [4, 3] }], build: (_, [x]) => logSoftmax(x, 0) },
  { name: 'silu', inputs: [{ name: 'x', shape: [2, 3] }], build: (_, [x]) => silu(x) },
  { name: 'gelu tanh', inputs: [{ name: 'x', shape: [2, 3] }], build: (_, [x]) => gelu(x, 'tanh') },
  { name: 'gelu erf', dtype: 'float32', inputs: [{ name: 'x', shape: [2, 3] }], build: (_, [x]) => gelu(x, 'erf') },
  {
    name: 'elu',
    inputs: [{ name: 'x', shape: [2, 4], data: [-1.5, -0.3, 0.4, 2, -0.7, 0.25, -2.2, 1.1] }],
    build: (_, [x]) => elu(x, 0.8),
  },
  { name: 'rmsNorm', inputs: [{ name: 'x', shape: [3, 4] }, { name: 'w', shape: [4] }], build: (_, [x, w]) => rmsNorm(x, w, 1e-6) },
  {
    name: 'layerNorm',
    inputs: [{ name: 'x', shape: [3, 4] }, { name: 'w', shape: [4] }, { name: 'b', shape: [4] }],
    build: (_, [x, w, b]) => layerNorm(x, w, b),
  },
  {
    name: 'crossEntropy (ignore index, weights)',
    inputs: [
      { name: 'logits', shape: [2, 3, 5] },
      { name: 't', shape: [2, 3], dtype: 'int64', data: [1, -100, 4, 0, 4, 2] },
      { name: 'w', shape: [2, 3], data: [1, 1, 0.5, 2, 1, 0.25] },
    ],
    build: (_, [l, t, w]) => crossEntropy(l, t, { ignoreIndex: -100, weights: w }),
  },
  {
    name: 'rotary (partial, with positions)',
    inputs: [{ name: 'x', shape: [1, 2, 3, 6] }, { name: 'pos', shape: [3], dtype: 'int64', data: [4, 5, 6] }],
    build: (g, [x, pos]) => applyRotary(x, rotaryTables(g, pos, 4, 10000, 'float64'), 4),
  },
  {
    name: 'attention (causal + padding mask, KV cache, GQA)',
    inputs: [
      { name: 'q', shape: [1, 2, 2, 2] },
      { name: 'k', shape: [1, 1, 2, 2] },
      { name: 'v', shape: [1, 1, 2, 2] },
      { name: 'pk', shape: [1, 1, 2, 2] },
      { name: 'pv', shape: [1, 1, 2, 2] },
      { name: 'len', shape: [1], dtype: 'int64', data: [3] },
    ],
    build: (_, [q, k, v, pk, pv, len]) =>
      scaledDotProductAttention(q, k, v, {
        pastKey: pk,
        pastValue: pv,
        causal: true,
        mask: P.unsqueeze(paddingMask(len, 4), [1, 2]),
      }).out,
  },
  {
    name: 'conv1dLayer reflect padding with bias',
    dtype: 'float32',
    inputs: [{ name: 'x', shape: [1, 2, 6] }, { name: 'w', shape: [3, 2, 3] }, { name: 'b', shape: [3] }],
    build: (_, [x, w, b]) => conv1dLayer(x, w, b, { pads: [2, 2], padding: 'reflect', dilation: 2 }),
  },
  {
    name: 'conv1dLayer replicate padding',
    dtype: 'float32',
    inputs: [{ name: 'x', shape: [1, 2, 5] }, { name: 'w', shape: [2, 2, 2] }],
    build: (_, [x, w]) => conv1dLayer(x, w, null, { pads: [1, 1], padding: 'replicate', stride: 2 }),
  },
  { name: 'weightNorm', inputs: [{ name: 'v', shape: [3, 2, 2] }, { name: 'g', shape: [3, 1, 1] }], build: (_, [v, g]) => weightNorm(v, g) },
  {
    name: 'linear (batched x, [out, in] weight, bias)',
    inputs: [{ name: 'x', shape: [2, 3, 4] }, { name: 'w', shape: [5, 4] }, { name: 'b', shape: [5] }],
    build: (_, [x, w, b]) => linear(x, w, b),
  },
  {
    name: 'embedding',
    inputs: [{ name: 'table', shape: [4, 3] }, { name: 'ids', shape: [5], dtype: 'int64', data: [3, 0, 3, 1, 3] }],
    build: (_, [t, ids]) => embedding(t, ids),
  },
];

describe('gradcheck of composites', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const result = await gradcheck({ dtype: c.dtype ?? 'float64', inputs: c.inputs, build: c.build });
      expect(result.ok, result.report).toBe(true);
    });
  }
});
