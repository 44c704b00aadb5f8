/**
 * The LLaMA shapes benchmarked against PyTorch (bench/torch_llama.py builds the same). MLP: gated with exact
 * GELU and F = 4·d, as the studio's VALL-E backbone (seed-spec §5.5); heads of 64; vocab 1025 (+ classifier
 * with bias, mean next-token cross-entropy for the train step).
 */
export interface BenchSize {
  name: string;
  d: number;
  layers: number;
  batch: number;
  seq: number;
  vocab: number;
}

export const benchSizes: Record<string, BenchSize> = {
  small: { name: 'small', d: 256, layers: 4, batch: 4, seq: 64, vocab: 1025 },
  big: { name: 'big', d: 1024, layers: 12, batch: 1, seq: 64, vocab: 1025 },
};

/** AdamW as the studio's config (seed-spec §9.2) plus clipping at 1.0; the same in torch_llama.py. */
export const benchOptimizer = { beta1: 0.9, beta2: 0.96, eps: 1e-7, weightDecay: 0.01, maxGradNorm: 1 } as const;
