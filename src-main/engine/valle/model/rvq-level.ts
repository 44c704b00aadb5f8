/**
 * The training-time RVQ-level draw (seed spec §5.8 step 1–2), on the host with a seeded RNG; the chosen
 * level is fed into the batch (rvq_l token, input levels, targets).
 *
 * "auto": over [lo, hi] (= experimental.rvq_level_range or [0, levels−1]) level i appears hi+1−i times, so
 * P(L = i) = (8 − i)/36 by default. Appendix A.8: the reference discards the string "equal" before testing
 * it, so "equal" behaves like "auto"; that is replicated unless `equalMeansUniform` asks for the intended
 * uniform draw. An explicit list is drawn from uniformly (repeats weight it). stt samples always use L = 0.
 */
import type { ModelConfig } from '../config/index.js';
import { mulberry32 } from '../../nn/random.js';
import type { ValleTask } from './input-layout.js';

export interface RvqLevelOptions {
  /** Implement "equal" as a uniform draw over [lo, hi] (the reference's intent, not its behaviour). */
  equalMeansUniform?: boolean;
}

/** The multiset a level is drawn from uniformly. */
export function rvqLevelChoices(model: ModelConfig, options: RvqLevelOptions = {}): number[] {
  const x = model.experimental;
  const range = x.rvq_level_range;
  const lo = range.length > 0 ? range[0] : 0;
  const hi = range.length > 0 ? range[range.length - 1] : model.resp_levels - 1;
  if (!(lo <= hi) || hi >= model.resp_levels) throw new RangeError(`rvq_level_range [${lo}, ${hi}] does not fit ${model.resp_levels} levels`);
  const p = x.p_rvq_levels;
  if (Array.isArray(p)) {
    if (p.length === 0) throw new RangeError('p_rvq_levels is an empty list');
    for (const l of p) if (l >= model.resp_levels) throw new RangeError(`p_rvq_levels has level ${l}; the model has ${model.resp_levels}`);
    return [...p];
  }
  const out: number[] = [];
  if (p === 'equal' && options.equalMeansUniform) {
    for (let i = lo; i <= hi; i++) out.push(i);
    return out;
  }
  for (let i = lo; i <= hi; i++) for (let n = 0; n < hi + 1 - i; n++) out.push(i);
  return out;
}

/** Draws levels for training samples, reproducibly from a seed. */
export class RvqLevelSampler {
  readonly choices: readonly number[];
  readonly #rand: () => number;

  constructor(model: ModelConfig, seed: number, options: RvqLevelOptions = {}) {
    this.choices = rvqLevelChoices(model, options);
    this.#rand = mulberry32(seed);
  }

  next(task: ValleTask = 'tts'): number {
    const pick = this.choices[Math.min(this.choices.length - 1, Math.floor(this.#rand() * this.choices.length))];
    return task === 'stt' ? 0 : pick;
  }
}
