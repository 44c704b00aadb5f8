/**
 * Try Me (the reference's overfit self-test, seed spec §9.1 `example_usage`): train a small AR+NAR model from
 * scratch on one utterance, then check that it learned it — greedy AR from text + prompt reproduces level 0
 * and stops at its end, and the NAR reproduces levels 1–7 given the true lower levels (evaluate-try-me.ts).
 *
 *   load sample ─ compile train step ─┬─ step (AdamW, warmup) on one sample at level L ─┐
 *                                     └──────────────── until the losses are low ───────┘
 *                                                      ─ evaluate (inference graphs) ─ passed? ─ done
 *                                                                              └ no: train on, re-evaluate
 *
 * [Note: which level each step trains] One sample per step (a batch of B costs B times the step on a CPU,
 * measured, so batching buys nothing here). Levels come in cycles of 0, 0, 1, …, 7, each cycle shuffled
 * anew, rather than from the §5.8 "auto" draw, which gives level 7 only 1/36 of the steps (every level must
 * reach the threshold, so the rarest one sets the run time). Level 0 comes twice: the AR is judged on free
 * generation, where one wrong code derails the rest, and its loss stays highest. Measured: plain 0…7 cycles
 * passed after 335 and 308 steps (seeds 0, 3), with level 0 doubled after 173–257 steps (seeds 0–6).
 *
 * Training stops as soon as an evaluation passes; evaluations run once the mean of the levels' latest losses
 * is below EVAL_LOSS, then every `evalEvery` steps, and once more after the last step.
 */
import { StudioError } from '../../../../src-shared/api/errors.js';
import { TrainStepRunner } from '../../nn/optim/train-step-runner.js';
import type { AdamWOptions } from '../../nn/optim/adamw.js';
import { lossBatchFeeds } from '../model/loss-graph.js';
import { buildLossBatch, prepareTrainingSample } from '../model/loss-targets.js';
import { parameterCount, parameterTable } from '../model/parameters.js';
import { mulberry32 } from '../../nn/random.js';
import { ValleModel } from '../model/valle-model.js';
import { evaluateTryMe, TRY_ME_THRESHOLDS, type TryMeEvaluation, type TryMeThresholds } from './evaluate-try-me.js';
import { TRY_ME_MODEL_SIZE, tryMeModelConfig, type TryMeModelSize } from './try-me-model.js';
import { loadTryMeSample, type TryMeSample } from './try-me-sample.js';

export const TRY_ME_DEFAULT_STEPS = 600;

/** AdamW as the reference configures it (§9.2: betas 0.9/0.96, eps 1e-7, decay 0.01), plus clipping. */
const OPTIMIZER: AdamWOptions = { beta1: 0.9, beta2: 0.96, eps: 1e-7, weightDecay: 0.01, maxGradNorm: 1 };

/**
 * Evaluation starts once the mean over levels of each level's latest loss is below this (about where the
 * first evaluations passed in the runs measured; the AR's loss stays well above the NAR levels').
 */
const EVAL_LOSS = 0.1;

export interface TryMeSettings {
  size: TryMeModelSize;
  /** peak learning rate, reached after `warmupSteps` */
  lr: number;
  warmupSteps: number;
  /** steps between evaluations once the losses are low */
  evalEvery: number;
  /** ORT threads per op (0 = one per core) */
  threads: number;
  /** the levels one cycle of steps trains, shuffled anew each cycle (see [Note: which level each step trains]) */
  levelCycle: readonly number[];
}

export const TRY_ME_SETTINGS: Readonly<TryMeSettings> = Object.freeze({ size: TRY_ME_MODEL_SIZE, lr: 3e-3, warmupSteps: 20, evalEvery: 30, threads: 0, levelCycle: [0, 0, 1, 2, 3, 4, 5, 6, 7] });

export type TryMeStage = 'preparing' | 'training' | 'evaluating';

export interface TryMeProgress {
  stage: TryMeStage;
  /** 0…1 of the whole run, counting every step of the cap (a run that passes early jumps to the end) */
  fraction: number;
  step: number;
  steps: number;
  /** the latest training loss */
  loss: number | null;
  /** seconds left if every step is taken (an upper bound: training stops once the model passes) */
  etaSeconds: number | null;
}

export interface TryMeOptions {
  /** most training steps (default TRY_ME_DEFAULT_STEPS); training stops earlier once the thresholds are met */
  steps?: number;
  /** seeds the weights and the level order */
  seed?: number;
  signal?: AbortSignal;
  onProgress?: (progress: TryMeProgress) => void;
  /** the utterance (default: the shipped one) */
  sample?: TryMeSample;
  settings?: Partial<TryMeSettings>;
  thresholds?: TryMeThresholds;
  /**
   * Called once training is over (after the last evaluation, before the trainer is freed) with the model holding
   * the trained weights: the demo voice exports them; Try Me itself only measures.
   */
  onTrained?: (model: ValleModel) => Promise<void> | void;
}

export interface TryMeLossSummary {
  first: number;
  last: number;
  min: number;
  /** the loss every `every` steps (each point the mean of the steps since the previous one) */
  curveSummary: { step: number; loss: number }[];
  /** the latest loss at each level 0…7 */
  lastPerLevel: number[];
}

export interface TryMeResult extends Omit<TryMeEvaluation, 'passed'> {
  passed: boolean;
  /** training steps taken */
  steps: number;
  maxSteps: number;
  targetFrames: number;
  promptFrames: number;
  loss: TryMeLossSummary;
  /** evaluations run (each after some step) */
  evaluations: { step: number; arAccuracy: number; narAccuracy: number; stopFrameError: number | null; passed: boolean }[];
  model: { dim: number; heads: number; layers: number; parameters: number };
  thresholds: TryMeThresholds;
  seed: number;
  wallSec: number;
  trainSec: number;
}

/** Steps an evaluation is counted as, for progress, until one has been timed. */
const EVAL_WEIGHT = 10;

/** Overflowed (skipped) steps tolerated before training is declared broken (the reference stops after 8 NaNs). */
const MAX_SKIPPED_STEPS = 8;

/** How many points the loss curve summary keeps (about). */
const CURVE_POINTS = 20;

function checkSteps(steps: number): number {
  if (!Number.isInteger(steps) || steps < 1) throw new StudioError('invalid_input', `Try Me steps must be a positive integer, got ${steps}`, { steps });
  return steps;
}

function cancelled(): StudioError {
  return new StudioError('cancelled', 'Try Me was cancelled');
}

/** Each cycle the levels of `cycle` in a new shuffled order. */
export function levelCycle(cycle: readonly number[], seed: number): () => number {
  const rand = mulberry32(seed ^ 0x5eed);
  let order: number[] = [];
  return () => {
    if (order.length === 0) {
      order = [...cycle];
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
    }
    return order.pop()!;
  };
}

export function summarizeLoss(losses: readonly number[], lastPerLevel: readonly number[] = []): TryMeLossSummary {
  if (losses.length === 0) return { first: NaN, last: NaN, min: NaN, curveSummary: [], lastPerLevel: [...lastPerLevel] };
  const every = Math.max(1, Math.ceil(losses.length / CURVE_POINTS));
  const curveSummary: { step: number; loss: number }[] = [];
  for (let start = 0; start < losses.length; start += every) {
    const chunk = losses.slice(start, start + every);
    curveSummary.push({ step: start + chunk.length, loss: chunk.reduce((a, b) => a + b, 0) / chunk.length });
  }
  return { first: losses[0], last: losses[losses.length - 1], min: Math.min(...losses), curveSummary, lastPerLevel: [...lastPerLevel] };
}

/**
 * Linear warmup to the peak, then a cosine down to a tenth of it at the last step: late steps must settle
 * the last few codes, which a constant rate keeps knocking about (measured: loss plateaus near 0.05).
 */
export function learningRate(s: Pick<TryMeSettings, 'lr' | 'warmupSteps'>, step: number, maxSteps: number): number {
  if (step < s.warmupSteps) return (s.lr * (step + 1)) / s.warmupSteps;
  const progress = maxSteps <= s.warmupSteps ? 1 : (step - s.warmupSteps) / (maxSteps - s.warmupSteps);
  return s.lr * (0.1 + 0.45 * (1 + Math.cos(Math.PI * Math.min(1, progress))));
}

export async function runTryMe(options: TryMeOptions = {}): Promise<TryMeResult> {
  const started = performance.now();
  const settings: TryMeSettings = { ...TRY_ME_SETTINGS, ...options.settings };
  const maxSteps = checkSteps(options.steps ?? TRY_ME_DEFAULT_STEPS);
  const seed = options.seed ?? 0;
  const thresholds = options.thresholds ?? TRY_ME_THRESHOLDS;
  const signal = options.signal;
  const check = () => {
    if (signal?.aborted) throw cancelled();
  };
  // Progress counts an evaluation as EVAL_WEIGHT steps until one has been timed.
  let stepSec: number | null = null;
  let evalSec: number | null = null;
  const report = (stage: TryMeStage, step: number, loss: number | null) => {
    const evalSteps = stepSec !== null && evalSec !== null ? evalSec / stepSec : EVAL_WEIGHT;
    const fraction = stage === 'preparing' ? 0 : Math.min(1, step / (maxSteps + evalSteps));
    const etaSeconds = stepSec === null ? null : stepSec * (maxSteps - step + evalSteps);
    options.onProgress?.({ stage, fraction, step, steps: maxSteps, loss, etaSeconds });
  };

  report('preparing', 0, null);
  const sample = options.sample ?? (await loadTryMeSample());
  check();
  const model = ValleModel.fromScratch(tryMeModelConfig(settings.size), seed);
  const spec = model.spec;
  const { compiled } = model.trainStep({ optimizer: OPTIMIZER });
  const threads = settings.threads > 0 ? settings.threads : undefined;
  const trainer = await TrainStepRunner.create(compiled, { provider: 'cpu', intraOpThreads: threads });
  const losses: number[] = [];
  const latestLoss = new Array<number>(spec.levels).fill(Infinity);
  const evaluations: TryMeResult['evaluations'] = [];
  let trainSec = 0;
  let step = 0;
  let lastEvalStep = -1;

  const evaluateNow = async (): Promise<TryMeEvaluation> => {
    report('evaluating', step, losses.at(-1) ?? null);
    const t0 = performance.now();
    const weights = new Map(model.weights);
    for (const p of compiled.params) weights.set(p.name, new Float32Array(trainer.value(p.name)));
    model.setWeights(weights);
    const runner = await model.openRunner({ provider: 'cpu', intraOpThreads: threads, weights: 'inputs' });
    try {
      const e = await evaluateTryMe(spec, runner, sample, thresholds, signal);
      evaluations.push({ step, arAccuracy: e.arAccuracy, narAccuracy: e.narAccuracy, stopFrameError: e.stopFrameError, passed: e.passed });
      lastEvalStep = step;
      evalSec = (performance.now() - t0) / 1000;
      return e;
    } finally {
      await runner.dispose();
    }
  };

  try {
    // One batch per level: the sample never changes, only the level does.
    const batches = Array.from({ length: spec.levels }, (_, L) => {
      const prepared = prepareTrainingSample(spec, { task: 'tts', text: sample.text, prompt: sample.prompt, resp: sample.codes }, L);
      return lossBatchFeeds(buildLossBatch(spec, [prepared]));
    });
    const nextLevel = levelCycle(settings.levelCycle, seed);
    let skipped = 0;
    let result: TryMeEvaluation | null = null;
    while (step < maxSteps) {
      check();
      const L = nextLevel();
      const t0 = performance.now();
      const r = await trainer.step(batches[L], { lr: learningRate(settings, step, maxSteps) });
      const sec = (performance.now() - t0) / 1000;
      trainSec += sec;
      stepSec = stepSec === null ? sec : 0.9 * stepSec + 0.1 * sec;
      step++;
      // An overflowed step changes nothing (TrainStepRunner skips it); many mean training has broken down.
      if (!r.finite && ++skipped > MAX_SKIPPED_STEPS) throw new StudioError('internal', `Try Me training diverged: ${skipped} steps had non-finite gradients`);
      if (r.finite) {
        losses.push(r.loss);
        latestLoss[L] = r.loss;
      }
      report('training', step, r.loss);
      const meanLoss = latestLoss.reduce((a, b) => a + b, 0) / latestLoss.length;
      if (meanLoss < EVAL_LOSS && step - Math.max(lastEvalStep, 0) >= settings.evalEvery && step < maxSteps) {
        result = await evaluateNow();
        if (result.passed) break;
      }
    }
    if (result === null || lastEvalStep !== step) result = await evaluateNow();
    // evaluateNow copied the trainer's weights into the model: they are the trained ones.
    check();
    await options.onTrained?.(model);
    const { passed, ...measured } = result;
    return {
      ...measured,
      passed,
      steps: step,
      maxSteps,
      targetFrames: sample.codes.frames,
      promptFrames: sample.prompt.frames,
      loss: summarizeLoss(losses, latestLoss),
      evaluations,
      model: { ...settings.size, parameters: parameterCount(parameterTable(spec)) },
      thresholds,
      seed,
      wallSec: (performance.now() - started) / 1000,
      trainSec,
    };
  } catch (error) {
    // Generation stops on the signal with its own 'cancelled' error; report every cancellation the same way.
    if (signal?.aborted) throw cancelled();
    throw error;
  } finally {
    await trainer.dispose();
  }
}
