/**
 * Gradients through the attention block: GQA heads, rotary, padding + causal mask and a KV cache, checked
 * by finite differences (float64) with respect to the input, the cached keys/values and all projections.
 */
import { describe, expect, it } from 'vitest';
import { gradcheck } from '../testing/gradcheck.js';
import { attention } from './attention.js';
import { attentionBias } from './attention-mask.js';
import { TRAINING_PLAN } from './emit-plan.js';
import { TensorParams } from './params.js';
import { rmsNorm } from './rms-norm.js';
import { rotaryTables } from './rotary.js';

describe('attention gradients', () => {
  it('gradcheck with padding mask, causal mask and a KV cache (GQA: 2 query heads on 1 KV head)', async () => {
    const [B, T, P, D, H, HKV, DH] = [2, 2, 2, 8, 2, 1, 4];
    const r = await gradcheck({
      dtype: 'float64',
      inputs: [
        { name: 'x', shape: [B, T, D] },
        { name: 'past_k', shape: [B, HKV, P, DH] },
        { name: 'past_v', shape: [B, HKV, P, DH] },
        { name: 'wq', shape: [H * DH, D] },
        { name: 'wk', shape: [HKV * DH, D] },
        { name: 'wv', shape: [HKV * DH, D] },
        { name: 'wo', shape: [D, H * DH] },
        // row 1 has its first cached slot padded; positions continue after the cache
        { name: 'positions', shape: [B, T], dtype: 'int64', data: [2, 3, 1, 2] },
        { name: 'key_mask', shape: [B, P + T], dtype: 'int64', data: [1, 1, 1, 1, 0, 1, 1, 1] },
      ],
      build: (g, [x, pk, pv, wq, wk, wv, wo, positions, keyMask]) => {
        const params = new TensorParams({ 'a.q_proj.weight': wq, 'a.k_proj.weight': wk, 'a.v_proj.weight': wv, 'a.o_proj.weight': wo });
        const ctx = {
          rotary: rotaryTables(positions, DH, 10000, 'float64'),
          bias: attentionBias(g, { queryLength: T, past: pk, keyMask, causal: true, dtype: 'float64' }),
        };
        return attention(x, { params, name: 'a', dim: D, numHeads: H, numKvHeads: HKV, ropeTheta: 10000, plan: TRAINING_PLAN }, ctx, { key: pk, value: pv }).out;
      },
    });
    expect(r.ok, r.report).toBe(true);
  });

  it('gradcheck of the RMSNorm block (input and weight)', async () => {
    const r = await gradcheck({
      dtype: 'float64',
      inputs: [
        { name: 'x', shape: [3, 6] },
        { name: 'w', shape: [6] },
      ],
      build: (_g, [x, w]) => rmsNorm(x, { params: new TensorParams({ 'n.weight': w }), name: 'n', dim: 6, eps: 1e-6, plan: TRAINING_PLAN }),
    });
    expect(r.ok, r.report).toBe(true);
  });
});
