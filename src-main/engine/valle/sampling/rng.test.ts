import { describe, expect, it } from 'vitest';
import { SplitMix64, Xoshiro128StarStar, deriveKey, rngForDraw } from './rng.js';

/** Independent xoshiro128** written with BigInt arithmetic mod 2^32 (no Math.imul, no >>> tricks). */
function referenceXoshiro(state: bigint[], count: number): number[] {
  const M = 0xffffffffn;
  const s = [...state];
  const rotl = (x: bigint, k: bigint) => ((x << k) | (x >> (32n - k))) & M;
  const out: number[] = [];
  for (let n = 0; n < count; n++) {
    out.push(Number((rotl((s[1] * 5n) & M, 7n) * 9n) & M));
    const t = (s[1] << 9n) & M;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11n);
  }
  return out;
}

describe('SplitMix64', () => {
  it('reproduces the published outputs for seed 0', () => {
    // The canonical first outputs of SplitMix64 from state 0 (Vigna's splitmix64.c; Java SplittableRandom).
    const sm = new SplitMix64(0n);
    expect(sm.next()).toBe(0xe220a8397b1dcdafn);
    expect(sm.next()).toBe(0x6e789e6aa1b965f4n);
    expect(sm.next()).toBe(0x06c45d188009454fn);
  });
});

describe('Xoshiro128StarStar', () => {
  it('matches outputs computed by hand from state [1, 2, 3, 4]', () => {
    // 1st: rotl(2·5, 7)·9 = 1280·9 = 11520. State → [7, 0, 1026, 12288]; 2nd: rotl(0·5, 7)·9 = 0.
    // State → [12295, 1029, 1029, 25165824]; 3rd: rotl(1029·5, 7)·9 = 5145·128·9 = 5927040.
    const rng = new Xoshiro128StarStar([1, 2, 3, 4]);
    expect([rng.nextUint32(), rng.nextUint32(), rng.nextUint32()]).toEqual([11520, 0, 5927040]);
  });

  it('matches an independent BigInt implementation over many outputs and states', () => {
    const states: Array<[number, number, number, number]> = [
      [1, 2, 3, 4],
      [0xffffffff, 0x80000000, 0x12345678, 0xdeadbeef],
      [0, 0, 0, 1],
    ];
    for (const st of states) {
      const rng = new Xoshiro128StarStar(st);
      const got = Array.from({ length: 2000 }, () => rng.nextUint32());
      expect(got).toEqual(referenceXoshiro(st.map(BigInt), 2000));
    }
  });

  it('seeds from SplitMix64 words (low half first)', () => {
    const sm = new SplitMix64(42n);
    const a = sm.next();
    const b = sm.next();
    const words = [a & 0xffffffffn, a >> 32n, b & 0xffffffffn, b >> 32n];
    const rng = Xoshiro128StarStar.fromSeed(42);
    expect(Array.from({ length: 50 }, () => rng.nextUint32())).toEqual(referenceXoshiro(words, 50));
  });

  it('rejects an all-zero state and invalid seeds', () => {
    expect(() => new Xoshiro128StarStar([0, 0, 0, 0])).toThrow(/all zero/);
    expect(() => Xoshiro128StarStar.fromSeed(-1)).toThrow(RangeError);
    expect(() => Xoshiro128StarStar.fromSeed(1.5)).toThrow(RangeError);
  });

  it('nextFloat64 is exactly the 53-bit value of two outputs, in [0, 1)', () => {
    const a = Xoshiro128StarStar.fromSeed(7);
    const b = Xoshiro128StarStar.fromSeed(7);
    for (let i = 0; i < 1000; i++) {
      const x = a.nextFloat64();
      const hi = b.nextUint32() >>> 5;
      const lo = b.nextUint32() >>> 6;
      expect(x).toBe((hi * 2 ** 26 + lo) / 2 ** 53);
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
    }
  });

  it('is uniform over 16 buckets (chi-square, fixed seed, df 15, p = 0.001 critical value 37.70)', () => {
    const rng = Xoshiro128StarStar.fromSeed(123);
    const counts = new Array(16).fill(0);
    const n = 160_000;
    for (let i = 0; i < n; i++) counts[Math.floor(rng.nextFloat64() * 16)]++;
    const chi2 = counts.reduce((acc, c) => acc + (c - n / 16) ** 2 / (n / 16), 0);
    expect(chi2).toBeLessThan(37.7);
  });
});

describe('rngForDraw', () => {
  it('gives the same stream for the same key and different streams for any different component', () => {
    const first = (seed: number, seq: number, level: number, step: number) => rngForDraw(seed, seq, level, step).nextUint32();
    expect(first(5, 0, 0, 10)).toBe(first(5, 0, 0, 10));
    const base = first(5, 0, 0, 10);
    for (const other of [first(6, 0, 0, 10), first(5, 1, 0, 10), first(5, 0, 1, 10), first(5, 0, 0, 11)]) expect(other).not.toBe(base);
  });

  it('keys are not symmetric in their components (seq 1, level 2 ≠ seq 2, level 1)', () => {
    expect(deriveKey(9, [1, 2, 0])).not.toBe(deriveKey(9, [2, 1, 0]));
    expect(deriveKey(9, [0])).not.toBe(deriveKey(9, [0, 0]));
  });
});
