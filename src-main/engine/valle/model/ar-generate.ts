/**
 * AR generation (seed spec §6.3, AR branch) for several lines at once, with a KV cache:
 *
 *   prefill: the whole prompt sequence (left-padded, so every row's last slot is S−1)
 *            → logits of the last position + cache
 *   step n:  pick a token per row → feed it alone (its input-table row, its position id, mask grown by one)
 *            to the decode graph with the cache → next logits + grown cache
 *
 * Two tasks share the loop:
 * - tts (`generateAr`): level 0 codes after [text SEP rvq_l(0) SEP prompt SEP]; tokens are embedded with
 *   `resps_emb.0`; the stop token is 1024.
 * - stt (`generateStt`, §6.4): text ids after [audio SEP rvq_l(0) SEP <bos>]; tokens are embedded with
 *   `text_emb`; the stop token is 2 (`</eos>`).
 *
 * A row is finished once it picks the stop token. Finished rows keep being fed (the stop token again, without
 * asking the sampler) so the batch stays rectangular; everything stops when all rows have finished or after
 * `maxSteps` tokens. Each result is cut before its first stop token. (The reference keeps sampling finished
 * rows; what it samples there is cut away, so the results are the same.)
 *
 * `generateArBeam` is the beam-search variant for one line: the rows of the batch are the beam's hypotheses,
 * and the KV cache is reordered by each step's parents.
 */
import { StudioError } from '../../../../src-shared/api/errors.js';
import type { HostTensor } from '../../nn/io/host-tensor.js';
import { graphNames } from './graphs.js';
import { forwardFeeds, type GraphRunner } from './graph-runner.js';
import { batchSequences, buildSequence, positionIds, type CodeMatrix, type SequenceLayout } from './input-layout.js';
import { inputTableLayout, type ValleModelSpec } from './model-spec.js';

export interface ArLine {
  /** phoneme ids with BOS/EOS */
  text: readonly number[];
  lang?: number | null;
  prompt?: CodeMatrix | null;
}

/**
 * Picks the next token of one line from its logits (length 1025, a view valid only during the call) given the
 * tokens it produced so far. Not called for lines that have already finished.
 */
export type ArSampler = (logits: Float32Array, line: number, previous: readonly number[]) => number;

/** Called after every step (awaited before the next model call): the token each line got at this step. */
export type ArStepCallback = (step: number, tokens: readonly number[], finished: readonly boolean[]) => void | Promise<void>;

export interface ArOptions {
  /** most tokens per line (the reference's max_ar_steps) */
  maxSteps: number;
  sample: ArSampler;
  /** checked before every model call: once aborted, generation stops with StudioError('cancelled') */
  signal?: AbortSignal;
  /** streaming / progress hook */
  onStep?: ArStepCallback;
}

/** Position id of the k-th token appended to a sequence whose last segment (resp, or stt text) grows. */
export function appendedPositionId(spec: ValleModelSpec, layout: SequenceLayout, appended: number): number {
  const segs = layout.segments.map((s, i) => (i === layout.segments.length - 1 ? { ...s, length: s.length + appended } : s));
  const ids = positionIds(spec, segs, layout.length + appended);
  return ids[ids.length - 1];
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new StudioError('cancelled', 'Cancelled.');
}

function checkMaxSteps(maxSteps: number): void {
  if (!(Number.isInteger(maxSteps) && maxSteps >= 1)) throw new RangeError(`maxSteps must be a positive integer, got ${maxSteps}`);
}

function cacheNames(spec: ValleModelSpec): string[] {
  return Array.from({ length: spec.layers }, (_, i) => [graphNames.presentKey(i), graphNames.presentValue(i)]).flat();
}

/** One task's view of the loop: what a generated token is embedded as, which token stops, which are valid. */
interface TokenSpace {
  /** input-table row of a generated token */
  row: (token: number) => number;
  stopToken: number;
  /** tokens are 0 … limit − 1 */
  limit: number;
  what: string;
}

/** Feeds of one decode step: one new position per row, the cache, the key mask so far. */
function decodeFeeds(
  spec: ValleModelSpec,
  rows: readonly number[],
  positions: readonly number[],
  mask: readonly (readonly number[])[],
  cache: Record<string, HostTensor>,
): Record<string, HostTensor> {
  const B = rows.length;
  const P = mask[0].length;
  const feeds: Record<string, HostTensor> = {
    [graphNames.ids]: { dtype: 'int64', shape: [B, 1, 1], data: BigInt64Array.from(rows, BigInt) },
    [graphNames.weights]: { dtype: 'float32', shape: [B, 1, 1], data: new Float32Array(B).fill(1) },
    [graphNames.positions]: { dtype: 'int64', shape: [B, 1], data: BigInt64Array.from(positions, BigInt) },
    [graphNames.keyMask]: { dtype: 'int64', shape: [B, P], data: BigInt64Array.from(mask.flat(), BigInt) },
  };
  for (let i = 0; i < spec.layers; i++) {
    feeds[graphNames.pastKey(i)] = cache[graphNames.presentKey(i)];
    feeds[graphNames.pastValue(i)] = cache[graphNames.presentValue(i)];
  }
  return feeds;
}

async function runArLoop(spec: ValleModelSpec, runner: GraphRunner, layouts: SequenceLayout[], space: TokenSpace, options: ArOptions): Promise<number[][]> {
  checkMaxSteps(options.maxSteps);
  const batch = batchSequences(layouts, { padSide: 'left' });
  const B = batch.batch;
  const V = spec.outputTokens;
  const names = cacheNames(spec);
  throwIfAborted(options.signal);
  let out = await runner.run('forward', forwardFeeds(batch, layouts.map((l) => [l.length - 1])), [graphNames.logits, ...names]);
  const sequences: number[][] = layouts.map(() => []);
  const finished = layouts.map(() => false);
  // Key mask of every slot so far, per row; grows by one real slot per step.
  const mask: number[][] = Array.from({ length: B }, (_, b) => Array.from(batch.keyMask.subarray(b * batch.length, (b + 1) * batch.length), Number));
  for (let step = 0; step < options.maxSteps; step++) {
    const logits = out[graphNames.logits].data as Float32Array;
    const tokens: number[] = [];
    for (let b = 0; b < B; b++) {
      const token = finished[b] ? space.stopToken : options.sample(logits.subarray(b * V, (b + 1) * V), b, sequences[b]);
      if (!Number.isInteger(token) || token < 0 || token >= space.limit) throw new RangeError(`AR sampler returned ${token} for line ${b}; ${space.what} are 0…${space.limit - 1}`);
      sequences[b].push(token);
      tokens.push(token);
      if (token === space.stopToken) finished[b] = true;
    }
    await options.onStep?.(step, tokens, finished);
    if (finished.every(Boolean) || step === options.maxSteps - 1) break;
    throwIfAborted(options.signal);
    const positions = layouts.map((l, b) => appendedPositionId(spec, l, sequences[b].length));
    for (const m of mask) m.push(1);
    out = await runner.run('decode', decodeFeeds(spec, tokens.map(space.row), positions, mask, out), [graphNames.logits, ...names]);
  }
  return sequences.map((s) => {
    const stop = s.indexOf(space.stopToken);
    return stop < 0 ? s : s.slice(0, stop);
  });
}

function ttsLayouts(spec: ValleModelSpec, lines: readonly ArLine[]): SequenceLayout[] {
  const table = inputTableLayout(spec);
  return lines.map((l) =>
    buildSequence(spec, { task: 'tts', level: 0, text: l.text, lang: l.lang, prompt: l.prompt, resp: { frames: 0, levels: 1, data: [] } }, table),
  );
}

function ttsSpace(spec: ValleModelSpec): TokenSpace {
  const table = inputTableLayout(spec);
  return { row: (code) => table.resp[0] + code, stopToken: spec.stopToken, limit: spec.outputTokens, what: 'codes' };
}

/** Level-0 codes of each line (the stop token and what follows it cut away). */
export async function generateAr(spec: ValleModelSpec, runner: GraphRunner, lines: readonly ArLine[], options: ArOptions): Promise<number[][]> {
  checkMaxSteps(options.maxSteps);
  return runArLoop(spec, runner, ttsLayouts(spec, lines), ttsSpace(spec), options);
}

export interface SttLine {
  /** the input audio's codes, [frames, levels] (every level but the last is read, §5.2) */
  audio: CodeMatrix;
  lang?: number | null;
}

/** `<bos>` / `</eos>` of the phoneme tokenizer (§2.2): the STT text starts with the one and ends at the other. */
export const STT_BOS = 1;
export const STT_EOS = 2;

/** Text ids of each line's transcription (§6.4), without the leading BOS and cut before `</eos>`. */
export async function generateStt(spec: ValleModelSpec, runner: GraphRunner, lines: readonly SttLine[], options: ArOptions): Promise<number[][]> {
  checkMaxSteps(options.maxSteps);
  const table = inputTableLayout(spec);
  const layouts = lines.map((l) => buildSequence(spec, { task: 'stt', level: 0, resp: l.audio, lang: l.lang, text: [STT_BOS] }, table));
  const space: TokenSpace = { row: (id) => table.text + id, stopToken: STT_EOS, limit: spec.textTokens, what: 'text ids' };
  return runArLoop(spec, runner, layouts, space, options);
}

/**
 * What the beam loop needs of a beam search (sampling's `BeamState` fits): one logits row per hypothesis in,
 * for every new hypothesis its parent and appended token out.
 */
export interface ArBeamSearch {
  readonly hypotheses: readonly { readonly tokens: readonly number[]; readonly finished: boolean }[];
  readonly done: boolean;
  step(logitsPerBeam: ReadonlyArray<Float32Array>): { parents: Int32Array; tokens: Int32Array; done: boolean };
  best(): { readonly tokens: readonly number[] };
}

export interface ArBeamOptions {
  maxSteps: number;
  signal?: AbortSignal;
  /** after every step: the beam's tokens of this step (one per hypothesis) */
  onStep?: (step: number, tokens: readonly number[]) => void | Promise<void>;
}

/** Rows `parents` of a [B, …] tensor, in that order (the KV cache follows the hypotheses it belongs to). */
export function gatherBatchRows(t: HostTensor, parents: ArrayLike<number>): HostTensor {
  const B = t.shape[0];
  const data = t.data as Float32Array;
  const size = data.length / B;
  const out = new (data.constructor as Float32ArrayConstructor)(parents.length * size);
  for (let i = 0; i < parents.length; i++) out.set(data.subarray(parents[i] * size, (parents[i] + 1) * size), i * size);
  return { ...t, shape: [parents.length, ...t.shape.slice(1)], data: out } as HostTensor;
}

/**
 * Level-0 codes of one line by beam search (the sampler's `beamWidth`, §7.9 — the reference's version does not
 * work, A.17): the prefill runs once, then each step decodes every hypothesis as one row of a batch whose cache
 * was gathered by the previous step's parents. Returns the best hypothesis's codes (without the stop token).
 */
export async function generateArBeam(spec: ValleModelSpec, runner: GraphRunner, line: ArLine, beams: ArBeamSearch, options: ArBeamOptions): Promise<number[]> {
  checkMaxSteps(options.maxSteps);
  const [layout] = ttsLayouts(spec, [line]);
  const space = ttsSpace(spec);
  const names = cacheNames(spec);
  const V = spec.outputTokens;
  throwIfAborted(options.signal);
  let out = await runner.run('forward', forwardFeeds(batchSequences([layout], { padSide: 'left' }), [[layout.length - 1]]), [graphNames.logits, ...names]);
  // One row, no padding: every hypothesis's key mask is all ones.
  let visible = layout.length;
  for (let step = 0; step < options.maxSteps; step++) {
    const logits = out[graphNames.logits].data as Float32Array;
    const rows = beams.hypotheses.map((_, b) => logits.subarray(b * V, (b + 1) * V));
    const { parents, tokens, done } = beams.step(rows);
    for (const t of tokens) if (!Number.isInteger(t) || t < 0 || t >= space.limit) throw new RangeError(`beam search returned ${t}; codes are 0…${space.limit - 1}`);
    await options.onStep?.(step, Array.from(tokens));
    if (done || step === options.maxSteps - 1) break;
    throwIfAborted(options.signal);
    const cache: Record<string, HostTensor> = {};
    for (const n of names) cache[n] = gatherBatchRows(out[n], parents);
    visible += 1;
    const mask = Array.from(tokens, () => new Array<number>(visible).fill(1));
    // Every hypothesis has step + 1 tokens (finished ones are fed the stop token again), hence one position id.
    const position = appendedPositionId(spec, layout, step + 1);
    out = await runner.run('decode', decodeFeeds(spec, Array.from(tokens, space.row), Array.from(tokens, () => position), mask, cache), [graphNames.logits, ...names]);
  }
  return [...beams.best().tokens];
}
