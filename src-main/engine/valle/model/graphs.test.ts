/**
 * The inference graphs against the independent float64 forward (testing/reference-valle.ts): full forward
 * (AR level 0, NAR levels with and without audio_embedding_sums, STT), the KV-cache decode against full
 * recomputation at every step, and batched generation against one line at a time.
 */
import { describe, expect, it } from 'vitest';
import { INFERENCE_PLAN } from '../../nn/blocks/emit-plan.js';
import { ParamStore } from '../../nn/blocks/params.js';
import { maxAbsDiff } from '../../nn/testing/reference.js';
import { ModelRunner, type Feeds } from '../../nn/testing/run-model.js';
import { emitOnnx } from '../../nn/emit/onnx.js';
import type { HostTensor } from '../../nn/io/host-tensor.js';
import { generateAr } from './ar-generate.js';
import { buildDecodeGraph, buildForwardGraph, graphNames } from './graphs.js';
import { forwardFeeds, type GraphRunner, type InferenceGraph } from './graph-runner.js';
import { batchSequences, buildSequence, type CodeMatrix, type SequenceRequest } from './input-layout.js';
import type { ValleModelSpec } from './model-spec.js';
import { generateNar } from './nar-generate.js';
import { referenceEmbeddings, referenceLogits } from './testing/reference-valle.js';
import { testWeights, tinySpec } from './testing/tiny-model.js';
import { mulberry32 } from '../../nn/random.js';

function codes(frames: number, levels: number, seed: number, limit = 1024): CodeMatrix {
  const r = mulberry32(seed);
  return { frames, levels, data: Array.from({ length: frames * levels }, () => Math.floor(r() * limit)) };
}

class TestRunner implements GraphRunner {
  calls: { graph: InferenceGraph; feeds: Record<string, HostTensor> }[] = [];
  private constructor(
    private forward: ModelRunner,
    private decode: ModelRunner,
  ) {}

  static async create(spec: ValleModelSpec, weights: Map<string, Float32Array>): Promise<TestRunner> {
    const params = new ParamStore({ values: weights, frozen: () => true });
    const o = { spec, params, plan: INFERENCE_PLAN };
    return new TestRunner(await ModelRunner.create(emitOnnx(buildForwardGraph(o))), await ModelRunner.create(emitOnnx(buildDecodeGraph(o))));
  }

  async run(graph: InferenceGraph, feeds: Record<string, HostTensor>, outputNames?: readonly string[]) {
    this.calls.push({ graph, feeds });
    return (await (graph === 'forward' ? this.forward : this.decode).run(feeds as Feeds, outputNames)) as unknown as Record<string, HostTensor>;
  }

  async release() {
    await this.forward.release();
    await this.decode.release();
  }
}

async function graphLogits(runner: TestRunner, spec: ValleModelSpec, req: SequenceRequest): Promise<Float32Array> {
  const layout = buildSequence(spec, req);
  const batch = batchSequences([layout]);
  const out = await runner.run('forward', forwardFeeds(batch, [Array.from({ length: layout.length }, (_, i) => i)]), [graphNames.logits]);
  return out[graphNames.logits].data as Float32Array;
}

const TEXT = [1, 17, 42, 9, 88, 2];
const PROMPT = codes(4, 8, 11);
const RESP = codes(5, 8, 12);

describe('forward graph vs the plain-JS reference', () => {
  for (const sums of [false, true]) {
    it(`AR level 0, NAR levels 1 and 3, STT (audio_embedding_sums ${sums})`, async () => {
      const spec = tinySpec({ experimental: { audio_embedding_sums: sums } });
      const w = testWeights(spec, 3);
      const runner = await TestRunner.create(spec, w);
      const requests: SequenceRequest[] = [
        { task: 'tts', level: 0, text: TEXT, prompt: PROMPT, resp: { frames: 3, levels: 1, data: [5, 6, 1024] } },
        { task: 'tts', level: 1, text: TEXT, prompt: PROMPT, resp: RESP },
        { task: 'tts', level: 3, text: TEXT, prompt: PROMPT, resp: RESP },
        { task: 'stt', level: 0, text: [1, 30, 31], resp: RESP },
      ];
      for (const req of requests) {
        const layout = buildSequence(spec, req);
        const ref = referenceLogits(spec, w, referenceEmbeddings(spec, w, req), layout.positionIds);
        const got = await graphLogits(runner, spec, req);
        expect(got.length).toBe(ref.data.length);
        expect(maxAbsDiff(got, ref.data)).toBeLessThan(2e-3);
      }
      await runner.release();
    });
  }

  it('per-segment and unified position ids give different logits (the ids reach the graph)', async () => {
    const a = tinySpec();
    const b = tinySpec({ experimental: { unified_position_ids: true } });
    const w = testWeights(a, 4);
    const req: SequenceRequest = { task: 'tts', level: 0, text: TEXT, prompt: PROMPT, resp: { frames: 2, levels: 1, data: [3, 4] } };
    const ra = await TestRunner.create(a, w);
    const rb = await TestRunner.create(b, w);
    const la = await graphLogits(ra, a, req);
    const lb = await graphLogits(rb, b, req);
    const refB = referenceLogits(b, w, referenceEmbeddings(b, w, req), buildSequence(b, req).positionIds);
    expect(maxAbsDiff(lb, refB.data)).toBeLessThan(2e-3);
    expect(maxAbsDiff(la, lb)).toBeGreaterThan(1e-2);
    await ra.release();
    await rb.release();
  });
});

describe('AR decoding with the KV cache', () => {
  it('the decode graph takes one position per row and a symbolic past', () => {
    const spec = tinySpec();
    const g = buildDecodeGraph({ spec, params: new ParamStore({ values: testWeights(spec), frozen: () => true }), plan: INFERENCE_PLAN });
    const ids = g.inputs.find((t) => t.valueName === graphNames.ids)!;
    expect(ids.shape[1]).toBe(1);
    const past = g.inputs.find((t) => t.valueName === graphNames.pastKey(0))!;
    expect(past.shape).toEqual(['B', spec.kvHeads, 'P', spec.headDim]);
  });

  it('prefill + N decode steps give the logits of a full forward at every step', async () => {
    const spec = tinySpec();
    const w = testWeights(spec, 5);
    const runner = await TestRunner.create(spec, w);
    const steps = 6;
    const seen: Float32Array[] = [];
    const sample = (logits: Float32Array, _line: number, prev: readonly number[]) => {
      seen.push(logits.slice());
      if (prev.length === steps - 1) return spec.stopToken;
      let best = 0;
      for (let i = 1; i < spec.audioTokens; i++) if (logits[i] > logits[best]) best = i;
      return best;
    };
    const [out] = await generateAr(spec, runner, [{ text: TEXT, prompt: PROMPT }], { maxSteps: 50, sample });
    expect(out).toHaveLength(steps - 1);
    expect(seen).toHaveLength(steps);
    const decodes = runner.calls.filter((c) => c.graph === 'decode');
    expect(decodes).toHaveLength(steps - 1);
    for (const c of decodes) expect(c.feeds[graphNames.ids].shape).toEqual([1, 1, 1]);
    for (let n = 0; n < steps; n++) {
      const req: SequenceRequest = { task: 'tts', level: 0, text: TEXT, prompt: PROMPT, resp: { frames: n, levels: 1, data: out.slice(0, n) } };
      const full = await graphLogits(runner, spec, req);
      const V = spec.outputTokens;
      const last = full.subarray(full.length - V);
      expect(maxAbsDiff(seen[n], last)).toBeLessThan(1e-4);
      if (n === steps - 1) {
        const ref = referenceLogits(spec, w, referenceEmbeddings(spec, w, req), buildSequence(spec, req).positionIds);
        expect(maxAbsDiff(seen[n], ref.data.subarray(ref.data.length - V))).toBeLessThan(2e-3);
      }
    }
    await runner.release();
  });

  it('batched generation of lines of different lengths equals one line at a time', async () => {
    const spec = tinySpec({ model: { capabilities: ['ar', 'nar', 'lang'] } });
    const w = testWeights(spec, 6);
    const runner = await TestRunner.create(spec, w);
    const lines = [
      { text: TEXT, prompt: PROMPT, lang: 0 },
      { text: [1, 5, 2], prompt: codes(7, 8, 21), lang: 1 },
      { text: [1, 60, 61, 62, 63, 64, 65, 66, 2], prompt: null, lang: 0 },
    ];
    // Deterministic "sampler": argmax over codes, stop after a per-line number of steps.
    const stopAfter = [4, 2, 5];
    const record = (store: Map<string, Float32Array>) => (logits: Float32Array, line: number, prev: readonly number[]) => {
      store.set(`${line}:${prev.length}`, logits.slice());
      if (prev.length === stopAfter[line]) return spec.stopToken;
      let best = 0;
      for (let i = 1; i < spec.audioTokens; i++) if (logits[i] > logits[best]) best = i;
      return best;
    };
    const batched = new Map<string, Float32Array>();
    const all = await generateAr(spec, runner, lines, { maxSteps: 20, sample: record(batched) });
    for (let i = 0; i < lines.length; i++) {
      const single = new Map<string, Float32Array>();
      const stopOne = (logits: Float32Array, _l: number, prev: readonly number[]) => record(single)(logits, i, prev);
      const [one] = await generateAr(spec, runner, [lines[i]], { maxSteps: 20, sample: stopOne });
      expect(all[i]).toEqual(one);
      expect(one).toHaveLength(stopAfter[i]);
      for (let n = 0; n <= stopAfter[i]; n++) expect(maxAbsDiff(batched.get(`${i}:${n}`)!, single.get(`${i}:${n}`)!)).toBeLessThan(1e-4);
    }
    await runner.release();
  });
});

describe('NAR generation', () => {
  it('one pass per level; batched equals one line at a time; the pass scores exactly the response positions', async () => {
    const spec = tinySpec({ experimental: { audio_embedding_sums: true } });
    const w = testWeights(spec, 8);
    const runner = await TestRunner.create(spec, w);
    const level0 = (frames: number, seed: number): CodeMatrix => codes(frames, 1, seed);
    const lines = [
      { text: TEXT, prompt: PROMPT, resp: level0(5, 31) },
      { text: [1, 3, 2], prompt: codes(2, 8, 33), resp: level0(8, 32) },
    ];
    const argmax = (logits: Float32Array, frames: number) => {
      const V = spec.outputTokens;
      return Array.from({ length: frames }, (_, t) => {
        let best = 0;
        for (let i = 1; i < V; i++) if (logits[t * V + i] > logits[t * V + best]) best = i;
        return best;
      });
    };
    const seen: { line: number; level: number; logits: Float32Array }[] = [];
    const sample = (logits: Float32Array, frames: number, line: number, level: number) => {
      seen.push({ line, level, logits: logits.slice() });
      return argmax(logits, frames);
    };
    const out = await generateNar(spec, runner, lines, { maxLevels: 3, sample });
    expect(runner.calls.filter((c) => c.graph === 'forward')).toHaveLength(3);
    expect(out.map((m) => [m.frames, m.levels])).toEqual([[5, 4], [8, 4]]);
    for (let i = 0; i < lines.length; i++) {
      const [one] = await generateNar(spec, runner, [lines[i]], { maxLevels: 3, sample: (l, f) => argmax(l, f) });
      expect(Array.from(one.data)).toEqual(Array.from(out[i].data));
      // Level 2's pass against the reference forward of the same input.
      const req: SequenceRequest = { task: 'tts', level: 2, text: lines[i].text, prompt: lines[i].prompt, resp: { frames: one.frames, levels: 2, data: Array.from({ length: one.frames * 2 }, (_, j) => one.data[Math.floor(j / 2) * 4 + (j % 2)]) } };
      const layout = buildSequence(spec, req);
      const ref = referenceLogits(spec, w, referenceEmbeddings(spec, w, req), layout.positionIds);
      const V = spec.outputTokens;
      const respRef = ref.data.subarray((layout.length - one.frames) * V);
      const got = seen.find((s) => s.line === i && s.level === 2)!.logits;
      for (let t = 0; t < one.frames; t++) respRef[t * V + spec.stopToken] = -Infinity; // banned at NAR levels (A.10)
      expect(maxAbsDiff(got.map((v) => (v === -Infinity ? 0 : v)), Array.from(respRef, (v) => (v === -Infinity ? 0 : v)))).toBeLessThan(2e-3);
    }
    await runner.release();
  });
});
