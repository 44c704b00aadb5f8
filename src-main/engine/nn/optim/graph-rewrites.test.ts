/**
 * The post-emission rewrite of train graphs changes no number: a two-layer MLP's step with and without it
 * gives the same loss and the same updated parameters, and the rewrite did fire. The emitter writes graph
 * outputs without Identity copies.
 */
import { describe, expect, it } from 'vitest';
import onnxProto from 'onnx-proto';
import { Graph } from '../graph.js';
import { mul, reduceMean, tanh } from '../primitives.js';
import { linear } from '../blocks/linear.js';
import { ParamStore } from '../blocks/params.js';
import { maxAbsDiff, randomTensor } from '../testing/reference.js';
import { compileTrainStep, type TrainStepSpec } from './train-step.js';
import { TrainStepRunner } from './train-step-runner.js';

const { onnx } = onnxProto;

function spec(rewrites: boolean): TrainStepSpec {
  const params = new ParamStore({ seed: 3 });
  return {
    rewrites,
    optimizer: { maxGradNorm: 0.5, weightDecay: 0.1, weightDecayFor: (n) => (n.endsWith('.bias') ? 0 : 0.1) },
    build: (g: Graph) => {
      const x = g.input('x', 'float32', [2, 5, 6]);
      const h = tanh(linear(x, { params, name: 'l1', inFeatures: 6, outFeatures: 8, bias: true }));
      const y = linear(h, { params, name: 'l2', inFeatures: 8, outFeatures: 3 });
      return { loss: reduceMean(mul(y, y), [0, 1, 2]) };
    },
  };
}

function opCount(model: Uint8Array, op: string, nameHas = ''): number {
  return onnx.ModelProto.decode(model).graph!.node!.filter((n) => n.opType === op && (n.name ?? '').includes(nameHas)).length;
}

describe('train graph rewrites', () => {
  it('fire (weight grads in layout) and leave every number as it was; no output copies either way', async () => {
    const a = compileTrainStep(spec(true));
    const b = compileTrainStep(spec(false));
    // one rewritten weight gradient per linear layer
    expect(opCount(a.step.model, 'MatMul', 'grad_layout')).toBe(2);
    expect(opCount(b.step.model, 'MatMul', 'grad_layout')).toBe(0);
    expect(opCount(a.step.model, 'Identity', '/outputs/')).toBe(0);
    expect(opCount(b.step.model, 'Identity', '/outputs/')).toBe(0);
    // two weight-decay groups: biases (0) and weights (0.1)
    expect(a.stateGroups.map((s) => s.weightDecay).sort()).toEqual([0, 0.1]);
    const ra = await TrainStepRunner.create(a, { intraOpThreads: 1 });
    const rb = await TrainStepRunner.create(b, { intraOpThreads: 1 });
    for (let i = 0; i < 3; i++) {
      const x = { dtype: 'float32' as const, shape: [2, 5, 6], data: Float32Array.from(randomTensor([60], 10 + i).data) };
      const sa = await ra.step({ x }, { lr: 0.05 });
      const sb = await rb.step({ x }, { lr: 0.05 });
      expect(Math.abs(sa.loss - sb.loss)).toBeLessThan(1e-6);
      expect(Math.abs(sa.gradNorm - sb.gradNorm)).toBeLessThan(1e-6);
    }
    for (const name of ['l1.weight', 'l1.bias', 'l2.weight']) expect(maxAbsDiff(ra.value(name), rb.value(name))).toBeLessThan(1e-6);
    // the step really trained something
    expect(maxAbsDiff(ra.value('l1.weight'), a.params.find((p) => p.name === 'l1.weight')!.initial)).toBeGreaterThan(1e-3);
    await ra.dispose();
    await rb.dispose();
  });
});
