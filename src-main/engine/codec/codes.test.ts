import { describe, expect, it } from 'vitest';
import { StudioError } from '../../../src-shared/api/errors.js';
import { codeAt, createCodes, keepLevels, sliceCodes, validateCodes, type Codes } from './codes.js';

const limits = { codec: 'lite', maxLevels: 8, codebookSize: 1024 };

function codes(frames: number, levels: number, fill = (t: number, l: number) => (t * 7 + l) % 1024): Codes {
  const c = createCodes(frames, levels);
  for (let t = 0; t < frames; t++) for (let l = 0; l < levels; l++) c.data[t * levels + l] = fill(t, l);
  return c;
}

function errorOf(fn: () => void): StudioError {
  try {
    fn();
  } catch (error) {
    if (error instanceof StudioError) return error;
    throw error;
  }
  throw new Error('expected a StudioError');
}

describe('validateCodes', () => {
  it('accepts 1..maxLevels levels of in-range codes', () => {
    expect(() => validateCodes(codes(10, 8), limits)).not.toThrow();
    expect(() => validateCodes(codes(3, 1), limits)).not.toThrow();
  });

  it('names the frame and level of a code out of range, and hints at a stop token for 1024', () => {
    const c = codes(5, 8);
    c.data[3 * 8 + 2] = 1024;
    const e = errorOf(() => validateCodes(c, limits));
    expect(e.code).toBe('invalid_input');
    expect(e.message).toContain('code 1024 at frame 3, level 2 is outside 0..1023');
    expect(e.message).toContain('stop token');
    const signed: Codes = { frames: 1, levels: 2, data: Int16Array.from([5, -1]) };
    expect(errorOf(() => validateCodes(signed, limits)).message).toContain('code -1 at frame 0, level 1');
  });

  it('refuses too many levels, zero levels, a shape mismatch and no frames', () => {
    expect(errorOf(() => validateCodes(codes(4, 9), limits)).message).toContain('9 level(s) given; the lite codec decodes 1 to 8');
    expect(errorOf(() => validateCodes({ frames: 4, levels: 0, data: new Uint16Array(0) }, limits)).message).toContain('0 level(s)');
    expect(errorOf(() => validateCodes({ frames: 4, levels: 8, data: new Uint16Array(31) }, limits)).message).toContain('31 values do not make 4 frames × 8 levels');
    expect(errorOf(() => validateCodes(codes(0, 8), limits)).message).toContain('no frames');
    expect(() => validateCodes(codes(0, 8), { ...limits, allowEmpty: true })).not.toThrow();
  });

  it('holds a stream to its first level count', () => {
    expect(errorOf(() => validateCodes(codes(2, 4), { ...limits, exactLevels: 8 })).message).toContain('this stream has 8 level(s) but a chunk has 4');
  });
});

describe('code helpers', () => {
  it('slices frames and keeps leading levels', () => {
    const c = codes(6, 8);
    const s = sliceCodes(c, 2, 4);
    expect(s.frames).toBe(2);
    expect(codeAt(s, 1, 5)).toBe(codeAt(c, 3, 5));
    const k = keepLevels(c, 3);
    expect(k.levels).toBe(3);
    expect(codeAt(k, 5, 2)).toBe(codeAt(c, 5, 2));
    expect(keepLevels(c, 8)).toBe(c);
  });
});
