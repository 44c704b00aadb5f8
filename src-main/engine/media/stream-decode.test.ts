import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeAudioFile } from './decode.js';
import { openAudioStream, type AudioChunk } from './stream-decode.js';
import { HAS_SOX, noise, sine, sox, tempDir, writeWav } from './testing/test-audio.js';
import { studioErrorOf } from '../testing/studio-error-of.js';

const dir = tempDir('studio-stream-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const at = (name: string) => path.join(dir, name);

async function collect(file: string, options: Parameters<typeof openAudioStream>[2] = {}): Promise<AudioChunk[]> {
  const stream = await openAudioStream(file, path.basename(file), options);
  try {
    const chunks: AudioChunk[] = [];
    for await (const chunk of stream.chunks()) chunks.push(chunk);
    return chunks;
  } finally {
    await stream.close();
  }
}

const joined = (chunks: AudioChunk[], c: number) => {
  const out = new Float32Array(chunks.reduce((n, k) => n + k.channels[c].length, 0));
  for (const k of chunks) out.set(k.channels[c], k.startFrame);
  return out;
};

describe('openAudioStream', () => {
  it('streams a WAV in several contiguous chunks that equal the whole decode', async () => {
    const frames = 16000 * 40; // 1.28 MB of 16-bit stereo: more than one 1 MiB read
    const pcm = { sampleRate: 16000, channels: [noise(frames, 0.5, 1), sine({ sampleRate: 16000, seconds: 40, freq: 300, amplitude: 0.3 })] };
    const file = writeWav(at('long.wav'), pcm, 'pcm16');
    const progress: number[] = [];
    const chunks = await collect(file, { onProgress: (f) => progress.push(f) });
    expect(chunks.length).toBeGreaterThan(1);
    let next = 0;
    for (const chunk of chunks) {
      expect(chunk.startFrame).toBe(next);
      expect(chunk.sampleRate).toBe(16000);
      next += chunk.channels[0].length;
    }
    expect(next).toBe(frames);
    const whole = await decodeAudioFile(file, 'long.wav');
    for (let c = 0; c < 2; c++) expect(Buffer.from(joined(chunks, c).buffer).equals(Buffer.from(whole.pcm.channels[c].buffer))).toBe(true);
    expect(progress.at(-1)).toBe(1);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });

  it('streams FLAC, and stops cleanly when the consumer leaves early', async () => {
    if (!HAS_SOX) return;
    const source = writeWav(at('flac-src.wav'), { sampleRate: 44100, channels: [noise(44100 * 30, 0.5, 3)] }, 'pcm16');
    const flac = at('stream.flac');
    sox(source, flac);
    const chunks = await collect(flac);
    expect(chunks.length).toBeGreaterThan(1);
    expect(joined(chunks, 0).length).toBe(44100 * 30);
    const stream = await openAudioStream(flac, 'stream.flac');
    for await (const chunk of stream.chunks()) {
      expect(chunk.startFrame).toBe(0);
      break;
    }
    await stream.close();
  });

  it('fails on NaN samples with their time, before yielding them', async () => {
    const x = noise(16000 * 3, 0.5);
    x[16000 * 2 + 8000] = NaN;
    const file = writeWav(at('nan.wav'), { sampleRate: 16000, channels: [x] }, 'float32');
    const stream = await openAudioStream(file, 'nan.wav');
    const seen: number[] = [];
    const error = await studioErrorOf(
      (async () => {
        for await (const chunk of stream.chunks()) seen.push(chunk.channels[0].length);
      })(),
    );
    await stream.close();
    expect(error.code).toBe('corrupt_audio');
    expect(error.message).toBe('nan.wav contains invalid samples (NaN or infinity) at 2.500 s.');
    expect(seen).toEqual([]); // one 1 MiB chunk holds all 3 s: nothing of it was handed out
  });

  it('fails at open for a missing file, a non-audio file and a header-truncated WAV', async () => {
    expect((await studioErrorOf(openAudioStream(at('nope.wav'), 'nope.wav'))).code).toBe('not_found');
    fs.writeFileSync(at('text.wav'), 'hello, not audio at all, just text\n'.repeat(20));
    expect((await studioErrorOf(openAudioStream(at('text.wav'), 'text.wav'))).code).toBe('not_audio');
    const good = fs.readFileSync(writeWav(at('cut-src.wav'), { sampleRate: 8000, channels: [noise(8000, 0.3)] }));
    fs.writeFileSync(at('cut.wav'), good.subarray(0, good.length - 1000));
    const cut = await studioErrorOf(openAudioStream(at('cut.wav'), 'cut.wav'));
    expect(cut.code).toBe('corrupt_audio');
    expect(cut.message).toMatch(/truncated/);
  });

  it('stops when cancelled', async () => {
    const file = writeWav(at('cancel.wav'), { sampleRate: 16000, channels: [noise(16000 * 70, 0.2)] }, 'pcm16');
    const controller = new AbortController();
    const stream = await openAudioStream(file, 'cancel.wav', { signal: controller.signal });
    const error = await studioErrorOf(
      (async () => {
        for await (const _ of stream.chunks()) controller.abort();
      })(),
    );
    await stream.close();
    expect(error.code).toBe('cancelled');
  });
});
