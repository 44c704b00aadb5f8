/** The facade end to end on in-thread sessions: checkpoint → model → AR + NAR generation; weight checks. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportCheckpoint } from '../checkpoint/export-checkpoint.js';
import { loadCheckpoint } from '../checkpoint/load-checkpoint.js';
import { maxAbsDiff } from '../../nn/testing/reference.js';
import { graphNames, INPUT_TABLE_PARAM } from './graphs.js';
import { forwardFeeds } from './graph-runner.js';
import { batchSequences, buildSequence, type SequenceRequest } from './input-layout.js';
import { inputTableLayout } from './model-spec.js';
import { referenceEmbeddings, referenceLogits } from './testing/reference-valle.js';
import { testWeights, tinyModel, tinySpec } from './testing/tiny-model.js';
import { ValleModel, type SessionRunner } from './valle-model.js';

describe('ValleModel', () => {
  it('runs AR then NAR for two lines from an exported checkpoint', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'valle-model-'));
    try {
      const file = path.join(dir, 'fp32.sft');
      await exportCheckpoint({ path: file, model: tinyModel(), weights: testWeights(tinySpec(), 2) });
      const model = ValleModel.fromCheckpoint(await loadCheckpoint(file));
      const runner = await model.openRunner({ provider: 'cpu', intraOpThreads: 1 });
      try {
        const lengths = [3, 5];
        const level0 = await model.generateAr(
          runner,
          [{ text: [1, 10, 2] }, { text: [1, 11, 12, 2], prompt: { frames: 2, levels: 8, data: new Array(16).fill(7) } }],
          { maxSteps: 10, sample: (logits, line, prev) => (prev.length === lengths[line] ? 1024 : prev.length + 1 + line) },
        );
        expect(level0).toEqual([[1, 2, 3], [2, 3, 4, 5, 6]]);
        const full = await model.generateNar(
          runner,
          level0.map((codes, i) => ({ text: [1, 10 + i, 2], resp: { frames: codes.length, levels: 1, data: codes } })),
          { sample: (logits, frames, _line, level) => Array.from({ length: frames }, (_, t) => (logits[t * 1025 + 1024] === -Infinity ? level * 10 + t : -1)) },
        );
        expect(full.map((m) => [m.frames, m.levels])).toEqual([[3, 8], [5, 8]]);
        expect(Array.from(full[0].data).slice(0, 8)).toEqual([1, 10, 20, 30, 40, 50, 60, 70]);
      } finally {
        await runner.dispose();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses weights that do not fit, naming them', () => {
    const w = testWeights(tinySpec(), 1);
    w.delete('sep');
    w.set('classifier.bias', new Float32Array(3));
    expect(() => new ValleModel(tinyModel(), w)).toThrow(/missing sep; classifier\.bias has 3 values/);
  });

  it('shares one copy of the weights between its cpu sessions (weights as inputs), with the same logits and steps', async () => {
    const spec = tinySpec();
    const original = testWeights(spec, 4);
    const values = new Map([...original].map(([k, v]) => [k, v.slice()]));
    const model = new ValleModel(tinyModel(), original);
    const shared = await model.openRunner({ provider: 'cpu', intraOpThreads: 1 });
    const frozen = await model.openRunner({ provider: 'cpu', intraOpThreads: 1, weights: 'initializers' });
    const graphs = model.sharedWeightGraphs();
    try {
      // No weights inside the shared graphs; the embedding tables are views of the one input table.
      let weightBytes = 0;
      for (const w of model.weights.values()) weightBytes += w.byteLength;
      expect(graphs.forward.model.byteLength + graphs.decode.model.byteLength).toBeLessThan(weightBytes / 10);
      expect(graphs.forward.inputNames).toContain(INPUT_TABLE_PARAM);
      expect(graphs.forward.inputNames).toContain('model.layers.1.mlp.down_proj.weight');
      const table = graphs.feeds[INPUT_TABLE_PARAM].data;
      for (const part of inputTableLayout(spec).parts) expect(model.weights.get(part.name)!.buffer).toBe(table.buffer);
      expect(graphs.feeds['classifier.weight'].data).toBe(model.weights.get('classifier.weight'));
      for (const [name, v] of values) expect(maxAbsDiff(model.weights.get(name)!, v), name).toBe(0);

      const req: SequenceRequest = { task: 'tts', level: 2, text: [1, 20, 21, 2], prompt: { frames: 3, levels: 8, data: Array.from({ length: 24 }, (_, i) => (i * 37) % 1024) }, resp: { frames: 4, levels: 2, data: [5, 6, 7, 8, 9, 10, 11, 12] } };
      const layout = buildSequence(spec, req);
      const feeds = forwardFeeds(batchSequences([layout]), [Array.from({ length: layout.length }, (_, i) => i)]);
      const logits = async (r: SessionRunner) => (await r.run('forward', feeds, [graphNames.logits]))[graphNames.logits].data as Float32Array;
      const ref = referenceLogits(spec, values, referenceEmbeddings(spec, values, req), layout.positionIds);
      expect(maxAbsDiff(await logits(shared), ref.data)).toBeLessThan(2e-3);
      expect(maxAbsDiff(await logits(shared), await logits(frozen))).toBeLessThan(1e-4);

      // The decode graph too: the same greedy codes from both runners.
      const greedy = (l: Float32Array) => l.indexOf(Math.max(...l.subarray(0, 1024)));
      const line = [{ text: [1, 20, 21, 2], prompt: req.prompt }];
      const a = await model.generateAr(shared, line, { maxSteps: 6, sample: greedy });
      const b = await model.generateAr(frozen, line, { maxSteps: 6, sample: greedy });
      expect(a[0]).toHaveLength(6);
      expect(a).toEqual(b);
    } finally {
      await shared.dispose();
      await frozen.dispose();
    }
  });
});
