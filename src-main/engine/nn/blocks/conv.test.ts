/**
 * Conv1d / ConvTranspose1d blocks against the float64 references (padding modes, stride, dilation, groups,
 * asymmetric padding), weight-norm folding of checkpoint tensors, and a conv1d gradcheck.
 */
import { describe, expect, it } from 'vitest';
import { Graph } from '../graph.js';
import { emitOnnx } from '../emit/onnx.js';
import { hostTensor } from '../io/host-tensor.js';
import { gradcheck } from '../testing/gradcheck.js';
import { runModel } from '../testing/run-model.js';
import { conv1d as refConv1d, convTranspose1d as refConvT, foldWeightNormReference, maxAbsDiff, randomTensor, type PadMode } from '../testing/reference.js';
import { conv1d, type ConvPadMode } from './conv1d.js';
import { convTranspose1d } from './conv-transpose1d.js';
import { ParamStore, TensorParams } from './params.js';
import { foldWeightNormParams } from './weight-norm.js';

const f32 = (t: { data: Float64Array }) => Float32Array.from(t.data);

describe('conv1d block', () => {
  const cases: { mode: ConvPadMode; ref: PadMode; stride: number; dilation: number; groups: number; padding: [number, number] }[] = [
    { mode: 'zeros', ref: 'zeros', stride: 1, dilation: 1, groups: 1, padding: [1, 1] },
    { mode: 'reflect', ref: 'reflect', stride: 2, dilation: 1, groups: 2, padding: [3, 0] },
    { mode: 'replicate', ref: 'replicate', stride: 1, dilation: 3, groups: 1, padding: [2, 4] },
  ];
  for (const c of cases) {
    it(`matches the reference: ${c.mode} padding [${c.padding}], stride ${c.stride}, dilation ${c.dilation}, groups ${c.groups}`, async () => {
      const [B, Cin, Cout, K, L] = [2, 4, 6, 3, 11];
      const x = randomTensor([B, Cin, L], 1);
      const w = randomTensor([Cout, Cin / c.groups, K], 2);
      const b = randomTensor([Cout], 3);
      const params = new ParamStore({ values: { 'enc.conv.weight': f32(w), 'enc.conv.bias': f32(b) }, frozen: () => true });
      const g = new Graph('conv');
      const xin = g.input('x', 'float32', ['B', Cin, 'L']);
      g.output('y', conv1d(xin, { params, name: 'enc.conv', inChannels: Cin, outChannels: Cout, kernelSize: K, stride: c.stride, dilation: c.dilation, groups: c.groups, padding: c.padding, padMode: c.mode }));
      const out = await runModel(emitOnnx(g), { x: { dtype: 'float32', shape: [B, Cin, L], data: f32(x) } });
      const ref = refConv1d(x, w, b, { stride: c.stride, dilation: c.dilation, groups: c.groups, padding: c.padding, padMode: c.ref });
      expect(out.y.shape).toEqual(ref.shape);
      expect(maxAbsDiff(out.y.data as Float32Array, ref.data)).toBeLessThan(1e-5);
    });
  }

  it('gradcheck: reflect-padded strided grouped conv1d (input, weight, bias)', async () => {
    const r = await gradcheck({
      dtype: 'float32',
      inputs: [
        { name: 'x', shape: [1, 2, 7] },
        { name: 'w', shape: [4, 1, 3] },
        { name: 'b', shape: [4] },
      ],
      build: (_g, [x, w, b]) =>
        conv1d(x, { params: new TensorParams({ 'c.weight': w, 'c.bias': b }), name: 'c', inChannels: 2, outChannels: 4, kernelSize: 3, stride: 2, groups: 2, padding: 2, padMode: 'reflect' }),
    });
    expect(r.ok, r.report).toBe(true);
  });
});

describe('convTranspose1d block', () => {
  it('matches the reference with stride, padding, output padding, dilation and groups', async () => {
    const [B, Cin, Cout, K, L] = [2, 4, 6, 4, 5];
    const x = randomTensor([B, Cin, L], 4);
    const w = randomTensor([Cin, Cout / 2, K], 5);
    const b = randomTensor([Cout], 6);
    const params = new ParamStore({ values: { 'dec.up.weight': f32(w), 'dec.up.bias': f32(b) }, frozen: () => true });
    const g = new Graph('convT');
    const xin = g.input('x', 'float32', [B, Cin, L]);
    const opts = { stride: 3, padding: 1, outputPadding: 1, dilation: 2, groups: 2 };
    g.output('y', convTranspose1d(xin, { params, name: 'dec.up', inChannels: Cin, outChannels: Cout, kernelSize: K, ...opts }));
    const out = await runModel(emitOnnx(g), { x: { dtype: 'float32', shape: [B, Cin, L], data: f32(x) } });
    const ref = refConvT(x, w, b, opts);
    expect(out.y.shape).toEqual(ref.shape);
    expect(maxAbsDiff(out.y.data as Float32Array, ref.data)).toBeLessThan(1e-5);
  });
});

describe('foldWeightNormParams', () => {
  it('turns weight_g/weight_v pairs into weight and passes other tensors through', () => {
    const gT = randomTensor([3, 1, 1], 1);
    const v = randomTensor([3, 2, 4], 2);
    const out = foldWeightNormParams({
      'conv.weight_g': hostTensor('float32', [3, 1, 1], f32(gT)),
      'conv.weight_v': hostTensor('float32', [3, 2, 4], f32(v)),
      'conv.bias': hostTensor('float32', [3], new Float32Array(3)),
    });
    expect(Object.keys(out).sort()).toEqual(['conv.bias', 'conv.weight']);
    expect(maxAbsDiff(out['conv.weight'].data as Float32Array, foldWeightNormReference(gT, v).data)).toBeLessThan(1e-6);
    expect(() => foldWeightNormParams({ 'x.weight_g': hostTensor('float32', [1], new Float32Array(1)) })).toThrow(/no matching x.weight_v/);
  });
});
