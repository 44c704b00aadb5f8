/**
 * Codes as the models use them: time-major [frames][levels] (the reference's `codes[0].T`), plus the checks
 * every decoder runs before touching them.
 */
import { StudioError } from '../../../src-shared/api/errors.js';

export interface Codes {
  levels: number;
  frames: number;
  /** Time-major: data[t·levels + l] is level l of frame t. */
  data: Int16Array | Uint16Array;
}

export function createCodes(frames: number, levels: number): Codes {
  return { frames, levels, data: new Uint16Array(frames * levels) };
}

/** Code of level l at frame t. */
export function codeAt(codes: Codes, t: number, l: number): number {
  return codes.data[t * codes.levels + l];
}

export interface CodeLimits {
  /** Codec name for messages. */
  codec: string;
  maxLevels: number;
  codebookSize: number;
  /** Whether zero frames is acceptable (a streaming chunk may be empty; a whole file may not). */
  allowEmpty?: boolean;
  /** Level count the codes must have exactly (a streaming decoder's later chunks). */
  exactLevels?: number;
}

/**
 * Throws invalid_input naming the first problem: wrong shape, a level count the codec cannot decode, or a
 * code outside 0..codebookSize − 1 (with its frame and level).
 */
export function validateCodes(codes: Codes, limits: CodeLimits): void {
  const { codec, maxLevels, codebookSize } = limits;
  const bad = (message: string, details: Record<string, unknown> = {}): never => {
    throw new StudioError('invalid_input', `${codec} codes: ${message}`, { codec, ...details });
  };
  if (!Number.isInteger(codes.levels) || !Number.isInteger(codes.frames) || codes.levels < 0 || codes.frames < 0) {
    bad(`levels (${codes.levels}) and frames (${codes.frames}) must be whole numbers`);
  }
  if (codes.data.length !== codes.levels * codes.frames) {
    bad(`${codes.data.length} values do not make ${codes.frames} frames × ${codes.levels} levels`);
  }
  if (codes.frames === 0 && !limits.allowEmpty) bad('there are no frames to decode');
  if (limits.exactLevels !== undefined && codes.levels !== limits.exactLevels && codes.frames > 0) {
    bad(`this stream has ${limits.exactLevels} level(s) but a chunk has ${codes.levels}`, { levels: codes.levels });
  }
  if (codes.levels > maxLevels || (codes.levels < 1 && codes.frames > 0)) {
    bad(`${codes.levels} level(s) given; the ${codec} codec decodes 1 to ${maxLevels}`, { levels: codes.levels, maxLevels });
  }
  const data = codes.data;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v < 0 || v >= codebookSize) {
      const frame = Math.floor(i / codes.levels);
      const level = i % codes.levels;
      bad(`code ${v} at frame ${frame}, level ${level} is outside 0..${codebookSize - 1}${v === codebookSize ? ' (a stop token reached the decoder?)' : ''}`, {
        frame,
        level,
        code: v,
      });
    }
  }
}

/** Frames [from, to) of `codes`, copied. */
export function sliceCodes(codes: Codes, from: number, to: number): Codes {
  const a = Math.max(0, Math.min(codes.frames, from));
  const b = Math.max(a, Math.min(codes.frames, to));
  return { levels: codes.levels, frames: b - a, data: codes.data.slice(a * codes.levels, b * codes.levels) };
}

/** The first `levels` levels of every frame. */
export function keepLevels(codes: Codes, levels: number): Codes {
  if (levels >= codes.levels) return codes;
  const out = createCodes(codes.frames, levels);
  for (let t = 0; t < codes.frames; t++) for (let l = 0; l < levels; l++) out.data[t * levels + l] = codes.data[t * codes.levels + l];
  return out;
}
