import { describe, expect, it } from 'vitest';
import { editSpan } from './reference-span.js';

describe('editSpan', () => {
  it('moves one edge of the whole audio into a span', () => {
    expect(editSpan(null, 4, { startSec: 1 })).toEqual({ startSec: 1, endSec: 4 });
    expect(editSpan({ startSec: 1, endSec: 4 }, 4, { endSec: 2.5 })).toEqual({ startSec: 1, endSec: 2.5 });
  });

  it('clamps to the audio and treats the full length as no span', () => {
    expect(editSpan(null, 4, { startSec: -2, endSec: 9 })).toBeNull();
    expect(editSpan({ startSec: 1, endSec: 2 }, 4, { startSec: 0, endSec: 4 })).toBeNull();
    expect(editSpan(null, 4, { endSec: 9, startSec: 3 })).toEqual({ startSec: 3, endSec: 4 });
  });

  it('keeps the previous span when an edit would leave (almost) nothing', () => {
    const span = { startSec: 1, endSec: 2 };
    expect(editSpan(span, 4, { startSec: 2.5 })).toBe(span);
    expect(editSpan(span, 4, { endSec: 1.05 })).toBe(span);
    expect(editSpan(null, 4, { startSec: Number.NaN, endSec: 0 })).toBeNull();
  });

  it('rounds to milliseconds', () => {
    expect(editSpan(null, 4, { startSec: 1.23456, endSec: 2.00049 })).toEqual({ startSec: 1.235, endSec: 2 });
  });
});
