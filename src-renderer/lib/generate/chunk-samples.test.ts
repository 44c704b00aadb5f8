import { describe, expect, it } from 'vitest';
import { decodeChunkSamples, GrowingSamples } from './chunk-samples.js';

/** The engine's encoding, written independently here: int16 little-endian, base64. */
function encode(values: number[]): string {
  const bytes = new Uint8Array(values.length * 2);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setInt16(i * 2, v, true));
  return btoa(String.fromCharCode(...bytes));
}

describe('decodeChunkSamples', () => {
  it('reads little-endian int16 with the full negative and positive range', () => {
    expect(Array.from(decodeChunkSamples(encode([0, 32767, -32768, 16384, -1])))).toEqual([0, 1, -1, 16384 / 32767, -1 / 32768].map(Math.fround));
  });
});

describe('GrowingSamples', () => {
  it('keeps every appended sample in order across growth', () => {
    const g = new GrowingSamples();
    const expected: number[] = [];
    for (let k = 0; k < 5; k++) {
      const piece = Float32Array.from({ length: 20000 }, (_, i) => ((k * 20000 + i) % 1000) / 1000);
      g.append(piece);
      expected.push(...piece);
    }
    expect(g.length).toBe(100000);
    expect(Array.from(g.view())).toEqual(expected);
  });
});
