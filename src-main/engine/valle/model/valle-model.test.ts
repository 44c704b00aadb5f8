/** The facade end to end on in-thread sessions: checkpoint → model → AR + NAR generation; weight checks. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportCheckpoint } from '../checkpoint/export-checkpoint.js';
import { loadCheckpoint } from '../checkpoint/load-checkpoint.js';
import { testWeights, tinyModel, tinySpec } from './testing/tiny-model.js';
import { ValleModel } from './valle-model.js';

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
});
