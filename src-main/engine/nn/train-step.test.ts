/**
 * Forward + backward + update as one ONNX graph: a tiny attention model with a frozen base projection
 * (initializer) and a trainable LoRA pair (graph inputs) takes SGD steps inside the graph; the loss falls.
 */
import { describe, expect, it } from 'vitest';
import { scaledDotProductAttention } from './composite/attention.js';
import { embedding, linear } from './composite/layers.js';
import { crossEntropy } from './composite/loss.js';
import { rmsNorm } from './composite/normalization.js';
import { emitOnnx } from './emit/onnx.js';
import { gradients } from './grad.js';
import { Graph } from './graph.js';
import * as P from './primitives.js';
import { seededUniform } from './testing/gradcheck.js';
import type { HostTensor } from './testing/run-model.js';
import { ModelRunner } from './testing/run-model.js';

describe('a training step as one graph', () => {
  it('lowers the loss of a LoRA-adapted attention model, frozen weights folded in', async () => {
    const [V, D, R] = [7, 8, 2];
    const g = new Graph('train_step');
    const ids = g.input('ids', 'int64', ['B', 'T']);
    const targets = g.input('targets', 'int64', ['B', 'T']);
    const lr = g.input('lr', 'float32', []);
    const f32 = (n: number, seed: number, scale = 0.5): Float32Array => Float32Array.from(seededUniform(n, seed).map((v) => v * scale));
    const table = g.param('emb', [V, D], { trainable: false, data: f32(V * D, 1) });
    const wq = g.param('wq', [D, D], { trainable: false, data: f32(D * D, 2) });
    const head = g.param('head', [V, D], { trainable: false, data: f32(V * D, 3) });
    const loraA = g.param('lora.A', [R, D], { trainable: true, data: f32(R * D, 4, 0.1) });
    const loraB = g.param('lora.B', [D, R], { trainable: true, data: f32(D * R, 5, 0.1) });
    const bias = g.param('head.bias', [V], { trainable: true, data: new Float32Array(V) });
    const h = embedding(table, ids); // [B, T, D]
    const q = P.add(linear(h, wq), linear(linear(h, loraA), loraB));
    const heads = (t: ReturnType<typeof P.add>) => P.transpose(P.reshape(t, ['B', 'T', 2, D / 2]), [0, 2, 1, 3]);
    const att = scaledDotProductAttention(heads(q), heads(h), heads(h), { causal: true }).out;
    const merged = P.reshape(P.transpose(att, [0, 2, 1, 3]), ['B', 'T', D]);
    const logits = linear(rmsNorm(P.add(merged, h), null), head, bias);
    const loss = crossEntropy(logits, targets, { ignoreIndex: -100 });
    const trainable = [loraA, loraB, bias];
    const grads = gradients(loss, trainable);
    g.output('loss', loss);
    trainable.forEach((p, i) => g.output(`new.${p.valueName}`, P.sub(p, P.mul(grads[i], lr))));

    const emitted = emitOnnx(g);
    expect(emitted.inputNames.sort()).toEqual(['head.bias', 'ids', 'lora.A', 'lora.B', 'lr', 'targets']);
    const runner = await ModelRunner.create(emitted);
    const batch = { ids: [0, 3, 5, 2, 1, 6, 4, 4], targets: [3, 5, 2, -100, 6, 4, 4, 1] };
    let state: Record<string, HostTensor> = {
      'lora.A': { dtype: 'float32', shape: [R, D], data: (loraA.source as { data: Float32Array }).data },
      'lora.B': { dtype: 'float32', shape: [D, R], data: (loraB.source as { data: Float32Array }).data },
      'head.bias': { dtype: 'float32', shape: [V], data: new Float32Array(V) },
    };
    const initialA = Array.from(state['lora.A'].data as Float32Array);
    const losses: number[] = [];
    for (let step = 0; step < 30; step++) {
      const out = await runner.run({
        ...state,
        ids: { dtype: 'int64', shape: [2, 4], data: BigInt64Array.from(batch.ids.map(BigInt)) },
        targets: { dtype: 'int64', shape: [2, 4], data: BigInt64Array.from(batch.targets.map(BigInt)) },
        lr: { dtype: 'float32', shape: [], data: Float32Array.of(1) },
      });
      losses.push(Number(out.loss.data[0]));
      state = { 'lora.A': out['new.lora.A'], 'lora.B': out['new.lora.B'], 'head.bias': out['new.head.bias'] };
    }
    await runner.release();
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] - 0.1);
    for (let i = 1; i < losses.length; i++) expect(losses[i]).toBeLessThan(losses[i - 1] + 1e-4); // small steps: no increase
    expect(Array.from(state['lora.A'].data as Float32Array)).not.toEqual(initialA); // the adapter trained too
  });
});
