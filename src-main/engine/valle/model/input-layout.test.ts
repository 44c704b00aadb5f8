/** The input sequence, embedding rows and position ids of §5.3–5.4 against hand-worked examples. */
import { describe, expect, it } from 'vitest';
import { batchSequences, buildSequence, InputLayoutError, type CodeMatrix } from './input-layout.js';
import { inputTableLayout } from './model-spec.js';
import { tinySpec } from './testing/tiny-model.js';

/** [frames, levels] with code = 100·frame + level, so every row tells where it came from. */
const codes = (frames: number, levels: number): CodeMatrix => ({ frames, levels, data: Array.from({ length: frames * levels }, (_, i) => 100 * Math.floor(i / levels) + (i % levels)) });

describe('buildSequence (TTS)', () => {
  const spec = tinySpec(); // per-segment position ids, no sums, capabilities ar+nar
  const T = inputTableLayout(spec);

  it('level 0: text SEP rvq SEP prompt SEP resp, per-segment ids, single lookups', () => {
    const s = buildSequence(spec, { task: 'tts', level: 0, text: [1, 5, 6, 2], prompt: codes(3, 8), resp: { frames: 2, levels: 1, data: [7, 1024] } });
    expect(s.length).toBe(4 + 1 + 1 + 1 + 3 + 1 + 2);
    expect(s.segments.map((x) => [x.name, x.start, x.length, x.sepAfter])).toEqual([
      ['text', 0, 4, true],
      ['quant_level', 5, 1, true],
      ['prom', 7, 3, true],
      ['resp', 11, 2, false],
    ]);
    // text 0..3 + its SEP 4; rvq 0 + SEP 1; prompt 0..2 + SEP 3; resp 0..1
    expect(s.positionIds).toEqual([0, 1, 2, 3, 4, 0, 1, 0, 1, 2, 3, 0, 1]);
    const rows = s.inputs.map((p) => p.rows);
    expect(rows).toEqual([
      [T.text + 1], [T.text + 5], [T.text + 6], [T.text + 2], [T.sep],
      [T.rvq + 0], [T.sep],
      [T.prom[0] + 0], [T.prom[0] + 100], [T.prom[0] + 200], [T.sep],
      [T.resp[0] + 7], [T.resp[0] + 1024],
    ]);
    expect(s.inputs.every((p) => p.weights.length === 1 && p.weights[0] === 1)).toBe(true);
  });

  it('AR step 0: an empty response still gets the SEP before it, so the sequence ends with that SEP', () => {
    const s = buildSequence(spec, { task: 'tts', level: 0, text: [1, 2], prompt: codes(2, 8), resp: { frames: 0, levels: 1, data: [] } });
    expect(s.length).toBe(2 + 1 + 1 + 1 + 2 + 1);
    expect(s.inputs[s.length - 1].rows).toEqual([T.sep]);
    expect(s.positionIds).toEqual([0, 1, 2, 0, 1, 0, 1, 2]);
    const none = buildSequence(spec, { task: 'tts', level: 0, text: [1, 2], prompt: null, resp: { frames: 0, levels: 1, data: [] } });
    expect(none.segments.map((x) => x.name)).toEqual(['text', 'quant_level', 'resp']);
    expect(none.length).toBe(2 + 1 + 1 + 1);
  });

  it('unified position ids are 0…S−1', () => {
    const u = tinySpec({ experimental: { unified_position_ids: true } });
    const s = buildSequence(u, { task: 'tts', level: 0, text: [1, 2], prompt: codes(2, 8), resp: { frames: 1, levels: 1, data: [3] } });
    expect(s.positionIds).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('NAR level 3 without sums reads prompt level 2 and response level 2 through resps_emb.3', () => {
    const s = buildSequence(spec, { task: 'tts', level: 3, text: [1], prompt: codes(1, 8), resp: codes(2, 3) });
    const prom = s.segments.find((x) => x.name === 'prom')!;
    const resp = s.segments.find((x) => x.name === 'resp')!;
    expect(s.inputs[prom.start].rows).toEqual([T.prom[2] + 2]);
    expect(s.inputs[resp.start + 1].rows).toEqual([T.resp[3] + 102]);
    expect(s.inputs[2].rows).toEqual([T.rvq + 3]);
  });

  it('with audio_embedding_sums, level L sums levels 0 … L−2 (A.7: level L−1 excluded), level 1 reads level 0', () => {
    const sums = tinySpec({ experimental: { audio_embedding_sums: true } });
    const t = inputTableLayout(sums);
    const s3 = buildSequence(sums, { task: 'tts', level: 3, text: [1], prompt: codes(1, 8), resp: codes(1, 3) });
    const p3 = s3.segments.find((x) => x.name === 'prom')!;
    const r3 = s3.segments.find((x) => x.name === 'resp')!;
    expect(s3.inputs[p3.start]).toEqual({ rows: [t.prom[0] + 0, t.prom[1] + 1], weights: [1, 1] });
    expect(s3.inputs[r3.start]).toEqual({ rows: [t.resp[1] + 0, t.resp[2] + 1], weights: [1, 1] });
    const s1 = buildSequence(sums, { task: 'tts', level: 1, text: [1], prompt: codes(1, 8), resp: codes(1, 1) });
    expect(s1.inputs[s1.segments[2].start].rows).toEqual([t.prom[0]]);
    expect(s1.inputs[s1.segments[3].start].rows).toEqual([t.resp[1]]);
  });

  it('inserts the lang token after the text only with the "lang" capability', () => {
    const withLang = tinySpec({ model: { capabilities: ['ar', 'nar', 'lang'] } });
    const t = inputTableLayout(withLang);
    const s = buildSequence(withLang, { task: 'tts', level: 0, text: [1, 2], lang: 1, resp: { frames: 0, levels: 1, data: [] } });
    expect(s.segments.map((x) => x.name)).toEqual(['text', 'lang', 'quant_level', 'resp']);
    expect(s.inputs[3].rows).toEqual([t.lang! + 1]);
    expect(s.positionIds).toEqual([0, 1, 2, 0, 1, 0, 1]);
    const without = buildSequence(spec, { task: 'tts', level: 0, text: [1, 2], lang: 1, resp: { frames: 0, levels: 1, data: [] } });
    expect(without.segments.map((x) => x.name)).toEqual(['text', 'quant_level', 'resp']);
  });

  it('refuses out-of-range ids, codes and levels with a message naming them', () => {
    expect(() => buildSequence(spec, { task: 'tts', level: 8, text: [1] })).toThrow(/level 8/);
    expect(() => buildSequence(spec, { task: 'tts', level: 0, text: [1, 256] })).toThrow(/text id at 1: 256/);
    expect(() => buildSequence(spec, { task: 'tts', level: 0, text: [1], prompt: { frames: 1, levels: 8, data: [1024, 0, 0, 0, 0, 0, 0, 0] } })).toThrow(InputLayoutError);
    expect(() => buildSequence(spec, { task: 'tts', level: 2, text: [1], resp: { frames: 1, levels: 1, data: [3] } })).toThrow(/1 levels; 2 are needed/);
    // the stop token is a valid level-0 input, not a NAR one
    expect(() => buildSequence(spec, { task: 'tts', level: 0, text: [1], resp: { frames: 1, levels: 1, data: [1024] } })).not.toThrow();
    expect(() => buildSequence(spec, { task: 'tts', level: 1, text: [1], resp: { frames: 1, levels: 1, data: [1024] } })).toThrow(/code 1024/);
  });
});

describe('buildSequence (STT)', () => {
  it('audio SEP rvq(0) SEP text with the reference position quirk: resp 0…T−1, SEP 0, rvq 1, SEP 0, text 1…N', () => {
    const spec = tinySpec();
    const T = inputTableLayout(spec);
    const s = buildSequence(spec, { task: 'stt', level: 5, text: [1, 40], resp: codes(2, 8) });
    expect(s.segments.map((x) => x.name)).toEqual(['resp', 'quant_level', 'text']);
    expect(s.positionIds).toEqual([0, 1, 0, 1, 0, 1, 2]);
    expect(s.inputs[3].rows).toEqual([T.rvq + 0]);
    // no sums: Er0(r0) + Σ_{l=1..6} Er[l+1](r_l); level 7 unused
    expect(s.inputs[0].rows).toEqual([T.resp[0], T.resp[2] + 1, T.resp[3] + 2, T.resp[4] + 3, T.resp[5] + 4, T.resp[6] + 5, T.resp[7] + 6]);
  });

  it('with sums, f(l) = Σ_{k<l} Er[k+1](r_k): level k counted 6−k times', () => {
    const spec = tinySpec({ experimental: { audio_embedding_sums: true } });
    const T = inputTableLayout(spec);
    const s = buildSequence(spec, { task: 'stt', level: 0, text: [1], resp: codes(1, 8) });
    const p = s.inputs[0];
    const byRow = new Map(p.rows.map((r, i) => [r, p.weights[i]]));
    expect(byRow.get(T.resp[0])).toBe(1);
    for (let k = 0; k <= 5; k++) expect(byRow.get(T.resp[k + 1] + k)).toBe(6 - k);
    expect(p.rows).toHaveLength(7);
  });
});

describe('batchSequences', () => {
  it('pads right or left with zero-weight slots, padding position 1 and key mask 0', () => {
    const spec = tinySpec({ experimental: { audio_embedding_sums: true } });
    const a = buildSequence(spec, { task: 'tts', level: 0, text: [1, 2] });
    const b = buildSequence(spec, { task: 'tts', level: 3, text: [1, 2, 3, 4], resp: codes(1, 3) });
    expect([a.length, b.length]).toEqual([4, 8]); // no resp given → no SEP after rvq
    const r = batchSequences([a, b]);
    expect([r.batch, r.length, r.slots]).toEqual([2, 8, 2]);
    expect(Array.from(r.keyMask, Number)).toEqual([1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1]);
    expect(Array.from(r.positions.subarray(0, 8), Number)).toEqual([0, 1, 2, 0, 1, 1, 1, 1]);
    expect(Array.from(r.weights.subarray(0, 10))).toEqual([1, 0, 1, 0, 1, 0, 1, 0, 0, 0]);
    expect(Array.from(r.weights.subarray(8 * 2 + 7 * 2, 8 * 2 + 8 * 2))).toEqual([1, 1]); // b's summed response frame
    const l = batchSequences([a, b], { padSide: 'left', multipleOf: 4 });
    expect(l.length).toBe(8);
    expect(l.offsets).toEqual([4, 0]);
    expect(Array.from(l.keyMask.subarray(0, 8), Number)).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
    expect(Number(l.ids[4 * 2])).toBe(a.inputs[0].rows[0]);
    const wide = batchSequences([a, b], { multipleOf: 4 });
    expect(wide.length).toBe(8);
    expect(batchSequences([a], { multipleOf: 3 }).length).toBe(6);
  });
});
