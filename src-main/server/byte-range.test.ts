import { describe, expect, it } from 'vitest';
import { parseByteRange } from './byte-range.js';

describe('parseByteRange', () => {
  it('reads the three forms of a single range', () => {
    expect(parseByteRange('bytes=0-99', 1000)).toEqual({ start: 0, end: 99 });
    expect(parseByteRange('bytes=500-', 1000)).toEqual({ start: 500, end: 999 });
    expect(parseByteRange('bytes=-100', 1000)).toEqual({ start: 900, end: 999 });
    expect(parseByteRange('bytes = 10 - 20', 1000)).toEqual({ start: 10, end: 20 });
  });

  it('clamps ends past the resource', () => {
    expect(parseByteRange('bytes=990-5000', 1000)).toEqual({ start: 990, end: 999 });
    expect(parseByteRange('bytes=-5000', 1000)).toEqual({ start: 0, end: 999 });
  });

  it('answers whole-resource for no header or several ranges', () => {
    expect(parseByteRange(undefined, 1000)).toBe('none');
    expect(parseByteRange('bytes=0-1,5-6', 1000)).toBe('none');
  });

  it('refuses ranges it cannot satisfy', () => {
    for (const header of ['bytes=1000-', 'bytes=1000-1001', 'bytes=5-2', 'bytes=-0', 'bytes=-', 'items=0-1', 'bytes=a-b', 'bytes=0-1-2']) {
      expect(parseByteRange(header, 1000), header).toBe('unsatisfiable');
    }
    expect(parseByteRange('bytes=0-', 0)).toBe('unsatisfiable');
  });
});
