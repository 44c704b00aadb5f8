/**
 * The compiled train step against the float64 AdamW + clipping reference. The model is loss = Σ p·c with
 * c fed per step, so ∂loss/∂p = c exactly and every difference comes from the optimizer graph.
 */
import { describe, expect, it } from 'vitest';
import type { HostTensor } from '../io/host-tensor.js';
import { Graph } from '../graph.js';
import { add, mul, reduceSum } from '../primitives.js';
import { adamwStepReference, clipGradNormReference, maxAbsDiff, randomTensor } from '../testing/reference.js';
import type { AdamWOptions } from './adamw.js';
import { compileTrainStep, type TrainStepSpec } from './train-step.js';
import { TrainStepRunner } from './train-step-runner.js';

const SHAPES: Record<string, number[]> = { a: [2, 3], b: [4] };
const INIT: Record<string, Float32Array> = {
  a: Float32Array.from(randomTensor([6], 1).data),
  b: Float32Array.from(randomTensor([4], 2).data),
};

function linearLoss(g: Graph) {
  let loss = null as ReturnType<typeof reduceSum> | null;
  for (const [name, shape] of Object.entries(SHAPES)) {
    const p = g.param(name, shape, { trainable: true, data: INIT[name] });
    const c = g.input(`c.${name}`, 'float32', shape);
    const part = reduceSum(mul(p, c), shape.map((_, i) => i));
    loss = loss ? add(loss, part) : part;
  }
  // a frozen weight folded in as an initializer must not disturb anything
  const frozen = g.param('frozen', [1], { trainable: false, data: new Float32Array([3]) });
  return { loss: add(loss!, reduceSum(frozen, [0])) };
}

const opt: AdamWOptions = { beta1: 0.9, beta2: 0.96, eps: 1e-7, weightDecay: 0.1, maxGradNorm: 1 };

function batch(seed: number, scale: number): { feeds: Record<string, HostTensor>; grads: Record<string, Float64Array> } {
  const feeds: Record<string, HostTensor> = {};
  const grads: Record<string, Float64Array> = {};
  for (const [name, shape] of Object.entries(SHAPES)) {
    const t = randomTensor(shape, seed + name.charCodeAt(0), scale);
    const f = Float32Array.from(t.data);
    feeds[`c.${name}`] = { dtype: 'float32', shape, data: f };
    grads[name] = Float64Array.from(f);
  }
  return { feeds, grads };
}

/** float64 reference state following the same steps */
class ReferenceAdamW {
  p: Record<string, Float64Array> = { a: Float64Array.from(INIT.a), b: Float64Array.from(INIT.b) };
  m: Record<string, Float64Array> = { a: new Float64Array(6), b: new Float64Array(4) };
  v: Record<string, Float64Array> = { a: new Float64Array(6), b: new Float64Array(4) };
  t = 0;
  step(grads: Record<string, Float64Array>, lr: number): number {
    const g = { a: Float64Array.from(grads.a), b: Float64Array.from(grads.b) };
    const norm = clipGradNormReference([g.a, g.b], opt.maxGradNorm!);
    this.t++;
    for (const k of ['a', 'b']) adamwStepReference(this.p[k], g[k as 'a' | 'b'], this.m[k], this.v[k], this.t, { lr, beta1: 0.9, beta2: 0.96, eps: 1e-7, weightDecay: 0.1 });
    return norm;
  }
}

/** Every state layout and graph form gives the reference's numbers. */
const LAYOUTS: [string, Partial<TrainStepSpec>][] = [
  ['one flat group', {}],
  ['a group per parameter', { ownGroupMinElements: 1 }],
  ['a multi-step graph, one step per run', { multiStep: true }],
  ['a multi-step graph, own and shared groups', { multiStep: true, ownGroupMinElements: 5 }],
];

describe.each(LAYOUTS)('AdamW train step with %s', (_, layout) => {
  it('matches the reference over several steps, with weight decay and clipping on and off', async () => {
    const runner = await TrainStepRunner.create(compileTrainStep({ build: linearLoss, optimizer: opt, ...layout }), { intraOpThreads: 1 });
    const ref = new ReferenceAdamW();
    // scale 2 → norm > 1 (clipped); scale 0.1 → norm < 1 (untouched)
    for (const [i, scale, lr] of [[0, 2, 0.05], [1, 0.1, 0.02], [2, 3, 0.05], [3, 0.2, 0.01]] as const) {
      const b = batch(10 * i, scale);
      const report = await runner.step(b.feeds, { lr });
      const norm = ref.step(b.grads, lr);
      expect(report.finite).toBe(true);
      expect(Math.abs(report.gradNorm - norm) / norm).toBeLessThan(1e-6);
      // loss = Σ p·c + 3 with the parameters before the update (p of the previous step)
      for (const k of ['a', 'b']) {
        expect(maxAbsDiff(runner.value(k), ref.p[k])).toBeLessThan(2e-6);
        expect(maxAbsDiff(runner.moments(k).m, ref.m[k])).toBeLessThan(2e-6);
        expect(maxAbsDiff(runner.moments(k).v, ref.v[k])).toBeLessThan(2e-6);
      }
      expect(runner.updates).toBe(i + 1);
    }
    await runner.dispose();
  });
});

describe('AdamW train step', () => {
  it('reports the loss at the parameters before the update', async () => {
    const runner = await TrainStepRunner.create(compileTrainStep({ build: linearLoss, optimizer: opt }), { intraOpThreads: 1 });
    const b = batch(7, 1);
    let expected = 3;
    for (const k of ['a', 'b']) INIT[k].forEach((p, i) => (expected += p * b.grads[k][i]));
    const r = await runner.step(b.feeds, { lr: 0.01 });
    expect(Math.abs(r.loss - expected)).toBeLessThan(1e-5);
    await runner.dispose();
  });

  it('skips the whole update and says finite=false when a gradient overflows; loss scaling is undone', async () => {
    const compiled = compileTrainStep({ build: linearLoss, optimizer: opt });
    const runner = await TrainStepRunner.create(compiled, { intraOpThreads: 1 });
    const ref = new ReferenceAdamW();
    const b0 = batch(1, 1);
    await runner.step(b0.feeds, { lr: 0.05, lossScale: 1024 });
    ref.step(b0.grads, 0.05);
    const before = { a: Float32Array.from(runner.value('a')), m: Float32Array.from(runner.moments('a').m) };
    const bad = batch(2, 1);
    (bad.feeds['c.b'].data as Float32Array)[1] = Infinity;
    const r = await runner.step(bad.feeds, { lr: 0.05, lossScale: 1024 });
    expect(r.finite).toBe(false);
    expect(runner.updates).toBe(1);
    expect(maxAbsDiff(runner.value('a'), before.a)).toBe(0);
    expect(maxAbsDiff(runner.moments('a').m, before.m)).toBe(0);
    // the next good step is update 2 for the bias correction, exactly as if the bad one never happened
    const b2 = batch(3, 1);
    const ok = await runner.step(b2.feeds, { lr: 0.05, lossScale: 65536 });
    ref.step(b2.grads, 0.05);
    expect(ok.finite).toBe(true);
    expect(maxAbsDiff(runner.value('b'), ref.p.b)).toBeLessThan(2e-6);
    await runner.dispose();
  });

  it('gradient accumulation over two micro-batches equals one step on their mean gradient', async () => {
    const runner = await TrainStepRunner.create(compileTrainStep({ build: linearLoss, optimizer: opt, accumulate: true }), { intraOpThreads: 1 });
    const ref = new ReferenceAdamW();
    for (let round = 0; round < 2; round++) {
      const b1 = batch(100 + round, 1.5);
      const b2 = batch(200 + round, 1.5);
      await runner.accumulate(b1.feeds, { lossScale: 8 });
      expect(runner.pendingMicroBatches).toBe(1);
      await runner.step(b2.feeds, { lr: 0.03, lossScale: 8 });
      const mean = { a: b1.grads.a.map((v, i) => (v + b2.grads.a[i]) / 2), b: b1.grads.b.map((v, i) => (v + b2.grads.b[i]) / 2) };
      ref.step(mean, 0.03);
      for (const k of ['a', 'b']) expect(maxAbsDiff(runner.value(k), ref.p[k])).toBeLessThan(2e-6);
    }
    await runner.dispose();
  });

  it('applies weight decay per parameter group (weightDecayFor)', async () => {
    const compiled = compileTrainStep({ build: linearLoss, optimizer: { ...opt, weightDecayFor: (n) => (n === 'b' ? 0 : 0.1) } });
    expect(compiled.stateGroups.map((s) => [s.weightDecay, s.members.map((m) => m.name)])).toEqual([[0.1, ['a']], [0, ['b']]]);
    const runner = await TrainStepRunner.create(compiled, { intraOpThreads: 1 });
    const p = { a: Float64Array.from(INIT.a), b: Float64Array.from(INIT.b) };
    const m = { a: new Float64Array(6), b: new Float64Array(4) };
    const v = { a: new Float64Array(6), b: new Float64Array(4) };
    for (let t = 1; t <= 2; t++) {
      const bt = batch(50 + t, 2);
      await runner.step(bt.feeds, { lr: 0.05 });
      const g = { a: Float64Array.from(bt.grads.a), b: Float64Array.from(bt.grads.b) };
      clipGradNormReference([g.a, g.b], 1);
      for (const k of ['a', 'b'] as const) {
        adamwStepReference(p[k], g[k], m[k], v[k], t, { lr: 0.05, beta1: 0.9, beta2: 0.96, eps: 1e-7, weightDecay: k === 'b' ? 0 : 0.1 });
        expect(maxAbsDiff(runner.value(k), p[k])).toBeLessThan(2e-6);
      }
    }
    await runner.dispose();
  });

  it('refuses bad hyper-parameters and unknown batch inputs', async () => {
    expect(() => compileTrainStep({ build: linearLoss, optimizer: { beta1: 1 } })).toThrow(/beta1/);
    expect(() => compileTrainStep({ build: linearLoss, optimizer: { maxGradNorm: -1 } })).toThrow(/maxGradNorm/);
    const runner = await TrainStepRunner.create(compileTrainStep({ build: linearLoss, optimizer: opt }), { intraOpThreads: 1 });
    await expect(runner.step({ ...batch(1, 1).feeds, extra: batch(1, 1).feeds['c.a'] }, { lr: 0.1 })).rejects.toThrow(/not a batch input/);
    await expect(runner.step({ 'c.a': batch(1, 1).feeds['c.a'] }, { lr: 0.1 })).rejects.toThrow(/"c.b" missing/);
    expect(runner.updates).toBe(0);
    await runner.dispose();
  });
});
