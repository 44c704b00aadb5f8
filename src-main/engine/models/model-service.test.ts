/**
 * Importing, listing, loading, swapping and deleting models through the model service, with real (tiny) reference
 * checkpoints written by the exporter and LoRAs in the §8.6 layout; the registry's folders, rows and manifests;
 * refusals that leave nothing behind.
 */
import { copyFile, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { InstalledModel } from '../../../src-shared/api/models.js';
import type { JobContext } from '../jobs/job-context.js';
import { exampleConfigPath } from '../valle/config/index.js';
import { readSafetensors, writeSafetensors } from '../nn/io/safetensors.js';
import { sha256 } from './testing/fake-hub.js';
import { serviceFixture, type ServiceFixture } from './testing/service-fixture.js';
import { tinyLoraPth, writeTinyLoraSft, writeTinyValleSft } from './testing/tiny-checkpoints.js';
import type { LoadedValleModel } from './valle-loader.js';
import { studioErrorOf } from '../testing/studio-error-of.js';

const fixtures: ServiceFixture[] = [];
afterEach(async () => {
  for (const f of fixtures.splice(0)) await f.dispose();
});

async function setup(uploads?: Map<string, { path: string; name: string }>): Promise<ServiceFixture> {
  const f = await serviceFixture({ uploads });
  fixtures.push(f);
  return f;
}

function job(): JobContext & { stages: string[] } {
  const stages: string[] = [];
  return {
    signal: new AbortController().signal,
    tasks: { run: () => Promise.reject(new Error('no tasks')) },
    progress: (r) => void stages.push(r.stage),
    stages,
  };
}

const pathSource = (p: string) => ({ kind: 'path' as const, path: p });

describe('models.import', () => {
  it('imports a reference .sft: copied as fp32.sft, checked, described, listed, with a row and a manifest', async () => {
    const f = await setup();
    const file = path.join(f.allowed, 'narrator-v2.sft');
    const parameters = await writeTinyValleSft(file, { layers: 2 });
    const { model } = await f.service.importModel({ checkpoint: pathSource(file), yaml: null, kind: 'auto' }, job());

    expect(model).toMatchObject({
      id: 'narrator-v2',
      name: 'narrator-v2',
      kind: 'valle',
      architecture: 'llama',
      fullName: 'ar+nar-llama-8',
      sizePreset: 'custom',
      dimensions: { dModel: 32, heads: 4, layers: 2, levels: 8, langs: 2, tasks: 8 },
      parameterCount: parameters,
      codec: 'vocos',
      origin: { kind: 'imported', fileName: 'narrator-v2.sft', path: file },
      lora: null,
    });
    const source = await readFile(file);
    expect(model.files).toEqual([{ role: 'checkpoint', name: 'fp32.sft', bytes: source.length, sha256: sha256(source) }]);
    const folder = path.join(f.home, 'models', model.id);
    expect((await readdir(folder)).sort()).toEqual(['fp32.sft', 'manifest.json']);
    expect(JSON.parse(await readFile(path.join(folder, 'manifest.json'), 'utf8'))).toEqual({ manifestVersion: 1, ...model });
    expect(f.db.models.get(model.id)).toMatchObject({ name: 'narrator-v2', kind: 'valle', path: 'models/narrator-v2' });
    expect(f.service.list({})).toEqual([model]);
    expect(f.service.get({ id: model.id })).toEqual(model);
    expect(f.service.list({ kind: 'lora' })).toEqual([]);
    expect(f.changes).toEqual([{ id: model.id, change: 'added' }]);
    // The source stays where it was.
    expect(existsSync(file)).toBe(true);
  });

  it('takes a YAML along and a name, and gives a second model of the same name its own id', async () => {
    const f = await setup();
    const file = path.join(f.allowed, 'ckpt', 'ar+nar-llama-8', 'fp32.sft');
    await mkdir(path.dirname(file), { recursive: true });
    await writeTinyValleSft(file);
    const yaml = path.join(f.allowed, 'config.llama.yaml');
    await copyFile(exampleConfigPath(), yaml);
    const a = (await f.service.importModel({ checkpoint: pathSource(file), yaml: pathSource(yaml), kind: 'valle' }, job())).model;
    // fp32.sft names nothing: the model is named after its folder.
    expect(a).toMatchObject({ id: 'ar-nar-llama-8', name: 'ar+nar-llama-8' });
    expect(a.files.map((x) => [x.role, x.name])).toEqual([
      ['checkpoint', 'fp32.sft'],
      ['yaml', 'config.yaml'],
    ]);
    const b = (await f.service.importModel({ checkpoint: pathSource(file), yaml: null, kind: 'auto', name: 'ar+nar-llama-8' }, job())).model;
    expect(b.id).toBe('ar-nar-llama-8-2');
  });

  it('moves an uploaded file instead of copying it', async () => {
    const uploads = new Map<string, { path: string; name: string }>();
    const f = await setup(uploads);
    const staged = path.join(f.home, 'uploads', 'u1', 'voice.sft');
    await mkdir(path.dirname(staged), { recursive: true });
    await writeTinyValleSft(staged);
    const bytes = await readFile(staged);
    uploads.set('u1', { path: staged, name: 'voice.sft' });
    const { model } = await f.service.importModel({ checkpoint: { kind: 'upload', uploadId: 'u1', name: 'voice.sft' }, yaml: null, kind: 'auto' }, job());
    expect(model.origin).toEqual({ kind: 'imported', fileName: 'voice.sft', path: null });
    expect(model.files[0].sha256).toBe(sha256(bytes));
    expect(existsSync(staged)).toBe(false);
  });

  it('recognises LoRAs (.sft and .pth) by their tensors and describes them', async () => {
    const f = await setup();
    const sft = path.join(f.allowed, 'whisper-style.sft');
    await writeTinyLoraSft(sft, { rank: 4, layers: 2 });
    const a = (await f.service.importModel({ checkpoint: pathSource(sft), yaml: null, kind: 'auto' }, job())).model;
    expect(a).toMatchObject({ kind: 'lora', files: [{ role: 'lora', name: 'lora.sft' }], lora: { rank: 4, alpha: 8, layers: 2, dModel: 32, parametrized: false } });
    expect(a.parameterCount).toBe(2 * (3 * (4 * 32 + 32 * 4) + 2 * (4 * 32 + 128 * 4) + (4 * 128 + 32 * 4)));

    const pth = path.join(f.allowed, 'accent.pth');
    await writeFile(pth, tinyLoraPth({ rank: 4 }));
    const b = (await f.service.importModel({ checkpoint: pathSource(pth), yaml: null, kind: 'auto' }, job())).model;
    expect(b).toMatchObject({ kind: 'lora', files: [{ name: 'lora.pth' }], lora: { rank: 4, alpha: 16 } });
  });

  it('refuses what is not a usable model, says why, and leaves nothing behind', async () => {
    const f = await setup();
    const good = path.join(f.allowed, 'good.sft');
    await writeTinyValleSft(good);
    // A checkpoint missing a tensor the model needs.
    const content = readSafetensors(await readFile(good));
    content.tensors.delete('classifier.bias');
    const broken = path.join(f.allowed, 'broken.sft');
    await writeSafetensors(broken, content.tensors, content.metadata);
    const e1 = await studioErrorOf(f.service.importModel({ checkpoint: pathSource(broken), yaml: null, kind: 'auto' }, job()));
    expect(e1.code).toBe('invalid_input');
    expect(e1.message).toMatch(/missing 1 tensor\(s\): classifier\.bias/);

    const text = path.join(f.allowed, 'notes.sft');
    await writeFile(text, 'these are my notes');
    expect((await studioErrorOf(f.service.importModel({ checkpoint: pathSource(text), yaml: null, kind: 'auto' }, job()))).code).toBe('invalid_input');
    expect((await studioErrorOf(f.service.importModel({ checkpoint: pathSource(path.join(f.allowed, 'x.wav')), yaml: null, kind: 'auto' }, job()))).code).toBe('not_found');
    await writeFile(path.join(f.allowed, 'x.wav'), 'RIFF');
    expect((await studioErrorOf(f.service.importModel({ checkpoint: pathSource(path.join(f.allowed, 'x.wav')), yaml: null, kind: 'auto' }, job()))).message).toMatch(
      /not a checkpoint/,
    );
    const outside = path.join(f.home, 'elsewhere.sft');
    await copyFile(good, outside);
    expect((await studioErrorOf(f.service.importModel({ checkpoint: pathSource(outside), yaml: null, kind: 'auto' }, job()))).code).toBe('path_not_allowed');
    const lora = path.join(f.allowed, 'l.sft');
    await writeTinyLoraSft(lora);
    const yaml = path.join(f.allowed, 'c.yaml');
    await copyFile(exampleConfigPath(), yaml);
    expect((await studioErrorOf(f.service.importModel({ checkpoint: pathSource(lora), yaml: pathSource(yaml), kind: 'auto' }, job()))).message).toMatch(/LoRA is imported on its own/);

    expect(f.service.list({})).toEqual([]);
    expect(f.changes).toEqual([]);
    expect(await readdir(path.join(f.home, 'models', '.staging')).catch(() => [])).toEqual([]);
    expect((await readdir(path.join(f.home, 'models'))).filter((n) => !n.startsWith('.'))).toEqual([]);
  });
});

describe('active model', () => {
  it('loads an imported checkpoint, hot-swaps to another and refuses to delete the active one', async () => {
    const f = await setup();
    const a = path.join(f.allowed, 'two-layers.sft');
    const b = path.join(f.allowed, 'one-layer.sft');
    await writeTinyValleSft(a, { layers: 2 });
    await writeTinyValleSft(b, { layers: 1, seed: 3 });
    const ma = (await f.service.importModel({ checkpoint: pathSource(a), yaml: null, kind: 'auto' }, job())).model;
    const mb = (await f.service.importModel({ checkpoint: pathSource(b), yaml: null, kind: 'auto' }, job())).model;

    expect((await f.service.load({ id: ma.id, whenBusy: 'finish' })).model?.id).toBe(ma.id);
    const lease = await f.service.manager.acquire();
    const loaded = lease.loaded as LoadedValleModel;
    expect(loaded.valle.spec.layers).toBe(2);
    expect(loaded.files.checkpoint).toBe(path.join(f.home, 'models', ma.id, 'fp32.sft'));
    lease.release();

    expect((await studioErrorOf(f.service.delete({ id: ma.id }))).code).toBe('conflict');
    const swapped = await f.service.load({ id: mb.id, whenBusy: 'finish' });
    expect(swapped).toMatchObject({ model: { id: mb.id }, phase: 'idle' });
    const again = await f.service.manager.acquire();
    expect((again.loaded as LoadedValleModel).valle.spec.layers).toBe(1);
    again.release();

    expect(await f.service.delete({ id: ma.id })).toEqual({ deleted: ma.id });
    expect(existsSync(path.join(f.home, 'models', ma.id))).toBe(false);
    expect(f.db.models.get(ma.id)).toBeNull();
    expect(f.changes.at(-1)).toEqual({ id: ma.id, change: 'removed' });
    expect((await f.service.unload({ whenBusy: 'finish' })).model).toBeNull();
    expect(await f.service.delete({ id: mb.id })).toEqual({ deleted: mb.id });
    expect((await studioErrorOf(f.service.delete({ id: mb.id }))).code).toBe('not_found');
  });
});

describe('registry on start-up', () => {
  it('restores a row from its manifest, forgets a row whose folder is gone, and clears leftover staging', async () => {
    let f = await setup();
    const file = path.join(f.allowed, 'keep.sft');
    await writeTinyValleSft(file);
    const kept: InstalledModel = (await f.service.importModel({ checkpoint: pathSource(file), yaml: null, kind: 'auto' }, job())).model;
    const gone = (await f.service.importModel({ checkpoint: pathSource(file), yaml: null, kind: 'auto', name: 'gone' }, job())).model;
    f.db.models.delete(kept.id);
    await rm(path.join(f.home, 'models', gone.id), { recursive: true });
    await mkdir(path.join(f.home, 'models', '.staging', 'half-done'), { recursive: true });
    await writeFile(path.join(f.home, 'models', '.staging', 'half-done', 'fp32.sft'), 'partial');

    f = await f.restart();
    fixtures.push(f);
    expect(f.service.list({})).toEqual([kept]);
    expect(existsSync(path.join(f.home, 'models', '.staging'))).toBe(false);
  });
});
