/**
 * Host side of the model's input (seed spec §5.2–5.4): the ordered segments of one sequence, the table rows
 * each position's embedding sums (see [Note: one input table] in model-spec.ts), its position ids, and the
 * padded batch tensors the graphs take. Pure TypeScript, no graph.
 *
 *   TTS, target level L:  text  SEP  [lang SEP]  rvq_l(L)  SEP  [prompt SEP]  [tone SEP]  [resp]
 *   STT:                  audio SEP  [lang SEP]  rvq_l(0)  SEP  text
 *
 * A separator sits between consecutive segments only. A resp segment that is given but empty (AR step 0)
 * still gets the separator before it, so the sequence ends with that SEP, whose logit predicts the first code.
 */
import { inputTableLayout, type InputTableLayout, type ValleModelSpec } from './model-spec.js';

/** Codes of one utterance, row-major [frames, levels]. */
export interface CodeMatrix {
  frames: number;
  levels: number;
  data: ArrayLike<number>;
}

export type ValleTask = 'tts' | 'stt';

export interface SequenceRequest {
  task: ValleTask;
  /** Target RVQ level L (the rvq_l token); forced to 0 for stt. */
  level: number;
  /** tts: phoneme ids with BOS/EOS; stt: the text produced so far (starting with BOS). */
  text?: readonly number[] | null;
  lang?: number | null;
  tone?: number | null;
  /** tts: the voice prompt (every level it has may be read). */
  prompt?: CodeMatrix | null;
  /**
   * tts: the response codes given as input — level 0 (possibly empty, possibly ending in the stop token) for
   * L = 0, levels < L for L ≥ 1. stt: the input audio (all levels). Absent: no resp segment (and no SEP).
   */
  resp?: CodeMatrix | null;
}

export type SegmentName = 'text' | 'lang' | 'quant_level' | 'prom' | 'tone' | 'resp';

export interface Segment {
  name: SegmentName;
  /** index of its first position in the sequence */
  start: number;
  length: number;
  /** a separator follows at `start + length` */
  sepAfter: boolean;
}

/** The table rows one position's input embedding sums, each with its multiplicity. */
export interface PositionInput {
  rows: number[];
  weights: number[];
}

export interface SequenceLayout {
  length: number;
  segments: Segment[];
  inputs: PositionInput[];
  positionIds: number[];
}

export class InputLayoutError extends Error {
  override name = 'InputLayoutError';
}

function fail(message: string): never {
  throw new InputLayoutError(message);
}

export function codeAt(m: CodeMatrix, frame: number, level: number): number {
  return m.data[frame * m.levels + level];
}

function checkMatrix(m: CodeMatrix, what: string): void {
  if (!Number.isInteger(m.frames) || m.frames < 0 || !Number.isInteger(m.levels) || m.levels < 1) fail(`${what}: bad shape [${m.frames}, ${m.levels}]`);
  if (m.data.length !== m.frames * m.levels) fail(`${what}: ${m.data.length} codes for [${m.frames}, ${m.levels}]`);
}

function checkId(value: number, limit: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value >= limit) fail(`${what} ${value} is outside [0, ${limit})`);
  return value;
}

/** Sum of rows with multiplicities merged (the same row twice becomes weight 2). */
function positionInput(rows: number[]): PositionInput {
  const counts = new Map<number, number>();
  for (const r of rows) counts.set(r, (counts.get(r) ?? 0) + 1);
  return { rows: [...counts.keys()], weights: [...counts.values()] };
}

/**
 * Levels of the prompt summed for target level L (§5.2): L = 0 → [0]; q = L−1; without sums, or q = 0 → [q];
 * with sums → 0 … q−1 (the reference's off-by-one that excludes q, Appendix A.7 — kept for its weights).
 */
export function promptLevelsFor(spec: ValleModelSpec, level: number): number[] {
  if (level === 0) return [0];
  const q = level - 1;
  if (!spec.audioEmbeddingSums || q === 0) return [q];
  return Array.from({ length: q }, (_, k) => k);
}

/**
 * (table level, code level) pairs a response frame sums for target level L (§5.2): L = 0 → Er[0](r_0);
 * q = L−1, without sums or q = 0 → Er[L](r_{L−1}); with sums → Σ_{k<q} Er[k+1](r_k) (A.7 again).
 */
export function responseLevelsFor(spec: ValleModelSpec, level: number): { table: number; code: number }[] {
  if (level === 0) return [{ table: 0, code: 0 }];
  const q = level - 1;
  if (!spec.audioEmbeddingSums || q === 0) return [{ table: level, code: q }];
  return Array.from({ length: q }, (_, k) => ({ table: k + 1, code: k }));
}

/**
 * The STT audio input (§5.2): Σ_{l=0}^{n−2} f(l) over the input's n levels (the last level is never used),
 * f(0) = Er[0](r_0), f(l) = Er[l+1](r_l) without sums or Σ_{k<l} Er[k+1](r_k) with them. (A one-level
 * input uses f(0).)
 */
export function sttAudioLevels(spec: ValleModelSpec, inputLevels: number): { table: number; code: number }[] {
  const out: { table: number; code: number }[] = [];
  const last = Math.max(0, Math.min(inputLevels, spec.levels) - 2);
  for (let l = 0; l <= last; l++) {
    if (l === 0) out.push({ table: 0, code: 0 });
    else if (!spec.audioEmbeddingSums) out.push({ table: l + 1, code: l });
    else for (let k = 0; k < l; k++) out.push({ table: k + 1, code: k });
  }
  return out;
}

interface PendingSegment {
  name: SegmentName;
  inputs: PositionInput[];
}

function audioSegment(
  name: SegmentName,
  m: CodeMatrix,
  pairs: { table: number; code: number }[],
  tables: number[],
  spec: ValleModelSpec,
  what: string,
): PendingSegment {
  checkMatrix(m, what);
  const need = Math.max(...pairs.map((p) => p.code)) + 1;
  if (m.frames > 0 && m.levels < need) fail(`${what} has ${m.levels} levels; ${need} are needed here`);
  const inputs: PositionInput[] = [];
  for (let t = 0; t < m.frames; t++) {
    const rows = pairs.map(({ table, code }) => {
      const limit = name === 'resp' && table === 0 ? spec.outputTokens : spec.audioTokens;
      return tables[table] + checkId(codeAt(m, t, code), limit, `${what} frame ${t} level ${code} code`);
    });
    inputs.push(positionInput(rows));
  }
  return { name, inputs };
}

/** Builds the sequence of one request. */
export function buildSequence(spec: ValleModelSpec, req: SequenceRequest, table: InputTableLayout = inputTableLayout(spec)): SequenceLayout {
  const level = req.task === 'stt' ? 0 : req.level;
  if (!Number.isInteger(level) || level < 0 || level >= spec.levels) fail(`target RVQ level ${req.level} is outside [0, ${spec.levels})`);
  const single = (name: SegmentName, row: number): PendingSegment => ({ name, inputs: [{ rows: [row], weights: [1] }] });
  const textSegment = (ids: readonly number[]): PendingSegment => ({
    name: 'text',
    inputs: ids.map((id, i) => ({ rows: [table.text + checkId(id, spec.textTokens, `text id at ${i}:`)], weights: [1] })),
  });
  const langSegment = (): PendingSegment | null => {
    if (!spec.langToken || req.lang === undefined || req.lang === null) return null;
    return single('lang', table.lang! + checkId(req.lang, spec.langs, 'language id'));
  };
  const segs: PendingSegment[] = [];
  if (req.task === 'stt') {
    if (!req.resp) fail('stt needs the input audio (resp)');
    segs.push(audioSegment('resp', req.resp, sttAudioLevels(spec, req.resp.levels), table.resp, spec, 'stt input audio'));
    const lang = langSegment();
    if (lang) segs.push(lang);
    segs.push(single('quant_level', table.rvq));
    if (req.text) segs.push(textSegment(req.text));
  } else {
    if (!req.text) fail('tts needs the text (phoneme ids)');
    segs.push(textSegment(req.text));
    const lang = langSegment();
    if (lang) segs.push(lang);
    segs.push(single('quant_level', table.rvq + level));
    if (req.prompt) {
      const pairs = promptLevelsFor(spec, level).map((k) => ({ table: k, code: k }));
      segs.push(audioSegment('prom', req.prompt, pairs, table.prom, spec, 'prompt'));
    }
    if (spec.toneToken && req.tone !== undefined && req.tone !== null) segs.push(single('tone', table.tone! + checkId(req.tone, spec.tones, 'tone id')));
    if (req.resp) segs.push(audioSegment('resp', req.resp, responseLevelsFor(spec, level), table.resp, spec, 'response'));
  }
  return join(spec, segs, table);
}

function join(spec: ValleModelSpec, segs: PendingSegment[], table: InputTableLayout): SequenceLayout {
  const segments: Segment[] = [];
  const inputs: PositionInput[] = [];
  segs.forEach((s, i) => {
    const sepAfter = i < segs.length - 1;
    segments.push({ name: s.name, start: inputs.length, length: s.inputs.length, sepAfter });
    inputs.push(...s.inputs);
    if (sepAfter) inputs.push({ rows: [table.sep], weights: [1] });
  });
  return { length: inputs.length, segments, inputs, positionIds: positionIds(spec, segments, inputs.length) };
}

/**
 * §5.4. Unified: 0 … S−1. Per segment: the concatenation of one range 0 … n−1 per segment, n = its length + 1
 * (for the separator after it) except resp, n = its length. Concatenated rather than aligned, exactly as the
 * reference: for STT (resp first, text last) that gives resp 0…T−1, SEP 0, rvq 1, SEP 0, text 1…N. When the
 * last segment is not resp, the ranges run one past the sequence; the excess id is dropped.
 */
export function positionIds(spec: ValleModelSpec, segments: readonly Segment[], length: number): number[] {
  if (spec.unifiedPositionIds) return Array.from({ length }, (_, i) => i);
  const ids: number[] = [];
  for (const s of segments) {
    const n = s.name === 'resp' ? s.length : s.length + 1;
    for (let i = 0; i < n; i++) ids.push(i);
  }
  if (ids.length < length) fail(`position ids cover ${ids.length} of ${length} positions`);
  return ids.slice(0, length);
}

/** The padded batch the graphs take (names in graphs.ts `inputNames`). */
export interface BatchInputs {
  batch: number;
  /** padded sequence length S */
  length: number;
  /** summed rows per position K */
  slots: number;
  /** [B, S, K] rows of the input table (0 for unused slots) */
  ids: BigInt64Array;
  /** [B, S, K] multiplicity of each row (0 for unused slots and padding) */
  weights: Float32Array;
  /** [B, S] */
  positions: BigInt64Array;
  /** [B, S]: 1 real, 0 padding */
  keyMask: BigInt64Array;
  /** first real slot of each row (> 0 only with left padding) */
  offsets: number[];
  lengths: number[];
}

export interface BatchOptions {
  /** 'right' (the reference's training batches) or 'left' (AR generation: every row ends at S−1). */
  padSide?: 'left' | 'right';
  /** pad S to a multiple of this (the reference's `input_alignment`); 0 = none */
  multipleOf?: number;
  /** at least this many slots (K) */
  minSlots?: number;
}

/** Value of position ids at padding (the reference pads them with 1; the key mask hides them anyway). */
const PAD_POSITION = 1n;

export function batchSequences(layouts: readonly SequenceLayout[], options: BatchOptions = {}): BatchInputs {
  if (layouts.length === 0) fail('a batch needs at least one sequence');
  const B = layouts.length;
  let S = Math.max(...layouts.map((l) => l.length));
  const m = options.multipleOf ?? 0;
  if (m > 0) S = Math.ceil(S / m) * m;
  let K = options.minSlots ?? 1;
  for (const l of layouts) for (const p of l.inputs) K = Math.max(K, p.rows.length);
  const ids = new BigInt64Array(B * S * K);
  const weights = new Float32Array(B * S * K);
  const positions = new BigInt64Array(B * S).fill(PAD_POSITION);
  const keyMask = new BigInt64Array(B * S);
  const offsets: number[] = [];
  layouts.forEach((l, b) => {
    const off = options.padSide === 'left' ? S - l.length : 0;
    offsets.push(off);
    l.inputs.forEach((p, i) => {
      const s = off + i;
      const base = (b * S + s) * K;
      p.rows.forEach((r, j) => {
        ids[base + j] = BigInt(r);
        weights[base + j] = p.weights[j];
      });
      positions[b * S + s] = BigInt(l.positionIds[i]);
      keyMask[b * S + s] = 1n;
    });
  });
  return { batch: B, length: S, slots: K, ids, weights, positions, keyMask, offsets, lengths: layouts.map((l) => l.length) };
}
