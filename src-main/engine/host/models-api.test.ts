/**
 * `models.*` and `settings.*` over the Studio API (in-process wire, the real host): import by upload as a job,
 * load / swap / delete with their events and refusals, a download of the catalogue's reference model from a local
 * hub (VALLE_STUDIO_HUB_URL's stand-in), and the settings round trip.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ActiveModelState, DownloadRecord, ImportModelResult, InstalledModel } from '../../../src-shared/api/models.js';
import type { SettingsView } from '../../../src-shared/api/settings.js';
import { StudioError } from '../../../src-shared/api/errors.js';
import { createStudioClient } from '../../../src-shared/client.js';
import { FakeHub } from '../models/testing/fake-hub.js';
import { writeTinyValleSft } from '../models/testing/tiny-checkpoints.js';
import { MODEL_CATALOGUE } from '../models/catalogue.js';
import { exampleConfigPath } from '../valle/config/index.js';
import { connectInProcess } from '../transport/in-process.js';
import { EngineHost } from './engine-host.js';
import { memoryLog } from './host-log.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function openHost(options: { hubUrl?: string } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'valle-models-api-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  const host = await EngineHost.open({ home: join(dir, 'home'), hostKind: 'in-process', log: memoryLog(), workerPoolSize: 1, hubUrl: options.hubUrl });
  cleanup.push(() => host.close());
  const { wire, services } = connectInProcess(host);
  const client = createStudioClient(wire, services);
  cleanup.push(() => client.close());
  return { host, client, dir };
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

describe('models over the Studio API', () => {
  it('imports an upload as a job, loads it, refuses to delete it while active, unloads and deletes it', async () => {
    const { client, dir } = await openHost();
    const changed: { id: string; change: string }[] = [];
    const active: ActiveModelState[] = [];
    client.on('models.changed', (e) => changed.push(e));
    client.on('models.active', (s) => active.push(s));

    const file = join(dir, 'voice.sft');
    await writeTinyValleSft(file);
    const bytes = await readFile(file);
    const { uploadId } = await client.upload('voice.sft', bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    const { jobId } = await client.call('models.import', { checkpoint: { kind: 'upload', uploadId, name: 'voice.sft' } });
    const job = await client.waitForJob(jobId);
    expect(job).toMatchObject({ kind: 'models.import', state: 'succeeded', title: 'Import model voice.sft' });
    const model = (job.result as ImportModelResult).model;
    expect(model).toMatchObject({ id: 'voice', kind: 'valle', origin: { kind: 'imported', fileName: 'voice.sft', path: null } });
    expect(await client.call('models.list', {})).toEqual([model]);
    expect(await client.call('models.get', { id: 'voice' })).toEqual(model);

    const state = await client.call('models.load', { id: 'voice' });
    expect(state).toMatchObject({ model: { id: 'voice' }, phase: 'idle', generationsInFlight: 0 });
    expect(await client.call('models.active', {})).toEqual(state);
    expect((await rejection(client.call('models.delete', { id: 'voice', confirm: true }))).code).toBe('conflict');
    expect((await rejection(client.call('models.load', { id: 'nope' }))).code).toBe('not_found');
    expect((await rejection(client.call('models.delete', { id: 'voice' } as never))).code).toBe('invalid_input');

    expect((await client.call('models.unload', {})).model).toBeNull();
    expect(await client.call('models.delete', { id: 'voice', confirm: true })).toEqual({ deleted: 'voice' });
    expect(await client.call('models.list', {})).toEqual([]);
    await expect.poll(() => changed).toEqual([
      { id: 'voice', change: 'added' },
      { id: 'voice', change: 'removed' },
    ]);
    expect(active.map((s) => [s.phase, s.model?.id ?? null])).toEqual(
      expect.arrayContaining([
        ['loading', null],
        ['idle', 'voice'],
        ['idle', null],
      ]),
    );
  });

  it('downloads the reference model of the catalogue from the configured hub, with progress events', async () => {
    const item = MODEL_CATALOGUE.find((c) => c.id === 'ar-nar-llama-8')!;
    const dir = await mkdtemp(join(tmpdir(), 'valle-hub-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    await writeTinyValleSft(join(dir, 'fp32.sft'));
    const hub = await FakeHub.start([
      {
        repo: item.repo,
        files: [
          { path: item.files[0].path, bytes: await readFile(join(dir, 'fp32.sft')) },
          { path: item.files[1].path, bytes: await readFile(exampleConfigPath()), lfs: false },
        ],
      },
    ]);
    cleanup.push(() => hub.close());
    const { client } = await openHost({ hubUrl: hub.url });

    const catalogue = await client.call('models.catalogue', {});
    expect(catalogue.map((c) => c.id)).toEqual(['ar-nar-llama-8', 'encodec-24khz', 'vocos-encodec-24khz']);
    expect(catalogue.map((c) => c.repo)).toEqual(['ecker/vall-e', 'facebook/encodec_24khz', 'charactr/vocos-encodec-24khz']);

    const progress: (DownloadRecord | null)[] = [];
    client.on('models.download', (e) => progress.push(e.download));
    const { jobId } = await client.call('models.download', { catalogueId: 'ar-nar-llama-8' });
    const job = await client.waitForJob(jobId);
    expect(job).toMatchObject({ kind: 'models.download', state: 'succeeded', title: 'Download VALL-E ar+nar-llama-8' });
    const model = (job.result as { model: InstalledModel }).model;
    expect(model).toMatchObject({ id: 'ar-nar-llama-8', origin: { kind: 'hub', repo: 'ecker/vall-e', revision: 'main' } });
    expect(hub.requests.some((r) => r.path === '/ecker/vall-e/resolve/main/models/ckpt/ar%2Bnar-llama-8/fp32.sft')).toBe(true);
    await expect.poll(() => progress.at(-1)).toBeNull();
    expect(progress.some((p) => p?.state === 'downloading' && p.bytesTotal !== null)).toBe(true);
    expect((await client.call('models.catalogue', {}))[0]).toMatchObject({ installedModelId: 'ar-nar-llama-8', download: null });
    expect((await rejection(client.call('models.pauseDownload', { catalogueId: 'ar-nar-llama-8' }))).code).toBe('not_found');
  });
});

describe('settings over the Studio API', () => {
  it('reads, updates (announcing it), validates and reports the active provider', async () => {
    const { client, host } = await openHost();
    const views: SettingsView[] = [];
    client.on('settings.changed', (v) => views.push(v));
    const first = await client.call('settings.get', {});
    expect(first.settings).toEqual({ executionProvider: 'auto', intraOpThreads: 0, interOpThreads: 0 });
    expect(first.home.path).toBe(host.home.root);
    const updated = await client.call('settings.update', { executionProvider: 'cpu', intraOpThreads: 2 });
    expect(updated.settings).toEqual({ executionProvider: 'cpu', intraOpThreads: 2, interOpThreads: 0 });
    await expect.poll(() => views.length).toBe(1);
    expect((await rejection(client.call('settings.update', { executionProvider: 'tpu' } as never))).code).toBe('invalid_input');
    expect((await rejection(client.call('settings.update', { intraOpThreads: -1 }))).code).toBe('invalid_input');
    expect((await client.call('settings.get', {})).settings.executionProvider).toBe('cpu');
    const report = await client.call('settings.providers', {});
    expect(report).toMatchObject({ requested: 'cpu', active: 'cpu', reason: null });
  });
});
