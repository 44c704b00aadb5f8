import { describe, expect, it } from 'vitest';
import { applyDry } from './dry.js';
import { applyTemperature } from './dynamic-temperature.js';
import { applyLengthPenalty } from './length-penalty.js';
import { applyRepetitionPenalty } from './repetition-penalty.js';
import { Xoshiro128StarStar } from './rng.js';
import { TokenSampler, createBatchSamplers, resolveSeed } from './sampler.js';
import { parseSamplerOptions, type SamplerOptionsInput } from './sampler-options.js';
import { applyTopKTopP } from './top-k-top-p.js';

const AR_WIDTH = 1025;
const NAR_WIDTH = 1024;

/** Deterministic pseudo-logits that depend on (salt, step), like a model that is not perfectly confident. */
function fakeLogits(width: number, salt: number, step: number): Float32Array {
  const rng = Xoshiro128StarStar.fromSeed(salt * 1_000_003 + step);
  return Float32Array.from({ length: width }, () => (rng.nextFloat64() - 0.5) * 8);
}

/** A small AR loop: one sampler per sequence, stop at 1024 or after `steps`. */
function runAr(options: SamplerOptionsInput, seed: number, steps = 120, salt = 1, sequence = 0): number[] {
  const sampler = new TokenSampler({ options: parseSamplerOptions(options), seed, sequence });
  const seq: number[] = [];
  for (let step = 0; step < steps; step++) {
    const token = sampler.sample(fakeLogits(AR_WIDTH, salt, step), seq, { level: 0, step });
    if (token === 1024) break;
    seq.push(token);
  }
  return seq;
}

const EVERYTHING_ON: SamplerOptionsInput = {
  arTemperature: 0.9,
  minArTemperature: 0.5,
  topK: 200,
  topP: 0.95,
  repetitionPenalty: 1.2,
  repetitionPenaltyDecay: 0.5,
  lengthPenalty: 0.3,
  dryMultiplier: 0.8,
  mirostatTau: 5,
  mirostatEta: 0.1,
};

describe('TokenSampler reproducibility', () => {
  it('the same seed, options and logits give the same tokens', () => {
    for (const options of [{}, EVERYTHING_ON, { ...EVERYTHING_ON, mirostatTau: 0 }]) {
      const a = runAr(options, 1234);
      const b = runAr(options, 1234);
      expect(a.length).toBeGreaterThan(10);
      expect(b).toEqual(a);
    }
  });

  it('different seeds give different tokens', () => {
    expect(runAr(EVERYTHING_ON, 1)).not.toEqual(runAr(EVERYTHING_ON, 2));
    expect(runAr({}, 1)).not.toEqual(runAr({}, 2));
  });

  it('a sequence does not depend on the rest of the batch or on call order', () => {
    const options = parseSamplerOptions(EVERYTHING_ON);
    const alone = runAr(EVERYTHING_ON, 55, 80, 3, 1);
    // Batch of three, stepped together in reverse order; sequence 1 sees the same logits as alone.
    const samplers = createBatchSamplers(options, 55, 3);
    const seqs: number[][] = [[], [], []];
    const stopped = [false, false, false];
    for (let step = 0; step < 80; step++) {
      for (const i of [2, 1, 0]) {
        if (stopped[i]) continue;
        const t = samplers[i].sample(fakeLogits(AR_WIDTH, i === 1 ? 3 : 10 + i, step), seqs[i], { level: 0, step });
        if (t === 1024) stopped[i] = true;
        else seqs[i].push(t);
      }
    }
    expect(seqs[1]).toEqual(alone);
    expect(seqs[0]).not.toEqual(seqs[2]);
  });

  it('a draw depends only on (seed, sequence, level, step): not on earlier draws or their order', () => {
    const options = parseSamplerOptions({ arTemperature: 1, narTemperature: 1 });
    const rows = Array.from({ length: 12 }, (_, t) => fakeLogits(NAR_WIDTH, 21, t));
    // Sampler a draws level 1 first, then level 2 forwards; sampler b draws only level 2, backwards.
    const a = new TokenSampler({ options, seed: 4 });
    rows.forEach((r, t) => a.sample(r, [], { level: 1, step: t }));
    const forward = rows.map((r, t) => a.sample(r, [], { level: 2, step: t }));
    const b = new TokenSampler({ options, seed: 4 });
    const backward = rows.map((_, k) => rows.length - 1 - k).map((t) => b.sample(rows[t], [], { level: 2, step: t })).reverse();
    expect(backward).toEqual(forward);
  });

  it('sampleRows draws NAR frame t as step firstStep + t', () => {
    const options = parseSamplerOptions({ narTemperature: 1 });
    const rows = 6;
    const flat = new Float32Array(rows * NAR_WIDTH);
    for (let t = 0; t < rows; t++) flat.set(fakeLogits(NAR_WIDTH, 9, t), t * NAR_WIDTH);
    const a = new TokenSampler({ options, seed: 8 }).sampleRows(flat, rows, 2, 10);
    const b = new TokenSampler({ options, seed: 8 });
    expect(Array.from(a)).toEqual(Array.from({ length: rows }, (_, t) => b.sample(fakeLogits(NAR_WIDTH, 9, t), [], { level: 2, step: 10 + t })));
  });

  it('resolveSeed keeps a given seed (0 included) and invents one otherwise', () => {
    expect(resolveSeed({ seed: 0 })).toBe(0);
    expect(resolveSeed({ seed: 77 })).toBe(77);
    const s = resolveSeed({ seed: null });
    expect(Number.isInteger(s) && s >= 0 && s < 2 ** 32).toBe(true);
  });
});

describe('TokenSampler pipeline', () => {
  it('processes in the documented order: ban, repetition, length, top-k/top-p, temperature, DRY', () => {
    const options = parseSamplerOptions(EVERYTHING_ON);
    const sampler = new TokenSampler({ options, seed: 1 });
    const history = [5, 9, 5, 7, 9, 5];
    const raw = fakeLogits(AR_WIDTH, 4, 0);
    const manual = Float64Array.from(raw);
    applyRepetitionPenalty(manual, history, 1.2, 0.5);
    applyLengthPenalty(manual, history.length + 1, 0.3, 1024);
    applyTopKTopP(manual, 200, 0.95);
    applyTemperature(manual, 0.9, 0.5);
    applyDry(manual, history, { multiplier: 0.8, base: 1.75, allowedLength: 2 });
    expect(Array.from(sampler.processedLogits(raw, history, { level: 0, step: 0 }))).toEqual(Array.from(manual));
  });

  it('samples at the temperature it is given (chi-square on p^(1/T), NAR level, df 3, p = 0.001 → 16.27)', () => {
    const probs = [0.5, 0.25, 0.15, 0.1];
    const row = new Float32Array(NAR_WIDTH).fill(-Infinity);
    probs.forEach((p, i) => (row[i] = Math.log(p)));
    const sampler = new TokenSampler({ options: parseSamplerOptions({ narTemperature: 0.5 }), seed: 31 });
    const n = 20_000;
    const counts = [0, 0, 0, 0];
    for (let step = 0; step < n; step++) counts[sampler.sample(row, [], { level: 1, step })]++;
    const sharp = probs.map((p) => p ** 2);
    const z = sharp.reduce((a, b) => a + b, 0);
    const chi2 = counts.reduce((acc, c, i) => acc + (c - (n * sharp[i]) / z) ** 2 / ((n * sharp[i]) / z), 0);
    expect(chi2).toBeLessThan(16.27);
  });

  it('A.10: NAR levels never emit the stop token, even when it dominates a 1025-wide row; level 0 can', () => {
    const row = fakeLogits(AR_WIDTH, 5, 0);
    row[1024] = 50;
    const sampler = new TokenSampler({ options: parseSamplerOptions({ arTemperature: 1, narTemperature: 1 }), seed: 3 });
    for (let step = 0; step < 50; step++) expect(sampler.sample(row, [], { level: 1, step })).not.toBe(1024);
    expect(sampler.sample(row, [], { level: 0, step: 0 })).toBe(1024);
  });

  it('A.15: greedy decoding applies the repetition penalty (the reference skips it)', () => {
    const row = new Float32Array(AR_WIDTH).fill(0);
    row[5] = 2;
    row[6] = 1.5;
    const plain = new TokenSampler({ options: parseSamplerOptions({ arTemperature: 0 }), seed: 1 });
    const penalised = new TokenSampler({ options: parseSamplerOptions({ arTemperature: 0, repetitionPenalty: 2 }), seed: 1 });
    expect(plain.sample(row, [5], { level: 0, step: 1 })).toBe(5);
    expect(penalised.sample(row, [5], { level: 0, step: 1 })).toBe(6); // 2 / 2 = 1 < 1.5
  });

  it('NAR levels ignore repetition penalty, length penalty and DRY', () => {
    const options = parseSamplerOptions({ narTemperature: 0, repetitionPenalty: 4, lengthPenalty: 2, dryMultiplier: 8 });
    const sampler = new TokenSampler({ options, seed: 1 });
    const row = fakeLogits(NAR_WIDTH, 6, 0);
    const history = [1, 2, 3, 1, 2];
    expect(Array.from(sampler.processedLogits(row, history, { level: 1, step: 0 }))).toEqual(Array.from(row, Number));
  });

  it('STT bans ids ≥ 256 and applies the length penalty to its own stop token 2', () => {
    const options = parseSamplerOptions({ arTemperature: 1, lengthPenalty: 1 });
    const sampler = new TokenSampler({ options, seed: 1, task: 'stt' });
    const row = new Float32Array(AR_WIDTH).fill(1);
    const out = sampler.processedLogits(row, [1, 40, 41], { level: 0, step: 3 });
    expect(out[255]).toBe(1);
    expect(out[256]).toBe(-Infinity);
    expect(out[1024]).toBe(-Infinity);
    expect(out[2]).toBe(1 / 4); // length 4, factor 1
  });

  it('keeps Mirostat state per sequence and moves μ', () => {
    const options = parseSamplerOptions({ mirostatTau: 4, mirostatEta: 0.2 });
    const [a, b] = createBatchSamplers(options, 5, 2);
    expect(a.mirostatState?.mu).toBe(8);
    a.sample(fakeLogits(AR_WIDTH, 1, 0), [], { level: 0, step: 0 });
    expect(a.mirostatState?.mu).not.toBe(8);
    expect(a.mirostatState?.steps).toBe(1);
    expect(b.mirostatState?.mu).toBe(8);
    expect(new TokenSampler({ options: parseSamplerOptions({}), seed: 1 }).mirostatState).toBeNull();
  });

  it('beam search: sample() refuses, createBeamSearch() drives it with the sampler’s processing', () => {
    const sampler = new TokenSampler({ options: parseSamplerOptions({ beamWidth: 3, repetitionPenalty: 4 }), seed: 1 });
    expect(() => sampler.sample(fakeLogits(AR_WIDTH, 1, 0), [], { level: 0, step: 0 })).toThrow(/createBeamSearch/);
    const beams = sampler.createBeamSearch();
    expect(beams?.width).toBe(3);
    expect(beams?.stopToken).toBe(1024);
    // NAR levels still sample normally.
    expect(() => sampler.sample(fakeLogits(NAR_WIDTH, 1, 0), [], { level: 1, step: 0 })).not.toThrow();
    expect(new TokenSampler({ options: parseSamplerOptions({ beamWidth: 1 }), seed: 1 }).createBeamSearch()).toBeNull();
  });

  it('beam processing applies the penalties with each hypothesis’s history (a 4x penalty steers away from repeats)', () => {
    // Token 7 is best everywhere; with repetition penalty 4 a hypothesis that already holds 7 prefers 8.
    const row = new Float32Array(AR_WIDTH).fill(-5);
    row[7] = 4;
    row[8] = 3;
    row[1024] = -1;
    const sampler = new TokenSampler({ options: parseSamplerOptions({ beamWidth: 2, repetitionPenalty: 4 }), seed: 1 });
    const beams = sampler.createBeamSearch()!;
    beams.step([row]);
    expect(beams.hypotheses.map((h) => h.tokens)).toEqual([[7], [8]]);
    beams.step(beams.hypotheses.map(() => row));
    // From [7]: 7 → 1 (penalised), 8 → 3; from [8]: 7 → 4, 8 → 0.75. Best two: [8, 7] and [7, 8].
    expect(beams.hypotheses.map((h) => h.tokens).sort()).toEqual([[7, 8], [8, 7]]);
  });

  it('rejects bad input clearly', () => {
    const sampler = new TokenSampler({ options: parseSamplerOptions({}), seed: 1 });
    expect(() => sampler.sample(new Float32Array(1024), [], { level: 0, step: 0 })).toThrow(/at least 1025 logits/);
    expect(() => sampler.sample(new Float32Array(AR_WIDTH).fill(Number.NaN), [], { level: 0, step: 0 })).toThrow(/NaN/);
    expect(() => sampler.sample(new Float32Array(AR_WIDTH), [], { level: -1, step: 0 })).toThrow(/level/);
    expect(() => sampler.sample(new Float32Array(AR_WIDTH), [], { level: 0, step: 1.5 })).toThrow(/step/);
    expect(() => new TokenSampler({ options: parseSamplerOptions({}), seed: -1 })).toThrow(/seed/);
    expect(() => new TokenSampler({ options: { ...parseSamplerOptions({}), topP: 2 }, seed: 1 })).toThrow(/topP/);
    expect(() => sampler.sampleRows(new Float32Array(10), 3, 1)).toThrow(/equal rows/);
  });
});
