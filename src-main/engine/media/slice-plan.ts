import { StudioError } from '../../../src-shared/api/errors.js';
import { findSoundRegions, type LevelEnvelope } from './silence.js';

/** What the user tunes when slicing a long recording into utterances. */
export interface SliceParams {
  /** A hop at or above this RMS level (dBFS) starts sound. */
  thresholdDb: number;
  /** Sound ends when the level falls below thresholdDb - hysteresisDb. */
  hysteresisDb: number;
  /** Silences shorter than this do not end an utterance (pauses between words). */
  minSilenceSec: number;
  /** Silence kept before and after each utterance, at most (it never reaches into a neighbour's half of a gap). */
  keepSilenceSec: number;
  /** Shortest slice written, edges included; shorter sounds (clicks, coughs) are dropped. */
  minClipSec: number;
  /** Longest slice written, edges included; longer speech is cut at its quietest point. */
  maxClipSec: number;
}

export const DEFAULT_SLICE_PARAMS: Readonly<SliceParams> = {
  thresholdDb: -40,
  hysteresisDb: 6,
  minSilenceSec: 0.3,
  keepSilenceSec: 0.1,
  minClipSec: 1,
  maxClipSec: 12,
};

/** Fills in defaults and checks the combination; throws `invalid_input` naming the parameter. */
export function resolveSliceParams(given: Partial<SliceParams> = {}): SliceParams {
  const p: SliceParams = { ...DEFAULT_SLICE_PARAMS };
  for (const [key, value] of Object.entries(given) as [keyof SliceParams, number | undefined][]) if (value !== undefined) p[key] = value;
  const bad = (param: keyof SliceParams, text: string) => new StudioError('invalid_input', `${param} ${text} (got ${p[param]}).`, { param, value: p[param] });
  for (const key of Object.keys(DEFAULT_SLICE_PARAMS) as (keyof SliceParams)[]) {
    if (typeof p[key] !== 'number' || !Number.isFinite(p[key])) throw bad(key, 'must be a finite number');
  }
  if (p.thresholdDb <= -120 || p.thresholdDb >= 0) throw bad('thresholdDb', 'must lie between -120 and 0 dBFS');
  if (p.hysteresisDb < 0 || p.hysteresisDb > 40) throw bad('hysteresisDb', 'must be from 0 to 40 dB');
  if (p.minSilenceSec < 0) throw bad('minSilenceSec', 'cannot be negative');
  if (p.keepSilenceSec < 0) throw bad('keepSilenceSec', 'cannot be negative');
  if (p.minClipSec < 0) throw bad('minClipSec', 'cannot be negative');
  if (p.maxClipSec <= 0) throw bad('maxClipSec', 'must be positive');
  if (p.minClipSec > p.maxClipSec) {
    throw new StudioError('invalid_input', `minClipSec (${p.minClipSec} s) cannot exceed maxClipSec (${p.maxClipSec} s).`, { param: 'minClipSec', value: p.minClipSec });
  }
  if (2 * p.keepSilenceSec >= p.maxClipSec) {
    throw new StudioError('invalid_input', `maxClipSec (${p.maxClipSec} s) must be more than twice keepSilenceSec (${p.keepSilenceSec} s), or no speech fits in a slice.`, {
      param: 'maxClipSec',
      value: p.maxClipSec,
    });
  }
  return p;
}

/** Frames [start, end) of the source that become one slice. */
export interface SliceSpan {
  start: number;
  end: number;
}

export interface SlicePlan {
  spans: SliceSpan[];
  /** Utterances found (sound regions after merging across short silences), before splitting and dropping. */
  utterances: number;
  /** Pieces dropped for being shorter than minClipSec. */
  droppedShort: number;
}

/**
 * Plans the slices of a recording from its level envelope:
 * 1. sound regions by threshold with hysteresis (silence.ts);
 * 2. regions separated by less than minSilenceSec are merged into one utterance;
 * 3. each utterance gets up to keepSilenceSec of silence at each edge, never more than half the gap to a
 *    neighbour (slices never overlap) and shrunk when that alone would exceed maxClipSec;
 * 4. an utterance still longer than maxClipSec is cut, each cut at the quietest 10 ms hop of the window
 *    that keeps the piece before it within [minClipSec, maxClipSec] and inside the sound (not its edges),
 *    also leaving at least minClipSec after it when possible;
 * 5. pieces shorter than minClipSec are dropped.
 * Spans come out sorted and disjoint; every one is within [minClipSec, maxClipSec] (frames rounded).
 */
export function planSlices(envelope: LevelEnvelope, params: SliceParams): SlicePlan {
  const { sampleRate, hopFrames, frames, levelsDb } = envelope;
  const hopSec = hopFrames / sampleRate;
  const minF = Math.round(params.minClipSec * sampleRate);
  const maxF = Math.round(params.maxClipSec * sampleRate);
  const keepF = Math.round(params.keepSilenceSec * sampleRate);

  const merged: { s: number; e: number }[] = [];
  for (const r of findSoundRegions(envelope, params.thresholdDb, params.hysteresisDb)) {
    const last = merged[merged.length - 1];
    if (last && (r.startHop - last.e) * hopSec < params.minSilenceSec) last.e = r.endHop;
    else merged.push({ s: r.startHop, e: r.endHop });
  }
  const sounds = merged.map(({ s, e }) => ({ s: s * hopFrames, e: Math.min(frames, e * hopFrames) }));

  /** The cut point in [lo, hi]: the centre of the quietest hop centred in it (ties: the latest), else hi. */
  const quietest = (lo: number, hi: number): number => {
    let best = hi;
    let bestLevel = Infinity;
    const first = Math.max(0, Math.ceil((lo - hopFrames / 2) / hopFrames));
    for (let h = first; h < levelsDb.length; h++) {
      const centre = h * hopFrames + Math.floor(hopFrames / 2);
      if (centre > hi) break;
      if (centre >= lo && levelsDb[h] <= bestLevel) {
        bestLevel = levelsDb[h];
        best = centre;
      }
    }
    return best;
  };

  const spans: SliceSpan[] = [];
  let droppedShort = 0;
  sounds.forEach(({ s, e }, k) => {
    const leftGap = k === 0 ? s : Math.floor((s - sounds[k - 1].e) / 2);
    const rightGap = k === sounds.length - 1 ? frames - e : Math.floor((sounds[k + 1].s - e) / 2);
    let padL = Math.min(keepF, leftGap);
    let padR = Math.min(keepF, rightGap);
    if (e - s <= maxF && e - s + padL + padR > maxF) {
      const room = maxF - (e - s);
      padL = Math.min(padL, Math.floor(room / 2));
      padR = Math.min(padR, room - padL);
      padL = Math.min(Math.min(keepF, leftGap), room - padR);
    }
    const start = s - padL;
    const end = e + padR;
    const pieces: SliceSpan[] = [];
    let cursor = start;
    while (end - cursor > maxF) {
      const hiMax = Math.min(cursor + maxF, e);
      const lo = Math.max(cursor + minF, s);
      let hi = Math.min(hiMax, end - minF);
      if (lo > hi) hi = hiMax; // the rest will be shorter than minClipSec and dropped
      let cut = lo <= hi ? quietest(lo, hi) : cursor + maxF;
      cut = Math.min(cursor + maxF, Math.max(cursor + 1, cut));
      pieces.push({ start: cursor, end: cut });
      cursor = cut;
    }
    pieces.push({ start: cursor, end });
    for (const piece of pieces) {
      if (piece.end - piece.start >= minF && piece.end > piece.start) spans.push(piece);
      else droppedShort++;
    }
  });
  return { spans, utterances: sounds.length, droppedShort };
}
