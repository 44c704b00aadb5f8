import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeWav, type WavSampleFormat } from './wav.js';
import { createWavStreamWriter } from './wav-stream-writer.js';
import { HAS_SOX, listFiles, noise, soxInfo, tempDir } from './testing/test-audio.js';

const dir = tempDir('studio-wavstream-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('createWavStreamWriter', () => {
  const formats: WavSampleFormat[] = ['pcm16', 'float32', 'pcm24', 'pcm8'];
  for (const format of formats) {
    it(`writes the same bytes as encodeWav, piece by piece (${format}, odd length)`, async () => {
      const frames = 70001; // odd: 8- and 24-bit mono need the RIFF pad byte
      const pcm = { sampleRate: 22050, channels: [noise(frames, 0.8, 1), noise(frames, 0.5, 2)] };
      const mono = { sampleRate: 22050, channels: [pcm.channels[0]] };
      for (const source of [pcm, mono]) {
        const target = path.join(dir, `${format}-${source.channels.length}.wav`);
        const writer = await createWavStreamWriter(dir, { sampleRate: 22050, channels: source.channels.length, format }, frames);
        for (let at = 0, step = 1; at < frames; step = (step * 5) % 40000) {
          const end = Math.min(frames, at + step + 1);
          await writer.write(source.channels, at, end);
          at = end;
        }
        expect(fs.existsSync(target)).toBe(false);
        await writer.commit(target);
        expect(fs.readFileSync(target).equals(encodeWav(source, format))).toBe(true);
      }
    });
  }

  it('produces a file sox reads with the declared length', async () => {
    if (!HAS_SOX) return;
    const target = path.join(dir, 'sox.wav');
    const writer = await createWavStreamWriter(dir, { sampleRate: 16000, channels: 1, format: 'float32' }, 16000);
    await writer.write([noise(16000, 0.5)]);
    await writer.commit(target);
    expect(soxInfo(target)).toMatchObject({ rate: 16000, channels: 1, bits: 32, samples: 16000 });
  });

  it('refuses to commit the wrong number of frames or write past it, and discards cleanly', async () => {
    const sub = path.join(dir, 'bad');
    const writer = await createWavStreamWriter(sub, { sampleRate: 8000, channels: 1, format: 'pcm16' }, 100);
    await writer.write([new Float32Array(60)]);
    await expect(writer.write([new Float32Array(41)])).rejects.toThrow(/past the declared 100 frames/);
    await expect(writer.write([new Float32Array(10), new Float32Array(10)])).rejects.toThrow(/expected 1 channels/);
    await expect(writer.commit(path.join(sub, 'x.wav'))).rejects.toThrow(/60 of 100/);
    await writer.discard();
    await writer.discard();
    expect(listFiles(sub)).toEqual([]);
    await expect(createWavStreamWriter(sub, { sampleRate: 0, channels: 1, format: 'pcm16' }, 10)).rejects.toThrow(/sample rate/);
    expect(listFiles(sub)).toEqual([]);
  });
});
