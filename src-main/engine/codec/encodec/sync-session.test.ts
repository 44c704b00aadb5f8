import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { add, emitOnnx, Graph, mul } from '../../nn/index.js';
import { SyncSession } from './sync-session.js';

describe('SyncSession (onnxruntime-node native binding, synchronous run)', () => {
  const g = new Graph('toy');
  const x = g.input('x', 'float32', [2, 'N']);
  const y = g.input('y', 'int64', [3]);
  g.output('z', add(mul(x, 3), 1));
  g.output('w', add(y, 5));
  const model = emitOnnx(g).model;

  it('returns the same results as the public async API, without a Promise', async () => {
    const s = SyncSession.create(model, { intraOpThreads: 1 });
    expect(s.inputNames).toEqual(['x', 'y']);
    expect(s.outputNames).toEqual(['z', 'w']);
    const xs = Float32Array.of(1, 2, 3, -4, 0.5, 6);
    const feeds = { x: { dtype: 'float32' as const, shape: [2, 3], data: xs }, y: { dtype: 'int64' as const, shape: [3], data: BigInt64Array.of(1n, -2n, 3n) } };
    const out = s.run(feeds);
    expect(out.z).toEqual({ dtype: 'float32', shape: [2, 3], data: Float32Array.from(xs, (v) => 3 * v + 1) });
    expect(Array.from(out.w.data as BigInt64Array)).toEqual([6n, 3n, 8n]);
    const asyncSession = await ort.InferenceSession.create(model);
    const ref = await asyncSession.run({ x: new ort.Tensor('float32', xs, [2, 3]), y: new ort.Tensor('int64', feeds.y.data, [3]) });
    expect(Array.from(out.z.data as Float32Array)).toEqual(Array.from(ref.z.data as Float32Array));
    expect(Object.keys(s.run(feeds, ['w']))).toEqual(['w']);
    s.dispose();
    expect(() => s.run(feeds)).toThrow(/disposed/);
  });

  it('names missing and unknown inputs and outputs', () => {
    const s = SyncSession.create(model, { intraOpThreads: 1 });
    const x2 = { dtype: 'float32' as const, shape: [2, 1], data: new Float32Array(2) };
    expect(() => s.run({ x: x2 })).toThrow(/model input "y" was not fed/);
    expect(() => s.run({ x: x2, y: { dtype: 'int64', shape: [3], data: new BigInt64Array(3) }, q: x2 })).toThrow(/"q" is not an input/);
    expect(() => s.run({ x: x2, y: { dtype: 'int64', shape: [3], data: new BigInt64Array(3) } }, ['nope'])).toThrow(/"nope" is not an output/);
    s.dispose();
  });
});
