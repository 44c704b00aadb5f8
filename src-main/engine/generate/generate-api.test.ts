/**
 * `generate.*` over the Studio API (in-process wire, the real host and worker pool): a tiny model imported and
 * loaded, a voice imported into the library, a two-line generation that streams chunks before it finishes, its
 * history record, a re-run with the same seed giving the same audio, presets, trash/restore, send to library,
 * and the refusals that must change nothing.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GenerateChunk, GenerateResult } from '../../../src-shared/api/generate.js';
import type { ImportModelResult } from '../../../src-shared/api/models.js';
import type { ImportClipsResult } from '../../../src-shared/api/library.js';
import { StudioError } from '../../../src-shared/api/errors.js';
import { createStudioClient, type StudioClient } from '../../../src-shared/client.js';
import { referenceClip } from '../valle/pipeline/testing/tiny-voice.js';
import { encodeWav } from '../media/wav.js';
import { writeTinyValleSft } from '../models/testing/tiny-checkpoints.js';
import { connectInProcess } from '../transport/in-process.js';
import { EngineHost } from '../host/engine-host.js';
import { memoryLog } from '../host/host-log.js';
import { decodeChunkSamples } from './chunk-encoding.js';

let dir: string;
let host: EngineHost;
let client: StudioClient;
let speakerId: string;

async function upload(name: string, bytes: Buffer): Promise<string> {
  const { uploadId } = await client.upload(name, bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  return uploadId;
}

async function rejection(promise: Promise<unknown>): Promise<StudioError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof StudioError) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'valle-generate-api-'));
  host = await EngineHost.open({ home: join(dir, 'home'), hostKind: 'in-process', log: memoryLog(), workerPoolSize: 1 });
  const { wire, services } = connectInProcess(host);
  client = createStudioClient(wire, services);
  await host.settings.update({ executionProvider: 'cpu', intraOpThreads: 1 });

  const file = join(dir, 'tiny.sft');
  await writeTinyValleSft(file);
  const modelJob = await client.waitForJob((await client.call('models.import', { checkpoint: { kind: 'upload', uploadId: await upload('tiny.sft', await readFile(file)), name: 'tiny.sft' } })).jobId);
  expect(modelJob.state).toBe('succeeded');
  await client.call('models.load', { id: (modelJob.result as ImportModelResult).model.id });

  const speaker = await client.call('library.createSpeaker', { name: 'Ada' });
  speakerId = speaker.id;
  const wav = encodeWav(referenceClip(1.2, 16000), 'pcm16');
  await writeFile(join(dir, 'ref.wav'), wav);
  const clipJob = await client.waitForJob((await client.call('library.importClips', { speakerId, sources: [{ kind: 'upload', uploadId: await upload('ref.wav', wav), name: 'ref.wav' }] })).jobId);
  expect((clipJob.result as ImportClipsResult).files[0].clipId).toBeTruthy();
}, 120_000);

afterAll(async () => {
  client?.close();
  await host?.close();
  await rm(dir, { recursive: true, force: true });
});

const settings = { language: 'en' as const, codec: 'lite' as const, maxArSteps: 40, chunkFrames: 8, sampler: { arTemperature: 0.9, topK: 50 } };

describe('generate over the Studio API', () => {
  let firstId = '';

  it('streams chunks of a two-line generation before the job ends, and stores it with its settings and segments', async () => {
    const chunks: GenerateChunk[] = [];
    let finishedAt = -1;
    const off = client.on('generate.chunk', (c) => chunks.push(c));
    const { jobId } = await client.call('generate.start', { text: 'Hello there.\nGood morning.', voice: { kind: 'speaker', speakerId }, settings, seed: 1234 });
    const job = await client.waitForJob(jobId, (j) => {
      if (j.state === 'succeeded') finishedAt = chunks.length;
    });
    off();
    expect(job.state, JSON.stringify(job.error)).toBe('succeeded');
    firstId = (job.result as GenerateResult).generationId;
    const g = await client.call('generate.get', { id: firstId });

    // Streaming: several chunks, all before the success event, in order, covering both lines and a gap.
    expect(chunks.length).toBeGreaterThan(2);
    expect(finishedAt).toBe(chunks.length);
    expect(chunks.every((c) => c.jobId === jobId)).toBe(true);
    expect(chunks.map((c) => c.index)).toEqual(chunks.map((_, i) => i));
    expect(new Set(chunks.map((c) => c.line))).toEqual(new Set([0, 1]));
    expect(chunks.some((c) => c.kind === 'gap')).toBe(true);

    // The chunks, joined, are the stored audio (within int16 rounding), and each starts where the previous ended.
    const streamed = chunks.map((c) => decodeChunkSamples(c.samples));
    let at = 0;
    for (const [i, c] of chunks.entries()) {
      expect(c.startSec).toBeCloseTo(at / c.sampleRate, 9);
      at += streamed[i].length;
    }
    const stored = (await host.media!.read(g.mediaId)).channels[0];
    expect(at).toBe(stored.length);
    let offset = 0;
    let worst = 0;
    for (const piece of streamed) {
      for (let i = 0; i < piece.length; i++) worst = Math.max(worst, Math.abs(piece[i] - Math.max(-1, Math.min(1, stored[offset + i]))));
      offset += piece.length;
    }
    expect(worst).toBeLessThan(1 / 16000);

    expect(g.text).toBe('Hello there.\nGood morning.');
    expect(g.seed).toBe(1234);
    expect(g.voiceLabel).toBe('Ada (1 clip)');
    expect(g.codec).toBe('lite');
    expect(g.sampler.arTemperature).toBe(0.9);
    expect(g.sampler.topK).toBe(50);
    expect(g.sampler.narTemperature).toBe(0);
    expect(g.settings).toMatchObject({ maxArSteps: 40, chunkFrames: 8, maxNarLevels: 7 });
    expect(g.durationSec).toBeCloseTo(stored.length / g.sampleRate, 9);
    expect(g.segments.map((s) => s.text)).toEqual(['Hello there.', 'Good morning.']);
    expect(g.segments[0].startSec).toBe(0);
    expect(g.segments[1].startSec - g.segments[0].endSec).toBeCloseTo(g.settings.lineGapSec, 3);
    expect(g.segments[1].endSec).toBeCloseTo(g.durationSec, 6);
    expect(g.timings.totalMs).toBeGreaterThan(0);
    expect(g.timings.firstChunkMs).not.toBeNull();
    expect(g.timings.firstChunkMs!).toBeLessThanOrEqual(g.timings.totalMs);
    expect(g.realTimeFactor).toBeCloseTo(g.timings.totalMs / 1000 / g.durationSec, 6);
  }, 120_000);

  it('re-runs with the same seed to the same audio, and lists both newest first; search narrows the list', async () => {
    const job = await client.waitForJob((await client.call('generate.rerun', { id: firstId })).jobId);
    expect(job.state, JSON.stringify(job.error)).toBe('succeeded');
    const again = await client.call('generate.get', { id: (job.result as GenerateResult).generationId });
    const first = await client.call('generate.get', { id: firstId });
    expect(again.rerunOf).toBe(firstId);
    expect(again.seed).toBe(first.seed);
    // Content-addressed media: the same samples give the same id; compare the samples too.
    expect(again.mediaId).toBe(first.mediaId);
    expect((await host.media!.read(again.mediaId)).channels[0]).toEqual((await host.media!.read(first.mediaId)).channels[0]);

    const history = await client.call('generate.history', {});
    expect(history.map((h) => h.id).slice(0, 2)).toEqual([again.id, first.id]);
    expect((await client.call('generate.history', { query: 'morning' })).length).toBe(2);
    expect((await client.call('generate.history', { query: 'ada' })).length).toBe(2);
    expect(await client.call('generate.history', { query: 'nothing like this' })).toEqual([]);
  }, 120_000);

  it('a different seed gives different audio', async () => {
    const job = await client.waitForJob((await client.call('generate.start', { text: 'Hello there.\nGood morning.', voice: { kind: 'speaker', speakerId }, settings, seed: 99 })).jobId);
    const other = await client.call('generate.get', { id: (job.result as GenerateResult).generationId });
    const first = await client.call('generate.get', { id: firstId });
    expect(other.mediaId).not.toBe(first.mediaId);
  }, 120_000);

  it('trashes and restores, and sends a generation to the library as a clip', async () => {
    const changes: string[] = [];
    const off = client.on('generate.changed', (e) => changes.push(`${e.change}:${e.id}`));
    await client.call('generate.trash', { id: firstId });
    expect((await client.call('generate.history', {})).some((h) => h.id === firstId)).toBe(false);
    expect((await client.call('generate.history', { trashed: true })).map((h) => h.id)).toEqual([firstId]);
    await client.call('generate.restore', { id: firstId });
    expect((await client.call('generate.history', {})).some((h) => h.id === firstId)).toBe(true);
    off();
    expect(changes).toEqual([`trashed:${firstId}`, `restored:${firstId}`]);

    const g = await client.call('generate.get', { id: firstId });
    const clip = await client.call('generate.sendToLibrary', { id: firstId, speakerId, name: 'generated.wav' });
    expect(clip).toMatchObject({ speakerId, mediaId: g.mediaId, name: 'generated.wav', transcript: g.text, flags: ['generated'] });
    expect((await client.call('library.listClips', { speakerId })).map((c) => c.id)).toContain(clip.id);
  });

  it('saves, lists, replaces and deletes presets, persisted across a restart of the store', async () => {
    await client.call('generate.presets.save', { name: 'Calm', settings: { language: 'en', sampler: { arTemperature: 0.5 } } });
    await client.call('generate.presets.save', { name: 'Calm', settings: { language: 'de', sampler: { arTemperature: 0.6 } } });
    await client.call('generate.presets.save', { name: 'Bright', settings: { language: 'en', sampler: {} } });
    const list = await client.call('generate.presets.list', {});
    expect(list.map((p) => p.name)).toEqual(['Bright', 'Calm']);
    expect(list[1].settings).toMatchObject({ language: 'de', sampler: { arTemperature: 0.6 } });
    const onDisk = JSON.parse(await readFile(join(dir, 'home', 'generate-presets.json'), 'utf8')) as { presets: { name: string }[] };
    expect(onDisk.presets.map((p) => p.name)).toEqual(['Bright', 'Calm']);
    await client.call('generate.presets.delete', { name: 'Bright' });
    expect((await client.call('generate.presets.list', {})).map((p) => p.name)).toEqual(['Calm']);
    expect((await rejection(client.call('generate.presets.delete', { name: 'Bright' }))).code).toBe('not_found');
    const bad = await rejection(client.call('generate.presets.save', { name: 'Bad', settings: { language: 'en', sampler: { topP: 3 } } }));
    expect(bad.code).toBe('invalid_input');
    expect(bad.message).toContain('topP');
  });

  it('refuses bad input before any job exists', async () => {
    const before = (await client.call('jobs.list', {})).length;
    const sampler = await rejection(client.call('generate.start', { text: 'Hi.', voice: { kind: 'speaker', speakerId }, settings: { ...settings, sampler: { arTemperature: 5, bogus: 1 } } }));
    expect(sampler.code).toBe('invalid_input');
    expect(sampler.message).toContain('arTemperature');
    expect(sampler.message).toContain('bogus');
    expect((await rejection(client.call('generate.start', { text: 'Hi.', voice: { kind: 'speaker', speakerId: 'nope' } }))).code).toBe('not_found');
    expect((await rejection(client.call('generate.start', { text: '  \n ', voice: { kind: 'speaker', speakerId } }))).code).toBe('invalid_input');
    expect((await client.call('jobs.list', {})).length).toBe(before);
  });

  it('cancels a running generation: the job ends cancelled and nothing is stored', async () => {
    const before = (await client.call('generate.history', {})).length;
    let cancelled = false;
    const { jobId } = await client.call('generate.start', { text: 'A long line to speak.', voice: { kind: 'speaker', speakerId }, settings: { ...settings, maxArSteps: 600 }, seed: 5 });
    const off = client.on('generate.chunk', (c) => {
      if (c.jobId === jobId && !cancelled) {
        cancelled = true;
        void client.call('jobs.cancel', { jobId });
      }
    });
    const job = await client.waitForJob(jobId);
    off();
    expect(job.state).toBe('cancelled');
    expect((await client.call('generate.history', {})).length).toBe(before);
  }, 120_000);
});
