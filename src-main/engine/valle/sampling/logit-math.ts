/**
 * Small numeric helpers every sampler transform shares. All arithmetic is float64 (JS numbers): the model's
 * float32 logits are widened once, so sums and exponentials do not depend on accumulation order in float32.
 * `Math.exp`/`Math.log` in V8 are its own fdlibm port, not the platform libm, so results are the same on every
 * OS and CPU Node runs on — the basis of "same seed + options + logits → same tokens".
 */

/** One row of logits. Transforms mutate it in place; the sampler hands them its own float64 copy. */
export type LogitRow = Float32Array | Float64Array;

/** A float64 copy of a row (the sampler never mutates the caller's logits). */
export function toWorkRow(row: ArrayLike<number>): Float64Array {
  return Float64Array.from(row);
}

/** Throws on NaN (a model bug that would otherwise sample silently) and on a row with nothing left to pick. */
export function assertSampleable(row: ArrayLike<number>, what = 'logits'): void {
  let anyFinite = false;
  for (let i = 0; i < row.length; i++) {
    const v = row[i];
    if (Number.isNaN(v)) throw new Error(`${what} contain NaN at index ${i}`);
    if (v > -Infinity) anyFinite = true;
  }
  if (!anyFinite) throw new Error(`${what} have no token left to sample (every entry is -Infinity)`);
}

/** Largest value's index; the lowest index wins ties (as torch.argmax). */
export function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
}

/** Largest value of a row. */
export function rowMax(row: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < row.length; i++) if (row[i] > m) m = row[i];
  return m;
}

/** softmax with the maximum subtracted first (no overflow); −∞ entries get probability 0. */
export function softmax(row: ArrayLike<number>): Float64Array {
  const m = rowMax(row);
  const out = new Float64Array(row.length);
  let total = 0;
  for (let i = 0; i < row.length; i++) {
    const e = Math.exp(row[i] - m);
    out[i] = e;
    total += e;
  }
  for (let i = 0; i < out.length; i++) out[i] /= total;
  return out;
}

/** log-softmax: row − max − log Σ exp(row − max); −∞ stays −∞. */
export function logSoftmax(row: ArrayLike<number>): Float64Array {
  const m = rowMax(row);
  let total = 0;
  for (let i = 0; i < row.length; i++) total += Math.exp(row[i] - m);
  const logZ = m + Math.log(total);
  const out = new Float64Array(row.length);
  for (let i = 0; i < row.length; i++) out[i] = row[i] - logZ;
  return out;
}

/**
 * Indices ordered by value, largest first; equal values by ascending index. torch.sort leaves the order of
 * ties unspecified; a total order makes every rank-based transform (top-p, mirostat) deterministic.
 */
export function sortDescending(row: ArrayLike<number>): Int32Array {
  const idx = Array.from({ length: row.length }, (_, i) => i);
  // Explicit comparisons: `b − a` would be NaN for two −∞ entries.
  idx.sort((a, b) => (row[a] === row[b] ? a - b : row[a] > row[b] ? -1 : 1));
  return Int32Array.from(idx);
}
