import { describe, expect, it } from 'vitest';
import { banTokensFrom } from './ban-tokens.js';
import { emittableTokens } from './vocabulary.js';

describe('banTokensFrom', () => {
  it('sets every id from the first banned one to −∞ and leaves the rest', () => {
    const row = new Float32Array([1, 2, 3, 4, 5]);
    banTokensFrom(row, 3);
    expect(Array.from(row)).toEqual([1, 2, 3, -Infinity, -Infinity]);
  });

  it('bans nothing when the row is no wider than the emittable range', () => {
    const row = new Float32Array(1024).fill(1);
    banTokensFrom(row, emittableTokens('tts', 1));
    expect(row.every((v) => v === 1)).toBe(true);
  });

  it('emittable widths: TTS AR 1025 (stop 1024 allowed), NAR 1024, STT 256', () => {
    expect(emittableTokens('tts', 0)).toBe(1025);
    expect(emittableTokens('tts', 1)).toBe(1024);
    expect(emittableTokens('tts', 7)).toBe(1024);
    expect(emittableTokens('stt', 0)).toBe(256);
  });
});
