/**
 * LoRA files checked by their tensor names and shapes (seed spec §8.1/§8.6): the reference layout passes with
 * rank, alpha, layers and targets read back; each kind of breakage is named.
 */
import { describe, expect, it } from 'vitest';
import { StudioError } from '../../../src-shared/api/errors.js';
import { checkLora, looksLikeLora } from './lora-check.js';
import { tinyLoraTensors } from './testing/tiny-checkpoints.js';

const shapesOf = (options: Parameters<typeof tinyLoraTensors>[0] = {}) => new Map([...tinyLoraTensors(options)].map(([k, t]) => [k, t.shape]));

function problem(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof StudioError && error.code === 'invalid_input') return error.message;
    throw error;
  }
  throw new Error('expected the LoRA to be refused');
}

describe('checkLora', () => {
  it('summarises the reference layout: 12 layers × 6 modules × 2 tensors at full width', () => {
    const shapes = shapesOf({ rank: 8, layers: 12, d: 1024 });
    expect(shapes.size).toBe(144); // §8.6
    const { summary, warnings } = checkLora(shapes, { rank: 8, alpha: 16 }, 'lora.sft');
    expect(summary).toEqual({
      rank: 8,
      alpha: 16,
      layers: 12,
      dModel: 1024,
      parametrized: false,
      targets: ['self_attn.q_proj', 'self_attn.v_proj', 'self_attn.o_proj', 'mlp.gate_proj', 'mlp.up_proj', 'mlp.down_proj'],
    });
    expect(warnings).toEqual([]);
  });

  it('takes alpha = rank, with a warning, when the file has no config', () => {
    const { summary, warnings } = checkLora(shapesOf({ rank: 4 }), null, 'lora.sft');
    expect(summary.alpha).toBe(4);
    expect(warnings[0]).toMatch(/no LoRA config/);
  });

  it('accepts the parametrized layout, whose halves are swapped (§8.3)', () => {
    const d = 32;
    const ffn = 128;
    const r = 2;
    const shapes = new Map<string, number[]>([
      ['model.layers.0.self_attn.q_proj.parametrizations.weight.0.lora_A', [r, d]],
      ['model.layers.0.self_attn.q_proj.parametrizations.weight.0.lora_B', [d, r]],
      ['model.layers.0.mlp.up_proj.parametrizations.weight.0.lora_A', [r, ffn]],
      ['model.layers.0.mlp.up_proj.parametrizations.weight.0.lora_B', [d, r]],
    ]);
    expect(checkLora(shapes, { parametrize: true }, 'p.sft').summary).toMatchObject({ rank: r, dModel: d, parametrized: true, layers: 1 });
  });

  it('names every problem: a lone half, a foreign tensor, mixed ranks, widths that fit no model, a config that disagrees', () => {
    expect(problem(() => checkLora(shapesOf({ omit: ['model.layers.1.mlp.down_proj.lora_B'] }), null, 'a.sft'))).toMatch(/1\.mlp\.down_proj has lora_A but no lora_B/);
    expect(problem(() => checkLora(shapesOf({ extra: { 'classifier.weight': [1025, 32] } }), null, 'b.sft'))).toMatch(/not LoRA tensors.*classifier\.weight/);
    expect(problem(() => checkLora(shapesOf({ extra: { 'model.layers.0.self_attn.q_proj.lora_A': [8, 32], 'model.layers.0.self_attn.q_proj.lora_B': [32, 8] } }), null, 'c.sft'))).toMatch(
      /rank differs between modules \(4, 8\)/,
    );
    expect(problem(() => checkLora(shapesOf({ extra: { 'model.layers.0.self_attn.o_proj.lora_B': [64, 4] } }), null, 'd.sft'))).toMatch(/attention projection maps d to d, got 32 → 64/);
    expect(problem(() => checkLora(shapesOf({ rank: 4 }), { rank: 16 }, 'e.sft'))).toMatch(/config says rank 16 but the tensors have rank 4/);
    expect(problem(() => checkLora(new Map(), null, 'f.sft'))).toMatch(/holds no LoRA tensors/);
  });

  it('tells a LoRA from a checkpoint by its tensor names', () => {
    expect(looksLikeLora(shapesOf().keys())).toBe(true);
    expect(looksLikeLora(['text_emb.weight', 'model.layers.0.self_attn.q_proj.lora_A'])).toBe(false);
    expect(looksLikeLora([])).toBe(false);
  });
});
