/**
 * The multi-step (Loop) train graph against the single-step graph it wraps: K steps in one run give the
 * numbers of K single steps, an overflow stops the run without touching the state, and the Loop graph
 * reads only the flat state.
 */
import { describe, expect, it } from 'vitest';
import onnxProto from 'onnx-proto';
import { Graph } from '../graph.js';
import { add, mul, reduceMean, reduceSum, tanh } from '../primitives.js';
import type { HostTensor } from '../io/host-tensor.js';
import { linear } from '../blocks/linear.js';
import { ParamStore } from '../blocks/params.js';
import { maxAbsDiff, randomTensor } from '../testing/reference.js';
import { compileTrainStep, type TrainStepSpec } from './train-step.js';
import { TrainStepRunner, type TrainStepReport } from './train-step-runner.js';

const { onnx } = onnxProto;
const WEIGHTS = ['l1.weight', 'l1.bias', 'l2.weight'];

/** A two-layer MLP with two weight-decay groups, a frozen scale and a metric; x·s sets the gradient size. */
function mlp(layout: Partial<TrainStepSpec>): TrainStepSpec {
  const params = new ParamStore({ seed: 3 });
  return {
    ...layout,
    optimizer: { maxGradNorm: 0.05, weightDecay: 0.1, weightDecayFor: (n) => (n.endsWith('.bias') ? 0 : 0.1) },
    build: (g: Graph) => {
      const x = g.input('x', 'float32', [2, 5, 6]);
      const s = g.input('s', 'float32', []);
      const frozen = g.param('frozen.scale', [1], { trainable: false, data: new Float32Array([0.5]) });
      const h = tanh(linear(mul(x, s), { params, name: 'l1', inFeatures: 6, outFeatures: 8, bias: true }));
      const y = mul(linear(h, { params, name: 'l2', inFeatures: 8, outFeatures: 3 }), frozen);
      return { loss: reduceMean(mul(y, y), [0, 1, 2]), metrics: { sum: reduceSum(add(y, 1), [0, 1, 2]) } };
    },
  };
}

function batch(seed: number, scale = 1): Record<string, HostTensor> {
  return {
    x: { dtype: 'float32', shape: [2, 5, 6], data: Float32Array.from(randomTensor([60], seed).data) },
    s: { dtype: 'float32', shape: [], data: new Float32Array([scale]) },
  };
}

async function runners(layout: Partial<TrainStepSpec>) {
  const single = await TrainStepRunner.create(compileTrainStep(mlp(layout)), { intraOpThreads: 1 });
  const multi = await TrainStepRunner.create(compileTrainStep(mlp({ ...layout, multiStep: true })), { intraOpThreads: 1 });
  return { single, multi, dispose: () => Promise.all([single.dispose(), multi.dispose()]) };
}

function expectSameState(a: TrainStepRunner, b: TrainStepRunner): void {
  expect(a.updates).toBe(b.updates);
  for (const name of WEIGHTS) {
    expect(maxAbsDiff(a.value(name), b.value(name)), name).toBeLessThan(1e-6);
    expect(maxAbsDiff(a.moments(name).m, b.moments(name).m), name).toBeLessThan(1e-6);
    expect(maxAbsDiff(a.moments(name).v, b.moments(name).v), name).toBeLessThan(1e-6);
  }
}

describe.each([
  ['one shared group per weight decay', {}],
  ['l1.weight in a group of its own', { ownGroupMinElements: 40 }],
] as [string, Partial<TrainStepSpec>][])('multi-step train graph, %s', (_, layout) => {
  it('applies K steps in one run exactly as K single steps (losses, norms, metrics, state)', async () => {
    const r = await runners(layout);
    const batches = [batch(1), batch(2, 3), batch(3), batch(4, 0.5)];
    const lrs = [0.05, 0.02, 0.04, 0.01];
    const expected: TrainStepReport[] = [];
    for (const [i, b] of batches.entries()) expected.push(await r.single.step(b, { lr: lrs[i], lossScale: 4 }));
    const got = await r.multi.steps(batches, { lr: lrs, lossScale: 4 });
    expect(got).toHaveLength(4);
    got.forEach((g, i) => {
      expect(g.finite).toBe(true);
      expect(Math.abs(g.loss - expected[i].loss)).toBeLessThan(1e-6);
      expect(Math.abs(g.gradNorm - expected[i].gradNorm)).toBeLessThan(1e-6);
      expect(Math.abs(g.metrics.sum - expected[i].metrics.sum)).toBeLessThan(1e-4);
    });
    // the steps did train (the losses differ), and clipping was active on the scaled batch
    expect(new Set(got.map((g) => g.loss.toFixed(6))).size).toBe(4);
    expect(got.filter((g) => g.gradNorm > 0.05).length).toBeGreaterThan(0);
    expect(got.filter((g) => g.gradNorm < 0.05).length).toBeGreaterThan(0);
    expectSameState(r.single, r.multi);
    // the next run starts from the state the last one left
    expect((await r.multi.steps([batch(5)], { lr: 0.03 }))[0].loss).toBeCloseTo((await r.single.step(batch(5), { lr: 0.03 })).loss, 6);
    expectSameState(r.single, r.multi);
    await r.dispose();
  });

  it('stops at the first overflowed step: the steps before it apply, it and the state after it do not', async () => {
    const r = await runners(layout);
    const bad = batch(12, Infinity);
    const reports = await r.multi.steps([batch(10), batch(11), bad, batch(13)], { lr: 0.05 });
    expect(reports.map((x) => x.finite)).toEqual([true, true, false]);
    expect(r.multi.updates).toBe(2);
    await r.single.steps([batch(10), batch(11)], { lr: 0.05 });
    expectSameState(r.single, r.multi);
    // the caller resubmits what came after; bias correction counts only applied updates
    await r.multi.steps([batch(13)], { lr: 0.05 });
    await r.single.step(batch(13), { lr: 0.05 });
    expectSameState(r.single, r.multi);
    // an overflow in the first step of a run leaves everything as it was
    const before = Float32Array.from(r.multi.value('l1.weight'));
    expect((await r.multi.steps([bad, batch(14)], { lr: 0.05 })).map((x) => x.finite)).toEqual([false]);
    expect(maxAbsDiff(r.multi.value('l1.weight'), before)).toBe(0);
    expect(r.multi.updates).toBe(3);
    await r.dispose();
  });
});

describe('multi-step train graph', () => {
  it('is one Loop over the flat state: no per-weight inputs, batch and schedule stacked per step', () => {
    const c = compileTrainStep(mlp({ multiStep: true, ownGroupMinElements: 40 }));
    expect(c.multiStep).toBe(true);
    expect(c.stateGroups.map((g) => [g.weightDecay, g.members.map((m) => m.name), g.flatInput])).toEqual([
      [0.1, ['l2.weight'], false],
      [0.1, ['l1.weight'], false],
      [0, ['l1.bias'], false],
    ]);
    const graph = onnx.ModelProto.decode(c.step.model).graph!;
    expect(graph.node!.filter((n) => n.opType === 'Loop')).toHaveLength(1);
    const inputs = graph.input!.map((i) => i.name);
    for (const w of WEIGHTS) expect(inputs).not.toContain(w);
    expect(inputs).toEqual(expect.arrayContaining(['params.0', 'params.1', 'params.2', 'optim.m.0', 'optim.v.2', 'optim.step', 'x', 's', 'optim.lr', 'optim.loss_scale']));
    const x = graph.input!.find((i) => i.name === 'x')!;
    expect(x.type!.tensorType!.shape!.dim!.map((d) => d.dimParam || Number(d.dimValue))).toEqual(['steps', 2, 5, 6]);
    expect(c.step.inputNames).toEqual(inputs);
  });

  it('refuses accumulation, batches of different shapes and a learning rate per missing batch', async () => {
    expect(() => compileTrainStep(mlp({ multiStep: true, accumulate: true }))).toThrow(/multiStep and accumulate/);
    const runner = await TrainStepRunner.create(compileTrainStep(mlp({ multiStep: true })), { intraOpThreads: 1 });
    const odd = { ...batch(2), x: { dtype: 'float32' as const, shape: [1, 5, 6], data: new Float32Array(30) } };
    await expect(runner.steps([batch(1), odd], { lr: 0.1 })).rejects.toThrow(/batch 1 input "x" is float32\[1, 5, 6\], batch 0's is float32\[2, 5, 6\]/);
    await expect(runner.steps([batch(1), batch(2)], { lr: [0.1] })).rejects.toThrow(/1 learning rates for 2 batches/);
    await expect(runner.steps([batch(1)], { lr: -1 })).rejects.toThrow(/lr must be >= 0/);
    expect(await runner.steps([], { lr: 0.1 })).toEqual([]);
    expect(runner.updates).toBe(0);
    await runner.dispose();
  });
});
