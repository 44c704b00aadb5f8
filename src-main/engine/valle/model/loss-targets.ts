/**
 * Host side of the training loss (seed spec §5.7, §5.8 steps 3–6): from a sample and its drawn RVQ level, the
 * sequence to embed, then per position the class each logit must predict and the weight of that position in
 * each loss entry, so the graph's loss is Σ_name factor · Σ weight · CE (loss-graph.ts).
 *
 * Segment targets: text / lang / tone → the ids; quant_level → L (the level value is a class target);
 * prom → the level-L column of the prompt (all ignored for audio_embedding_sums models); resp → the level-L
 * column (for L = 0 ending in the appended stop token; all ignored for stt).
 * Causal (L = 0: the AR) → logit i predicts target i+1; otherwise (NAR) logit i predicts target i.
 *
 * - unified (loss_factors empty): one entry `nll`; targets are the segments joined with −100 at separators,
 *   shifted if causal; loss = Σ_samples CE_mean(sample) / B  →  weight 1/(count_b·B) per counted position.
 * - split (loss_factors set): entries text / prom / resp (factor = loss_factors[name], 1 when missing, entries
 *   with factor 0 dropped); each segment shifted within itself if causal (its first token is never a target);
 *   loss[name] = Σ_samples factor·CE_mean(segment) / B.
 *   Appendix A.3: the reference crashes here (an undefined `task_type`) on reaching a resp segment; this
 *   implements the intended behaviour, resp targets ignored for stt.
 */
import { batchSequences, buildSequence, codeAt, type BatchInputs, type BatchOptions, type CodeMatrix, type SegmentName, type SequenceLayout, type SequenceRequest, type ValleTask } from './input-layout.js';
import type { ValleModelSpec } from './model-spec.js';

export interface TrainingSample {
  task: ValleTask;
  /** tts: phoneme ids (BOS…EOS); stt: the transcription to predict (BOS…EOS) */
  text: readonly number[];
  lang?: number | null;
  tone?: number | null;
  prompt?: CodeMatrix | null;
  /** every level of the target utterance's codes */
  resp: CodeMatrix;
}

export interface PreparedSample {
  level: number;
  causal: boolean;
  request: SequenceRequest;
  layout: SequenceLayout;
  /** per segment of `layout`, the target of each of its positions (−100 = none) */
  segmentTargets: number[][];
}

const IGNORE = -100;

function column(m: CodeMatrix, level: number): number[] {
  return Array.from({ length: m.frames }, (_, t) => codeAt(m, t, level));
}

function firstLevels(m: CodeMatrix, n: number): CodeMatrix {
  const data: number[] = [];
  for (let t = 0; t < m.frames; t++) for (let k = 0; k < n; k++) data.push(codeAt(m, t, k));
  return { frames: m.frames, levels: n, data };
}

/** §5.8 steps 3–6 for one sample at level L (clamped to the levels the response and prompt have). */
export function prepareTrainingSample(spec: ValleModelSpec, sample: TrainingSample, level: number): PreparedSample {
  const stt = sample.task === 'stt';
  let L = stt ? 0 : level;
  L = Math.min(L, sample.resp.levels - 1, spec.levels - 1);
  if (!stt && sample.prompt && sample.prompt.frames > 0) L = Math.min(L, sample.prompt.levels - 1);
  if (L < 0) throw new RangeError('the response has no levels');
  let resp: CodeMatrix = sample.resp;
  if (!stt) {
    resp = firstLevels(sample.resp, L + 1);
    if (L === 0) resp = { frames: resp.frames + 1, levels: 1, data: [...column(resp, 0), spec.stopToken] };
  }
  const request: SequenceRequest = stt
    ? { task: 'stt', level: 0, text: sample.text, lang: sample.lang, resp }
    : { task: sample.task, level: L, text: sample.text, lang: sample.lang, tone: sample.tone, prompt: sample.prompt, resp };
  const layout = buildSequence(spec, request);
  const segmentTargets = layout.segments.map((s) => segmentTarget(spec, s.name, s.length, { stt, L, sample, resp }));
  return { level: L, causal: L === 0, request, layout, segmentTargets };
}

function segmentTarget(
  spec: ValleModelSpec,
  name: SegmentName,
  length: number,
  c: { stt: boolean; L: number; sample: TrainingSample; resp: CodeMatrix },
): number[] {
  const fill = (v: number) => Array.from({ length }, () => v);
  switch (name) {
    case 'text':
      return [...c.sample.text];
    case 'lang':
      return [c.sample.lang ?? IGNORE];
    case 'tone':
      return [c.sample.tone ?? IGNORE];
    case 'quant_level':
      return [c.L];
    case 'prom': {
      const p = c.sample.prompt!;
      if (spec.audioEmbeddingSums || c.L >= p.levels) return fill(IGNORE);
      return column(p, c.L);
    }
    case 'resp':
      if (c.stt) return fill(IGNORE);
      return column(c.resp, c.L);
  }
}

/** The loss entries a model trains with: `nll` (unified) or text/prom/resp with their factors (split). */
export function lossEntries(spec: ValleModelSpec): { name: string; factor: number }[] {
  if (Object.keys(spec.lossFactors).length === 0) return [{ name: 'nll', factor: 1 }];
  return (['text', 'prom', 'resp'] as const).map((name) => ({ name, factor: spec.lossFactors[name] ?? 1 })).filter((e) => e.factor !== 0);
}

export interface LossBatch {
  inputs: BatchInputs;
  /** [B, S]: the class each logit predicts, −100 for none */
  targets: BigInt64Array;
  /** per loss entry, [B, S]: 1/(count·B) at its counted positions (factor not included) */
  weights: Record<string, Float32Array>;
  levels: number[];
}

/** A right-padded training batch with its targets and loss weights. */
export function buildLossBatch(spec: ValleModelSpec, samples: readonly PreparedSample[], options: Omit<BatchOptions, 'padSide'> = {}): LossBatch {
  const inputs = batchSequences(samples.map((s) => s.layout), { ...options, padSide: 'right' });
  const B = inputs.batch;
  const S = inputs.length;
  const targets = new BigInt64Array(B * S).fill(BigInt(IGNORE));
  const entries = lossEntries(spec);
  const weights: Record<string, Float32Array> = Object.fromEntries(entries.map((e) => [e.name, new Float32Array(B * S)]));
  const put = (entry: string, b: number, pairs: [number, number][]) => {
    const counted = pairs.filter(([, t]) => t !== IGNORE);
    for (const [pos, t] of counted) {
      targets[b * S + pos] = BigInt(t);
      weights[entry][b * S + pos] = 1 / (counted.length * B);
    }
  };
  samples.forEach((s, b) => {
    if (entries[0].name === 'nll') {
      const seq: number[] = [];
      s.layout.segments.forEach((seg, i) => {
        seq.push(...s.segmentTargets[i]);
        if (seg.sepAfter) seq.push(IGNORE);
      });
      const pairs: [number, number][] = s.causal ? seq.slice(1).map((t, i) => [i, t]) : seq.map((t, i) => [i, t]);
      put('nll', b, pairs);
      return;
    }
    const byName = new Map<string, [number, number][]>();
    s.layout.segments.forEach((seg, i) => {
      if (!entries.some((e) => e.name === seg.name)) return;
      const tg = s.segmentTargets[i];
      const pairs: [number, number][] = s.causal ? tg.slice(1).map((t, j) => [seg.start + j, t]) : tg.map((t, j) => [seg.start + j, t]);
      byName.set(seg.name, [...(byName.get(seg.name) ?? []), ...pairs]);
    });
    for (const [name, pairs] of byName) put(name, b, pairs);
  });
  return { inputs, targets, weights, levels: samples.map((s) => s.level) };
}
