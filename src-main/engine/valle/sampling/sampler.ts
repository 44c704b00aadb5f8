import { applyDry } from './dry.js';
import { banTokensFrom } from './ban-tokens.js';
import { BeamState } from './beam-search.js';
import { greedyToken, isGreedyTemperature, sampleCategorical } from './categorical.js';
import { applyTemperature } from './dynamic-temperature.js';
import { applyLengthPenalty } from './length-penalty.js';
import { assertSampleable, toWorkRow, type LogitRow } from './logit-math.js';
import { createMirostatState, mirostatSample, type MirostatState } from './mirostat.js';
import { applyRepetitionPenalty } from './repetition-penalty.js';
import { MAX_SEED, randomSeed, rngForDraw } from './rng.js';
import { levelSettings, parseSamplerOptions, type LevelSamplerSettings, type SamplerOptions } from './sampler-options.js';
import { applyTopKTopP } from './top-k-top-p.js';
import { emittableTokens, mirostatVocabularySize, stopTokenFor, type SamplingTask } from './vocabulary.js';

/** Where a draw happens: RVQ level (0 = AR) and the index of the token within that level (AR step or NAR frame). */
export interface SampleContext {
  level: number;
  step: number;
}

export interface TokenSamplerInit {
  /** Parsed options (`parseSamplerOptions`). */
  options: SamplerOptions;
  /** A concrete seed (`resolveSeed(options)`); record it with the generation. */
  seed: number;
  /**
   * Which sequence this is: its index in a batch, or the line index when text is split into lines. Each
   * sequence draws from its own streams, so a sequence's tokens do not depend on what else is in the batch.
   */
  sequence?: number;
  task?: SamplingTask;
}

/** The seed a generation uses: the requested one, or a fresh random one when none was given (record it). */
export function resolveSeed(options: Pick<SamplerOptions, 'seed'>): number {
  return options.seed ?? randomSeed();
}

/** How a row is processed: for a random draw, for greedy (argmax), or for beam scoring (temperature 1). */
type ProcessMode = 'sample' | 'greedy' | 'beam';

/**
 * Picks tokens for one sequence, step by step, composing the transforms of `sampling/` in the reference's
 * order (seed spec §7.1). State: the Mirostat μ of this sequence; the seed from which every draw's generator
 * is derived (keyed by sequence, level and step, so draws never depend on call order).
 *
 * Order, and why:
 * 1. Ban ids the level cannot emit (A.10 fixed) — first, so they get no probability mass anywhere below.
 * 2. Repetition penalty (AR) — on raw logits, before filtering, so a penalised token can drop out of top-k/p.
 * 3. Length penalty on the stop token (AR) — likewise before filtering.
 * 4. Top-k, then top-p — before temperature, as the reference: which tokens are eligible is decided on the
 *    model's own (temperature 1) distribution, so temperature reshapes only among the eligible.
 * 5. Temperature, fixed or dynamic — dynamic reads p_max of the filtered row (reference).
 * 6. DRY (AR) — after temperature, as the reference, so its penalty is in units of scaled logits.
 * 7. Draw: Mirostat if τ > 0 (AR), else categorical. Greedy (temperature ≈ 0) skips 4–5 and the draw and
 *    takes the argmax of the penalised row.
 *
 * Deviation (spec A.15): the reference returns the argmax before any penalty when temperature ≤ 0, so its
 * penalties do nothing under greedy decoding (its web UI's STT repetition penalty 1.25 had no effect). Here
 * repetition, length and DRY penalties apply under greedy too; top-k/top-p and temperature cannot change an
 * argmax and are skipped. Identical whenever those penalties are off (their defaults).
 *
 * Only level 0 uses repetition/length penalty, DRY, Mirostat and beam search; NAR levels use temperature,
 * minimum temperature, top-k and top-p (reference `TTS.inference`, spec §7.10).
 */
export class TokenSampler {
  readonly options: SamplerOptions;
  readonly seed: number;
  readonly sequence: number;
  readonly task: SamplingTask;
  private readonly mirostat: MirostatState | null;

  constructor(init: TokenSamplerInit) {
    if (!Number.isSafeInteger(init.seed) || init.seed < 0 || init.seed > MAX_SEED) {
      throw new RangeError(`seed must be an integer in [0, ${MAX_SEED}], got ${init.seed}`);
    }
    const sequence = init.sequence ?? 0;
    if (!Number.isSafeInteger(sequence) || sequence < 0) throw new RangeError(`sequence must be a non-negative integer, got ${sequence}`);
    // Re-validated so a hand-built options object cannot smuggle in values the transforms do not handle.
    this.options = parseSamplerOptions(init.options);
    this.seed = init.seed;
    this.sequence = sequence;
    this.task = init.task ?? 'tts';
    // Mirostat is per sequence (A.16: the reference shares one state across the batch).
    this.mirostat =
      this.options.mirostatTau > 0
        ? createMirostatState(this.options.mirostatTau, this.options.mirostatEta, mirostatVocabularySize(this.task))
        : null;
  }

  /** The token to emit at `ctx` for logits `logits` (one row) given this sequence's tokens so far. */
  sample(logits: LogitRow, history: ArrayLike<number>, ctx: SampleContext): number {
    checkContext(ctx);
    const settings = levelSettings(this.options, ctx.level);
    if (ctx.level === 0 && settings.beamWidth > 1) {
      throw new Error(`beam search is on (width ${settings.beamWidth}): drive the AR with createBeamSearch(), not sample()`);
    }
    const greedy = isGreedyTemperature(settings.temperature);
    const row = this.process(logits, history, ctx.level, settings, greedy ? 'greedy' : 'sample');
    if (greedy) return greedyToken(row);
    const rng = rngForDraw(this.seed, this.sequence, ctx.level, ctx.step);
    if (this.mirostat !== null && ctx.level === 0) return mirostatSample(row, this.mirostat, rng);
    return sampleCategorical(row, rng);
  }

  /**
   * A whole NAR level at once: `logits` holds `rows` rows (one per frame) back to back; frame t is drawn as
   * step `firstStep + t`. NAR levels ignore history (no penalties), so none is taken.
   */
  sampleRows(logits: LogitRow, rows: number, level: number, firstStep = 0): Int32Array {
    if (!Number.isInteger(rows) || rows <= 0 || logits.length % rows !== 0) {
      throw new RangeError(`cannot split ${logits.length} logits into ${rows} equal rows`);
    }
    const width = logits.length / rows;
    const out = new Int32Array(rows);
    for (let t = 0; t < rows; t++) out[t] = this.sample(logits.subarray(t * width, (t + 1) * width), [], { level, step: firstStep + t });
    return out;
  }

  /**
   * The processed row a draw at `ctx` would use (after bans, penalties, filtering, temperature, DRY) — for
   * inspection and tests. Greedy settings give the penalised, unscaled row.
   */
  processedLogits(logits: LogitRow, history: ArrayLike<number>, ctx: SampleContext): Float64Array {
    checkContext(ctx);
    const settings = levelSettings(this.options, ctx.level);
    return this.process(logits, history, ctx.level, settings, isGreedyTemperature(settings.temperature) ? 'greedy' : 'sample');
  }

  /**
   * A beam search over level 0 when `beamWidth` > 1, else null. Each hypothesis's logits get this sampler's
   * level-0 processing with that hypothesis's own history, at temperature 1: temperature, dynamic
   * temperature and Mirostat shape random draws and have no meaning for a search for the most likely
   * sequence, so they are ignored (the reference's beam path has no working equivalent, A.17).
   */
  createBeamSearch(): BeamState | null {
    const settings = levelSettings(this.options, 0);
    if (settings.beamWidth <= 1) return null;
    return new BeamState({
      width: settings.beamWidth,
      stopToken: stopTokenFor(this.task),
      process: (row, history) => {
        const processed = this.process(row, history, 0, settings, 'beam');
        row.set(processed);
      },
    });
  }

  /** This sequence's Mirostat state (μ, surprises), or null when Mirostat is off. */
  get mirostatState(): Readonly<MirostatState> | null {
    return this.mirostat;
  }

  private process(logits: LogitRow, history: ArrayLike<number>, level: number, s: LevelSamplerSettings, mode: ProcessMode): Float64Array {
    assertSampleable(logits);
    const emittable = emittableTokens(this.task, level);
    if (logits.length < emittable) {
      throw new RangeError(`${this.task} level ${level} needs at least ${emittable} logits per row, got ${logits.length}`);
    }
    const row = toWorkRow(logits);
    banTokensFrom(row, emittable);
    applyRepetitionPenalty(row, history, s.repetitionPenalty, s.repetitionPenaltyDecay);
    applyLengthPenalty(row, history.length + 1, s.lengthPenalty, stopTokenFor(this.task));
    if (mode !== 'greedy') applyTopKTopP(row, s.topK, s.topP);
    if (mode === 'sample') applyTemperature(row, s.temperature, s.minTemperature);
    applyDry(row, history, { multiplier: s.dryMultiplier, base: s.dryBase, allowedLength: s.dryAllowedLength });
    assertSampleable(row, `${this.task} level ${level} logits after bans and penalties`);
    return row;
  }
}

function checkContext(ctx: SampleContext): void {
  if (!Number.isSafeInteger(ctx.level) || ctx.level < 0) throw new RangeError(`level must be a non-negative integer, got ${ctx.level}`);
  if (!Number.isSafeInteger(ctx.step) || ctx.step < 0) throw new RangeError(`step must be a non-negative integer, got ${ctx.step}`);
}

/** One sampler per sequence of a batch, sharing options and seed, each on its own streams. */
export function createBatchSamplers(options: SamplerOptions, seed: number, count: number, task: SamplingTask = 'tts'): TokenSampler[] {
  return Array.from({ length: count }, (_, sequence) => new TokenSampler({ options, seed, sequence, task }));
}
