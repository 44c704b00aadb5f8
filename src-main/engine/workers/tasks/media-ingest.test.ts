import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { IngestResult } from '../../media/ingest.js';
import { MediaStore } from '../../media/media-store.js';
import { createTaskRegistry } from '../task-registry.js';
import { WorkerPool } from '../worker-pool.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** 16-bit PCM mono WAV of a sine: an independent reference for what the decoder must read. */
function sineWav(sampleRate: number, seconds: number, amplitude: number): Buffer {
  const frames = Math.round(sampleRate * seconds);
  const data = Buffer.alloc(frames * 2);
  for (let i = 0; i < frames; i++) data.writeInt16LE(Math.round(amplitude * 32767 * Math.sin((2 * Math.PI * 440 * i) / sampleRate)), i * 2);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

describe("worker task 'media.ingest'", () => {
  it('decodes and stores a file in a worker thread, and fails bad files with their specific error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'valle-ingest-task-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const pool = new WorkerPool({ registry: createTaskRegistry(), size: 1 });
    cleanup.push(() => pool.close());
    const wav = join(dir, 'tone.wav');
    await writeFile(wav, sineWav(16000, 0.5, 0.5));
    const mediaRoot = join(dir, 'media');

    const result = await pool.run<unknown, IngestResult>('media.ingest', { sourcePath: wav, name: 'tone.wav', mediaRoot }, { signal: new AbortController().signal });
    expect(result.sampleRate).toBe(16000);
    expect(result.channels).toBe(1);
    expect(result.durationSec).toBeCloseTo(0.5, 6);
    // A full-scale sine at amplitude 0.5 peaks at 20·log10(0.5) ≈ −6.02 dBFS.
    expect(result.peakDb).toBeCloseTo(-6.02, 1);
    expect((await stat(new MediaStore(mediaRoot).pathOf(result.mediaId))).isFile()).toBe(true);

    const text = join(dir, 'notes.wav');
    await writeFile(text, 'these are my notes, not audio\n'.repeat(20));
    await expect(
      pool.run('media.ingest', { sourcePath: text, name: 'notes.wav', mediaRoot }, { signal: new AbortController().signal }),
    ).rejects.toMatchObject({ code: 'not_audio' });
  });
});
