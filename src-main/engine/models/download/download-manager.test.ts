/**
 * Catalogue downloads end to end through the model service and a real job queue, against a local hub
 * (fake-hub.ts) serving a tiny but real VALL-E checkpoint with its YAML, and a codec: progress, install, the
 * interrupted → restart → resume path with Range, corrupted and missing files, offline, pause, cancel.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { exampleConfigPath } from '../../valle/config/index.js';
import { writeSafetensors } from '../../nn/io/safetensors.js';
import type { CatalogueItem } from '../catalogue.js';
import { FakeHub, sha256 } from '../testing/fake-hub.js';
import { resultModel, serviceFixture, type ServiceFixture } from '../testing/service-fixture.js';
import { writeTinyValleSft } from '../testing/tiny-checkpoints.js';

const VALLE: CatalogueItem = {
  id: 'tiny-valle',
  name: 'Tiny VALL-E',
  kind: 'valle',
  description: 'test',
  repo: 'test/tiny-valle',
  revision: 'main',
  files: [
    { path: 'models/ckpt/ar+nar-tiny/fp32.sft', role: 'checkpoint', optional: false },
    { path: 'models/config.yaml', role: 'yaml', optional: true },
  ],
  codec: 'vocos',
  homepage: 'https://example.invalid',
};

const CODEC: CatalogueItem = {
  id: 'tiny-codec',
  name: 'Tiny codec',
  kind: 'codec',
  description: 'test',
  repo: 'test/tiny-codec',
  revision: 'main',
  files: [
    { path: 'config.json', role: 'config', optional: false },
    { path: 'model.safetensors', role: 'weights', optional: false },
  ],
  codec: 'encodec',
  homepage: 'https://example.invalid',
};

let hub: FakeHub;
let scratch: string;
let sft: Buffer;
let parameters: number;
let yaml: Buffer;
let codecWeights: Buffer;
const fixtures: ServiceFixture[] = [];

beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'valle-hub-files-'));
  parameters = await writeTinyValleSft(path.join(scratch, 'fp32.sft'), { dtype: 'float32' });
  sft = await readFile(path.join(scratch, 'fp32.sft'));
  yaml = await readFile(exampleConfigPath());
  await writeSafetensors(path.join(scratch, 'codec.safetensors'), new Map([['quantizer.codebook', { dtype: 'float32', shape: [4, 8], data: new Float32Array(32) }]]));
  codecWeights = await readFile(path.join(scratch, 'codec.safetensors'));
  hub = await FakeHub.start([
    {
      repo: VALLE.repo,
      files: [
        { path: VALLE.files[0].path, bytes: sft },
        { path: VALLE.files[1].path, bytes: yaml, lfs: false },
      ],
    },
    {
      repo: CODEC.repo,
      files: [
        { path: 'config.json', bytes: Buffer.from('{"model_type": "encodec"}'), lfs: false },
        { path: 'model.safetensors', bytes: codecWeights },
      ],
    },
  ]);
});

afterAll(async () => {
  await hub.close();
  await rm(scratch, { recursive: true, force: true });
});

afterEach(async () => {
  for (const f of fixtures.splice(0)) await f.dispose();
  hub.requests.length = 0;
  hub.dropAt = null;
  hub.drops = 0;
  hub.corrupt.clear();
  hub.bytesPerSecond = null;
  hub.setFiles(VALLE.repo, [
    { path: VALLE.files[0].path, bytes: sft },
    { path: VALLE.files[1].path, bytes: yaml, lfs: false },
  ]);
});

async function setup(options: Parameters<typeof serviceFixture>[0] = {}): Promise<ServiceFixture> {
  const f = await serviceFixture({ hubUrl: hub.url, catalogue: [VALLE, CODEC], ...options });
  fixtures.push(f);
  return f;
}

describe('catalogue downloads', () => {
  it('downloads, verifies and installs a VALL-E model with its YAML, reporting bytes along the way', async () => {
    const f = await setup();
    const { jobId } = await f.service.download({ catalogueId: VALLE.id });
    const job = await f.waitForJob(jobId);
    const model = resultModel(job);

    expect(model).toMatchObject({ id: 'tiny-valle', kind: 'valle', architecture: 'llama', sizePreset: 'custom', parameterCount: parameters, codec: 'vocos' });
    expect(model.origin).toEqual({ kind: 'hub', repo: VALLE.repo, revision: 'main', catalogueId: VALLE.id });
    expect(model.files).toEqual([
      { role: 'checkpoint', name: 'fp32.sft', bytes: sft.length, sha256: sha256(sft) },
      { role: 'yaml', name: 'config.yaml', bytes: yaml.length, sha256: sha256(yaml) },
    ]);
    expect(model.totalBytes).toBe(sft.length + yaml.length);
    expect(Buffer.compare(await readFile(path.join(f.home, 'models', model.id, 'fp32.sft')), sft)).toBe(0);
    expect(f.service.list({})).toEqual([model]);
    expect(f.service.catalogue().find((c) => c.id === VALLE.id)).toMatchObject({ installedModelId: model.id, download: null });

    // Progress went out with growing bytes and a known total; the download's folder is gone; it ended with null.
    const records = f.downloadEvents.filter((e) => e.download).map((e) => e.download!);
    expect(records.some((r) => r.state === 'downloading' && r.bytesTotal === sft.length + yaml.length)).toBe(true);
    const dones = records.map((r) => r.bytesDone);
    expect(dones.every((n, i) => i === 0 || n >= dones[i - 1])).toBe(true);
    expect(f.downloadEvents.at(-1)).toEqual({ catalogueId: VALLE.id, download: null });
    expect(await readdir(path.join(f.home, 'models', '.downloads'))).toEqual([]);
    expect(f.changes).toEqual([{ id: model.id, change: 'added' }]);

    // Downloading it again is refused while it is installed.
    await expect(f.service.download({ catalogueId: VALLE.id })).rejects.toMatchObject({ code: 'conflict' });
  });

  it('leaves a dropped download resumable across a restart, and finishes it with a Range request', async () => {
    let f = await setup();
    hub.dropAt = 20_000;
    hub.drops = 1;
    const first = await f.waitForJob((await f.service.download({ catalogueId: VALLE.id })).jobId);
    expect(first.state).toBe('failed');
    expect(first.error?.code).toBe('network_unavailable');
    const interrupted = f.service.listDownloads()[0];
    expect(interrupted).toMatchObject({ state: 'interrupted', bytesDone: 20_000, jobId: null, error: { code: 'network_unavailable' } });
    expect(existsSync(path.join(f.home, 'models', '.downloads', VALLE.id, 'fp32.sft.partial'))).toBe(true);

    // A new engine on the same home reads the state file.
    f = await f.restart();
    fixtures.push(f);
    expect(f.service.listDownloads()).toEqual([expect.objectContaining({ catalogueId: VALLE.id, state: 'interrupted', bytesDone: 20_000, bytesTotal: sft.length + yaml.length })]);

    const resumed = await f.waitForJob((await f.service.download({ catalogueId: VALLE.id })).jobId);
    expect(resultModel(resumed).files[0].sha256).toBe(sha256(sft));
    expect(hub.ranges()).toContain('bytes=20000-');
    expect(f.service.listDownloads()).toEqual([]);
  });

  it('refuses a corrupted file: checksum error, the file removed, nothing installed', async () => {
    const f = await setup();
    hub.corrupt.add(VALLE.files[0].path);
    const job = await f.waitForJob((await f.service.download({ catalogueId: VALLE.id })).jobId);
    expect(job.state).toBe('failed');
    expect(job.error).toMatchObject({ code: 'checksum_mismatch' });
    expect(job.error?.message).toMatch(/fp32\.sft is corrupt/);
    expect(f.service.list({})).toEqual([]);
    expect(f.service.listDownloads()[0]).toMatchObject({ state: 'failed', bytesDone: 0, error: { code: 'checksum_mismatch' } });
    expect(existsSync(path.join(f.home, 'models', '.downloads', VALLE.id, 'fp32.sft.partial'))).toBe(false);

    // Downloading again, from a hub that now serves the right bytes, installs it.
    hub.corrupt.clear();
    const again = await f.waitForJob((await f.service.download({ catalogueId: VALLE.id })).jobId);
    expect(resultModel(again).kind).toBe('valle');
  });

  it('says clearly when the hub cannot be reached', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((r) => closed.close(() => r()));
    const f = await setup({ hubUrl: `http://127.0.0.1:${port}` });
    const job = await f.waitForJob((await f.service.download({ catalogueId: VALLE.id })).jobId);
    expect(job.state).toBe('failed');
    expect(job.error?.code).toBe('network_unavailable');
    expect(job.error?.message).toMatch(/^Cannot reach 127\.0\.0\.1:\d+: the connection was refused .*Check the internet connection/);
    expect(f.service.listDownloads()[0]).toMatchObject({ state: 'interrupted' });
  });

  it('pauses keeping the partial, resumes to completion, and cancel removes everything', async () => {
    const f = await setup();
    hub.bytesPerSecond = 100_000;
    const { jobId } = await f.service.download({ catalogueId: VALLE.id });
    await until(() => (f.service.listDownloads()[0]?.bytesDone ?? 0) > 30_000);
    const paused = await f.service.pauseDownload({ catalogueId: VALLE.id });
    expect(paused).toMatchObject({ state: 'paused', jobId: null });
    expect(paused.bytesDone).toBeGreaterThan(30_000);
    expect((await f.waitForJob(jobId)).state).toBe('cancelled');
    expect(existsSync(path.join(f.home, 'models', '.downloads', VALLE.id, 'fp32.sft.partial'))).toBe(true);

    hub.bytesPerSecond = null;
    const resumed = await f.waitForJob((await f.service.download({ catalogueId: VALLE.id })).jobId);
    expect(resultModel(resumed).files[0].sha256).toBe(sha256(sft));
    expect(hub.ranges().some((r) => Number(/bytes=(\d+)-/.exec(r)?.[1]) >= paused.bytesDone)).toBe(true);

    // Cancel: start a codec download, stop it part-way, and nothing of it is left.
    hub.bytesPerSecond = 20_000;
    hub.setFiles(CODEC.repo, [
      { path: 'config.json', bytes: Buffer.from('{}'), lfs: false },
      { path: 'model.safetensors', bytes: randomBytes(200_000) },
    ]);
    const codecJob = (await f.service.download({ catalogueId: CODEC.id })).jobId;
    await until(() => (f.service.listDownloads().find((d) => d.catalogueId === CODEC.id)?.bytesDone ?? 0) > 10_000);
    expect(await f.service.cancelDownload({ catalogueId: CODEC.id })).toEqual({ cancelled: CODEC.id });
    expect((await f.waitForJob(codecJob)).state).toBe('cancelled');
    expect(existsSync(path.join(f.home, 'models', '.downloads', CODEC.id))).toBe(false);
    expect(f.service.listDownloads()).toEqual([]);
    expect(f.downloadEvents.at(-1)).toEqual({ catalogueId: CODEC.id, download: null });
  });

  it('marks a download the engine was running when it stopped as interrupted', async () => {
    const f = await setup();
    const dir = path.join(f.home, 'models', '.downloads', VALLE.id);
    await f.stop();
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    const now = new Date().toISOString();
    await writeFile(
      path.join(dir, 'download.json'),
      JSON.stringify({
        version: 1,
        catalogueId: VALLE.id,
        repo: VALLE.repo,
        revision: 'main',
        state: 'downloading',
        files: VALLE.files.map((x) => ({ ...x, bytes: null, sha256: null, gitSha1: null, verified: false, actualSha256: null })),
        error: null,
        startedAt: now,
        updatedAt: now,
      }),
    );
    await writeFile(path.join(dir, 'fp32.sft.partial'), sft.subarray(0, 1234));
    const g = await serviceFixture({ hubUrl: hub.url, catalogue: [VALLE, CODEC], home: f.home });
    fixtures.push(g);
    expect(g.service.listDownloads()[0]).toMatchObject({ state: 'interrupted', bytesDone: 1234, error: { code: 'engine_unavailable' } });
    const job = await g.waitForJob((await g.service.download({ catalogueId: VALLE.id })).jobId);
    expect(resultModel(job).kind).toBe('valle');
    expect(hub.ranges()).toContain('bytes=1234-');
  });

  it('installs without an optional file the hub lacks, and refuses when a required one is missing', async () => {
    const f = await setup();
    hub.setFiles(VALLE.repo, [{ path: VALLE.files[0].path, bytes: sft }]);
    const model = resultModel(await f.waitForJob((await f.service.download({ catalogueId: VALLE.id })).jobId));
    expect(model.files.map((x) => x.role)).toEqual(['checkpoint']);

    hub.setFiles(CODEC.repo, [{ path: 'config.json', bytes: Buffer.from('{}'), lfs: false }]);
    const job = await f.waitForJob((await f.service.download({ catalogueId: CODEC.id })).jobId);
    expect(job.error).toMatchObject({ code: 'not_found' });
    expect(job.error?.message).toContain('model.safetensors');
  });

  it('installs a codec with its parameter count from the weights', async () => {
    const f = await setup();
    hub.setFiles(CODEC.repo, [
      { path: 'config.json', bytes: Buffer.from('{"model_type": "encodec"}'), lfs: false },
      { path: 'model.safetensors', bytes: codecWeights },
    ]);
    const model = resultModel(await f.waitForJob((await f.service.download({ catalogueId: CODEC.id })).jobId));
    expect(model).toMatchObject({ id: 'tiny-codec', kind: 'codec', architecture: 'encodec', codec: 'encodec', parameterCount: 32 });
    expect(model.files.map((x) => x.name)).toEqual(['config.json', 'model.safetensors']);
  });

  it('refuses a download that is not a valid model and frees its files', async () => {
    const f = await setup();
    const junk = randomBytes(5000);
    hub.setFiles(VALLE.repo, [{ path: VALLE.files[0].path, bytes: junk }]);
    const job = await f.waitForJob((await f.service.download({ catalogueId: VALLE.id })).jobId);
    expect(job.error?.code).toBe('invalid_input');
    expect(f.service.list({})).toEqual([]);
    expect(f.service.listDownloads()[0]).toMatchObject({ state: 'failed', bytesDone: 0 });
    expect(await readdir(path.join(f.home, 'models', '.downloads', VALLE.id))).toEqual(['download.json']);
    expect(await readdir(path.join(f.home, 'models'))).not.toContain('tiny-valle');
  });
});

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 5));
}
