import { describe, expect, it } from 'vitest';
import { integratedLoudness, kWeighting, samplePeakDb, SILENCE_PEAK_DB, type Biquad } from './loudness.js';
import type { Pcm } from './pcm.js';
import { sine } from './testing/test-audio.js';

const dbfs = (db: number) => 10 ** (db / 20);

/** Stereo 1 kHz sine, the same in both channels, built from [seconds, dBFS] segments (EBU Tech 3341). */
function segments(sampleRate: number, parts: [number, number][]): Pcm {
  const pieces = parts.map(([seconds, db]) => sine({ sampleRate, seconds, freq: 1000, amplitude: dbfs(db) }));
  const total = pieces.reduce((n, p) => n + p.length, 0);
  const ch = new Float32Array(total);
  let at = 0;
  for (const p of pieces) {
    ch.set(p, at);
    at += p.length;
  }
  return { sampleRate, channels: [ch, ch.slice()] };
}

/** |H(e^jw)|² of a biquad at `freq`: the frequency-domain view, independent of the time-domain filtering. */
function powerGain(f: Biquad, freq: number, sampleRate: number): number {
  const w = (2 * Math.PI * freq) / sampleRate;
  const re = (c: number[]) => c[0] + c[1] * Math.cos(w) + c[2] * Math.cos(2 * w);
  const im = (c: number[]) => -(c[1] * Math.sin(w) + c[2] * Math.sin(2 * w));
  return (re(f.b) ** 2 + im(f.b) ** 2) / (re(f.a) ** 2 + im(f.a) ** 2);
}

describe('K-weighting', () => {
  it('matches the 48 kHz coefficients printed in ITU-R BS.1770-4', () => {
    const { shelf, highpass } = kWeighting(48000);
    const expected = {
      shelf: { b: [1.53512485958697, -2.69169618940638, 1.19839281085285], a: [1, -1.69065929318241, 0.73248077421585] },
      highpass: { b: [1, -2, 1], a: [1, -1.99004745483398, 0.99007225036621] },
    };
    for (const [got, want] of [
      [shelf, expected.shelf],
      [highpass, expected.highpass],
    ] as const) {
      for (let i = 0; i < 3; i++) {
        expect(got.b[i]).toBeCloseTo(want.b[i], 7);
        expect(got.a[i]).toBeCloseTo(want.a[i], 7);
      }
    }
  });
});

describe('integratedLoudness', () => {
  it('measures a full-scale 997 Hz sine in one channel at -3.01 LUFS (BS.1770)', () => {
    for (const sampleRate of [44100, 48000]) {
      const s = sine({ sampleRate, seconds: 5, freq: 997, amplitude: 1 });
      expect(integratedLoudness({ sampleRate, channels: [s] })).toBeCloseTo(-3.01, 1);
      // The same tone in the left channel of a stereo file, right channel silent.
      expect(integratedLoudness({ sampleRate, channels: [s, new Float32Array(s.length)] })).toBeCloseTo(-3.01, 1);
    }
  });

  it('agrees with the frequency response of its own filters for steady tones at many rates', () => {
    // A steady sine of amplitude A has mean square A²/2 · |H(f)|² after filtering: an independent route to
    // the same number that exercises the time-domain filtering, blocking and gating.
    for (const sampleRate of [16000, 22050, 24000, 44100, 48000]) {
      for (const freq of [100, 440, 1000, 3000, 6000]) {
        const amplitude = 0.3;
        const { shelf, highpass } = kWeighting(sampleRate);
        const expected = -0.691 + 10 * Math.log10(((amplitude * amplitude) / 2) * powerGain(shelf, freq, sampleRate) * powerGain(highpass, freq, sampleRate));
        const measured = integratedLoudness({ sampleRate, channels: [sine({ sampleRate, seconds: 3, freq, amplitude })] });
        expect(measured).not.toBeNull();
        expect(Math.abs(measured! - expected)).toBeLessThan(0.02);
      }
    }
  });

  // EBU Tech 3341 (2016), "minimum requirements" test signals 1–5 (stereo 1 kHz; tolerance ±0.1 LU).
  const ebu: [string, [number, number][], number][] = [
    ['1: 20 s at -23 dBFS', [[20, -23]], -23],
    ['2: 20 s at -33 dBFS', [[20, -33]], -33],
    ['3: -36 / -23 / -36 dBFS (relative gate)', [[10, -36], [60, -23], [10, -36]], -23],
    ['4: -72 / -36 / -23 / -36 / -72 dBFS (absolute gate)', [[10, -72], [10, -36], [60, -23], [10, -36], [10, -72]], -23],
    ['5: -26 / -20 / -26 dBFS', [[20, -26], [20.1, -20], [20, -26]], -23],
  ];
  for (const [name, parts, target] of ebu) {
    it(`EBU Tech 3341 case ${name} → ${target} LUFS`, () => {
      expect(Math.abs(integratedLoudness(segments(48000, parts))! - target)).toBeLessThanOrEqual(0.1);
    });
  }

  it('weights surround channels by 1.41 and ignores LFE (5.1)', () => {
    const sampleRate = 48000;
    const tone = sine({ sampleRate, seconds: 3, freq: 1000, amplitude: 0.1 });
    const silent = new Float32Array(tone.length);
    const only = (k: number) => integratedLoudness({ sampleRate, channels: Array.from({ length: 6 }, (_, c) => (c === k ? tone : silent)) })!;
    expect(only(4) - only(0)).toBeCloseTo(10 * Math.log10(1.41), 2);
    expect(integratedLoudness({ sampleRate, channels: Array.from({ length: 6 }, (_, c) => (c === 3 ? tone : silent)) })).toBeNull();
  });

  it('is null for clips shorter than one 400 ms block, and for silence', () => {
    const sampleRate = 16000;
    expect(integratedLoudness({ sampleRate, channels: [sine({ sampleRate, seconds: 0.39, freq: 1000, amplitude: 0.5 })] })).toBeNull();
    expect(integratedLoudness({ sampleRate, channels: [sine({ sampleRate, seconds: 0.4, freq: 1000, amplitude: 0.5 })] })).not.toBeNull();
    expect(integratedLoudness({ sampleRate, channels: [new Float32Array(sampleRate * 2)] })).toBeNull();
  });
});

describe('samplePeakDb', () => {
  it('is 20·log10 of the largest absolute sample over all channels', () => {
    const a = new Float32Array([0.1, -0.25, 0.2]);
    const b = new Float32Array([0.3, -0.5, 0.0]);
    expect(samplePeakDb({ sampleRate: 8000, channels: [a, b] })).toBeCloseTo(20 * Math.log10(0.5), 6);
    expect(samplePeakDb({ sampleRate: 8000, channels: [new Float32Array([1, -1])] })).toBeCloseTo(0, 6);
  });

  it('reports silence as the floor value', () => {
    expect(samplePeakDb({ sampleRate: 8000, channels: [new Float32Array(100)] })).toBe(SILENCE_PEAK_DB);
  });
});
