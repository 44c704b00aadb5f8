/**
 * End to end: a tiny LLaMA (embedding → 2 blocks with GQA heads → head) trained with the compiled step on
 * next-token prediction of a periodic sequence, where every token determines the next, so a working
 * forward + backward + AdamW must drive the loss to ~0 within a few hundred CPU steps.
 */
import { describe, expect, it } from 'vitest';
import { Graph } from '../graph.js';
import { crossEntropy } from '../composite/loss.js';
import { argMax, cast, equal, reduceMean } from '../primitives.js';
import type { HostTensor } from '../io/host-tensor.js';
import { TRAINING_PLAN } from '../blocks/emit-plan.js';
import { embedding } from '../blocks/embedding.js';
import { linear } from '../blocks/linear.js';
import { llamaStack } from '../blocks/llama-stack.js';
import { ParamStore } from '../blocks/params.js';
import { gradcheck } from '../testing/gradcheck.js';
import { emitOnnx } from '../emit/onnx.js';
import { runModel } from '../testing/run-model.js';
import { crossEntropy as refCrossEntropy, randomTensor, refTensor } from '../testing/reference.js';
import { compileTrainStep } from './train-step.js';
import { TrainStepRunner } from './train-step-runner.js';

const VOCAB = 16, D = 32, B = 8, T = 12;
const PERIOD = [3, 11, 5, 0, 9, 14, 7, 2, 12];

function buildLoss(params: ParamStore) {
  return (g: Graph) => {
    const ids = g.input('ids', 'int64', [B, T]);
    const targets = g.input('targets', 'int64', [B, T]);
    const h = embedding(ids, { params, name: 'embed', vocabSize: VOCAB, dim: D, init: { kind: 'normal', std: 0.5 } });
    const { out } = llamaStack(h, {
      params, plan: TRAINING_PLAN, numLayers: 2, dim: D, numHeads: 4, numKvHeads: 2, hidden: 64,
      activation: 'silu', rmsNormEps: 1e-6, ropeTheta: 10000,
    });
    const logits = linear(out, { params, name: 'head', inFeatures: D, outFeatures: VOCAB, bias: true });
    const loss = crossEntropy(logits, targets, { ignoreIndex: -100 });
    const acc = reduceMean(cast(equal(argMax(logits, -1), targets), 'float32'), [0, 1]);
    return { loss, metrics: { acc } };
  };
}

function windows(offsets: number[]): Record<string, HostTensor> {
  const ids = new BigInt64Array(B * T);
  const targets = new BigInt64Array(B * T);
  offsets.forEach((o, b) => {
    for (let t = 0; t < T; t++) {
      ids[b * T + t] = BigInt(PERIOD[(o + t) % PERIOD.length]);
      targets[b * T + t] = BigInt(PERIOD[(o + t + 1) % PERIOD.length]);
    }
  });
  return { ids: { dtype: 'int64', shape: [B, T], data: ids }, targets: { dtype: 'int64', shape: [B, T], data: targets } };
}

describe('train step on a tiny transformer', () => {
  it('drives next-token loss on a periodic sequence to near zero', async () => {
    const params = new ParamStore({ seed: 7 });
    const compiled = compileTrainStep({ build: buildLoss(params), optimizer: { beta1: 0.9, beta2: 0.98, eps: 1e-8, weightDecay: 0.01, maxGradNorm: 1 } });
    // only the model's weights are trainable, and every one of them is optimised
    expect(compiled.params.map((p) => p.name)).toContain('model.layers.1.self_attn.k_proj.weight');
    expect(compiled.batchInputs).toEqual(['ids', 'targets']);
    const runner = await TrainStepRunner.create(compiled, { intraOpThreads: 1 });
    let first = NaN;
    let last = NaN;
    let acc = 0;
    for (let step = 0; step < 300; step++) {
      const offsets = Array.from({ length: B }, (_, b) => (step * 5 + b * 3) % PERIOD.length);
      const r = await runner.step(windows(offsets), { lr: 3e-3 });
      expect(r.finite).toBe(true);
      if (step === 0) first = r.loss;
      last = r.loss;
      acc = r.metrics.acc;
      if (last < 0.01) break;
    }
    await runner.dispose();
    expect(first).toBeGreaterThan(1.5); // ≈ ln 16 at the start
    expect(last).toBeLessThan(0.05);
    expect(first / last).toBeGreaterThan(20);
    expect(acc).toBe(1);
  });
});

describe('the loss the train step differentiates', () => {
  it('cross-entropy forward matches the reference (ignore index, per-position weights, mean over weights)', async () => {
    const logits = randomTensor([6, 5], 4, 3);
    const targets = [0, 4, -100, 2, 2, 1];
    const weights = [1, 0.5, 2, 1, 3, 0.25];
    const g = new Graph('ce');
    const l = g.input('logits', 'float32', [6, 5]);
    const t = g.input('targets', 'int64', [6]);
    const w = g.input('weights', 'float32', [6]);
    g.output('loss', crossEntropy(l, t, { ignoreIndex: -100, weights: w }));
    const out = await runModel(emitOnnx(g), {
      logits: { dtype: 'float32', shape: [6, 5], data: Float32Array.from(logits.data) },
      targets: { dtype: 'int64', shape: [6], data: BigInt64Array.from(targets.map(BigInt)) },
      weights: { dtype: 'float32', shape: [6], data: Float32Array.from(weights) },
    });
    const ref = refCrossEntropy(logits, targets, { ignoreIndex: -100, weights: refTensor([6], weights) });
    expect(Math.abs(Number(out.loss.data[0]) - ref.loss)).toBeLessThan(1e-5);
  });

  it('gradcheck: cross-entropy with an ignored position and per-position weights', async () => {
    const r = await gradcheck({
      dtype: 'float64',
      inputs: [
        { name: 'logits', shape: [2, 3, 5] },
        { name: 'targets', shape: [2, 3], dtype: 'int64', data: [0, 4, -100, 2, 2, 1] },
        { name: 'weights', shape: [2, 3], differentiate: false, data: [1, 0.5, 2, 1, 3, 0.25] },
      ],
      build: (_g, [logits, targets, weights]) => crossEntropy(logits, targets, { ignoreIndex: -100, weights }),
    });
    expect(r.ok, r.report).toBe(true);
  });
});
