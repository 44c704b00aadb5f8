/**
 * F0 tracking for the lite codec's encoder: YIN's cumulative-mean-normalised difference function (de
 * Cheveigné & Kawahara 2002) on the signal decimated to 8 kHz gives per-frame period candidates; a Viterbi
 * pass over {unvoiced, candidates} picks the track that is periodic where the signal is and smooth in log
 * frequency, which removes YIN's isolated octave jumps.
 */
import { decimate } from '../dsp/decimate.js';
import { F0_MAX_HZ, F0_MIN_HZ, frameCenter, LITE_SAMPLE_RATE } from './layout.js';

const RATE = 8000;
const FACTOR = LITE_SAMPLE_RATE / RATE;
/** Integration window (30 ms). */
const WINDOW = 240;
const TAU_MIN = Math.floor(RATE / F0_MAX_HZ);
const TAU_MAX = Math.ceil(RATE / F0_MIN_HZ);
/** Dips of the normalised difference above this are not period candidates. */
const CANDIDATE_CEILING = 0.6;
const MAX_CANDIDATES = 6;
/** Local cost of calling a frame unvoiced; a candidate's is its normalised difference. */
const UNVOICED_COST = 0.5;
/** Cost per octave of moving between frames, and of switching voicing. */
const JUMP_COST_PER_OCTAVE = 1.2;
const VOICING_SWITCH_COST = 0.2;
/** Small preference for the shorter of equally good periods (the longer one is often twice the period). */
const LONG_PERIOD_COST_PER_OCTAVE = 0.04;
/** Frames this far below the loudest frame are unvoiced whatever their periodicity. */
const SILENCE_BELOW_PEAK_DB = 45;
const ABSOLUTE_SILENCE_RMS = 1e-5;
const MIN_VOICED_RUN = 2;

export interface PitchTrack {
  /** F0 in Hz per frame, 0 where unvoiced. */
  f0: Float64Array;
  /** 1 − normalised difference at the chosen period (0 where unvoiced): how periodic the frame is. */
  periodicity: Float64Array;
}

interface Candidate {
  tau: number;
  cost: number;
}

/** Per-frame F0 of a 24 kHz mono signal on the codec's frame grid (`frames` frames). */
export function trackPitch(x: Float32Array, frames: number): PitchTrack {
  const y = decimate(x, FACTOR);
  const rms = frameRms(x, frames);
  let peak = 0;
  for (const r of rms) peak = Math.max(peak, r);
  const gate = Math.max(ABSOLUTE_SILENCE_RMS, peak * 10 ** (-SILENCE_BELOW_PEAK_DB / 20));

  const candidates: Candidate[][] = [];
  const d = new Float64Array(TAU_MAX + 2);
  const dn = new Float64Array(TAU_MAX + 2);
  const seg = new Float64Array(WINDOW + TAU_MAX + 4);
  for (let t = 0; t < frames; t++) {
    if (rms[t] < gate) {
      candidates.push([]);
      continue;
    }
    const centre = Math.round(frameCenter(t) / FACTOR);
    differenceFunction(y, centre, d, seg);
    normalise(d, dn);
    candidates.push(findCandidates(dn));
  }
  const path = viterbi(candidates);
  const f0 = new Float64Array(frames);
  const periodicity = new Float64Array(frames);
  for (let t = 0; t < frames; t++) {
    const c = path[t];
    if (c) {
      f0[t] = RATE / c.tau;
      periodicity[t] = Math.max(0, 1 - c.cost);
    }
  }
  dropShortRuns(f0, periodicity);
  return { f0, periodicity };
}

function frameRms(x: Float32Array, frames: number): Float64Array {
  const out = new Float64Array(frames);
  const half = 240;
  for (let t = 0; t < frames; t++) {
    const c = frameCenter(t);
    let s = 0;
    let n = 0;
    for (let i = Math.max(0, c - half); i < Math.min(x.length, c + half); i++, n++) s += x[i] * x[i];
    out[t] = n > 0 ? Math.sqrt(s / n) : 0;
  }
  return out;
}

/**
 * d(τ) = Σ_{j<W} (y[s_τ+j] − y[s_τ+j+τ])² with s_τ = centre − ⌊(W+τ)/2⌋, so every lag compares samples
 * centred on the frame (a fixed start would date long and short lags differently and bias gliding F0).
 * Samples outside the signal read as 0.
 */
function differenceFunction(y: Float64Array, centre: number, d: Float64Array, seg: Float64Array): void {
  const first = centre - Math.floor((WINDOW + TAU_MAX + 1) / 2);
  for (let i = 0; i < seg.length; i++) {
    const k = first + i;
    seg[i] = k >= 0 && k < y.length ? y[k] : 0;
  }
  d[0] = 0;
  for (let tau = 1; tau <= TAU_MAX + 1; tau++) {
    const s0 = centre - Math.floor((WINDOW + tau) / 2) - first;
    let s = 0;
    for (let j = s0; j < s0 + WINDOW; j++) {
      const diff = seg[j] - seg[j + tau];
      s += diff * diff;
    }
    d[tau] = s;
  }
}

/** YIN's cumulative mean normalised difference d'(τ) = d(τ)·τ / Σ_{k≤τ} d(k), d'(0) = 1. */
function normalise(d: Float64Array, out: Float64Array): void {
  out[0] = 1;
  let running = 0;
  for (let tau = 1; tau < d.length; tau++) {
    running += d[tau];
    out[tau] = running > 0 ? (d[tau] * tau) / running : 1;
  }
}

function findCandidates(dn: Float64Array): Candidate[] {
  const found: Candidate[] = [];
  for (let tau = TAU_MIN; tau <= TAU_MAX; tau++) {
    const v = dn[tau];
    if (v >= CANDIDATE_CEILING || v > dn[tau - 1] || v > dn[tau + 1]) continue;
    // Parabolic interpolation through the dip and its neighbours.
    const a = dn[tau - 1];
    const b = v;
    const c = dn[tau + 1];
    const denom = a - 2 * b + c;
    const shift = denom > 0 ? Math.max(-0.5, Math.min(0.5, (0.5 * (a - c)) / denom)) : 0;
    found.push({ tau: tau + shift, cost: Math.max(0, b - 0.25 * (a - c) * shift) });
  }
  found.sort((p, q) => p.cost - q.cost);
  const kept = found.slice(0, MAX_CANDIDATES);
  if (kept.length === 0) return kept;
  const shortest = Math.min(...kept.map((c) => c.tau));
  return kept.map((c) => ({ tau: c.tau, cost: c.cost + LONG_PERIOD_COST_PER_OCTAVE * Math.log2(c.tau / shortest) }));
}

/** Cheapest path; null entries are unvoiced frames. */
function viterbi(candidates: Candidate[][]): (Candidate | null)[] {
  const frames = candidates.length;
  if (frames === 0) return [];
  // State 0 = unvoiced, state i ≥ 1 = candidates[t][i − 1].
  let prevCost = [UNVOICED_COST, ...candidates[0].map((c) => c.cost)];
  const back: Int32Array[] = [new Int32Array(prevCost.length)];
  for (let t = 1; t < frames; t++) {
    const cur = candidates[t];
    const prev = candidates[t - 1];
    const cost = new Array<number>(cur.length + 1);
    const from = new Int32Array(cur.length + 1);
    for (let s = 0; s <= cur.length; s++) {
      const local = s === 0 ? UNVOICED_COST : cur[s - 1].cost;
      let best = Infinity;
      let arg = 0;
      for (let p = 0; p <= prev.length; p++) {
        let trans: number;
        if (s === 0 && p === 0) trans = 0;
        else if (s === 0 || p === 0) trans = VOICING_SWITCH_COST;
        else trans = JUMP_COST_PER_OCTAVE * Math.abs(Math.log2(cur[s - 1].tau / prev[p - 1].tau));
        const c = prevCost[p] + trans;
        if (c < best) {
          best = c;
          arg = p;
        }
      }
      cost[s] = best + local;
      from[s] = arg;
    }
    back.push(from);
    prevCost = cost;
  }
  let state = 0;
  for (let s = 1; s < prevCost.length; s++) if (prevCost[s] < prevCost[state]) state = s;
  const path: (Candidate | null)[] = new Array(frames);
  for (let t = frames - 1; t >= 0; t--) {
    path[t] = state === 0 ? null : candidates[t][state - 1];
    state = back[t][state];
  }
  return path;
}

/** Voiced runs shorter than MIN_VOICED_RUN frames are noise that happened to look periodic. */
function dropShortRuns(f0: Float64Array, periodicity: Float64Array): void {
  let t = 0;
  while (t < f0.length) {
    if (f0[t] === 0) {
      t++;
      continue;
    }
    let end = t;
    while (end < f0.length && f0[end] > 0) end++;
    if (end - t < MIN_VOICED_RUN) for (let i = t; i < end; i++) (f0[i] = 0), (periodicity[i] = 0);
    t = end;
  }
}
