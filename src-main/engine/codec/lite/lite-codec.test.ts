import { beforeAll, describe, expect, it } from 'vitest';
import { outputLength } from '../../media/resample.js';
import { createCodes, keepLevels, sliceCodes, type Codes } from '../codes.js';
import { roundTripMetrics } from '../metrics.js';
import { estimatePitch } from '../metrics-pitch.js';
import { noise } from '../../media/testing/test-audio.js';
import { concat, rmsOf, vowel } from '../testing/signals.js';
import { LiteCodec } from './lite-codec.js';

const FS = 24000;
let codec: LiteCodec;
/** Two vowels with a fricative-like noise between them, at 24 kHz. */
let speechLike: Float32Array;

beforeAll(async () => {
  codec = await LiteCodec.load();
  speechLike = concat(
    vowel({ sampleRate: FS, seconds: 0.5, f0Start: 120, f0End: 150, formants: [650, 1100, 2500] }),
    noise(0.15 * FS, 0.04, 3),
    vowel({ sampleRate: FS, seconds: 0.5, f0Start: 150, f0End: 110, formants: [350, 2000, 2800] }),
  );
});

const mono = (x: Float32Array, sampleRate = FS) => ({ sampleRate, channels: [x] });

describe('LiteCodec', () => {
  it('has the reference codec shape', () => {
    expect([codec.sampleRate, codec.frameRate, codec.hopLength, codec.levels, codec.codebookSize]).toEqual([24000, 75, 320, 8, 1024]);
  });

  it('round-trips speech-like audio: same length, level within 3 dB, pitch kept', async () => {
    const codes = await codec.encode(mono(speechLike));
    expect(codes.frames).toBe(Math.ceil(speechLike.length / 320));
    expect(codes.levels).toBe(8);
    const out = await codec.decode(codes);
    expect(out.sampleRate).toBe(FS);
    expect(out.channels[0].length).toBe(codes.frames * 320);
    const y = out.channels[0].subarray(0, speechLike.length);
    expect(Math.abs(20 * Math.log10(rmsOf(y) / rmsOf(speechLike)))).toBeLessThan(3);
    // Pitch in the middle of the first vowel (≈ 135 Hz) survives within a semitone.
    const p = estimatePitch(y, { sampleRate: FS, hop: 240 });
    const mid = p.f0.slice(20, 30).filter((f) => f > 0);
    expect(mid.length).toBeGreaterThan(5);
    for (const f of mid) expect(Math.abs(1200 * Math.log2(f / 135))).toBeLessThan(150);
  });

  it('mixes to mono and resamples any input rate first', async () => {
    const at44 = vowel({ sampleRate: 44100, seconds: 0.4, f0Start: 140 });
    const stereo = { sampleRate: 44100, channels: [at44, at44.map((v) => v * 0.5)] };
    const codes = await codec.encode(stereo);
    expect(codes.frames).toBe(Math.ceil(outputLength(at44.length, 44100, FS) / 320));
  });

  it('encodes fewer levels on request, and every prefix of levels decodes, better with more', async () => {
    const codes = await codec.encode(mono(speechLike));
    const three = await codec.encode(mono(speechLike), { levels: 3 });
    expect(three.levels).toBe(3);
    // Greedy residual VQ: the first 3 levels are the same codes.
    expect(Array.from(three.data)).toEqual(Array.from(keepLevels(codes, 3).data));
    const mcd: number[] = [];
    for (const levels of [1, 2, 4, 8]) {
      const y = (await codec.decode(keepLevels(codes, levels))).channels[0];
      mcd.push(roundTripMetrics(speechLike, y, FS).mcdDb);
    }
    expect(mcd[0]).toBeGreaterThan(mcd[3]);
    expect(mcd[3]).toBeLessThan(4);
  });

  it('streams: chunked decoding joins to exactly the one-shot decode', async () => {
    const codes = await codec.encode(mono(speechLike));
    const whole = (await codec.decode(codes)).channels[0];
    for (const chunk of [1, 5, 32]) {
      const dec = codec.createDecoder();
      const parts: Float32Array[] = [];
      for (let t = 0; t < codes.frames; t += chunk) parts.push(dec.push(sliceCodes(codes, t, t + chunk)).channels[0]);
      parts.push(dec.push(createCodes(0, 8)).channels[0]);
      parts.push(dec.flush().channels[0]);
      const joined = concat(...parts);
      expect(joined.length).toBe(whole.length);
      expect(joined.every((v, i) => v === whole[i]), `chunks of ${chunk}`).toBe(true);
    }
  });

  it('is deterministic', async () => {
    const a = await codec.encode(mono(speechLike));
    const b = await codec.encode(mono(speechLike));
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
  });

  describe('bad input', () => {
    it('refuses NaN and infinite samples, naming where', async () => {
      const x = speechLike.slice();
      x[2400] = Number.NaN;
      await expect(codec.encode(mono(x))).rejects.toMatchObject({ code: 'corrupt_audio', message: expect.stringContaining('at 0.100 s') });
      x[2400] = Number.POSITIVE_INFINITY;
      await expect(codec.encode(mono(x))).rejects.toMatchObject({ code: 'corrupt_audio' });
    });

    it('refuses silence and empty audio', async () => {
      await expect(codec.encode(mono(new Float32Array(FS)))).rejects.toMatchObject({ code: 'empty_audio', message: expect.stringContaining('silent') });
      await expect(codec.encode(mono(new Float32Array(0)))).rejects.toMatchObject({ code: 'empty_audio', message: expect.stringContaining('no samples') });
      await expect(codec.encode({ sampleRate: FS, channels: [] })).rejects.toMatchObject({ code: 'empty_audio' });
    });

    it('refuses level counts it cannot make', async () => {
      await expect(codec.encode(mono(speechLike), { levels: 9 })).rejects.toMatchObject({ code: 'invalid_input' });
      await expect(codec.encode(mono(speechLike), { levels: 0 })).rejects.toMatchObject({ code: 'invalid_input' });
    });

    it('refuses codes out of range or with the wrong number of levels before decoding anything', async () => {
      const bad: Codes = createCodes(4, 8);
      bad.data[9] = 1024;
      await expect(codec.decode(bad)).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringContaining('frame 1, level 1') });
      await expect(codec.decode(createCodes(4, 9))).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringContaining('9 level(s)') });
      await expect(codec.decode(createCodes(0, 8))).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringContaining('no frames') });
      const dec = codec.createDecoder();
      dec.push(createCodes(3, 8));
      expect(() => dec.push(createCodes(3, 4))).toThrow(/this stream has 8 level\(s\) but a chunk has 4/);
      dec.flush();
      expect(() => dec.push(createCodes(1, 8))).toThrow(/already flushed/);
    });
  });
});
