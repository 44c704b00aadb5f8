/**
 * Between the model's codes (`CodeMatrix`: any array of numbers, [frames, levels]) and the codec's (`Codes`:
 * 16-bit, the same time-major layout), and the few frame/level operations the pipelines need.
 */
import type { Codes } from '../../codec/codes.js';
import type { CodeMatrix } from '../model/input-layout.js';

/** A copy of `m` as codec codes (every value must already be a valid code; the codec validates it again). */
export function toCodes(m: CodeMatrix): Codes {
  return { frames: m.frames, levels: m.levels, data: Uint16Array.from(m.data as ArrayLike<number>) };
}

/** One level-0 column as a [frames, 1] matrix (what the NAR starts from). */
export function levelZero(codes: readonly number[]): CodeMatrix {
  return { frames: codes.length, levels: 1, data: codes };
}

/** Frames [from, to) of `m`, all levels. */
export function framesOf(m: CodeMatrix, from: number, to: number): Codes {
  const data = new Uint16Array((to - from) * m.levels);
  for (let i = 0; i < data.length; i++) data[i] = m.data[from * m.levels + i];
  return { frames: to - from, levels: m.levels, data };
}

/** Frames one after another (all parts must have the same level count). */
export function concatFrames(parts: readonly Codes[], levels: number): Codes {
  const frames = parts.reduce((n, p) => n + p.frames, 0);
  const data = new Uint16Array(frames * levels);
  let at = 0;
  for (const p of parts) {
    if (p.levels !== levels) throw new RangeError(`cannot join codes of ${p.levels} and ${levels} levels`);
    data.set(p.data, at);
    at += p.data.length;
  }
  return { frames, levels, data };
}

/** No frames (a line whose AR stopped at once). */
export function emptyCodes(levels: number): Codes {
  return { frames: 0, levels, data: new Uint16Array(0) };
}
