import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { StudioError } from '../../../../../src-shared/api/errors.js';
import { hostTensor } from '../../io/host-tensor.js';
import { Session } from '../session.js';
import { linearModel, linearModelExternal, slowModel } from '../test-models.js';
import { SessionHost } from './session-host.js';

const k = 4;
const m = 3;
const w = Float32Array.from({ length: k * m }, (_, i) => Math.cos(i) / 2);
const b = Float32Array.from([0.1, -0.2, 0.3]);
const n = 5;
const xData = () => Float32Array.from({ length: n * k }, (_, i) => ((i * 37) % 11) / 5 - 1);

let dir: string;
const hosts: SessionHost[] = [];
function newHost(name = 'test-host', options: Omit<ConstructorParameters<typeof SessionHost>[0] & object, 'name'> = {}): SessionHost {
  const h = new SessionHost({ name, ...options });
  hosts.push(h);
  return h;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'nn-host-'));
});
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.dispose()));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('SessionHost', () => {
  it('gives exactly the in-thread results, with the provider reported', async () => {
    const model = linearModel(w, b, k, m);
    const local = await Session.create(model, { provider: 'cpu', intraOpThreads: 1 });
    const expected = await local.run({ x: hostTensor('float32', [n, k], xData()) });
    await local.dispose();

    const host = newHost();
    const info = await host.load('linear', model, { provider: 'cpu', intraOpThreads: 1, transfer: false });
    expect(info).toEqual({ inputNames: ['x'], outputNames: ['y', 'z'], provider: 'cpu' });
    const out = await host.run('linear', { x: hostTensor('float32', [n, k], xData()) });
    expect(out.y.shape).toEqual([n, m]);
    expect(out.y.data).toBeInstanceOf(Float32Array);
    expect([...out.y.data]).toEqual([...expected.y.data]);
    expect([...out.z.data]).toEqual([...expected.z.data]);
    // The main thread's id is not the worker's: the session really lives elsewhere.
    expect(host.threadId).not.toBeNull();
  });

  it('transfers feed buffers instead of copying them (the sender’s array is detached)', async () => {
    const host = newHost();
    await host.load('linear', linearModel(w, b, k, m), { provider: 'cpu' });
    const x = xData();
    await host.run('linear', { x: hostTensor('float32', [n, k], x) });
    expect(x.byteLength).toBe(0);
    const kept = xData();
    await host.run('linear', { x: hostTensor('float32', [n, k], kept) }, { transfer: false });
    expect(kept.length).toBe(n * k);
  });

  it('reports cuda → cpu fallback with its reason from the worker', async () => {
    const host = newHost();
    const info = await host.load('linear', linearModel(w, b, k, m), { provider: 'cuda' });
    if (info.provider === 'cpu') expect(info.providerReason).toMatch(/^cuda requested but not available: /);
    else expect(info.provider).toBe('cuda');
  });

  it('memoises load per key: concurrent first calls share one load', async () => {
    const host = newHost();
    const model = linearModel(w, b, k, m);
    const [a, c] = [host.load('m', model, { transfer: false }), host.load('m', model, { transfer: false })];
    expect(a).toBe(c);
    await a;
    expect(host.load('m', model)).toBe(a);
    expect(host.loadedKeys).toEqual(['m']);
  });

  it('forgets a failed load so it can be retried, and names the error', async () => {
    const host = newHost();
    await expect(host.load('bad', new Uint8Array([1, 2, 3]))).rejects.toThrow();
    expect(host.loadedKeys).toEqual([]);
    await expect(host.load('bad', { path: path.join(dir, 'missing.onnx') })).rejects.toThrow(/could not be opened/);
    await expect(host.load('ok', linearModel(w, b, k, m))).resolves.toMatchObject({ provider: expect.any(String) });
  });

  it('loads a model with external data by path in the worker', async () => {
    const modelDir = path.join(dir, 'ext');
    await mkdir(modelDir, { recursive: true });
    const { model, data } = linearModelExternal(w, b, k, m, 'weights.bin');
    await writeFile(path.join(modelDir, 'model.onnx'), model);
    await writeFile(path.join(modelDir, 'weights.bin'), data);
    const host = newHost();
    await host.load('ext', { path: path.join(modelDir, 'model.onnx') }, { provider: 'cpu' });
    await host.load('inline', linearModel(w, b, k, m), { provider: 'cpu' });
    const a = await host.run('ext', { x: hostTensor('float32', [n, k], xData()) });
    const c = await host.run('inline', { x: hostTensor('float32', [n, k], xData()) });
    expect([...a.y.data]).toEqual([...c.y.data]);
  });

  it('rejects runs on unknown keys and bad feeds with specific errors, and keeps working', async () => {
    const host = newHost();
    await expect(host.run('nope', {})).rejects.toThrow(/no session is loaded under "nope"/);
    await host.load('linear', linearModel(w, b, k, m));
    await expect(host.run('linear', {})).rejects.toThrow(/model input "x" was not fed/);
    await expect(host.run('linear', { x: { dtype: 'float32', shape: [2, 2], data: new Float32Array(3) } })).rejects.toThrow(
      /input "x": shape \[2, 2\] has 4 elements but the data holds 3/,
    );
    const ok = await host.run('linear', { x: hostTensor('float32', [n, k], xData()) }, { outputNames: ['z'] });
    expect(Object.keys(ok)).toEqual(['z']);
  });

  it('a crash mid-run rejects the pending run with worker_crashed; a new load after restart works', async () => {
    const host = newHost();
    await host.load('slow', slowModel(40), { provider: 'cpu', intraOpThreads: 1 });
    const s = 512;
    const x = Float32Array.from({ length: s * s }, (_, i) => ((i % 7) - 3) / 1000);
    const running = host.run('slow', { x: hostTensor('float32', [s, s], x) });
    const settled = running.then(
      () => 'resolved',
      (e: unknown) => e,
    );
    await new Promise((r) => setTimeout(r, 20));
    host.kill();
    const err = await settled;
    expect(err).toBeInstanceOf(StudioError);
    expect((err as StudioError).code).toBe('worker_crashed');
    expect((err as StudioError).message).toMatch(/worker was killed/);
    // Sessions went with the worker: the key must be loaded again, in a fresh worker.
    await expect(host.run('slow', {})).rejects.toThrow(/no session is loaded under "slow"/);
    await host.load('linear', linearModel(w, b, k, m));
    const out = await host.run('linear', { x: hostTensor('float32', [n, k], xData()) });
    expect(out.y.shape).toEqual([n, m]);
  });

  it('a worker that really dies (out of memory) fails its pending call with worker_crashed, and a new load works', async () => {
    const host = newHost('oom-host', { resourceLimits: { maxOldGenerationSizeMb: 48 } });
    await host.load('linear', linearModel(w, b, k, m), { provider: 'cpu' });
    // Deserialising three million strings in the worker needs far more than 48 MB of JS heap.
    const huge = Array.from({ length: 3_000_000 }, (_, i) => `output-name-${i}`);
    const err = await host.run('linear', { x: hostTensor('float32', [n, k], xData()) }, { outputNames: huge }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StudioError);
    expect((err as StudioError).code).toBe('worker_crashed');
    expect((err as StudioError).message).toMatch(/worker stopped unexpectedly/);
    await expect(host.run('linear', {})).rejects.toThrow(/no session is loaded under "linear"/);
    await host.load('linear', linearModel(w, b, k, m), { provider: 'cpu' });
    expect((await host.run('linear', { x: hostTensor('float32', [n, k], xData()) })).y.shape).toEqual([n, m]);
  });

  it('aborting a run rejects it with cancelled at once; later runs still work', async () => {
    const host = newHost();
    await host.load('slow', slowModel(20), { provider: 'cpu', intraOpThreads: 1 });
    await host.load('linear', linearModel(w, b, k, m));
    const s = 256;
    const big = () => hostTensor('float32', [s, s], Float32Array.from({ length: s * s }, (_, i) => (i % 5) / 1000));
    const first = host.run('slow', { x: big() });
    const ac = new AbortController();
    const second = host.run('slow', { x: big() }, { signal: ac.signal });
    ac.abort();
    await expect(second).rejects.toMatchObject({ code: 'cancelled' });
    await first;
    const already = new AbortController();
    already.abort();
    await expect(host.run('linear', { x: hostTensor('float32', [n, k], xData()) }, { signal: already.signal })).rejects.toMatchObject({
      code: 'cancelled',
    });
    const ok = await host.run('linear', { x: hostTensor('float32', [n, k], xData()) });
    expect(ok.y.shape).toEqual([n, m]);
  });

  it('unload frees a key; dispose ends the thread deterministically and refuses further use', async () => {
    const host = newHost();
    await host.load('a', linearModel(w, b, k, m));
    await host.load('b', linearModel(w, b, k, m));
    await host.unload('a');
    expect(host.loadedKeys).toEqual(['b']);
    await expect(host.run('a', {})).rejects.toThrow(/no session is loaded under "a"/);
    const pendingRun = host.run('b', { x: hostTensor('float32', [n, k], xData()) }).then(
      (r) => r.y.shape,
      (e: unknown) => (e as StudioError).code,
    );
    await host.dispose();
    // dispose resolves only after the thread exited.
    expect(host.threadId).toBeNull();
    // A run requested before dispose either finished or was refused because of it; it never hangs.
    expect([[n, m], 'cancelled', 'engine_unavailable']).toContainEqual(await pendingRun);
    await expect(host.load('c', linearModel(w, b, k, m))).rejects.toMatchObject({ code: 'engine_unavailable' });
    await host.dispose(); // idempotent
  });
});
