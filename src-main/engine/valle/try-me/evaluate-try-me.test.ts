/**
 * The Try Me measurements against a scripted model: a runner whose logits favour codes chosen by the test, so
 * the expected accuracies, first error and stop offset are known by construction. It also checks that each
 * NAR pass is given the TRUE lower levels (not its own earlier output).
 */
import { describe, expect, it } from 'vitest';
import type { HostTensor } from '../../nn/io/host-tensor.js';
import { graphNames } from '../model/graphs.js';
import type { GraphRunner, InferenceGraph } from '../model/graph-runner.js';
import type { CodeMatrix } from '../model/input-layout.js';
import { inputTableLayout, type ValleModelSpec } from '../model/model-spec.js';
import { mulberry32 } from '../../nn/random.js';
import { tinySpec } from '../model/testing/tiny-model.js';
import { argmaxAt, AR_OVERRUN_FRAMES, evaluateTryMe } from './evaluate-try-me.js';
import { leadingFrames, type TryMeSample } from './try-me-sample.js';

const T = 20;
const spec = tinySpec();
const V = spec.outputTokens;
const table = inputTableLayout(spec);

function randomCodes(frames: number, levels: number, seed: number): CodeMatrix {
  const r = mulberry32(seed);
  return { frames, levels, data: Array.from({ length: frames * levels }, () => Math.floor(r() * 1024)) };
}

const codes = randomCodes(T, 8, 7);
const sample: TryMeSample = { phonemes: 'x', text: [1, 40, 41, 2], codes, prompt: leadingFrames(codes, 5) };
const truth = (t: number, level: number) => Number(codes.data[t * 8 + level]);

/** Logits [n, V] peaked at `codes` (everything else 0). */
function peaked(codesOut: readonly number[]): HostTensor<'float32'> {
  const data = new Float32Array(codesOut.length * V);
  codesOut.forEach((c, i) => (data[i * V + c] = 5));
  return { dtype: 'float32', shape: [1, codesOut.length, V], data };
}

class ScriptedRunner implements GraphRunner {
  decodeSteps = 0;
  /** NAR levels whose resp input was not the true lower level */
  wrongInputs: number[] = [];
  constructor(
    readonly s: ValleModelSpec,
    /** codes the AR emits, in order (1024 = stop) */
    readonly ar: (step: number) => number,
    /** the code the NAR predicts at level L, frame t */
    readonly nar: (level: number, t: number) => number,
  ) {}

  async run(graph: InferenceGraph, feeds: Record<string, HostTensor>): Promise<Record<string, HostTensor>> {
    const cache: Record<string, HostTensor> = {};
    for (let i = 0; i < this.s.layers; i++) {
      cache[graphNames.presentKey(i)] = { dtype: 'float32', shape: [1, this.s.kvHeads, 0, this.s.headDim], data: new Float32Array(0) };
      cache[graphNames.presentValue(i)] = cache[graphNames.presentKey(i)];
    }
    if (graph === 'decode') {
      const out = peaked([this.ar(++this.decodeSteps)]);
      return { [graphNames.logits]: { ...out, shape: [1, V] }, ...cache };
    }
    const ids = Array.from(feeds[graphNames.ids].data as BigInt64Array, Number);
    const level = ids.map((r) => r - table.rvq).find((l) => l >= 0 && l < this.s.levels)!;
    const N = feeds[graphNames.select].shape[1];
    if (level === 0) return { [graphNames.logits]: peaked([this.ar(0)]), ...cache };
    // NAR: the last T rows of the sequence are the response, embedded from level L−1 with table L (no sums).
    const respRows = ids.slice(ids.length - T);
    if (respRows.some((r, t) => r !== table.resp[level] + truth(t, level - 1))) this.wrongInputs.push(level);
    return { [graphNames.logits]: peaked(Array.from({ length: N }, (_, t) => this.nar(level, t))), ...cache };
  }
}

/** The AR reproduces level 0 except at `wrong` frames and emits `length` codes before stopping. */
const arScript = (wrong: number[], length: number | null) => (step: number) => {
  if (length !== null && step === length) return spec.stopToken;
  if (step >= T) return 3;
  return wrong.includes(step) ? (truth(step, 0) + 1) % 1024 : truth(step, 0);
};
/** The NAR gets level L right except at the frames listed for it. */
const narScript = (wrong: Record<number, number[]>) => (level: number, t: number) => ((wrong[level] ?? []).includes(t) ? (truth(t, level) + 1) % 1024 : truth(t, level));

describe('evaluateTryMe', () => {
  it('measures level-0 accuracy frame by frame, the stop offset and per-level NAR accuracy from the true lower levels', async () => {
    const runner = new ScriptedRunner(spec, arScript([3, 7], T + 1), narScript({ 2: [4], 5: [0, 19] }));
    const e = await evaluateTryMe(spec, runner, sample);
    expect(e.arAccuracy).toBeCloseTo(18 / 20, 12);
    expect(e.arFirstError).toBe(3);
    expect(e.generatedFrames).toBe(T + 1);
    expect(e.stopFrameError).toBe(1);
    expect(e.narAccuracyPerLevel).toEqual([1, 19 / 20, 1, 1, 18 / 20, 1, 1]);
    expect(e.narAccuracy).toBe(18 / 20);
    expect(e.passed).toBe(false);
    expect(runner.wrongInputs).toEqual([]);
  });

  it('passes exactly at the thresholds (95%, ±2 frames) and fails one step past them', async () => {
    // Frames never generated count as wrong: stopping 2 early costs 2 frames besides the wrong one.
    const early = await evaluateTryMe(spec, new ScriptedRunner(spec, arScript([0], T - 2), narScript({})), sample);
    expect(early.stopFrameError).toBe(-2);
    expect(early.arAccuracy).toBeCloseTo(17 / 20, 12);
    expect(early.arFirstError).toBe(0);
    const atEdge = await evaluateTryMe(spec, new ScriptedRunner(spec, arScript([6], T + 2), narScript({ 7: [5] })), sample);
    expect([atEdge.arAccuracy, atEdge.stopFrameError, atEdge.narAccuracy]).toEqual([19 / 20, 2, 19 / 20]);
    expect(atEdge.passed).toBe(true);
    const lateStop = await evaluateTryMe(spec, new ScriptedRunner(spec, arScript([], T + 3), narScript({})), sample);
    expect(lateStop.stopFrameError).toBe(3);
    expect(lateStop.passed).toBe(false);
    const weakLevel = await evaluateTryMe(spec, new ScriptedRunner(spec, arScript([], T), narScript({ 3: [1, 2] })), sample);
    expect(weakLevel.arAccuracy).toBe(1);
    expect(weakLevel.stopFrameError).toBe(0);
    expect(weakLevel.passed).toBe(false);
  });

  it('an AR that never stops is cut 75 frames past the end and has no stop offset', async () => {
    const runner = new ScriptedRunner(spec, arScript([], null), narScript({}));
    const e = await evaluateTryMe(spec, runner, sample);
    expect(e.generatedFrames).toBe(T + AR_OVERRUN_FRAMES);
    expect(e.stopFrameError).toBeNull();
    expect(e.arAccuracy).toBe(1);
    expect(e.passed).toBe(false);
  });

  it('argmaxAt takes the first of equal maxima, within the given row', () => {
    expect(argmaxAt([0, 3, 3, 1], 0, 4)).toBe(1);
    expect(argmaxAt([9, 9, 0, 2, 2], 2, 3)).toBe(1);
  });
});
