/**
 * §5.7 loss targets against hand-worked examples (unified, split with loss factors, NAR, STT and the A.3 fix),
 * the loss graph against the plain-JS forward + cross-entropy, a few real train steps, and the §5.8 level draw.
 */
import { describe, expect, it } from 'vitest';
import { Graph } from '../../nn/graph.js';
import { emitOnnx } from '../../nn/emit/onnx.js';
import { ParamStore } from '../../nn/blocks/params.js';
import { trainableParamFeeds } from '../../nn/blocks/graph-feeds.js';
import { runModel, type Feeds } from '../../nn/testing/run-model.js';
import { crossEntropy, refTensor } from '../../nn/testing/reference.js';
import { TrainStepRunner } from '../../nn/optim/train-step-runner.js';
import type { CodeMatrix } from './input-layout.js';
import { buildLossBatch, prepareTrainingSample, type TrainingSample } from './loss-targets.js';
import { buildTrainLoss, lossBatchFeeds, lossNames } from './loss-graph.js';
import { RvqLevelSampler, rvqLevelChoices } from './rvq-level.js';
import { referenceEmbeddings, referenceLogits } from './testing/reference-valle.js';
import { testWeights, tinyModel, tinySpec } from './testing/tiny-model.js';
import { ValleModel } from './valle-model.js';

const codes = (frames: number, levels: number, base: number): CodeMatrix => ({ frames, levels, data: Array.from({ length: frames * levels }, (_, i) => base + 10 * Math.floor(i / levels) + (i % levels)) });
const I = -100;
const sample: TrainingSample = { task: 'tts', text: [1, 5, 2], prompt: codes(2, 8, 100), resp: codes(2, 8, 300) };
// prompt level-l code at frame t: 100 + 10t + l; response: 300 + 10t + l

const targetsOf = (b: ReturnType<typeof buildLossBatch>, row = 0) => Array.from(b.targets.subarray(row * b.inputs.length, (row + 1) * b.inputs.length), Number);
const weightsOf = (b: ReturnType<typeof buildLossBatch>, name: string, row = 0) => Array.from(b.weights[name].subarray(row * b.inputs.length, (row + 1) * b.inputs.length));

describe('loss targets (§5.7)', () => {
  it('unified, AR (L = 0): segments joined with −100 at separators, stop token appended, shifted by one', () => {
    const spec = tinySpec();
    const p = prepareTrainingSample(spec, sample, 0);
    expect(p.causal).toBe(true);
    // text(3) SEP rvq SEP prom(2) SEP resp(2 + stop)
    const b = buildLossBatch(spec, [p]);
    expect(targetsOf(b)).toEqual([5, 2, I, 0, I, 100, 110, I, 300, 310, 1024, I]);
    expect(weightsOf(b, 'nll').map((w) => Math.round(w * 8 * 1e5) / 1e5)).toEqual([1, 1, 0, 1, 0, 1, 1, 0, 1, 1, 1, 0]);
  });

  it('unified, NAR (L = 2): in place, the level-2 columns, rvq-level value as a target', () => {
    const spec = tinySpec();
    const b = buildLossBatch(spec, [prepareTrainingSample(spec, sample, 2)]);
    expect(targetsOf(b)).toEqual([1, 5, 2, I, 2, I, 102, 112, I, 302, 312]);
    // audio_embedding_sums models ignore the prompt targets
    const sums = tinySpec({ experimental: { audio_embedding_sums: true } });
    expect(targetsOf(buildLossBatch(sums, [prepareTrainingSample(sums, sample, 2)]))).toEqual([1, 5, 2, I, 2, I, I, I, I, 302, 312]);
  });

  it('split (loss_factors): shifted within each segment, one entry per name, 1/(count·B) weights', () => {
    const spec = tinySpec({ model: { loss_factors: { text: 0.1, prom: 0.5, resp: 1.0 } } });
    const b = buildLossBatch(spec, [prepareTrainingSample(spec, sample, 0), prepareTrainingSample(spec, sample, 3)]);
    expect(Object.keys(b.weights)).toEqual(['text', 'prom', 'resp']);
    expect(targetsOf(b, 0)).toEqual([5, 2, I, I, I, I, 110, I, I, 310, 1024, I]);
    expect(weightsOf(b, 'text', 0)).toEqual([0.25, 0.25, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(weightsOf(b, 'resp', 0)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0.25, 0.25, 0]);
    // NAR sample: in place, no shift; the rvq token is not in any split entry
    expect(targetsOf(b, 1)).toEqual([1, 5, 2, I, I, I, 103, 113, I, 303, 313, I]);
    expect(weightsOf(b, 'prom', 1).slice(6, 8)).toEqual([0.25, 0.25]);
    // A factor of 0 drops the entry
    const noText = tinySpec({ model: { loss_factors: { text: 0, resp: 1 } } });
    expect(Object.keys(buildLossBatch(noText, [prepareTrainingSample(noText, sample, 0)]).weights)).toEqual(['prom', 'resp']);
  });

  it('stt in split mode trains on the text and ignores the audio (A.3: the reference crashes here)', () => {
    const spec = tinySpec({ model: { loss_factors: { text: 0.1, prom: 0.5, resp: 1.0 } } });
    const p = prepareTrainingSample(spec, { task: 'stt', text: [1, 7, 8, 2], resp: codes(2, 8, 300) }, 5);
    expect(p.level).toBe(0);
    const b = buildLossBatch(spec, [p]);
    // audio(2) SEP rvq SEP text(4): text logits 5…7 predict 7, 8, 2
    expect(targetsOf(b)).toEqual([I, I, I, I, I, 7, 8, 2, I]);
    expect(weightsOf(b, 'resp').every((w) => w === 0)).toBe(true);
  });
});

describe('loss graph', () => {
  for (const factors of [{}, { text: 0.1, prom: 0.5, resp: 1.0 }]) {
    it(`equals Σ factor·weight·CE of the reference logits, with top-10 accuracy (${Object.keys(factors).length ? 'split' : 'unified'})`, async () => {
      const spec = tinySpec({ model: { loss_factors: factors } });
      const w = testWeights(spec, 9);
      const prepared = [prepareTrainingSample(spec, sample, 0), prepareTrainingSample(spec, { ...sample, text: [1, 9, 9, 9, 2] }, 4)];
      const batch = buildLossBatch(spec, prepared);
      const store = new ParamStore({ values: w });
      const g = new Graph('loss');
      const { loss, metrics } = buildTrainLoss(g, { spec, params: store });
      g.output('loss', loss);
      for (const [k, t] of Object.entries(metrics ?? {})) g.output(k, t);
      const out = await runModel(emitOnnx(g), { ...trainableParamFeeds(g), ...lossBatchFeeds(batch) } as Feeds);
      const S = batch.inputs.length;
      const V = spec.outputTokens;
      const perEntry: Record<string, { loss: number; acc: number }> = {};
      for (const name of Object.keys(batch.weights)) perEntry[name] = { loss: 0, acc: 0 };
      prepared.forEach((p, b) => {
        const logits = referenceLogits(spec, w, referenceEmbeddings(spec, w, p.request), p.layout.positionIds);
        for (let s = 0; s < p.layout.length; s++) {
          const t = Number(batch.targets[b * S + s]);
          if (t === -100) continue;
          const rowLogits = refTensor([1, V], logits.data.subarray(s * V, (s + 1) * V));
          const ce = crossEntropy(rowLogits, [t]).loss;
          const above = Array.from(rowLogits.data).filter((v) => v > rowLogits.data[t]).length;
          for (const [name, wt] of Object.entries(batch.weights)) {
            perEntry[name].loss += wt[b * S + s] * ce;
            perEntry[name].acc += wt[b * S + s] * (above < 10 ? 1 : 0);
          }
        }
      });
      let total = 0;
      for (const [name, e] of Object.entries(perEntry)) {
        const factor = name === 'nll' ? 1 : (factors as Record<string, number>)[name];
        expect(Number(out[lossNames.lossMetric(name)].data[0])).toBeCloseTo(factor * e.loss, 3);
        expect(Number(out[lossNames.accMetric(name)].data[0])).toBeCloseTo(e.acc, 4);
        total += factor * e.loss;
      }
      expect(Number(out.loss.data[0])).toBeCloseTo(total, 3);
      expect(total).toBeGreaterThan(0.5);
    });
  }

  it('a compiled train step lowers the loss on a fixed batch', async () => {
    const model = new ValleModel(tinyModel(), testWeights(tinySpec(), 10));
    const { compiled } = model.trainStep({ optimizer: { beta1: 0.9, beta2: 0.96, eps: 1e-7, weightDecay: 0.01, maxGradNorm: 1 } });
    expect(compiled.params.map((p) => p.name)).not.toContain('model.embed_tokens.weight');
    expect(compiled.params.map((p) => p.name)).toContain('resps_emb.embeddings.0.weight');
    const runner = await TrainStepRunner.create(compiled, { intraOpThreads: 1 });
    const batch = lossBatchFeeds(buildLossBatch(model.spec, [prepareTrainingSample(model.spec, sample, 0), prepareTrainingSample(model.spec, sample, 1)]));
    const first = await runner.step(batch, { lr: 3e-3 });
    let last = first;
    for (let i = 0; i < 15; i++) last = await runner.step(batch, { lr: 3e-3 });
    await runner.dispose();
    expect(first.finite && last.finite).toBe(true);
    expect(last.loss).toBeLessThan(first.loss * 0.7);
  });
});

describe('RVQ level draw (§5.8)', () => {
  it('"auto": P(L = i) = (8 − i)/36; seeded; stt forces 0', () => {
    const model = tinyModel();
    const choices = rvqLevelChoices(model);
    expect(choices).toHaveLength(36);
    const s = new RvqLevelSampler(model, 123);
    const counts = new Array(8).fill(0);
    const n = 36000;
    for (let i = 0; i < n; i++) counts[s.next()]++;
    counts.forEach((c, i) => expect(Math.abs(c / n - (8 - i) / 36)).toBeLessThan(0.01));
    const again = new RvqLevelSampler(model, 123);
    const other = new RvqLevelSampler(model, 123);
    expect(Array.from({ length: 20 }, () => again.next())).toEqual(Array.from({ length: 20 }, () => other.next()));
    expect(new RvqLevelSampler(model, 1).next('stt')).toBe(0);
  });

  it('"equal" behaves like "auto" (A.8) unless asked to be uniform; lists and rvq_level_range are honoured', () => {
    const eq = tinyModel({ experimental: { p_rvq_levels: 'equal' } });
    expect(rvqLevelChoices(eq)).toEqual(rvqLevelChoices(tinyModel()));
    expect(rvqLevelChoices(eq, { equalMeansUniform: true })).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(rvqLevelChoices(tinyModel({ experimental: { p_rvq_levels: [0, 0, 3] } }))).toEqual([0, 0, 3]);
    expect(rvqLevelChoices(tinyModel({ experimental: { rvq_level_range: [1, 3] } }))).toEqual([1, 1, 1, 2, 2, 3]);
  });
});
