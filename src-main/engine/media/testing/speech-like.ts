/** Test signals for slicing: speech-like bursts between quiet gaps, with the burst times known exactly. */
import path from 'node:path';
import { createWavStreamWriter } from '../wav-stream-writer.js';
import type { WavSampleFormat } from '../wav.js';

export interface Burst {
  /** Frames [start, end) of the burst in the file. */
  start: number;
  end: number;
}

export interface BurstLayout {
  sampleRate: number;
  frames: number;
  bursts: Burst[];
}

/** xorshift32: deterministic, seedable. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

/**
 * Lays out bursts of `burstSec` [min, max] separated by gaps of `gapSec` [min, max] over `seconds`, starting
 * and ending with a gap.
 */
export function burstLayout(options: { sampleRate: number; seconds: number; seed?: number; burstSec?: [number, number]; gapSec?: [number, number] }): BurstLayout {
  const { sampleRate, seconds, seed = 1, burstSec = [1.5, 9], gapSec = [0.6, 3] } = options;
  const random = rng(seed);
  const frames = Math.round(seconds * sampleRate);
  const span = (range: [number, number]) => Math.round((range[0] + random() * (range[1] - range[0])) * sampleRate);
  const bursts: Burst[] = [];
  let at = span(gapSec);
  for (;;) {
    const length = span(burstSec);
    if (at + length + Math.round(gapSec[0] * sampleRate) > frames) break;
    bursts.push({ start: at, end: at + length });
    at += length + span(gapSec);
  }
  return { sampleRate, frames, bursts };
}

/**
 * Samples [from, to) of the signal: inside bursts a 140 Hz harmonic buzz plus noise under a 4 Hz syllable
 * envelope (about -20 dBFS RMS, dipping 14 dB between "syllables"), 10 ms raised-cosine edges; elsewhere a
 * -70 dBFS noise floor.
 */
export function renderBursts(layout: BurstLayout, from: number, to: number, seed = 99): Float32Array {
  const { sampleRate, bursts } = layout;
  const out = new Float32Array(to - from);
  const random = rng(seed + from);
  const floor = 10 ** (-70 / 20) * Math.sqrt(3); // uniform noise of RMS -70 dBFS
  for (let i = 0; i < out.length; i++) out[i] = (random() * 2 - 1) * floor;
  const edge = Math.round(0.01 * sampleRate);
  for (const b of bursts) {
    if (b.end <= from || b.start >= to) continue;
    for (let f = Math.max(b.start, from); f < Math.min(b.end, to); f++) {
      const t = (f - b.start) / sampleRate;
      const syllable = 0.6 + 0.4 * Math.cos(2 * Math.PI * 4 * t);
      const fromEdge = Math.min(f - b.start, b.end - 1 - f);
      const ramp = fromEdge < edge ? 0.5 - 0.5 * Math.cos((Math.PI * fromEdge) / edge) : 1;
      const w = 2 * Math.PI * 140 * t;
      const buzz = 0.1 * (Math.sin(w) + 0.5 * Math.sin(2 * w) + 0.25 * Math.sin(3 * w));
      out[f - from] += ramp * syllable * (buzz + (random() * 2 - 1) * 0.03);
    }
  }
  return out;
}

/** Writes the layout as a mono WAV, streamed one second at a time (the whole signal never exists). */
export async function writeBurstsWav(file: string, layout: BurstLayout, format: WavSampleFormat = 'pcm16'): Promise<void> {
  const writer = await createWavStreamWriter(path.dirname(file), { sampleRate: layout.sampleRate, channels: 1, format }, layout.frames);
  try {
    for (let at = 0; at < layout.frames; at += layout.sampleRate) {
      const to = Math.min(layout.frames, at + layout.sampleRate);
      await writer.write([renderBursts(layout, at, to)]);
    }
    await writer.commit(file);
  } catch (error) {
    await writer.discard();
    throw error;
  }
}
