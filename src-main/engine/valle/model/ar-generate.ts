/**
 * AR generation of level 0 (seed spec §6.3, AR branch, task tts) for several lines at once, with a KV cache:
 *
 *   prefill: [text SEP rvq_l(0) SEP prompt SEP] (left-padded, so every row's last slot is S−1)
 *            → logits of the last position + cache
 *   step n:  sample a code per row → feed it alone (resps_emb.0 row, its position id, mask grown by one)
 *            to the decode graph with the cache → next logits + grown cache
 *
 * A row is finished once it samples the stop token (1024); finished rows keep being fed (the batch stays
 * rectangular), as the reference does, and everything stops when all rows have finished or after
 * `maxSteps` codes. Each result is cut before its first stop token.
 */
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
 * Picks the next code of one line from its logits (length 1025, a view valid only during the call) given the
 * codes it produced so far.
 */
export type ArSampler = (logits: Float32Array, line: number, previous: readonly number[]) => number;

export interface ArOptions {
  /** most codes per line (the reference's max_ar_steps) */
  maxSteps: number;
  sample: ArSampler;
}

/** Position id of the k-th code appended to a sequence that ends with an (empty or growing) resp segment. */
export function appendedPositionId(spec: ValleModelSpec, layout: SequenceLayout, appended: number): number {
  const segs = layout.segments.map((s, i) => (i === layout.segments.length - 1 ? { ...s, length: s.length + appended } : s));
  const ids = positionIds(spec, segs, layout.length + appended);
  return ids[ids.length - 1];
}

export async function generateAr(spec: ValleModelSpec, runner: GraphRunner, lines: readonly ArLine[], options: ArOptions): Promise<number[][]> {
  if (!(Number.isInteger(options.maxSteps) && options.maxSteps >= 1)) throw new RangeError(`maxSteps must be a positive integer, got ${options.maxSteps}`);
  const table = inputTableLayout(spec);
  const layouts = lines.map((l) =>
    buildSequence(spec, { task: 'tts', level: 0, text: l.text, lang: l.lang, prompt: l.prompt, resp: { frames: 0, levels: 1, data: [] } }, table),
  );
  const batch = batchSequences(layouts, { padSide: 'left' });
  const B = batch.batch;
  const V = spec.outputTokens;
  const cacheNames = Array.from({ length: spec.layers }, (_, i) => [graphNames.presentKey(i), graphNames.presentValue(i)]).flat();
  let out = await runner.run(
    'forward',
    forwardFeeds(batch, layouts.map((l) => [l.length - 1])),
    [graphNames.logits, ...cacheNames],
  );
  const sequences: number[][] = lines.map(() => []);
  const finished = lines.map(() => false);
  // Key mask of every slot so far, per row; grows by one real slot per step.
  const mask: number[][] = Array.from({ length: B }, (_, b) => Array.from(batch.keyMask.subarray(b * batch.length, (b + 1) * batch.length), Number));
  for (let step = 0; step < options.maxSteps; step++) {
    const logits = out[graphNames.logits].data as Float32Array;
    for (let b = 0; b < B; b++) {
      const code = options.sample(logits.subarray(b * V, (b + 1) * V), b, sequences[b]);
      if (!Number.isInteger(code) || code < 0 || code >= V) throw new RangeError(`AR sampler returned ${code} for line ${b}; codes are 0…${V - 1}`);
      sequences[b].push(code);
      if (code === spec.stopToken) finished[b] = true;
    }
    if (finished.every(Boolean) || step === options.maxSteps - 1) break;
    const ids = new BigInt64Array(B);
    const weights = new Float32Array(B).fill(1);
    const positions = new BigInt64Array(B);
    for (let b = 0; b < B; b++) {
      ids[b] = BigInt(table.resp[0] + sequences[b][step]);
      positions[b] = BigInt(appendedPositionId(spec, layouts[b], sequences[b].length));
      mask[b].push(1);
    }
    const P = mask[0].length;
    const feeds: Record<string, HostTensor> = {
      [graphNames.ids]: { dtype: 'int64', shape: [B, 1, 1], data: ids },
      [graphNames.weights]: { dtype: 'float32', shape: [B, 1, 1], data: weights },
      [graphNames.positions]: { dtype: 'int64', shape: [B, 1], data: positions },
      [graphNames.keyMask]: { dtype: 'int64', shape: [B, P], data: BigInt64Array.from(mask.flat(), BigInt) },
    };
    for (let i = 0; i < spec.layers; i++) {
      feeds[graphNames.pastKey(i)] = out[graphNames.presentKey(i)];
      feeds[graphNames.pastValue(i)] = out[graphNames.presentValue(i)];
    }
    out = await runner.run('decode', feeds, [graphNames.logits, ...cacheNames]);
  }
  return sequences.map((s) => {
    const stop = s.indexOf(spec.stopToken);
    return stop < 0 ? s : s.slice(0, stop);
  });
}
