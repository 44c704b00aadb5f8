import { describe, expect, it } from 'vitest';
import { FakeClient, jobRecord } from '$lib/testing/fake-client.js';
import { ToastService } from '$lib/notifications/toasts.svelte.js';
import { StudioError } from '$shared/api/errors.js';
import type { ActiveModelState, CatalogueEntry, DownloadRecord, InstalledModel } from '$shared/api/models.js';
import { ModelImportService } from './model-import.svelte.js';
import { describeOrigin, formatBytes, formatParameters, formatSize } from './model-format.js';
import { ModelsService } from './models.svelte.js';

const model = (id: string, patch: Partial<InstalledModel> = {}): InstalledModel => ({
  id,
  name: id,
  kind: 'valle',
  architecture: 'llama',
  fullName: 'ar+nar-llama-8',
  sizePreset: 'full',
  dimensions: { dModel: 1024, heads: 16, layers: 12, levels: 8, langs: 2, tasks: 8 },
  parameterCount: 220_000_000,
  codec: 'vocos',
  origin: { kind: 'demo' },
  files: [],
  totalBytes: 880_000_000,
  lora: null,
  warnings: [],
  createdAt: '',
  ...patch,
});

const entry = (id: string, download: DownloadRecord | null = null): CatalogueEntry => ({
  id,
  name: id,
  kind: 'valle',
  description: '',
  repo: 'ecker/vall-e',
  revision: 'main',
  files: [],
  codec: 'vocos',
  homepage: '',
  installedModelId: null,
  download,
});

const record = (catalogueId: string, patch: Partial<DownloadRecord> = {}): DownloadRecord => ({
  catalogueId,
  name: catalogueId,
  repo: 'r',
  revision: 'main',
  state: 'downloading',
  jobId: 'j1',
  bytesDone: 10,
  bytesTotal: 100,
  bytesPerSecond: 5,
  etaSeconds: 18,
  currentFile: 'fp32.sft',
  files: [],
  error: null,
  startedAt: '',
  updatedAt: '',
  ...patch,
});

const idle: ActiveModelState = { model: null, loadedAt: null, phase: 'idle', pendingId: null, generationsInFlight: 0 };

function engine(installed: InstalledModel[] = [], catalogue: CatalogueEntry[] = [entry('ref')]) {
  const state = { installed, catalogue, active: idle };
  const client = new FakeClient()
    .handle('models.list', () => state.installed)
    .handle('models.active', () => state.active)
    .handle('models.catalogue', () => state.catalogue);
  const toasts = new ToastService();
  const models = new ModelsService(client, toasts);
  return { client, toasts, models, state };
}

describe('ModelsService', () => {
  it('loads the lists, and shows the first-run screen only with nothing installed and nothing downloading', async () => {
    const { models, state, client } = engine();
    expect(models.firstRun).toBe(false); // not loaded yet
    await models.refresh();
    expect(models.firstRun).toBe(true);
    client.emit('models.download', { catalogueId: 'ref', download: record('ref') });
    expect(models.downloads).toEqual([record('ref')]);
    expect(models.firstRun).toBe(false);
    client.emit('models.download', { catalogueId: 'ref', download: null });
    expect(models.firstRun).toBe(true);
    state.installed = [model('a')];
    await models.refresh();
    expect(models.firstRun).toBe(false);
  });

  it('follows the active model from events and from load answers', async () => {
    const { models, client } = engine([model('a'), model('b')]);
    await models.refresh();
    client.emit('models.active', { ...idle, phase: 'loading', pendingId: 'a' });
    expect(models.active.phase).toBe('loading');
    client.handle('models.load', ({ id }) => ({ ...idle, model: model(id), loadedAt: 'now' }));
    expect(await models.load('b')).toBe(true);
    expect(models.isActive('b')).toBe(true);
    expect(client.callsOf('models.load')).toEqual([{ id: 'b', whenBusy: 'finish' }]);
  });

  it('says why a load or a delete was refused', async () => {
    const { models, client, toasts } = engine([model('a')]);
    await models.refresh();
    client.handle('models.load', () => {
      throw new StudioError('invalid_input', 'a.sft: tensors do not match the model');
    });
    client.handle('models.delete', () => {
      throw new StudioError('conflict', 'a is the active model');
    });
    expect(await models.load('a')).toBe(false);
    expect(await models.remove('a')).toBe(false);
    expect(toasts.toasts.map((t) => [t.context, t.code])).toEqual([
      ['Load a', 'invalid_input'],
      ['Delete a', 'conflict'],
    ]);
  });

  it('starts, pauses and cancels downloads, announcing the outcome of the job', async () => {
    const { models, client, toasts } = engine();
    await models.refresh();
    client.jobs.set('job-1', jobRecord({ id: 'job-1', kind: 'models.download', state: 'failed', error: { code: 'network_unavailable', message: 'Cannot reach huggingface.co' } }));
    client.handle('models.download', () => ({ jobId: 'job-1' }));
    client.handle('models.pauseDownload', ({ catalogueId }) => record(catalogueId, { state: 'paused', jobId: null }));
    client.handle('models.cancelDownload', ({ catalogueId }) => ({ cancelled: catalogueId }));
    await models.download('ref');
    await new Promise((r) => setTimeout(r, 0));
    expect(toasts.toasts.at(-1)).toMatchObject({ kind: 'error', context: 'Download ref', message: 'Cannot reach huggingface.co' });
    await models.pause('ref');
    expect(models.entry('ref')?.download?.state).toBe('paused');
    await models.cancelDownload('ref');
    expect(models.entry('ref')?.download).toBeNull();
    expect(models.pending.size).toBe(0);
  });
});

describe('ModelImportService', () => {
  it('uploads the checkpoint and its YAML, runs the import job and refreshes the list', async () => {
    const { client, toasts, models } = engine();
    const importer = new ModelImportService(client, toasts, models);
    client.handle('models.import', () => ({ jobId: 'imp' }));
    client.jobs.set('imp', jobRecord({ id: 'imp', kind: 'models.import', result: { model: model('voice') } }));
    const result = await importer.importModel({ checkpoint: new File([new Uint8Array(8)], 'voice.sft'), yaml: new File(['a: 1'], 'config.yaml'), name: ' My voice ' });
    expect(result?.id).toBe('voice');
    expect(client.callsOf('models.import')).toEqual([
      { checkpoint: { kind: 'upload', uploadId: 'upload-1', name: 'voice.sft' }, yaml: { kind: 'upload', uploadId: 'upload-2', name: 'config.yaml' }, name: 'My voice' },
    ]);
    expect(client.callsOf('models.list')).toHaveLength(1);
    expect(toasts.toasts.at(-1)).toMatchObject({ kind: 'success', message: 'Imported voice.' });
    expect(importer.task).toBeNull();
  });

  it('refuses a file that is not a checkpoint before uploading anything', async () => {
    const { client, toasts, models } = engine();
    const importer = new ModelImportService(client, toasts, models);
    expect(await importer.importModel({ checkpoint: new File(['x'], 'take.wav'), yaml: null })).toBeNull();
    expect(client.uploads).toEqual([]);
    expect(toasts.toasts[0].message).toMatch(/Not a checkpoint/);
  });
});

describe('model formatting', () => {
  it('writes sizes, counts and sources the way people read them', () => {
    expect(formatBytes(880_123_456)).toBe('880 MB');
    expect(formatBytes(1_700_000_000)).toBe('1.7 GB');
    expect(formatBytes(999_999)).toBe('1.0 MB');
    expect(formatParameters(220_012_345)).toBe('220M');
    expect(formatParameters(712_448)).toBe('712K');
    expect(formatParameters(1_300_000_000)).toBe('1.3B');
    expect(formatSize(model('a'))).toBe('full (d 1024 × 12 layers)');
    expect(formatSize(model('l', { kind: 'lora', lora: { rank: 8, alpha: 16, layers: 12, targets: [], dModel: 1024, parametrized: false } }))).toBe('rank 8 · 12 layers');
    expect(describeOrigin({ kind: 'hub', repo: 'ecker/vall-e', revision: 'main', catalogueId: 'x' })).toBe('ecker/vall-e@main');
    expect(describeOrigin({ kind: 'imported', fileName: 'v.sft', path: null })).toBe('uploaded v.sft');
  });
});
