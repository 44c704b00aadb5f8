/**
 * The LSTM block, unrolled and as ONNX LSTM nodes, against the float64 reference (2 layers, biases,
 * initial state), plus a gradcheck of the unrolled form.
 */
import { describe, expect, it } from 'vitest';
import { Graph } from '../graph.js';
import { emitOnnx } from '../emit/onnx.js';
import { gradcheck } from '../testing/gradcheck.js';
import { runModel } from '../testing/run-model.js';
import { lstm as refLstm, maxAbsDiff, randomTensor } from '../testing/reference.js';
import { lstm } from './lstm.js';
import { ParamStore, TensorParams } from './params.js';

const [T, B, I, H, L] = [4, 2, 3, 5, 2];

describe('lstm block', () => {
  const values: Record<string, Float32Array> = {};
  const layers = [0, 1].map((k) => {
    const inF = k === 0 ? I : H;
    const w = { wIh: randomTensor([4 * H, inF], 10 + k, 0.5), wHh: randomTensor([4 * H, H], 20 + k, 0.5), bIh: randomTensor([4 * H], 30 + k, 0.5), bHh: randomTensor([4 * H], 40 + k, 0.5) };
    values[`rnn.lstm.weight_ih_l${k}`] = Float32Array.from(w.wIh.data);
    values[`rnn.lstm.weight_hh_l${k}`] = Float32Array.from(w.wHh.data);
    values[`rnn.lstm.bias_ih_l${k}`] = Float32Array.from(w.bIh.data);
    values[`rnn.lstm.bias_hh_l${k}`] = Float32Array.from(w.bHh.data);
    return w;
  });
  const x = randomTensor([T, B, I], 1);
  const h0 = randomTensor([L, B, H], 2, 0.5);
  const c0 = randomTensor([L, B, H], 3, 0.5);
  const ref = refLstm(x, layers, { h0, c0 });

  for (const implementation of ['unrolled', 'onnx'] as const) {
    it(`${implementation} matches the reference (2 layers, biases, initial state)`, async () => {
      const params = new ParamStore({ values, frozen: () => true });
      const g = new Graph('lstm');
      const xin = g.input('x', 'float32', implementation === 'onnx' ? ['T', B, I] : [T, B, I]);
      const h = g.input('h0', 'float32', [L, B, H]);
      const c = g.input('c0', 'float32', [L, B, H]);
      const r = lstm(xin, { params, name: 'rnn.lstm', inputSize: I, hiddenSize: H, numLayers: L, implementation }, { h, c });
      g.output('y', r.output);
      g.output('hN', r.state.h);
      g.output('cN', r.state.c);
      const f = (t: { data: Float64Array }, shape: number[]) => ({ dtype: 'float32' as const, shape, data: Float32Array.from(t.data) });
      const out = await runModel(emitOnnx(g), { x: f(x, [T, B, I]), h0: f(h0, [L, B, H]), c0: f(c0, [L, B, H]) });
      expect(out.y.shape).toEqual([T, B, H]);
      expect(maxAbsDiff(out.y.data as Float32Array, ref.output.data)).toBeLessThan(1e-5);
      expect(maxAbsDiff(out.hN.data as Float32Array, ref.hN.data)).toBeLessThan(1e-5);
      expect(maxAbsDiff(out.cN.data as Float32Array, ref.cN.data)).toBeLessThan(1e-5);
    });
  }

  it('refuses the unrolled form for a symbolic sequence length', () => {
    const g = new Graph('bad');
    const xin = g.input('x', 'float32', ['T', B, I]);
    expect(() => lstm(xin, { params: new ParamStore({ values }), name: 'rnn.lstm', inputSize: I, hiddenSize: H, numLayers: L, implementation: 'unrolled' })).toThrow(/static/);
  });

  it('gradcheck: unrolled LSTM w.r.t. input, weights, biases and initial state', async () => {
    const r = await gradcheck({
      dtype: 'float64',
      inputs: [
        { name: 'x', shape: [3, 2, 2] },
        { name: 'wih', shape: [8, 2] },
        { name: 'whh', shape: [8, 2] },
        { name: 'bih', shape: [8] },
        { name: 'bhh', shape: [8] },
        { name: 'h0', shape: [1, 2, 2] },
        { name: 'c0', shape: [1, 2, 2] },
      ],
      build: (_g, [xx, wih, whh, bih, bhh, hh, cc]) => {
        const params = new TensorParams({ 'l.weight_ih_l0': wih, 'l.weight_hh_l0': whh, 'l.bias_ih_l0': bih, 'l.bias_hh_l0': bhh });
        const res = lstm(xx, { params, name: 'l', inputSize: 2, hiddenSize: 2, numLayers: 1, implementation: 'unrolled' }, { h: hh, c: cc });
        return res.output;
      },
    });
    expect(r.ok, r.report).toBe(true);
  });
});
