import { logSoftmax, sortDescending, toWorkRow, type LogitRow } from './logit-math.js';

/**
 * Beam search for the AR level (the sampler's `beamWidth`): keeps the `width` most likely hypotheses by
 * cumulative log-probability, expanding each by every token at each step.
 *
 * Deviation (spec §7.9, A.17): the reference's `top_k_logits_list` is not a beam search — it takes the global
 * top-B logits over all rows and makes candidate b the next token of sequence b whatever row it came from,
 * accumulates raw processed logits, and crashes for width 1 and (from `TTS.inference`) for any width > 1.
 * Nothing can match it, so this is the textbook algorithm. It is deterministic: no random draws.
 *
 * How the AR loop drives it:
 * ```ts
 * const beams = sampler.createBeamSearch()!;          // or new BeamState({ width, stopToken, process })
 * while (!beams.done && step < maxSteps) {
 *   const rows = model.forward(beams.hypotheses.map((h) => h.tokens)); // one logits row per hypothesis
 *   const { parents, tokens } = beams.step(rows);
 *   // new hypothesis i = old hypothesis parents[i] + tokens[i]: gather per-sequence state (KV cache) by
 *   // `parents`, then append `tokens`. The number of hypotheses can change (1 before the first step).
 * }
 * const best = beams.best().tokens;                    // without the stop token
 * ```
 * Finished hypotheses (they emitted the stop token) stay in the beam with their score and are reported with
 * token = stop again, so the batch keeps its shape; their logits are ignored.
 */

export interface BeamHypothesis {
  /** Tokens so far, without the stop token. */
  readonly tokens: readonly number[];
  /** Σ log p of the chosen tokens (natural log), stop token included once for finished hypotheses. */
  readonly score: number;
  readonly finished: boolean;
}

export interface BeamStepResult {
  /** For each new hypothesis, the index of the hypothesis it extends (in the order before this step). */
  readonly parents: Int32Array;
  /** For each new hypothesis, the token appended (the stop token for finished ones). */
  readonly tokens: Int32Array;
  /** True when no unfinished hypothesis can still overtake the best finished one. */
  readonly done: boolean;
}

/**
 * Turns one hypothesis's raw logits into the logits its log-probabilities are taken from (penalties, bans,
 * filtering), in place. `history` is that hypothesis's tokens.
 */
export type BeamLogitsProcessor = (logits: Float64Array, history: readonly number[]) => void;

export interface BeamSearchOptions {
  /** Hypotheses kept per step, ≥ 1. */
  width: number;
  stopToken: number;
  /** Applied to each row before scoring; none = score the raw logits. */
  process?: BeamLogitsProcessor;
}

interface Candidate {
  parent: number;
  token: number;
  score: number;
}

/** Higher score first; equal scores by parent, then token, so the beam never depends on sort stability. */
function compareCandidates(a: Candidate, b: Candidate): number {
  if (a.score !== b.score) return a.score > b.score ? -1 : 1;
  if (a.parent !== b.parent) return a.parent - b.parent;
  return a.token - b.token;
}

export class BeamState {
  readonly width: number;
  readonly stopToken: number;
  private readonly process: BeamLogitsProcessor | undefined;
  private beams: BeamHypothesis[] = [{ tokens: [], score: 0, finished: false }];
  private isDone = false;

  constructor(options: BeamSearchOptions) {
    if (!Number.isInteger(options.width) || options.width < 1) throw new RangeError(`beam width must be an integer ≥ 1, got ${options.width}`);
    this.width = options.width;
    this.stopToken = options.stopToken;
    this.process = options.process;
  }

  /** Current hypotheses, in the order the next `step` expects their logits. */
  get hypotheses(): readonly BeamHypothesis[] {
    return this.beams;
  }

  get size(): number {
    return this.beams.length;
  }

  /** Every hypothesis has finished, or the best finished one can no longer be beaten (scores only fall). */
  get done(): boolean {
    return this.isDone;
  }

  /** Expands every hypothesis by one token; `logitsPerBeam[i]` are the logits of `hypotheses[i]`. */
  step(logitsPerBeam: ReadonlyArray<LogitRow>): BeamStepResult {
    if (logitsPerBeam.length !== this.beams.length) {
      throw new Error(`beam step expects ${this.beams.length} logits rows (one per hypothesis), got ${logitsPerBeam.length}`);
    }
    const candidates: Candidate[] = [];
    for (let b = 0; b < this.beams.length; b++) {
      const beam = this.beams[b];
      if (beam.finished) {
        candidates.push({ parent: b, token: this.stopToken, score: beam.score });
        continue;
      }
      const row = toWorkRow(logitsPerBeam[b]);
      if (this.stopToken >= row.length) throw new RangeError(`stop token ${this.stopToken} is outside the logits row (width ${row.length})`);
      this.process?.(row, beam.tokens);
      const logp = logSoftmax(row);
      // Only a beam's own top `width` tokens can be among the global top `width`.
      const order = sortDescending(logp);
      for (let r = 0; r < Math.min(this.width, order.length); r++) {
        const token = order[r];
        if (logp[token] === -Infinity) break;
        if (Number.isNaN(logp[token])) throw new Error(`beam ${b}: logits contain NaN`);
        candidates.push({ parent: b, token, score: beam.score + logp[token] });
      }
    }
    if (candidates.length === 0) throw new Error('beam step: no hypothesis has a token left to choose');
    candidates.sort(compareCandidates);
    const kept = candidates.slice(0, this.width);

    const parents = new Int32Array(kept.length);
    const tokens = new Int32Array(kept.length);
    const next: BeamHypothesis[] = [];
    kept.forEach((c, i) => {
      parents[i] = c.parent;
      tokens[i] = c.token;
      const parent = this.beams[c.parent];
      if (parent.finished) next.push(parent);
      else if (c.token === this.stopToken) next.push({ tokens: parent.tokens, score: c.score, finished: true });
      else next.push({ tokens: [...parent.tokens, c.token], score: c.score, finished: false });
    });
    this.beams = next;
    this.isDone = this.computeDone();
    return { parents, tokens, done: this.isDone };
  }

  private computeDone(): boolean {
    let bestFinished = -Infinity;
    let bestOpen = -Infinity;
    for (const h of this.beams) {
      if (h.finished) bestFinished = Math.max(bestFinished, h.score);
      else bestOpen = Math.max(bestOpen, h.score);
    }
    // Log-probabilities are ≤ 0, so an open hypothesis's score can only fall from here.
    return bestOpen === -Infinity || (bestFinished > -Infinity && bestFinished >= bestOpen);
  }

  /**
   * The result: the highest-scoring finished hypothesis, or — when the loop was cut off (max steps) before
   * any finished — the highest-scoring open one, as the reference returns an unstopped sequence at full
   * length. Ties go to the lower index.
   */
  best(): BeamHypothesis {
    const finished = this.beams.filter((h) => h.finished);
    const pool = finished.length > 0 ? finished : this.beams;
    let best = pool[0];
    for (const h of pool) if (h.score > best.score) best = h;
    return best;
  }
}
