import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { Graph } from '../graph.js';
import * as P from '../primitives.js';
import { ModelRunner, runModel } from '../testing/run-model.js';
import { emitOnnx } from './onnx.js';

const { onnx } = onnxProto;

function rand(n: number, seed = 1): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return (s / 2 ** 31) * 2 - 1;
  });
}

describe('emitOnnx', () => {
  it('writes a linear layer that ORT runs, matching a plain-JS product, for several batch sizes', async () => {
    const g = new Graph('linear');
    const x = g.input('x', 'float32', ['B', 3]);
    const wData = rand(6, 2);
    const w = g.param('w', [3, 2], { trainable: false, data: wData });
    const b = g.param('b', [2], { trainable: true });
    const y = g.scope('proj', () => P.add(P.matmul(x, w), b));
    g.output('y', y);
    const emitted = emitOnnx(g);
    const runner = await ModelRunner.create(emitted);
    for (const batch of [1, 4]) {
      const xData = rand(batch * 3, 3 + batch);
      const bData = Float32Array.of(0.5, -0.25);
      const out = await runner.run({
        x: { dtype: 'float32', shape: [batch, 3], data: xData },
        b: { dtype: 'float32', shape: [2], data: bData },
      });
      expect(out.y.shape).toEqual([batch, 2]);
      for (let i = 0; i < batch; i++) {
        for (let j = 0; j < 2; j++) {
          let acc = bData[j];
          for (let k = 0; k < 3; k++) acc += xData[i * 3 + k] * wData[k * 2 + j];
          expect(out.y.data[i * 2 + j]).toBeCloseTo(acc, 5);
        }
      }
    }
    await runner.release();
  });

  it('names nodes /scope/OpType with output_k values, and checks the model header', () => {
    const g = new Graph('names');
    const x = g.input('x', 'float32', [2]);
    g.scope('layers.0', () => g.scope('attn', () => g.output('y', P.exp(P.exp(x)))));
    const model = onnx.ModelProto.decode(emitOnnx(g).model);
    expect(Number(model.irVersion)).toBe(10);
    expect(Number(model.opsetImport[0].version)).toBe(21);
    const names = model.graph!.node!.map((n) => n.name);
    expect(names).toContain('/layers.0/attn/Exp');
    expect(names).toContain('/layers.0/attn/Exp_1');
    const second = model.graph!.node!.find((n) => n.name === '/layers.0/attn/Exp_1')!;
    expect(second.input).toEqual(['/layers.0/attn/Exp/output_0']);
  });

  it('names a computed output after the output (no Identity copy); pass-throughs and repeats keep one', async () => {
    const g = new Graph('outputs');
    const x = g.input('x', 'float32', [3]);
    const y = P.mul(x, 2);
    const z = P.add(y, 1);
    g.output('doubled', y); // also consumed by z
    g.output('again', y); // the same value a second time
    g.output('plus', z);
    g.output('echo', x); // a graph input
    const emitted = emitOnnx(g);
    const graph = onnx.ModelProto.decode(emitted.model).graph!;
    const identities = graph.node!.filter((n) => n.opType === 'Identity');
    expect(identities.map((n) => [n.input![0], n.output![0]]).sort()).toEqual([['doubled', 'again'], ['x', 'echo']]);
    expect(graph.node!.find((n) => n.opType === 'Mul')!.output).toEqual(['doubled']);
    expect(graph.node!.find((n) => n.opType === 'Add')!.input![0]).toBe('doubled');
    const out = await runModel(emitted, { x: { dtype: 'float32', shape: [3], data: Float32Array.from([1, 2, 3]) } });
    expect([...out.doubled.data]).toEqual([2, 4, 6]);
    expect([...out.again.data]).toEqual([2, 4, 6]);
    expect([...out.plus.data]).toEqual([3, 5, 7]);
    expect([...out.echo.data]).toEqual([1, 2, 3]);
  });

  it('refuses an explicit duplicate node name', () => {
    const g = new Graph();
    const x = g.input('x', 'float32', [2]);
    g.addNode(P.exp(x).producer!.op, [x], {}, [{ dtype: 'float32', shape: [2] }], { name: 'mine' });
    expect(() => g.addNode(P.exp(x).producer!.op, [x], {}, [{ dtype: 'float32', shape: [2] }], { name: 'mine' })).toThrow(
      /duplicate node name "\/mine"/,
    );
  });

  it('deduplicates constants by dtype and value', () => {
    const g = new Graph();
    const a = g.scalar(2, 'float32');
    expect(g.scalar(2, 'float32')).toBe(a);
    expect(g.scalar(2, 'float64')).not.toBe(a);
    expect(g.scalar(3, 'float32')).not.toBe(a);
  });

  it('reads symbolic sizes at run time for reshape, expand, arange and slice', async () => {
    const g = new Graph();
    const x = g.input('x', 'float32', ['B', 'T', 4]);
    const flat = P.reshape(x, [-1, 4]); // [B*T, 4]
    expect(flat.shape).toEqual(['B*T', 4]);
    const back = P.reshape(flat, ['B', 'T', 2, 2]);
    const pos = P.arange(g, 'T', 'float32'); // [T]
    const grown = P.expand(P.reshape(pos, [1, 'T', 1, 1]), ['B', 'T', 2, 2]);
    const y = P.add(back, grown);
    const past = g.input('past', 'float32', ['B', 'P', 4]);
    const cat = P.concat([past, x], 1); // [B, P+T, 4]
    expect(cat.shape).toEqual(['B', 'P+T', 4]);
    const tail = P.slice(cat, [{ axis: 1, start: 0, end: 'T' }]);
    g.output('y', y);
    g.output('tail', tail);
    g.output('n', P.size(cat, 'int64'));
    const B = 2;
    const T = 3;
    const Pn = 2;
    const xData = rand(B * T * 4, 5);
    const pData = rand(B * Pn * 4, 6);
    const out = await runModel(emitOnnx(g), {
      x: { dtype: 'float32', shape: [B, T, 4], data: xData },
      past: { dtype: 'float32', shape: [B, Pn, 4], data: pData },
    });
    expect(out.y.shape).toEqual([B, T, 2, 2]);
    for (let i = 0; i < B * T * 4; i++) {
      const t = Math.floor(i / 4) % T;
      expect(out.y.data[i]).toBeCloseTo(xData[i] + t, 5);
    }
    expect(out.tail.shape).toEqual([B, T, 4]);
    expect(Number(out.n.data[0])).toBe(B * (Pn + T) * 4);
    // row t of tail = row t of concat(past, x)
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        for (let c = 0; c < 4; c++) {
          const expected = t < Pn ? pData[(b * Pn + t) * 4 + c] : xData[(b * T + t - Pn) * 4 + c];
          expect(out.tail.data[(b * T + t) * 4 + c]).toBeCloseTo(expected, 6);
        }
      }
    }
  });

  it('writes large initializers to an external file that ORT loads by path', async () => {
    const g = new Graph();
    const x = g.input('x', 'float32', [1, 512]);
    const wData = rand(512 * 4, 9);
    const w = g.param('w', [512, 4], { trainable: false, data: wData });
    g.output('y', P.matmul(x, w));
    const emitted = emitOnnx(g, { externalData: { location: 'weights.bin' } });
    expect(emitted.external!.chunks.length).toBe(1);
    const dir = mkdtempSync(join(tmpdir(), 'nn-ext-'));
    writeFileSync(join(dir, 'model.onnx'), emitted.model);
    const blob = new Uint8Array(emitted.external!.totalBytes);
    for (const c of emitted.external!.chunks) blob.set(c.bytes, c.offset);
    writeFileSync(join(dir, 'weights.bin'), blob);
    expect(readFileSync(join(dir, 'model.onnx')).byteLength).toBeLessThan(2048);
    const runner = await ModelRunner.create(join(dir, 'model.onnx'));
    const xData = rand(512, 10);
    const out = await runner.run({ x: { dtype: 'float32', shape: [1, 512], data: xData } });
    for (let j = 0; j < 4; j++) {
      let acc = 0;
      for (let k = 0; k < 512; k++) acc += xData[k] * wData[k * 4 + j];
      expect(out.y.data[j]).toBeCloseTo(acc, 3);
    }
    await runner.release();
  });

  it('refuses opsets and IR versions onnxruntime-node 1.30 cannot read', () => {
    const g = new Graph();
    g.output('y', P.exp(g.input('x', 'float32', [1])));
    expect(() => emitOnnx(g, { opset: 27 })).toThrow(/opset 27/);
    expect(() => emitOnnx(g, { irVersion: 14 })).toThrow(/IR version 14/);
  });
});
