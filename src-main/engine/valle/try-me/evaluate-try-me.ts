/**
 * What Try Me measures, as the issue states it:
 * - AR: greedy generation of level 0 from the text and the prompt; the share of the target's frames whose
 *   generated code equals the target's (frame by frame; frames not generated count as wrong), and where it
 *   stopped relative to the target's end (generated length − target length).
 * - NAR: for each level L = 1…7, one greedy pass given the TRUE levels < L (not the model's own), the share
 *   of frames whose level-L code is right.
 */
import type { GraphRunner } from '../model/graph-runner.js';
import type { CodeMatrix } from '../model/input-layout.js';
import { generateAr } from '../model/ar-generate.js';
import { generateNar } from '../model/nar-generate.js';
import type { ValleModelSpec } from '../model/model-spec.js';
import { leadingLevels, type TryMeSample } from './try-me-sample.js';

export interface TryMeThresholds {
  /** least share of level-0 codes reproduced */
  arAccuracy: number;
  /** most frames the stop may be off the target's end, either way */
  stopFrames: number;
  /** least share of right codes at every NAR level */
  narAccuracy: number;
}

export const TRY_ME_THRESHOLDS: Readonly<TryMeThresholds> = Object.freeze({ arAccuracy: 0.95, stopFrames: 2, narAccuracy: 0.95 });

export interface TryMeEvaluation {
  arAccuracy: number;
  /** the first target frame the AR got wrong (null: none) */
  arFirstError: number | null;
  /** frames the AR generated before its stop token (the cap when it never stopped) */
  generatedFrames: number;
  /** generatedFrames − target frames; null when it never stopped within the cap */
  stopFrameError: number | null;
  /** levels 1…7 in order */
  narAccuracyPerLevel: number[];
  /** the lowest of them */
  narAccuracy: number;
  passed: boolean;
}

/** Index of the largest of `n` values from `offset` (the first one on ties, as torch.argmax). */
export function argmaxAt(values: ArrayLike<number>, offset: number, n: number): number {
  let best = 0;
  let bestValue = values[offset];
  for (let i = 1; i < n; i++) {
    const v = values[offset + i];
    if (v > bestValue) {
      bestValue = v;
      best = i;
    }
  }
  return best;
}

/** Frames past the target's end the AR may run before it is cut off (one second). */
export const AR_OVERRUN_FRAMES = 75;

export async function evaluateTryMe(
  spec: ValleModelSpec,
  runner: GraphRunner,
  sample: TryMeSample,
  thresholds: TryMeThresholds = TRY_ME_THRESHOLDS,
  signal?: AbortSignal,
): Promise<TryMeEvaluation> {
  const target = sample.codes;
  const T = target.frames;
  const V = spec.outputTokens;
  const maxSteps = T + AR_OVERRUN_FRAMES;
  // generateAr cuts at the stop token; track whether one came at all.
  let stopped = false;
  const [generated] = await generateAr(spec, runner, [{ text: sample.text, prompt: sample.prompt }], {
    maxSteps,
    signal,
    sample: (logits) => {
      const code = argmaxAt(logits, 0, V);
      if (code === spec.stopToken) stopped = true;
      return code;
    },
  });
  let arRight = 0;
  let arFirstError: number | null = null;
  for (let t = 0; t < T; t++) {
    if (t < generated.length && generated[t] === target.data[t * target.levels]) arRight++;
    else arFirstError ??= t;
  }

  const narAccuracyPerLevel: number[] = [];
  for (let L = 1; L < target.levels && L < spec.levels; L++) {
    const given: CodeMatrix = leadingLevels(target, L);
    const [out] = await generateNar(spec, runner, [{ text: sample.text, prompt: sample.prompt, resp: given }], {
      maxLevels: L,
      signal,
      sample: (logits, frames) => Array.from({ length: frames }, (_, t) => argmaxAt(logits, t * V, V)),
    });
    let right = 0;
    for (let t = 0; t < T; t++) if (out.data[t * out.levels + L] === target.data[t * target.levels + L]) right++;
    narAccuracyPerLevel.push(right / T);
  }

  const arAccuracy = arRight / T;
  const stopFrameError = stopped ? generated.length - T : null;
  const narAccuracy = Math.min(...narAccuracyPerLevel);
  const passed =
    arAccuracy >= thresholds.arAccuracy &&
    stopFrameError !== null &&
    Math.abs(stopFrameError) <= thresholds.stopFrames &&
    narAccuracy >= thresholds.narAccuracy;
  return { arAccuracy, arFirstError, generatedFrames: generated.length, stopFrameError, narAccuracyPerLevel, narAccuracy, passed };
}
