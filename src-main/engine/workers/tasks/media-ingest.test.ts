import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { IngestResult } from '../../media/ingest.js';
import { MediaStore } from '../../media/media-store.js';
import { toneWav } from '../../media/testing/reference-wav.js';
import { createTaskRegistry } from '../task-registry.js';
import { WorkerPool } from '../worker-pool.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});


describe("worker task 'media.ingest'", () => {
  it('decodes and stores a file in a worker thread, and fails bad files with their specific error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'valle-ingest-task-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const pool = new WorkerPool({ registry: createTaskRegistry(), size: 1 });
    cleanup.push(() => pool.close());
    const wav = join(dir, 'tone.wav');
    await writeFile(wav, toneWav({ seconds: 0.5, freq: 440, amplitude: 0.5 }));
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
