import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobRecord } from '../../../src-shared/api/jobs.js';
import { createStudioClient, type StudioClient } from '../../../src-shared/client.js';
import { connectInProcess } from '../transport/in-process.js';
import { toneWav } from '../media/testing/reference-wav.js';
import { EngineHost } from './engine-host.js';
import { memoryLog } from './host-log.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function tempHome(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'valle-host-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  return join(dir, 'home');
}

async function openHost(home: string) {
  const log = memoryLog();
  const host = await EngineHost.open({ home, hostKind: 'in-process', log, testTasks: true, workerPoolSize: 2 });
  cleanup.push(() => host.close());
  const { wire, services } = connectInProcess(host);
  const client = createStudioClient(wire, services);
  cleanup.push(() => client.close());
  return { host, client, log };
}

/** A job that runs the 'test.slow' worker task and forwards its progress. */
function startSlowJob(host: EngineHost, steps = 2000, stepMs = 5): string {
  return host.jobs.start({
    kind: 'test.slow',
    title: 'Slow test job',
    input: { steps, stepMs },
    run: (ctx) => ctx.tasks.run('test.slow', { steps, stepMs }, { signal: ctx.signal, onProgress: (report) => ctx.progress(report) }),
  }).jobId;
}

function firstProgress(client: StudioClient, jobId: string): Promise<JobRecord> {
  return new Promise((resolve) => {
    const off = client.on('job.updated', (job) => {
      if (job.id === jobId && job.state === 'running' && job.progress.stage.startsWith('step')) {
        off();
        resolve(job);
      }
    });
  });
}

describe('EngineHost', () => {
  it('lays out the studio home and describes itself', async () => {
    const home = await tempHome();
    const { client } = await openHost(home);
    const info = await client.call('system.info', {});
    expect(info.host).toBe('in-process');
    expect(info.home).toBe(home);
    const { readdir } = await import('node:fs/promises');
    expect((await readdir(home)).sort()).toEqual(expect.arrayContaining(['exports', 'media', 'models', 'runs', 'studio.db', 'uploads']));
  });

  it('survives a worker killed mid-task: that job fails clearly, pings keep answering, the next job succeeds', async () => {
    const { host, client } = await openHost(await tempHome());
    const jobId = startSlowJob(host);
    await firstProgress(client, jobId);

    // Ping continuously while the worker dies and the job fails.
    let pinging = true;
    const pongs: boolean[] = [];
    const pinger = (async () => {
      while (pinging) pongs.push((await client.call('system.ping', {})).pong);
    })();

    const [worker] = host.pool.busyWorkers();
    await worker.terminate();
    const failed = await client.waitForJob(jobId);
    expect(failed.state).toBe('failed');
    expect(failed.error?.code).toBe('worker_crashed');
    expect(failed.error?.message).toMatch(/The worker running "test\.slow" stopped unexpectedly/);

    const next = startSlowJob(host, 3, 1);
    const succeeded = await client.waitForJob(next);
    pinging = false;
    await pinger;
    expect(succeeded.state).toBe('succeeded');
    expect(succeeded.result).toEqual({ steps: 3 });
    expect(pongs.length).toBeGreaterThan(0);
    expect(pongs.every((p) => p === true)).toBe(true);
    // Both outcomes are persisted.
    expect(host.db!.jobs.get(jobId)).toMatchObject({ state: 'failed', error: { code: 'worker_crashed' } });
    expect(host.db!.jobs.get(next)).toMatchObject({ state: 'succeeded' });
  });

  it('cancels a running job through jobs.cancel, which resolves with the final record', async () => {
    const { host, client } = await openHost(await tempHome());
    const jobId = startSlowJob(host);
    await firstProgress(client, jobId);
    const final = await client.call('jobs.cancel', { jobId });
    expect(final.state).toBe('cancelled');
    expect(final.error?.code).toBe('cancelled');
    expect((await client.call('jobs.get', { jobId })).state).toBe('cancelled');
    expect(await client.call('jobs.list', { activeOnly: true })).toEqual([]);
  });

  it('marks jobs a previous engine left active as failed when it opens again', async () => {
    const home = await tempHome();
    const first = await EngineHost.open({ home, hostKind: 'in-process', log: memoryLog() });
    const now = new Date().toISOString();
    first.db!.jobs.insert({
      id: 'left-running',
      kind: 'library.importFolder',
      title: 'Import folder voices',
      state: 'running',
      progress: { fraction: 0.4, stage: 'decoding', etaSeconds: 12 },
      error: null,
      result: null,
      input: { path: '/x' },
      createdAt: now,
      startedAt: now,
      finishedAt: null,
    });
    await first.close();
    const { client } = await openHost(home);
    const job = await client.call('jobs.get', { jobId: 'left-running' });
    expect(job.state).toBe('failed');
    expect(job.error?.code).toBe('engine_unavailable');
    expect(job.progress.etaSeconds).toBeNull();
  });

  it('stages uploads through the in-process services', async () => {
    const { host, client } = await openHost(await tempHome());
    const { uploadId } = await client.upload('../../escape.wav', new Uint8Array([9, 8, 7]).buffer);
    const staged = host.uploads.resolve(uploadId);
    expect(staged.name).toBe('escape.wav');
    expect(staged.path.startsWith(host.home.uploads)).toBe(true);
  });

  it('imports an uploaded file as a job, announces the change, and removes the staged upload', async () => {
    const { host, client } = await openHost(await tempHome());
    const changes: Array<{ entity: string; id: string }> = [];
    client.on('library.changed', (change) => changes.push(change));
    const speaker = await client.call('library.createSpeaker', { name: 'Ada' });
    const { uploadId } = await client.upload('hello.wav', toneWav({ seconds: 0.75, freq: 330, amplitude: 0.275 }).buffer as ArrayBuffer);
    const { jobId } = await client.call('library.importClips', { speakerId: speaker.id, sources: [{ kind: 'upload', uploadId, name: 'hello.wav' }] });
    const job = await client.waitForJob(jobId);
    expect(job).toMatchObject({ state: 'succeeded', kind: 'library.importClips', title: 'Import hello.wav' });
    const [file] = (job.result as { files: Array<{ clipId: string | null; error: unknown }> }).files;
    expect(file.error).toBeNull();
    const clip = await client.call('library.getClip', { id: file.clipId! });
    expect(clip.durationSec).toBeCloseTo(0.75, 6);
    expect(() => host.uploads.resolve(uploadId)).toThrowError(expect.objectContaining({ code: 'not_found' }));
    expect(changes).toContainEqual({ entity: 'speaker', id: speaker.id });
    expect(changes).toContainEqual({ entity: 'clip', id: clip.id });
  });

  it('refuses path imports outside the allowed folders', async () => {
    const { client } = await openHost(await tempHome());
    const { jobId } = await client.call('library.importFolder', { path: tmpdir() });
    const job = await client.waitForJob(jobId);
    expect(job.state).toBe('failed');
    expect(job.error?.code).toBe('path_not_allowed');
  });

  it('clones envelopes across the in-process boundary and delivers them asynchronously', async () => {
    const { client } = await openHost(await tempHome());
    const input = {};
    let settled = false;
    const call = client.call('system.ping', input).then((value) => {
      settled = true;
      return value;
    });
    await Promise.resolve();
    expect(settled).toBe(false);
    const first = await call;
    const second = await client.call('system.ping', {});
    expect(first).not.toBe(second);
    expect(typeof first.at).toBe('string');
  });

  it('rejects pending calls when the client closes the connection', async () => {
    const { client } = await openHost(await tempHome());
    const pending = client.call('system.ping', {});
    client.close();
    await expect(pending).rejects.toMatchObject({ code: 'engine_unavailable' });
  });
});

