/**
 * The AR loop's additions: STT generation (text ids over the STT layout), beam search with the KV cache
 * reordered by parents, the per-step hook and cancellation. Every step's logits are checked against a full
 * forward pass of the sequence so far (no cache), which shares no code with the decode path.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maxAbsDiff } from '../../nn/testing/reference.js';
import { BeamState } from '../sampling/beam-search.js';
import { generateAr, generateArBeam, generateStt, STT_BOS, STT_EOS } from './ar-generate.js';
import { graphNames } from './graphs.js';
import { forwardFeeds } from './graph-runner.js';
import { batchSequences, buildSequence, type CodeMatrix, type SequenceRequest } from './input-layout.js';
import { mulberry32 } from '../../nn/random.js';
import { testWeights, tinyModel, tinySpec } from './testing/tiny-model.js';
import { ValleModel, type SessionRunner } from './valle-model.js';

function codes(frames: number, levels: number, seed: number): CodeMatrix {
  const r = mulberry32(seed);
  return { frames, levels, data: Array.from({ length: frames * levels }, () => Math.floor(r() * 1024)) };
}

const overrides = { model: { capabilities: ['ar', 'nar', 'lang'] } };
const spec = tinySpec(overrides);
const model = new ValleModel(tinyModel(overrides), testWeights(spec, 9));
let runner: SessionRunner;
beforeAll(async () => {
  runner = await model.openRunner({ provider: 'cpu', intraOpThreads: 1 });
});
afterAll(async () => {
  await runner.dispose();
});

/** Logits of the last position of a full forward pass (no cache). */
async function lastLogits(req: SequenceRequest): Promise<Float32Array> {
  const layout = buildSequence(spec, req);
  const out = await runner.run('forward', forwardFeeds(batchSequences([layout]), [[layout.length - 1]]), [graphNames.logits]);
  return out[graphNames.logits].data as Float32Array;
}

function argmax(row: ArrayLike<number>, limit: number): number {
  let best = 0;
  for (let i = 1; i < limit; i++) if (row[i] > row[best]) best = i;
  return best;
}

const TEXT = [1, 17, 42, 9, 88, 2];
const PROMPT = codes(4, 8, 11);
const AUDIO = codes(9, 8, 12);

describe('generateStt', () => {
  it('prefill + decode steps give the full-forward logits of [audio SEP lang SEP rvq SEP <bos> text…] and stop at </eos>', async () => {
    const seen: Float32Array[] = [];
    const stopAt = 5;
    const [ids] = await generateStt(spec, runner, [{ audio: AUDIO, lang: 1 }], {
      maxSteps: 20,
      sample: (logits, _line, prev) => {
        seen.push(logits.slice());
        return prev.length === stopAt ? STT_EOS : 3 + argmax(logits.subarray(3), 253);
      },
    });
    expect(ids).toHaveLength(stopAt);
    expect(ids.every((id) => id >= 3 && id < 256)).toBe(true);
    for (let n = 0; n <= stopAt; n++) {
      const full = await lastLogits({ task: 'stt', level: 0, resp: AUDIO, lang: 1, text: [STT_BOS, ...ids.slice(0, n)] });
      expect(maxAbsDiff(seen[n], full)).toBeLessThan(1e-4);
    }
  });

  it('refuses a token the text table cannot embed', async () => {
    await expect(generateStt(spec, runner, [{ audio: AUDIO }], { maxSteps: 3, sample: () => 300 })).rejects.toThrow(/text ids are 0…255/);
  });
});

describe('generateArBeam', () => {
  it('feeds every hypothesis the logits of its own tokens (the cache follows the parents)', async () => {
    const beams = new BeamState({ width: 3, stopToken: spec.stopToken });
    const checks: { tokens: number[]; row: Float32Array }[] = [];
    const recording = {
      get hypotheses() {
        return beams.hypotheses;
      },
      get done() {
        return beams.done;
      },
      step(rows: ReadonlyArray<Float32Array>) {
        beams.hypotheses.forEach((h, i) => {
          if (!h.finished) checks.push({ tokens: [...h.tokens], row: rows[i].slice() });
        });
        return beams.step(rows);
      },
      best: () => beams.best(),
    };
    const steps = 6;
    const best = await generateArBeam(spec, runner, { text: TEXT, prompt: PROMPT, lang: 0 }, recording, { maxSteps: steps });
    expect(best).toEqual(beams.best().tokens);
    expect(best.length).toBeGreaterThan(0);
    // Width 3 from the second step on: 1 + 3·(steps − 1) rows (none finished: the stop token is unlikely here).
    expect(checks.length).toBe(1 + 3 * (steps - 1));
    // Hypotheses do diverge (otherwise a wrong gather would go unnoticed).
    expect(new Set(checks.map((c) => c.tokens.join(','))).size).toBeGreaterThan(steps);
    for (const c of checks) {
      const full = await lastLogits({ task: 'tts', level: 0, text: TEXT, prompt: PROMPT, lang: 0, resp: { frames: c.tokens.length, levels: 1, data: c.tokens } });
      expect(maxAbsDiff(c.row, full)).toBeLessThan(1e-4);
    }
  });
});

describe('generateAr hooks', () => {
  it('reports every step, never asks the sampler for a finished line, and stops when cancelled', async () => {
    const lines = [{ text: TEXT, prompt: PROMPT }, { text: [1, 5, 2] }];
    const asked: string[] = [];
    const steps: number[][] = [];
    const out = await generateAr(spec, runner, lines, {
      maxSteps: 8,
      sample: (logits, line, prev) => {
        asked.push(`${line}:${prev.length}`);
        return line === 0 && prev.length === 2 ? spec.stopToken : argmax(logits, 1024);
      },
      onStep: (step, tokens, finished) => void steps.push([step, ...tokens, ...finished.map(Number)]),
    });
    expect(out[0]).toHaveLength(2);
    expect(out[1]).toHaveLength(8);
    expect(asked.filter((a) => a.startsWith('0:'))).toEqual(['0:0', '0:1', '0:2']);
    expect(steps).toHaveLength(8);
    expect(steps[2].slice(0, 2)).toEqual([2, spec.stopToken]);
    expect(steps[5][1]).toBe(spec.stopToken);

    const controller = new AbortController();
    let calls = 0;
    await expect(
      generateAr(spec, runner, lines, {
        maxSteps: 50,
        signal: controller.signal,
        sample: (logits) => argmax(logits, 1024),
        onStep: (step) => {
          calls++;
          if (step === 3) controller.abort();
        },
      }),
    ).rejects.toMatchObject({ name: 'StudioError', code: 'cancelled' });
    expect(calls).toBe(4);
  });
});
