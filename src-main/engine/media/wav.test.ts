import fs from 'node:fs';
import path from 'node:path';
import decode from 'audio-decode';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeWav, wavHeader, type WavSampleFormat } from './wav.js';
import { HAS_SOX, noise, sine, soxDecode, soxInfo, tempDir } from './testing/test-audio.js';

const dir = tempDir('studio-wav-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Quantisation step of positive codes (the larger one); a round trip is within half of it. */
const STEP: Record<WavSampleFormat, number> = { pcm8: 1 / 127, pcm16: 1 / 32767, pcm24: 1 / 8388607, pcm32: 1 / 2147483647, float32: 0 };

function signal(channels: number, frames: number, sampleRate = 16000) {
  return {
    sampleRate,
    channels: Array.from({ length: channels }, (_, c) => {
      const s = sine({ sampleRate, seconds: frames / sampleRate, freq: 220 * (c + 1), amplitude: 0.7 });
      const n = noise(frames, 0.25, c + 7);
      // include both full-scale extremes, which must map to the extreme codes
      const out = s.map((v, i) => v + n[i]);
      out[0] = 1;
      out[1] = -1;
      return out;
    }),
  };
}

describe('encodeWav', () => {
  const cases: [WavSampleFormat, number][] = [
    ['pcm8', 1],
    ['pcm16', 2],
    ['pcm24', 2],
    ['pcm32', 1],
    ['float32', 2],
    ['pcm16', 6],
    ['float32', 3],
  ];
  for (const [format, channels] of cases) {
    it(`round-trips ${format} with ${channels} channel(s) through an independent decoder`, async () => {
      const pcm = signal(channels, 1001);
      const bytes = encodeWav(pcm, format);
      const out = await decode(bytes);
      expect(out.sampleRate).toBe(16000);
      expect(out.channelData.length).toBe(channels);
      for (let c = 0; c < channels; c++) {
        expect(out.channelData[c].length).toBe(1001);
        let worst = 0;
        for (let i = 0; i < 1001; i++) worst = Math.max(worst, Math.abs(out.channelData[c][i] - pcm.channels[c][i]));
        expect(worst).toBeLessThanOrEqual(STEP[format] / 2 + 1e-7);
        expect(out.channelData[c][0]).toBeCloseTo(1, 6);
        expect(out.channelData[c][1]).toBeCloseTo(-1, 6);
      }
    });
  }

  it('writes consistent RIFF sizes and pads an odd data chunk', () => {
    const pcm = signal(1, 1001); // 1001 bytes of 8-bit mono: odd
    const bytes = encodeWav(pcm, 'pcm8');
    expect(bytes.toString('ascii', 0, 4)).toBe('RIFF');
    expect(bytes.readUInt32LE(4)).toBe(bytes.length - 8);
    const header = wavHeader({ sampleRate: 16000, channels: 1, format: 'pcm8' }, 1001);
    expect(bytes.readUInt32LE(header.length - 4)).toBe(1001);
    expect(bytes.length).toBe(header.length + 1001 + 1);
  });

  it('refuses sizes a WAV file cannot hold', () => {
    expect(() => wavHeader({ sampleRate: 48000, channels: 2, format: 'float32' }, 2 ** 30)).toThrow(/4 GiB/);
    expect(() => wavHeader({ sampleRate: 0, channels: 1, format: 'pcm16' }, 1)).toThrow(RangeError);
  });

  describe.skipIf(!HAS_SOX)('read back by sox', () => {
    const formats: [WavSampleFormat, number, string][] = [
      ['pcm8', 8, 'Unsigned Integer PCM'],
      ['pcm16', 16, 'Signed Integer PCM'],
      ['pcm24', 24, 'Signed Integer PCM'],
      ['pcm32', 32, 'Signed Integer PCM'],
      ['float32', 32, 'Floating Point PCM'],
    ];
    for (const [format, bits, encoding] of formats) {
      it(`${format}: sox reads the header and samples we wrote`, () => {
        const pcm = signal(2, 4000, 22050);
        const file = path.join(dir, `${format}.wav`);
        fs.writeFileSync(file, encodeWav(pcm, format));
        expect(soxInfo(file)).toEqual({ rate: 22050, channels: 2, bits, encoding, samples: 4000 });
        const back = soxDecode(file, 2);
        for (let c = 0; c < 2; c++) {
          let worst = 0;
          for (let i = 0; i < 4000; i++) worst = Math.max(worst, Math.abs(back[c][i] - pcm.channels[c][i]));
          // sox scales positive codes by 2^-(bits-1), not 1/(2^(bits-1) - 1): up to one more step than rounding.
          expect(worst).toBeLessThanOrEqual(1.5 * STEP[format] + 1e-7);
        }
      });
    }
  });
});
