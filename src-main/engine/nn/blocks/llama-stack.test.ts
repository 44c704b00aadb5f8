/**
 * The LLaMA stack (and so attention, rotary, mask, RMSNorm, gated MLP) against the float64 references:
 * prefill of a left-padded batch with GQA heads, then one decode step from the KV cache; and the
 * GroupQueryAttention plan against the standard one.
 */
import { describe, expect, it } from 'vitest';
import { Graph } from '../graph.js';
import { emitOnnx } from '../emit/onnx.js';
import { runModel, type HostTensor } from '../testing/run-model.js';
import {
  llamaStack as refStack,
  maxAbsDiff,
  refTensor,
  sliceAxis,
  type KvCache,
  type LlamaBlockWeights,
  randomTensor,
} from '../testing/reference.js';
import type { KvPair } from './attention.js';
import { INFERENCE_PLAN, TRAINING_PLAN, inferencePlan, type EmitPlan } from './emit-plan.js';
import { trainableParamFeeds } from './graph-feeds.js';
import { llamaStack, type LlamaStackOptions } from './llama-stack.js';
import { ParamStore } from './params.js';

const D = 32, H = 4, HKV = 2, DH = 8, F = 48, LAYERS = 2;

function options(params: ParamStore, plan: EmitPlan, extra: Partial<LlamaStackOptions> = {}): LlamaStackOptions {
  return { params, plan, numLayers: LAYERS, dim: D, numHeads: H, numKvHeads: HKV, hidden: F, activation: 'silu', rmsNormEps: 1e-6, ropeTheta: 10000, ...extra };
}

/** Random weights (norm weights near 1) so every path of the block matters. */
function randomStore(dim = D, heads = H, kvHeads = HKV, hidden = F): ParamStore {
  const values: Record<string, Float32Array> = {};
  const dh = dim / heads;
  let seed = 1;
  const rnd = (shape: number[], scale: number) => Float32Array.from(randomTensor(shape, seed++, scale).data);
  for (let i = 0; i < LAYERS; i++) {
    const p = `model.layers.${i}`;
    values[`${p}.input_layernorm.weight`] = rnd([dim], 0.2).map((v) => 1 + v);
    values[`${p}.post_attention_layernorm.weight`] = rnd([dim], 0.2).map((v) => 1 + v);
    values[`${p}.self_attn.q_proj.weight`] = rnd([heads * dh, dim], 0.3);
    values[`${p}.self_attn.k_proj.weight`] = rnd([kvHeads * dh, dim], 0.3);
    values[`${p}.self_attn.v_proj.weight`] = rnd([kvHeads * dh, dim], 0.3);
    values[`${p}.self_attn.o_proj.weight`] = rnd([dim, heads * dh], 0.3);
    values[`${p}.mlp.gate_proj.weight`] = rnd([hidden, dim], 0.3);
    values[`${p}.mlp.up_proj.weight`] = rnd([hidden, dim], 0.3);
    values[`${p}.mlp.down_proj.weight`] = rnd([dim, hidden], 0.3);
  }
  values['model.norm.weight'] = rnd([dim], 0.2).map((v) => 1 + v);
  return new ParamStore({ values });
}

function refWeights(s: ParamStore, dim = D, heads = H, kvHeads = HKV, hidden = F): { layers: LlamaBlockWeights[]; norm: ReturnType<typeof refTensor> } {
  const dh = dim / heads;
  const t = (name: string, shape: number[]) => refTensor(shape, s.value(name));
  const layers = Array.from({ length: LAYERS }, (_, i) => {
    const p = `model.layers.${i}`;
    return {
      inputNorm: t(`${p}.input_layernorm.weight`, [dim]),
      postNorm: t(`${p}.post_attention_layernorm.weight`, [dim]),
      attn: {
        wq: t(`${p}.self_attn.q_proj.weight`, [heads * dh, dim]),
        wk: t(`${p}.self_attn.k_proj.weight`, [kvHeads * dh, dim]),
        wv: t(`${p}.self_attn.v_proj.weight`, [kvHeads * dh, dim]),
        wo: t(`${p}.self_attn.o_proj.weight`, [dim, heads * dh]),
      },
      mlp: { gate: t(`${p}.mlp.gate_proj.weight`, [hidden, dim]), up: t(`${p}.mlp.up_proj.weight`, [hidden, dim]), down: t(`${p}.mlp.down_proj.weight`, [dim, hidden]) },
    };
  });
  return { layers, norm: t('model.norm.weight', [dim]) };
}

const f32 = (shape: number[], data: ArrayLike<number>): HostTensor => ({ dtype: 'float32', shape, data: Float32Array.from(data) });
const i64 = (shape: number[], data: number[]): HostTensor => ({ dtype: 'int64', shape, data: BigInt64Array.from(data.map(BigInt)) });

/** Builds prefill (no past) or decode (with past) graph with explicit positions and key mask. */
function buildGraph(params: ParamStore, plan: EmitPlan, withPast: boolean, explicitPositions: boolean): Graph {
  const g = new Graph('stack');
  const h = g.input('h', 'float32', ['B', 'T', D]);
  const past: KvPair[] | undefined = withPast
    ? Array.from({ length: LAYERS }, (_, i) => ({
        key: g.input(`past.${i}.key`, 'float32', ['B', HKV, 'P', DH]),
        value: g.input(`past.${i}.value`, 'float32', ['B', HKV, 'P', DH]),
      }))
    : undefined;
  const positions = explicitPositions ? g.input('positions', 'int64', ['B', 'T']) : undefined;
  const keyMask = explicitPositions ? g.input('key_mask', 'int64', ['B', withPast ? 'P+T' : 'T']) : undefined;
  const r = llamaStack(h, options(params, plan), { positions, keyMask, past });
  g.output('out', r.out);
  r.present.forEach((p, i) => {
    g.output(`present.${i}.key`, p.key);
    g.output(`present.${i}.value`, p.value);
  });
  return g;
}

describe('llamaStack forward', () => {
  const B = 2, T = 5;
  const x = randomTensor([B, T + 1, D], 99);
  // Row 1 is left-padded by two slots; its positions start at its first real token.
  const mask = [1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1];
  const pos = [0, 1, 2, 3, 4, 5, 0, 0, 0, 1, 2, 3];

  for (const plan of [TRAINING_PLAN, INFERENCE_PLAN]) {
    it(`prefill with padding + GQA heads, then one cached decode step, match the reference (${plan.mode})`, async () => {
      const params = randomStore();
      const w = refWeights(params);
      const cfg = { numHeads: H, numKvHeads: HKV, ropeTheta: 10000, rmsNormEps: 1e-6, activation: 'silu' as const };
      const full = refStack(x, w.layers, w.norm, cfg, { positions: refTensor([B, T + 1], pos), keyMask: refTensor([B, T + 1], mask) });

      const prefill = buildGraph(params, plan, false, true);
      const pre = await runModel(emitOnnx(prefill), {
        ...trainableParamFeeds(prefill),
        h: f32([B, T, D], sliceAxis(x, 1, 0, T).data),
        positions: i64([B, T], [...pos.slice(0, T), ...pos.slice(T + 1, 2 * T + 1)]),
        key_mask: i64([B, T], [...mask.slice(0, T), ...mask.slice(T + 1, 2 * T + 1)]),
      });
      // Compare only real query rows (padded rows are don't-care in both).
      const realRows = (t: ArrayLike<number>, len: number) => Array.from(t).filter((_, i) => mask[Math.floor(i / D / len) * (T + 1) + (Math.floor(i / D) % len)] === 1);
      const refPre = sliceAxis(full.out, 1, 0, T);
      expect(maxAbsDiff(realRows(pre.out.data as Float32Array, T), realRows(refPre.data, T))).toBeLessThan(2e-4);

      const decode = buildGraph(params, plan, true, true);
      const feeds: Record<string, HostTensor> = {
        ...trainableParamFeeds(decode),
        h: f32([B, 1, D], sliceAxis(x, 1, T, T + 1).data),
        positions: i64([B, 1], [pos[T], pos[2 * T + 1]]),
        key_mask: i64([B, T + 1], mask),
      };
      for (let i = 0; i < LAYERS; i++) {
        feeds[`past.${i}.key`] = pre[`present.${i}.key`];
        feeds[`past.${i}.value`] = pre[`present.${i}.value`];
      }
      const step = await runModel(emitOnnx(decode), feeds);
      expect(maxAbsDiff(step.out.data as Float32Array, sliceAxis(full.out, 1, T, T + 1).data)).toBeLessThan(2e-4);
      // Layer 0's keys depend on x alone; deeper layers' keys at padded slots are don't-care, so row 0 only.
      const refK0: KvCache = full.present[0];
      expect(maxAbsDiff(step['present.0.key'].data as Float32Array, refK0.k.data)).toBeLessThan(2e-4);
      const row0 = (a: ArrayLike<number>) => Array.from(a).slice(0, HKV * (T + 1) * DH);
      expect(maxAbsDiff(row0(step['present.1.value'].data as Float32Array), row0(full.present[1].v.data))).toBeLessThan(2e-4);
      expect(step['present.1.value'].shape).toEqual([B, HKV, T + 1, DH]);
    });
  }

  it('GroupQueryAttention plan gives the same numbers as the standard path (prefill and decode)', async () => {
    // GQA's fused rotary needs head size % 16 == 0: D=64, 4 heads of 16, 2 KV heads.
    const dim = 64, heads = 4, kv = 2, dh = 16, hidden = 96;
    const params = randomStore(dim, heads, kv, hidden);
    const build = (plan: EmitPlan, withPast: boolean) => {
      const g = new Graph('gqa');
      const h = g.input('h', 'float32', [1, 'T', dim]);
      const past = withPast
        ? Array.from({ length: LAYERS }, (_, i) => ({ key: g.input(`past.${i}.key`, 'float32', [1, kv, 'P', dh]), value: g.input(`past.${i}.value`, 'float32', [1, kv, 'P', dh]) }))
        : undefined;
      const r = llamaStack(h, options(params, plan, { dim, numHeads: heads, numKvHeads: kv, hidden }), { past });
      g.output('out', r.out);
      r.present.forEach((p, i) => {
        g.output(`present.${i}.key`, p.key);
        g.output(`present.${i}.value`, p.value);
      });
      return g;
    };
    const xs = randomTensor([1, 7, dim], 5);
    const results: Record<string, HostTensor>[] = [];
    for (const plan of [INFERENCE_PLAN, inferencePlan({ groupQueryAttention: true, maxPositions: 64 })]) {
      const pre = build(plan, false);
      const a = await runModel(emitOnnx(pre), { ...trainableParamFeeds(pre), h: f32([1, 6, dim], sliceAxis(xs, 1, 0, 6).data) });
      const dec = build(plan, true);
      const feeds: Record<string, HostTensor> = { ...trainableParamFeeds(dec), h: f32([1, 1, dim], sliceAxis(xs, 1, 6, 7).data) };
      for (let i = 0; i < LAYERS; i++) {
        feeds[`past.${i}.key`] = a[`present.${i}.key`];
        feeds[`past.${i}.value`] = a[`present.${i}.value`];
      }
      const b = await runModel(emitOnnx(dec), feeds);
      results.push({ preOut: a.out, preKey: a['present.1.key'], decOut: b.out, decKey: b['present.1.key'] });
    }
    for (const k of ['preOut', 'preKey', 'decOut', 'decKey']) {
      expect(results[1][k].shape).toEqual(results[0][k].shape);
      expect(maxAbsDiff(results[1][k].data as Float32Array, results[0][k].data as Float32Array)).toBeLessThan(2e-4);
    }
  });

  it('refuses GroupQueryAttention where its contract does not hold', () => {
    const params = randomStore();
    const g = new Graph('bad');
    const h = g.input('h', 'float32', [1, 'T', D]);
    // head size 8 is not a multiple of 16
    expect(() => llamaStack(h, options(params, inferencePlan({ groupQueryAttention: true }))) ).toThrow(/multiple of 16/);
    const g2 = new Graph('bad2');
    const h2 = g2.input('h', 'float32', [1, 'T', 64]);
    const mask = g2.input('m', 'int64', [1, 'T']);
    expect(() => llamaStack(h2, options(randomStore(64, 4, 2, 96), inferencePlan({ groupQueryAttention: true }), { dim: 64, hidden: 96 }), { keyMask: mask })).toThrow(/contiguous/);
  });
});
