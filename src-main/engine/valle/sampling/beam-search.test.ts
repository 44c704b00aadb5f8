import { describe, expect, it } from 'vitest';
import { BeamState } from './beam-search.js';
import { deriveKey, Xoshiro128StarStar } from './rng.js';

const STOP = 3;
const V = 4; // tokens 0, 1, 2 and the stop token 3
const MAX_TOKENS = 3;

/**
 * A toy AR "model": logits depend on the whole prefix (hashed into a seed). After three tokens only the stop
 * token is allowed. With `stopAnytime` false the stop token is also impossible before that, so every path is
 * exactly three tokens — three real decisions, 27 paths. Seed 10 is one where greedy and narrow beams miss the
 * best path (asserted below, so the test shows it can tell a good search from a bad one).
 */
function toyLogits(prefix: readonly number[], stopAnytime = true, seed = 77): Float32Array {
  const rng = Xoshiro128StarStar.fromSeed(deriveKey(seed, [prefix.length, ...prefix]));
  const row = Float32Array.from({ length: V }, () => rng.nextFloat64() * 4 - 2);
  if (prefix.length >= MAX_TOKENS) {
    for (let t = 0; t < V; t++) if (t !== STOP) row[t] = -Infinity;
  } else if (!stopAnytime) row[STOP] = -Infinity;
  return row;
}
const threeStepToy = (prefix: readonly number[]) => toyLogits(prefix, false, 10);

function logProbs(row: ArrayLike<number>): number[] {
  const m = Math.max(...Array.from(row));
  const z = Array.from(row).reduce((a, v) => a + Math.exp(v - m), 0);
  return Array.from(row, (v) => v - m - Math.log(z));
}

/** Every complete path (prefix + stop) with its total log-probability. */
function allPaths(model: (prefix: readonly number[]) => Float32Array): Array<{ tokens: number[]; score: number }> {
  const out: Array<{ tokens: number[]; score: number }> = [];
  const walk = (prefix: number[], score: number) => {
    const lp = logProbs(model(prefix));
    if (lp[STOP] > -Infinity) out.push({ tokens: prefix, score: score + lp[STOP] });
    if (prefix.length < MAX_TOKENS) for (let t = 0; t < V; t++) if (t !== STOP && lp[t] > -Infinity) walk([...prefix, t], score + lp[t]);
  };
  walk([], 0);
  return out;
}

/** Runs a beam search against the toy model, keeping a mirror of the sequences the way an AR loop would. */
function runBeam(width: number, model: (prefix: readonly number[]) => Float32Array = toyLogits, process?: (row: Float64Array, history: readonly number[]) => void) {
  const beams = new BeamState({ width, stopToken: STOP, process });
  let mirror: number[][] = [[]]; // the AR loop's own sequences (stop tokens appended, as the reference does)
  for (let step = 0; step < 10 && !beams.done; step++) {
    const rows = beams.hypotheses.map((h) => model(h.tokens));
    const { parents, tokens } = beams.step(rows);
    mirror = Array.from(parents, (p, i) => [...mirror[p], tokens[i]]);
    // The mirror, cut at the first stop, must be exactly the beam's hypotheses.
    expect(mirror.map((s) => (s.includes(STOP) ? s.slice(0, s.indexOf(STOP)) : s))).toEqual(beams.hypotheses.map((h) => [...h.tokens]));
  }
  return beams;
}

describe('BeamState', () => {
  it('a beam wide enough to keep every prefix finds the brute-force best path of a 3-step toy', () => {
    const paths = allPaths(threeStepToy);
    expect(paths.length).toBe(27);
    const best = paths.reduce((a, b) => (b.score > a.score ? b : a));
    const beams = runBeam(9, threeStepToy); // 9 = every two-token prefix
    expect(beams.done).toBe(true);
    expect(beams.best().tokens).toEqual(best.tokens);
    expect(beams.best().score).toBeCloseTo(best.score, 12);
    // On this toy narrower searches miss it, so the comparison above is not vacuous.
    expect(runBeam(1, threeStepToy).best().tokens).not.toEqual(best.tokens);
    expect(runBeam(2, threeStepToy).best().tokens).not.toEqual(best.tokens);
  });

  it('with an optional stop, a full-width beam still finds the brute-force best (early stopping is exact)', () => {
    const paths = allPaths(toyLogits);
    expect(paths.length).toBe(1 + 3 + 9 + 27);
    const best = paths.reduce((a, b) => (b.score > a.score ? b : a));
    const beams = runBeam(27);
    expect(beams.best().tokens).toEqual(best.tokens);
    expect(beams.best().score).toBeCloseTo(best.score, 12);
  });

  it('width 1 is greedy decoding', () => {
    for (const model of [toyLogits, threeStepToy]) {
      const greedy: number[] = [];
      for (;;) {
        const lp = logProbs(model(greedy));
        const t = lp.indexOf(Math.max(...lp));
        if (t === STOP) break;
        greedy.push(t);
      }
      expect(runBeam(1, model).best().tokens).toEqual(greedy);
    }
  });

  it('every width agrees with a naive beam search written independently', () => {
    for (const width of [2, 3, 5]) {
      // Naive: keep a list of (tokens, score, finished); expand all, sort, keep `width`.
      let naive = [{ tokens: [] as number[], score: 0, finished: false }];
      for (let step = 0; step < 10 && naive.some((h) => !h.finished); step++) {
        const all = naive.flatMap((h, parent) => {
          if (h.finished) return [{ ...h, parent, token: STOP }];
          const lp = logProbs(toyLogits(h.tokens));
          return lp
            .map((l, token) => ({ tokens: token === STOP ? h.tokens : [...h.tokens, token], score: h.score + l, finished: token === STOP, parent, token }))
            .filter((c) => c.score > -Infinity);
        });
        all.sort((a, b) => b.score - a.score || a.parent - b.parent || a.token - b.token);
        naive = all.slice(0, width).map(({ tokens, score, finished }) => ({ tokens, score, finished }));
      }
      const beams = runBeam(width);
      // Run the real one to completion too (it may stop early once nothing can beat the best finished).
      const naiveBest = naive.filter((h) => h.finished).reduce((a, b) => (b.score > a.score ? b : a));
      expect(beams.best().tokens).toEqual(naiveBest.tokens);
      expect(beams.best().score).toBeCloseTo(naiveBest.score, 12);
    }
  });

  it('beats greedy where the most likely first token leads nowhere', () => {
    // A: 0, B: 1, stop: 2. Step 1: A 0.6, B 0.4. After A: A 0.35, B 0.35, stop 0.3. After B: stop 0.9.
    // Greedy: A then A (0.35) then stop (forced) = 0.21; beam 2 finds B, stop = 0.36.
    const table = (prefix: readonly number[]): Float64Array => {
      if (prefix.length === 0) return Float64Array.from([Math.log(0.6), Math.log(0.4), -Infinity]);
      if (prefix.length === 1 && prefix[0] === 0) return Float64Array.from([0.35, 0.35, 0.3].map(Math.log));
      if (prefix.length === 1) return Float64Array.from([0.05, 0.05, 0.9].map(Math.log));
      return Float64Array.from([-Infinity, -Infinity, 0]);
    };
    const run = (width: number) => {
      const beams = new BeamState({ width, stopToken: 2 });
      while (!beams.done) beams.step(beams.hypotheses.map((h) => table(h.tokens)));
      return beams.best();
    };
    expect(run(1).tokens).toEqual([0, 0]);
    expect(run(1).score).toBeCloseTo(Math.log(0.21), 12);
    expect(run(2).tokens).toEqual([1]);
    expect(run(2).score).toBeCloseTo(Math.log(0.36), 12);
  });

  it('starts from one hypothesis, grows to the width, and reports parents for reordering', () => {
    const beams = new BeamState({ width: 2, stopToken: 2 });
    expect(beams.size).toBe(1);
    const r = beams.step([Float32Array.from([1, 3, -Infinity])]);
    expect(Array.from(r.parents)).toEqual([0, 0]);
    expect(Array.from(r.tokens)).toEqual([1, 0]);
    expect(beams.size).toBe(2);
    expect(() => beams.step([Float32Array.from([0, 0, 0])])).toThrow(/expects 2 logits rows/);
  });

  it('passes each open hypothesis its own history to the processor, in order', () => {
    let seen: number[][] = [];
    const beams = new BeamState({ width: 4, stopToken: STOP, process: (_row, history) => void seen.push([...history]) });
    let steps = 0;
    while (!beams.done) {
      const open = beams.hypotheses.filter((h) => !h.finished).map((h) => [...h.tokens]);
      seen = [];
      beams.step(beams.hypotheses.map((h) => toyLogits(h.tokens)));
      expect(seen).toEqual(open);
      steps++;
    }
    expect(steps).toBeGreaterThan(1);
  });

  it('uses the processed logits for scoring (a processor can forbid a token)', () => {
    const forbidZero = (row: Float64Array) => {
      row[0] = -Infinity;
    };
    const best = runBeam(27, toyLogits, forbidZero).best();
    expect(best.tokens).not.toContain(0);
  });

  it('rejects a width below 1', () => {
    expect(() => new BeamState({ width: 0, stopToken: 1 })).toThrow(RangeError);
  });
});
