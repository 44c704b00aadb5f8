import { describe, expect, it } from 'vitest';
import { bf16ArrayToF32, bf16ToF32, f16ArrayToF32, f16ToF32, f32ArrayToBf16, f32ArrayToF16, f32ToBf16, f32ToF16 } from './half.js';

// Bit patterns worked out by hand from the IEEE 754 binary16 / bfloat16 layouts.
const f16Cases: [number, number, string][] = [
  [1, 0x3c00, 'one'],
  [-2, 0xc000, 'minus two'],
  [0, 0x0000, 'zero'],
  [-0, 0x8000, 'negative zero'],
  [65504, 0x7bff, 'largest finite'],
  [65519, 0x7bff, 'just below the halfway point to 65536 rounds down'],
  [65520, 0x7c00, 'halfway to 65536, odd mantissa: ties to even = Inf'],
  [1e6, 0x7c00, 'overflow'],
  [Infinity, 0x7c00, '+Inf'],
  [-Infinity, 0xfc00, '-Inf'],
  [2 ** -14, 0x0400, 'smallest normal'],
  [2 ** -24, 0x0001, 'smallest subnormal'],
  [1023 * 2 ** -24, 0x03ff, 'largest subnormal'],
  [2 ** -25, 0x0000, 'half the smallest subnormal: tie to even = 0'],
  [1.5 * 2 ** -25, 0x0001, 'above the tie rounds up'],
  [3 * 2 ** -25, 0x0002, '1.5 subnormal ulps: tie to even = 2'],
  [2 ** -26, 0x0000, 'underflow'],
  [1 + 2 ** -11, 0x3c00, '1 + half ulp: tie to even stays 1'],
  [1 + 3 * 2 ** -11, 0x3c02, '1 + 1.5 ulp: tie to even goes up'],
  [1 + 2 ** -11 + 2 ** -20, 0x3c01, 'just above the tie rounds up'],
  [0.1, 0x2e66, '0.1'],
  [1 / 3, 0x3555, 'one third'],
  [-1 / 3, 0xb555, 'minus one third'],
];

describe('float16', () => {
  it.each(f16Cases)('f32ToF16(%s) = %s (%s)', (value, bits) => {
    expect(f32ToF16(value)).toBe(bits);
  });

  it('NaN stays a quiet NaN with its sign', () => {
    expect(f32ToF16(NaN) & 0x7e00).toBe(0x7e00);
    const neg = new Float32Array(new Uint32Array([0xffc00001]).buffer)[0];
    expect(f32ToF16(neg) & 0xfe00).toBe(0xfe00);
    // A signalling NaN whose payload sits only in the low bits must not collapse into Inf.
    const snan = new Float32Array(new Uint32Array([0x7f800001]).buffer)[0];
    expect(f32ToF16(snan)).not.toBe(0x7c00);
    expect(Number.isNaN(f16ToF32(f32ToF16(snan)))).toBe(true);
    expect(Number.isNaN(f16ToF32(0x7e00))).toBe(true);
  });

  it('decodes every finite pattern exactly and round-trips all 63488 finite values', () => {
    for (let h = 0; h < 0x10000; h++) {
      const exp = (h >> 10) & 0x1f;
      if (exp === 0x1f) continue;
      const mant = h & 0x3ff;
      const sign = h & 0x8000 ? -1 : 1;
      const expected = exp === 0 ? sign * mant * 2 ** -24 : sign * (1 + mant / 1024) * 2 ** (exp - 15);
      const v = f16ToF32(h);
      expect(Object.is(v, expected) || v === expected).toBe(true);
      expect(f32ToF16(v)).toBe(h);
    }
  });

  it('decodes infinities', () => {
    expect(f16ToF32(0x7c00)).toBe(Infinity);
    expect(f16ToF32(0xfc00)).toBe(-Infinity);
  });

  it('array helpers agree with the scalar ones', () => {
    const src = Float32Array.from([1, -2, 65520, 2 ** -24, 0.1]);
    const half = f32ArrayToF16(src);
    expect([...half]).toEqual([0x3c00, 0xc000, 0x7c00, 0x0001, 0x2e66]);
    expect([...f16ArrayToF32(half)]).toEqual([1, -2, Infinity, 2 ** -24, f16ToF32(0x2e66)]);
  });
});

describe('bfloat16', () => {
  const bits = (u: number) => new Float32Array(new Uint32Array([u]).buffer)[0];
  it.each([
    [1, 0x3f80, 'one'],
    [-1, 0xbf80, 'minus one'],
    [bits(0x40490fdb), 0x4049, 'pi rounds down'],
    [bits(0x3f808000), 0x3f80, 'tie with even lsb stays'],
    [bits(0x3f818000), 0x3f82, 'tie with odd lsb goes up'],
    [bits(0x3f808001), 0x3f81, 'above the tie rounds up'],
    [bits(0x7f7fffff), 0x7f80, 'largest float32 rounds to Inf'],
    [Infinity, 0x7f80, '+Inf'],
    [-Infinity, 0xff80, '-Inf'],
    [bits(0x00010000), 0x0001, 'subnormal kept'],
    [-0, 0x8000, 'negative zero'],
  ] as [number, number, string][])('f32ToBf16(%s) = %s (%s)', (value, expected) => {
    expect(f32ToBf16(value)).toBe(expected);
  });

  it('NaN stays NaN (quiet), including a low-payload NaN', () => {
    expect(Number.isNaN(bf16ToF32(f32ToBf16(NaN)))).toBe(true);
    expect(f32ToBf16(bits(0x7f800001))).toBe(0x7fc0);
  });

  it('decodes by placing the bits in the top half', () => {
    expect(bf16ToF32(0x3f80)).toBe(1);
    expect(bf16ToF32(0xc040)).toBe(-3);
    expect([...bf16ArrayToF32(f32ArrayToBf16([1, -3, 0.5]))]).toEqual([1, -3, 0.5]);
  });
});
