import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostTensor, zerosTensor } from '../io/host-tensor.js';
import { autoOrder, executionProviders, providersOffered } from './providers.js';
import { Session } from './session.js';
import { linearModel, linearModelExternal, linearReference } from './test-models.js';

const k = 4;
const m = 3;
const w = Float32Array.from({ length: k * m }, (_, i) => (i - 5) / 7);
const b = Float32Array.from([0.5, -1.25, 2]);
const n = 2;
const x = Float32Array.from({ length: n * k }, (_, i) => Math.sin(i + 1));
const ref = linearReference(x, n, w, b, k, m);

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-5) {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expect(Math.abs(actual[i] - expected[i])).toBeLessThanOrEqual(tol);
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'nn-session-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('Session', () => {
  it('runs a model from bytes and matches a JS reference', async () => {
    const s = await Session.create(linearModel(w, b, k, m), { provider: 'cpu', intraOpThreads: 1 });
    expect(s.providerInUse).toBe('cpu');
    expect(s.providerReason).toBeUndefined();
    expect(s.inputNames).toEqual(['x']);
    expect(s.outputNames).toEqual(['y', 'z']);
    const out = await s.run({ x: hostTensor('float32', [n, k], x) });
    expect(out.y.dtype).toBe('float32');
    expect(out.y.shape).toEqual([n, m]);
    expectClose(out.y.data as Float32Array, ref.y);
    expectClose(out.z.data as Float32Array, ref.z);
    await s.dispose();
  });

  it('falls back to cpu when cuda is asked for and not available, and says why', async () => {
    const offered = providersOffered();
    const s = await Session.create(linearModel(w, b, k, m), { provider: 'cuda' });
    if (s.providerInUse === 'cuda') {
      // A machine with CUDA libraries: the request is met and there is nothing to explain.
      expect(s.providerReason).toBeUndefined();
    } else {
      expect(s.providerInUse).toBe('cpu');
      expect(s.providerReason).toMatch(/^cuda requested but not available: .+/);
      if (!offered.includes('cuda')) expect(s.providerReason).toMatch(/does not include it/);
    }
    const out = await s.run({ x: hostTensor('float32', [n, k], x) });
    expectClose(out.y.data as Float32Array, ref.y);
    await s.dispose();
  });

  it('reports a platform EP this build lacks (dml on Linux) as not available', async () => {
    const s = await Session.create(linearModel(w, b, k, m), { provider: process.platform === 'win32' ? 'coreml' : 'dml' });
    expect(s.providerInUse).toBe('cpu');
    expect(s.providerReason).toMatch(/requested but not available/);
    await s.dispose();
  });

  it("'auto' picks the first working provider in platform order and explains skipped ones", async () => {
    const s = await Session.create(linearModel(w, b, k, m), { provider: 'auto' });
    expect(executionProviders).toContain(s.providerInUse);
    const order = autoOrder().filter((p) => providersOffered().includes(p));
    if (s.providerInUse === order[0]) expect(s.providerReason).toBeUndefined();
    else expect(s.providerReason).toMatch(new RegExp(`^${order[0]} not available`));
    await s.dispose();
  });

  it('refuses an unknown provider and bad thread counts', async () => {
    const bytes = linearModel(w, b, k, m);
    await expect(Session.create(bytes, { provider: 'tpu' as never })).rejects.toThrow(/unknown execution provider "tpu"/);
    await expect(Session.create(bytes, { intraOpThreads: -1 })).rejects.toThrow(/intraOpThreads must be an integer/);
    await expect(Session.create(bytes, { interOpThreads: 1.5 })).rejects.toThrow(/interOpThreads must be an integer/);
  });

  it('writes into preallocated outputs and returns those same tensors', async () => {
    const s = await Session.create(linearModel(w, b, k, m), { provider: 'cpu' });
    const y = zerosTensor('float32', [n, m]);
    const out = await s.run({ x: hostTensor('float32', [n, k], x) }, { outputs: { y } });
    expect(out.y).toBe(y);
    expectClose(y.data, ref.y);
    expectClose(out.z.data as Float32Array, ref.z);
    // Second step reuses the same buffer.
    const x2 = x.map((v) => v * 2);
    await s.run({ x: hostTensor('float32', [n, k], x2) }, { outputs: { y }, outputNames: ['y'] });
    expectClose(y.data, linearReference(x2, n, w, b, k, m).y);
    await s.dispose();
  });

  it('computes only the requested outputs', async () => {
    const s = await Session.create(linearModel(w, b, k, m), { provider: 'cpu' });
    const out = await s.run({ x: hostTensor('float32', [n, k], x) }, { outputNames: ['z'] });
    expect(Object.keys(out)).toEqual(['z']);
    await expect(s.run({ x: hostTensor('float32', [n, k], x) }, { outputNames: ['nope'] })).rejects.toThrow(/"nope" is not an output/);
    await s.dispose();
  });

  it('names missing, unknown and malformed inputs', async () => {
    const s = await Session.create(linearModel(w, b, k, m), { provider: 'cpu' });
    await expect(s.run({})).rejects.toThrow(/model input "x" was not fed/);
    await expect(s.run({ x: hostTensor('float32', [n, k], x), q: hostTensor('float32', [1], new Float32Array(1)) })).rejects.toThrow(
      /"q" is not an input/,
    );
    await expect(s.run({ x: { dtype: 'float32', shape: [n, k], data: new Float32Array(3) } })).rejects.toThrow(
      /input "x": shape \[2, 4\] has 8 elements but the data holds 3/,
    );
    await expect(s.run({ x: { dtype: 'bfloat16', shape: [n, k], data: new Uint16Array(8) } })).rejects.toThrow(/bfloat16 cannot be passed/);
    await s.dispose();
  });

  it('disposes deterministically and refuses to run afterwards', async () => {
    const s = await Session.create(linearModel(w, b, k, m), { provider: 'cpu' });
    await s.dispose();
    expect(s.disposed).toBe(true);
    await s.dispose(); // idempotent
    await expect(s.run({ x: hostTensor('float32', [n, k], x) })).rejects.toThrow(/session was disposed/);
  });

  it('loads initializers from an external data file, by path and from bytes', async () => {
    const modelDir = path.join(dir, 'ext');
    const { model, data } = linearModelExternal(w, b, k, m, 'weights.bin');
    await rm(modelDir, { recursive: true, force: true });
    await import('node:fs/promises').then((fs) => fs.mkdir(modelDir));
    await writeFile(path.join(modelDir, 'model.onnx'), model);
    await writeFile(path.join(modelDir, 'weights.bin'), data);

    const byPath = await Session.create(path.join(modelDir, 'model.onnx'), { provider: 'cpu' });
    expectClose((await byPath.run({ x: hostTensor('float32', [n, k], x) })).y.data as Float32Array, ref.y);
    await byPath.dispose();

    const byBytes = await Session.create(model, { provider: 'cpu', externalDataDir: modelDir });
    expectClose((await byBytes.run({ x: hostTensor('float32', [n, k], x) })).y.data as Float32Array, ref.y);
    await byBytes.dispose();

    await expect(Session.create(model, { provider: 'cpu', externalDataDir: dir })).rejects.toThrow(
      /external data file "weights.bin" of the model could not be read/,
    );
  });

  it('refuses external data locations outside the model folder', async () => {
    const { model } = linearModelExternal(w, b, k, m, '../../etc/passwd');
    await expect(Session.create(model, { provider: 'cpu', externalDataDir: dir })).rejects.toThrow(/points outside the model folder/);
  });

  it('refuses a model file over 2 GiB with the external-data advice', async () => {
    const big = path.join(dir, 'big.onnx');
    const fh = await open(big, 'w');
    await fh.truncate(2 ** 31 + 10); // sparse: takes no disk space
    await fh.close();
    await expect(Session.create(big)).rejects.toThrow(/over protobuf's 2 GiB limit.*external data/);
  });

  it('names a missing model file', async () => {
    await expect(Session.create(path.join(dir, 'missing.onnx'))).rejects.toThrow(/ONNX model file .*missing\.onnx could not be opened/);
  });
});
