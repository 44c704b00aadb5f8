/**
 * Choices that depend on what the graph is for and where it runs, made once and read by the blocks
 * (style anchor 10: onnxruntime-genai's `make_attention_init`, but typed).
 *
 * - 'differentiable' graphs use primitives only, so `gradients` can walk them (training, gradcheck).
 * - 'inference' graphs may use fused ONNX kernels (Softmax, SimplifiedLayerNormalization, Gelu) that ORT
 *   runs faster than the primitive spelling, and optionally com.microsoft GroupQueryAttention.
 */
export interface EmitPlan {
  mode: 'differentiable' | 'inference';
  /**
   * 'standard': MatMul/Softmax attention with an explicit mask (any padding, any positions).
   * 'group-query-attention': com.microsoft GroupQueryAttention with fused rotary and KV cache, used only
   * where its contract holds (see `groupQueryAttentionProblem` in attention.ts); otherwise a block throws.
   */
  attention: 'standard' | 'group-query-attention';
  /** Longest position GroupQueryAttention's cos/sin caches cover. */
  maxPositions: number;
}

export const TRAINING_PLAN: EmitPlan = Object.freeze({ mode: 'differentiable', attention: 'standard', maxPositions: 0 });

export const INFERENCE_PLAN: EmitPlan = Object.freeze({ mode: 'inference', attention: 'standard', maxPositions: 0 });

/** The plan for an inference graph on a provider: GQA where ORT has it (cpu, cuda, webgpu all do). */
export function inferencePlan(options: { groupQueryAttention: boolean; maxPositions?: number }): EmitPlan {
  if (!options.groupQueryAttention) return INFERENCE_PLAN;
  const maxPositions = options.maxPositions ?? 4096;
  if (!Number.isInteger(maxPositions) || maxPositions < 1) throw new Error(`inferencePlan: maxPositions must be a positive integer, got ${maxPositions}`);
  return { mode: 'inference', attention: 'group-query-attention', maxPositions };
}
