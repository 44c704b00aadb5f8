/**
 * NAR generation of levels 1 … maxLevels (seed spec §6.3, NAR branch) for several lines at once: per level L,
 * one forward pass over [text SEP rvq_l(L) SEP prompt SEP resp(levels < L)] scoring only the response
 * positions, then one code per frame is sampled and appended as level L.
 *
 * Appendix A.10: the reference means to ban the stop token (1024) at NAR levels but its check is inverted;
 * here its logit is set to −∞ before sampling (the same result under greedy decoding; otherwise a 1024 would
 * not even be embeddable at the next level).
 */
import { StudioError } from '../../../../src-shared/api/errors.js';
import { graphNames } from './graphs.js';
import { forwardFeeds, type GraphRunner } from './graph-runner.js';
import { batchSequences, buildSequence, codeAt, type CodeMatrix } from './input-layout.js';
import { inputTableLayout, type ValleModelSpec } from './model-spec.js';

export interface NarLine {
  text: readonly number[];
  lang?: number | null;
  prompt?: CodeMatrix | null;
  /** the codes so far, [T, levels] (level 0 from the AR: levels = 1) */
  resp: CodeMatrix;
}

/** Picks the codes of one line at one level: `logits` is [frames, 1025] row-major (a view valid during the call). */
export type NarSampler = (logits: Float32Array, frames: number, line: number, level: number) => ArrayLike<number>;

export interface NarOptions {
  /** highest level to produce (the reference's max_nar_levels, default levels − 1 = 7) */
  maxLevels?: number;
  sample: NarSampler;
  /** checked before every level: once aborted, generation stops with StudioError('cancelled') */
  signal?: AbortSignal;
  /** after every level (progress) */
  onLevel?: (level: number, maxLevels: number) => void;
}

function withLevel(m: CodeMatrix, codes: ArrayLike<number>): CodeMatrix {
  const levels = m.levels + 1;
  const data = new Int32Array(m.frames * levels);
  for (let t = 0; t < m.frames; t++) {
    for (let k = 0; k < m.levels; k++) data[t * levels + k] = codeAt(m, t, k);
    data[t * levels + m.levels] = codes[t];
  }
  return { frames: m.frames, levels, data };
}

export async function generateNar(spec: ValleModelSpec, runner: GraphRunner, lines: readonly NarLine[], options: NarOptions): Promise<CodeMatrix[]> {
  if (lines.length === 0) return [];
  const maxLevels = options.maxLevels ?? spec.levels - 1;
  if (!Number.isInteger(maxLevels) || maxLevels < 0 || maxLevels > spec.levels - 1) throw new RangeError(`maxLevels must be 0…${spec.levels - 1}, got ${maxLevels}`);
  const start = lines[0].resp.levels;
  if (lines.some((l) => l.resp.levels !== start)) throw new RangeError('generateNar: every line must start with the same number of levels');
  const table = inputTableLayout(spec);
  const V = spec.outputTokens;
  let resps = lines.map((l) => l.resp);
  for (let L = start; L <= maxLevels; L++) {
    if (options.signal?.aborted) throw new StudioError('cancelled', 'Cancelled.');
    const layouts = lines.map((l, i) => buildSequence(spec, { task: 'tts', level: L, text: l.text, lang: l.lang, prompt: l.prompt, resp: resps[i] }, table));
    const batch = batchSequences(layouts, { padSide: 'right' });
    const select = layouts.map((lay, i) => {
      const seg = lay.segments[lay.segments.length - 1];
      return Array.from({ length: resps[i].frames }, (_, t) => seg.start + t);
    });
    const out = await runner.run('forward', forwardFeeds(batch, select), [graphNames.logits]);
    const logits = out[graphNames.logits].data as Float32Array;
    const N = out[graphNames.logits].shape[1];
    resps = resps.map((r, i) => {
      const rows = logits.slice(i * N * V, (i * N + r.frames) * V);
      for (let t = 0; t < r.frames; t++) rows[t * V + spec.stopToken] = -Infinity;
      const codes = options.sample(rows, r.frames, i, L);
      if (codes.length !== r.frames) throw new RangeError(`NAR sampler returned ${codes.length} codes for ${r.frames} frames (line ${i}, level ${L})`);
      for (let t = 0; t < r.frames; t++) {
        const c = codes[t];
        if (!Number.isInteger(c) || c < 0 || c >= spec.audioTokens) throw new RangeError(`NAR sampler returned code ${c} (line ${i}, level ${L}, frame ${t})`);
      }
      return withLevel(r, codes);
    });
    options.onLevel?.(L, maxLevels);
  }
  return resps;
}
