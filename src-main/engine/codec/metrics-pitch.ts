/**
 * The F0 estimator the quality metrics use. Deliberately a different method from the lite codec's own
 * tracker (YIN + Viterbi at 8 kHz): the normalised cross-correlation (as in RAPT's first pass) at the full
 * rate, per frame, with no tracking — so an octave error the codec's tracker makes shows up as an F0 error
 * instead of being made identically on both sides of the comparison.
 */
export interface PitchOptions {
  sampleRate: number;
  /** Frame hop in samples. */
  hop: number;
  minHz?: number;
  maxHz?: number;
  /** Minimum peak correlation for a frame to count as voiced. */
  voicingThreshold?: number;
}

export interface FramePitch {
  /** Hz, 0 where unvoiced. */
  f0: Float64Array;
  /** Peak normalised correlation per frame. */
  peak: Float64Array;
}

/** Frame i is centred on sample i·hop. */
export function estimatePitch(x: Float32Array, options: PitchOptions): FramePitch {
  const { sampleRate, hop } = options;
  const minHz = options.minHz ?? 50;
  const maxHz = options.maxHz ?? 500;
  const threshold = options.voicingThreshold ?? 0.7;
  const window = Math.round(0.03 * sampleRate);
  const lagMin = Math.floor(sampleRate / maxHz);
  const lagMax = Math.ceil(sampleRate / minHz);
  const frames = Math.floor(x.length / hop) + 1;
  const f0 = new Float64Array(frames);
  const peak = new Float64Array(frames);
  const r = new Float64Array(lagMax + 2);
  const seg = new Float64Array(window + lagMax + 2);
  // Sliding energies of the lagged window come from a prefix sum of squares.
  const sq = new Float64Array(x.length + 1);
  for (let i = 0; i < x.length; i++) sq[i + 1] = sq[i] + x[i] * x[i];
  const energy = (from: number, len: number) => {
    const a = Math.max(0, Math.min(x.length, from));
    const b = Math.max(0, Math.min(x.length, from + len));
    return sq[b] - sq[a];
  };
  for (let i = 0; i < frames; i++) {
    // The window and its lagged copy straddle the frame centre.
    const start = i * hop - Math.floor((window + lagMax) / 2);
    const e0 = energy(start, window);
    if (e0 <= 0) continue;
    for (let j = 0; j < seg.length; j++) {
      const k = start + j;
      seg[j] = k >= 0 && k < x.length ? x[k] : 0;
    }
    for (let lag = lagMin - 1; lag <= lagMax + 1; lag++) {
      let s = 0;
      for (let j = 0; j < window; j++) s += seg[j] * seg[j + lag];
      const e1 = energy(start + lag, window);
      r[lag] = e1 > 0 ? s / Math.sqrt(e0 * e1) : 0;
    }
    let best = -1;
    for (let lag = lagMin; lag <= lagMax; lag++) best = Math.max(best, r[lag]);
    peak[i] = best;
    if (best < threshold) continue;
    // The shortest lag whose local peak is nearly as strong as the best: multiples of the period score
    // about as high as the period itself.
    for (let lag = lagMin; lag <= lagMax; lag++) {
      if (r[lag] < 0.9 * best || r[lag] < r[lag - 1] || r[lag] < r[lag + 1]) continue;
      const a = r[lag - 1];
      const b = r[lag];
      const c = r[lag + 1];
      const denom = a - 2 * b + c;
      const shift = denom < 0 ? Math.max(-0.5, Math.min(0.5, (0.5 * (a - c)) / denom)) : 0;
      f0[i] = sampleRate / (lag + shift);
      break;
    }
  }
  return { f0, peak };
}
