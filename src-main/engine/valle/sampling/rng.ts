/**
 * Seedable pseudo-random numbers that are bit-identical on every platform: xoshiro128** (Blackman & Vigna)
 * uses only 32-bit integer operations (`Math.imul`, shifts), and it is seeded, as its authors recommend, from
 * SplitMix64 (exact 64-bit arithmetic with BigInt). No floating point is involved until `nextFloat64`, which
 * builds a float from 53 random bits exactly.
 *
 * Every token draw gets its own generator, keyed by (seed, sequence, level, step) — see `rngForDraw`. A draw
 * therefore never depends on how many draws came before it: batching sequences differently, sampling the NAR
 * frames in another order, or switching a level to greedy does not shift the random numbers of any other
 * token.
 */

import { randomInt } from 'node:crypto';

const MASK64 = (1n << 64n) - 1n;
const GOLDEN_GAMMA = 0x9e3779b97f4a7c15n;

/** SplitMix64's output function (a bijection on 64-bit words). */
export function mix64(z: bigint): bigint {
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return z ^ (z >> 31n);
}

/** SplitMix64 (Steele, Lea & Flood), used only to turn a seed into generator state. */
export class SplitMix64 {
  private state: bigint;

  constructor(seed: bigint) {
    this.state = BigInt.asUintN(64, seed);
  }

  next(): bigint {
    this.state = (this.state + GOLDEN_GAMMA) & MASK64;
    return mix64(this.state);
  }
}

/** A source of uniform numbers; everything in `sampling/` draws through this. */
export interface Rng {
  /** Uniform integer in [0, 2^32). */
  nextUint32(): number;
  /** Uniform float in [0, 1) with 53 random bits. */
  nextFloat64(): number;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

export class Xoshiro128StarStar implements Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** Raw state (four uint32 words, not all zero). Use `fromSeed` unless reproducing a published vector. */
  constructor(state: readonly [number, number, number, number]) {
    if (state.every((w) => w >>> 0 === 0)) throw new Error('xoshiro128** state must not be all zero');
    [this.s0, this.s1, this.s2, this.s3] = state.map((w) => w >>> 0);
  }

  /** Seeds from any integer (a number up to 2^53 or a bigint, taken mod 2^64) via two SplitMix64 outputs. */
  static fromSeed(seed: number | bigint): Xoshiro128StarStar {
    const sm = new SplitMix64(toBigIntSeed(seed));
    const a = sm.next();
    const b = sm.next();
    const words: [number, number, number, number] = [
      Number(a & 0xffffffffn),
      Number(a >> 32n),
      Number(b & 0xffffffffn),
      Number(b >> 32n),
    ];
    // Two consecutive SplitMix64 outputs are never both zero (mix64 is a bijection of distinct inputs), so
    // the all-zero state cannot occur.
    return new Xoshiro128StarStar(words);
  }

  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  nextFloat64(): number {
    // 27 + 26 bits → an integer in [0, 2^53), scaled exactly.
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }
}

function toBigIntSeed(seed: number | bigint): bigint {
  if (typeof seed === 'bigint') return seed;
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`seed must be a non-negative safe integer, got ${seed}`);
  return BigInt(seed);
}

/**
 * A 64-bit key for a path of non-negative integers under a seed. Each component is absorbed through the
 * SplitMix64 bijection, so distinct paths give unrelated keys (collisions only by 64-bit chance).
 */
export function deriveKey(seed: number | bigint, path: readonly number[]): bigint {
  let h = mix64((toBigIntSeed(seed) + GOLDEN_GAMMA) & MASK64);
  for (const p of path) {
    if (!Number.isSafeInteger(p) || p < 0) throw new RangeError(`stream path component must be a non-negative integer, got ${p}`);
    h = mix64(((h ^ BigInt(p)) + GOLDEN_GAMMA) & MASK64);
  }
  return h;
}

/** The generator for one token draw: sequence `sequence` of a batch, RVQ level `level`, AR step / NAR frame `step`. */
export function rngForDraw(seed: number, sequence: number, level: number, step: number): Xoshiro128StarStar {
  return Xoshiro128StarStar.fromSeed(deriveKey(seed, [sequence, level, step]));
}

/** Largest seed a user can type; seeds are plain integers so they survive JSON and the UI unchanged. */
export const MAX_SEED = Number.MAX_SAFE_INTEGER;

/**
 * A fresh seed for a generation that did not ask for one. It is drawn from the OS (not the clock: the
 * reference's `int(time.time())` repeats within a second) and kept below 2^32 so it is short to copy; the
 * caller records it so the generation can be repeated exactly.
 */
export function randomSeed(): number {
  return randomInt(0, 2 ** 32);
}
