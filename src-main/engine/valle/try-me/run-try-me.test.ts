/**
 * Try Me end to end: the full run must meet the acceptance thresholds (≥ 95% of level 0 by greedy AR from
 * text + 75-frame prompt, stop within ±2 frames, ≥ 95% at each NAR level given the true lower levels); a short
 * run shows training lowers the loss and reports progress; cancellation stops training and evaluation.
 */
import { describe, expect, it } from 'vitest';
import { StudioError } from '../../../../src-shared/api/errors.js';
import { learningRate, levelCycle, runTryMe, summarizeLoss, TRY_ME_SETTINGS, type TryMeProgress } from './run-try-me.js';
import { loadTryMeSample } from './try-me-sample.js';

describe('Try Me schedule', () => {
  it('warms the learning rate up linearly, then decays it by a cosine to a tenth at the last step', () => {
    const s = { lr: 2e-3, warmupSteps: 10 };
    expect(learningRate(s, 0, 100)).toBeCloseTo(2e-4, 12);
    expect(learningRate(s, 9, 100)).toBeCloseTo(2e-3, 12);
    expect(learningRate(s, 10, 100)).toBeCloseTo(2e-3, 12);
    expect(learningRate(s, 55, 100)).toBeCloseTo(2e-3 * 0.55, 12);
    expect(learningRate(s, 100, 100)).toBeCloseTo(2e-4, 12);
    for (let i = 11; i < 100; i++) expect(learningRate(s, i, 100)).toBeLessThanOrEqual(learningRate(s, i - 1, 100));
  });

  it('trains every level of the cycle once per cycle, shuffled, reproducibly from the seed', () => {
    const cycle = TRY_ME_SETTINGS.levelCycle;
    const draw = (seed: number) => {
      const next = levelCycle(cycle, seed);
      return Array.from({ length: cycle.length * 5 }, next);
    };
    const a = draw(3);
    for (let c = 0; c < 5; c++) expect(a.slice(c * cycle.length, (c + 1) * cycle.length).sort()).toEqual([...cycle].sort());
    expect(draw(3)).toEqual(a);
    expect(draw(4)).not.toEqual(a);
  });

  it('summarizes the loss curve in about 20 points, each the mean of its steps', () => {
    const losses = Array.from({ length: 45 }, (_, i) => 45 - i);
    const s = summarizeLoss(losses);
    expect([s.first, s.last, s.min]).toEqual([45, 1, 1]);
    expect(s.curveSummary).toHaveLength(15);
    expect(s.curveSummary[0]).toEqual({ step: 3, loss: 44 });
    expect(s.curveSummary.at(-1)).toEqual({ step: 45, loss: 2 });
  });
});

describe('runTryMe', () => {
  it('a short run lowers the loss, reports progress, and evaluates once at the end', async () => {
    const sample = await loadTryMeSample();
    const progress: TryMeProgress[] = [];
    const r = await runTryMe({ steps: 40, seed: 1, sample, onProgress: (p) => progress.push(p) });
    expect(r.steps).toBe(40);
    expect(r.evaluations.map((e) => e.step)).toEqual([40]);
    // Untrained logits are near uniform over the 1025 classes: the loss starts near ln 1025 ≈ 6.93.
    expect(r.loss.first).toBeGreaterThan(5.5);
    const tail = r.loss.curveSummary.slice(-2).map((p) => p.loss);
    expect(Math.max(...tail)).toBeLessThan(r.loss.first - 1);
    expect(r.loss.lastPerLevel).toHaveLength(8);
    expect(r.narAccuracyPerLevel).toHaveLength(7);
    for (const a of [r.arAccuracy, ...r.narAccuracyPerLevel]) expect(a >= 0 && a <= 1).toBe(true);
    expect([r.targetFrames, r.promptFrames]).toEqual([310, 75]);
    expect(r.model).toMatchObject(TRY_ME_SETTINGS.size);

    expect(progress[0].stage).toBe('preparing');
    expect(progress.at(-1)!.stage).toBe('evaluating');
    expect(progress.filter((p) => p.stage === 'training').map((p) => p.step)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    for (let i = 1; i < progress.length; i++) expect(progress[i].fraction).toBeGreaterThanOrEqual(progress[i - 1].fraction);
    expect(progress.at(-1)!.fraction).toBeLessThanOrEqual(1);
    expect(progress.find((p) => p.stage === 'training')!.etaSeconds).toBeGreaterThan(0);
  });

  it('stops on the abort signal, while training and while evaluating', async () => {
    const sample = await loadTryMeSample();
    const training = new AbortController();
    let steps = 0;
    const a = await runTryMe({
      steps: 500,
      sample,
      signal: training.signal,
      onProgress: (p) => {
        if (p.stage === 'training') steps = p.step;
        if (p.step === 3) training.abort();
      },
    }).catch((e: unknown) => e);
    expect(a).toBeInstanceOf(StudioError);
    expect((a as StudioError).code).toBe('cancelled');
    expect(steps).toBe(3);

    const evaluating = new AbortController();
    const b = await runTryMe({
      steps: 2,
      sample,
      signal: evaluating.signal,
      onProgress: (p) => {
        if (p.stage === 'evaluating') evaluating.abort();
      },
    }).catch((e: unknown) => e);
    expect((b as StudioError).code).toBe('cancelled');
  });

  it('refuses a step count that is not a positive integer', async () => {
    for (const steps of [0, -1, 2.5]) await expect(runTryMe({ steps })).rejects.toMatchObject({ code: 'invalid_input' });
  });

  // The acceptance run (issue item 8). About 30–75 s on the shared 2-core machine; the limit leaves room.
  it('the full run overfits the utterance: AR ≥ 95% and stop within ±2 frames, every NAR level ≥ 95%', { timeout: 8 * 60_000 }, async () => {
    const r = await runTryMe();
    expect(r.arAccuracy).toBeGreaterThanOrEqual(0.95);
    expect(r.stopFrameError).not.toBeNull();
    expect(Math.abs(r.stopFrameError!)).toBeLessThanOrEqual(2);
    expect(r.narAccuracyPerLevel).toHaveLength(7);
    for (const a of r.narAccuracyPerLevel) expect(a).toBeGreaterThanOrEqual(0.95);
    expect(r.passed).toBe(true);
    expect(r.steps).toBeLessThanOrEqual(r.maxSteps);
    expect(r.evaluations.at(-1)).toMatchObject({ step: r.steps, passed: true });
  });
});
