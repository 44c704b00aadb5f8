import { describe, expect, it } from 'vitest';
import { outputLength, resample, StreamResampler, type ResampleQuality } from './resample.js';
import { noise, sine } from './testing/test-audio.js';

/**
 * Least-squares fit of a·sin(2πft) + b·cos(2πft) + c to x, for a known f; returns the amplitude and the
 * RMS of what the fit leaves.
 */
function fitAtFrequency(x: Float32Array, sampleRate: number, freq: number): { amplitude: number; residualRms: number } {
  // Normal equations of the 3-parameter sine fit (IEEE 1057).
  const m = [
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
  ];
  const v = [0, 0, 0];
  for (let i = 0; i < x.length; i++) {
    const w = (2 * Math.PI * freq * i) / sampleRate;
    const basis = [Math.sin(w), Math.cos(w), 1];
    for (let r = 0; r < 3; r++) {
      v[r] += basis[r] * x[i];
      for (let c = 0; c < 3; c++) m[r][c] += basis[r] * basis[c];
    }
  }
  const [a, b, c] = solve3(m, v);
  let residual = 0;
  for (let i = 0; i < x.length; i++) {
    const w = (2 * Math.PI * freq * i) / sampleRate;
    const e = x[i] - (a * Math.sin(w) + b * Math.cos(w) + c);
    residual += e * e;
  }
  return { amplitude: Math.hypot(a, b), residualRms: Math.sqrt(residual / x.length) };
}

function solve3(m: number[][], v: number[]): number[] {
  const a = m.map((row, i) => [...row, v[i]]);
  for (let col = 0; col < 3; col++) {
    let pivot = col;
    for (let r = col + 1; r < 3; r++) if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) pivot = r;
    [a[col], a[pivot]] = [a[pivot], a[col]];
    for (let r = 0; r < 3; r++) {
      if (r === col) continue;
      const f = a[r][col] / a[col][col];
      for (let c = col; c < 4; c++) a[r][c] -= f * a[col][c];
    }
  }
  return a.map((row, i) => row[3] / row[i]);
}

/** Frequency whose sine fit leaves the least residual, searched around `guess` (coarse grid, then finer). */
function fitFrequency(x: Float32Array, sampleRate: number, guess: number): number {
  let best = guess;
  for (const [span, step] of [
    [20, 0.5],
    [0.5, 0.01],
    [0.01, 0.0002],
  ]) {
    let bestResidual = Infinity;
    const centre = best;
    for (let f = centre - span; f <= centre + span; f += step) {
      const { residualRms } = fitAtFrequency(x, sampleRate, f);
      if (residualRms < bestResidual) {
        bestResidual = residualRms;
        best = f;
      }
    }
  }
  return best;
}

const rms = (x: Float32Array) => Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length);
/** The middle of a signal, away from the converter's edge transients. */
const middle = (x: Float32Array, sampleRate: number) => x.subarray(Math.round(0.1 * sampleRate), x.length - Math.round(0.1 * sampleRate));

describe('resample', () => {
  const cases: [number, number, number, ResampleQuality][] = [
    [44100, 16000, 1000, 'medium'],
    [16000, 24000, 440, 'medium'],
    [48000, 22050, 3000, 'best'],
    [22050, 16000, 250, 'fastest'],
  ];
  for (const [from, to, freq, quality] of cases) {
    it(`keeps a ${freq} Hz sine's frequency and amplitude from ${from} to ${to} Hz (${quality})`, async () => {
      const input = sine({ sampleRate: from, seconds: 0.6, freq, amplitude: 0.5, phase: 0.3 });
      const out = await resample({ sampleRate: from, channels: [input] }, to, { quality });
      expect(out.sampleRate).toBe(to);
      const mid = middle(out.channels[0], to);
      const fitted = fitFrequency(mid, to, freq + 7); // start the search off the true value
      expect(Math.abs(fitted - freq)).toBeLessThan(0.01);
      const { amplitude, residualRms } = fitAtFrequency(mid, to, fitted);
      expect(Math.abs(amplitude - 0.5)).toBeLessThan(1e-3);
      expect(residualRms).toBeLessThan(1e-4);
    });
  }

  it('keeps time alignment: output frame k is the input at time k / toRate', async () => {
    const input = sine({ sampleRate: 44100, seconds: 0.5, freq: 700, amplitude: 0.5 });
    const out = (await resample({ sampleRate: 44100, channels: [input] }, 16000)).channels[0];
    const expected = sine({ sampleRate: 16000, seconds: 0.5, freq: 700, amplitude: 0.5 });
    const mid = (x: Float32Array) => x.subarray(1600, 6400);
    const diff = mid(out).map((v, i) => v - mid(expected)[i]);
    expect(rms(diff)).toBeLessThan(1e-4);
  });

  it('removes a tone above the new Nyquist frequency when downsampling', async () => {
    for (const [from, to, freq] of [
      [44100, 16000, 10000],
      [48000, 16000, 8800],
      [24000, 8000, 5000],
    ]) {
      const input = sine({ sampleRate: from, seconds: 0.5, freq, amplitude: 0.5 });
      const out = (await resample({ sampleRate: from, channels: [input] }, to)).channels[0];
      const attenuationDb = 20 * Math.log10(rms(middle(out, to)) / rms(input));
      expect(attenuationDb).toBeLessThan(-60);
    }
  });

  it('gives bit-identical output whether fed at once or in uneven chunks', async () => {
    const from = 44100;
    const n = 44100 * 2 + 123;
    const left = noise(n, 0.4, 7);
    const right = sine({ sampleRate: from, seconds: n / from, freq: 523, amplitude: 0.3 });
    const once = await resample({ sampleRate: from, channels: [left, right] }, 16000);

    const stream = await StreamResampler.create(2, from, 16000);
    const pieces: Float32Array[][] = [];
    const sizes = [1, 7, 4096, 8191, 8192, 8193, 333, 20000];
    for (let at = 0, k = 0; at < n; k++) {
      const len = Math.min(sizes[k % sizes.length], n - at);
      pieces.push(stream.push([left.subarray(at, at + len), right.subarray(at, at + len)]));
      at += len;
    }
    pieces.push(stream.finish());
    stream.close();
    for (let c = 0; c < 2; c++) {
      const joined = new Float32Array(pieces.reduce((s, p) => s + p[c].length, 0));
      let o = 0;
      for (const p of pieces) {
        joined.set(p[c], o);
        o += p[c].length;
      }
      expect(joined.length).toBe(once.channels[c].length);
      expect(Buffer.from(joined.buffer).equals(Buffer.from(once.channels[c].buffer))).toBe(true);
    }
  });

  it('produces ceil(frames · to / from) frames', async () => {
    for (const [frames, from, to] of [
      [44100, 44100, 16000],
      [1, 44100, 16000],
      [3, 8000, 48000],
      [12345, 22050, 24000],
      [100003, 48000, 44100],
    ]) {
      const out = await resample({ sampleRate: from, channels: [noise(frames, 0.1)] }, to);
      expect(out.channels[0].length).toBe(Math.ceil((frames * to) / from - 1e-9));
      expect(outputLength(frames, from, to)).toBe(out.channels[0].length);
    }
    const empty = await resample({ sampleRate: 16000, channels: [new Float32Array(0)] }, 24000);
    expect(empty.channels[0].length).toBe(0);
  });

  it('returns a copy at the same rate', async () => {
    const input = noise(1000, 0.5);
    const out = await resample({ sampleRate: 16000, channels: [input] }, 16000);
    expect(out.channels[0]).toEqual(input);
    expect(out.channels[0]).not.toBe(input);
  });

  it('refuses rates and channel counts it cannot convert', async () => {
    const pcm = { sampleRate: 16000, channels: [new Float32Array(10)] };
    await expect(resample(pcm, 0)).rejects.toThrow(/sample rate 0/);
    await expect(resample(pcm, 16000.5)).rejects.toThrow(/sample rate/);
    await expect(resample(pcm, 192001)).rejects.toThrow(/sample rate/);
    await expect(resample({ sampleRate: 100, channels: [new Float32Array(10)] }, 48000)).rejects.toThrow(/ratio/);
    await expect(resample({ sampleRate: 16000, channels: [] }, 8000)).rejects.toThrow(/channels/);
  });
});
