import { describe, expect, it } from 'vitest';
import { autoOrder, candidateProviders, listBackends, providersOffered, resolveProvider, type ExecutionProvider } from './providers.js';

/** A create() that fails for the providers in `broken` with ORT-like messages and records what was tried. */
function fakeCreate(broken: Partial<Record<ExecutionProvider, string>>) {
  const tried: ExecutionProvider[] = [];
  const create = async (p: ExecutionProvider) => {
    tried.push(p);
    const why = broken[p];
    if (why !== undefined) throw new Error(`${why}\nsecond line of native detail`);
    return `session-on-${p}`;
  };
  return { tried, create };
}

describe('provider lists', () => {
  it('this build lists cpu, and what onnxruntime-node reports', () => {
    const names = listBackends().map((b) => b.name);
    expect(names).toContain('cpu');
    expect(providersOffered()).toContain('cpu');
    for (const p of providersOffered()) expect(p === 'cpu' || names.includes(p)).toBe(true);
  });

  it('orders auto per platform with cpu last', () => {
    expect(autoOrder('linux')).toEqual(['cuda', 'webgpu', 'cpu']);
    expect(autoOrder('win32')).toEqual(['cuda', 'dml', 'webgpu', 'cpu']);
    expect(autoOrder('darwin')).toEqual(['coreml', 'webgpu', 'cpu']);
    expect(candidateProviders('cpu')).toEqual(['cpu']);
    expect(candidateProviders('cuda')).toEqual(['cuda', 'cpu']);
  });
});

describe('resolveProvider', () => {
  it('meets a request that works, without a reason', async () => {
    const { create, tried } = fakeCreate({});
    expect(await resolveProvider('cpu', create)).toEqual({ provider: 'cpu', value: 'session-on-cpu' });
    expect(tried).toEqual(['cpu']);
  });

  it('falls back from a failing EP to cpu and says why, with the first line of the error', async () => {
    if (!providersOffered().includes('cuda')) return; // listed by the Linux/Windows builds
    const { create, tried } = fakeCreate({ cuda: 'OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library' });
    const r = await resolveProvider('cuda', create);
    expect(tried).toEqual(['cuda', 'cpu']);
    expect(r).toEqual({
      provider: 'cpu',
      value: 'session-on-cpu',
      reason: 'cuda requested but not available: OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library',
    });
  });

  it('does not even try an EP this build lacks, and says so', async () => {
    const lacking = (['dml', 'coreml'] as const).find((p) => !providersOffered().includes(p))!;
    const { create, tried } = fakeCreate({});
    const r = await resolveProvider(lacking, create);
    expect(tried).toEqual(['cpu']);
    expect(r.provider).toBe('cpu');
    expect(r.reason).toMatch(new RegExp(`^${lacking} requested but not available: this onnxruntime-node build for \\w+ does not include it`));
  });

  it("'auto' walks the platform order and lists every skipped EP", async () => {
    const order = autoOrder().filter((p) => providersOffered().includes(p));
    const broken = Object.fromEntries(order.filter((p) => p !== 'cpu').map((p) => [p, `${p} broke`]));
    const { create, tried } = fakeCreate(broken);
    const r = await resolveProvider('auto', create);
    expect(tried).toEqual(order);
    expect(r.provider).toBe('cpu');
    if (order.length > 1) expect(r.reason).toBe(order.filter((p) => p !== 'cpu').map((p) => `${p} not available: ${p} broke`).join('; '));
  });

  it("'auto' takes the first EP that works, with no reason when it is the first choice", async () => {
    const order = autoOrder().filter((p) => providersOffered().includes(p));
    const { create } = fakeCreate({});
    expect(await resolveProvider('auto', create)).toEqual({ provider: order[0], value: `session-on-${order[0]}` });
  });

  it('a cpu failure is not an EP problem: it is thrown as is', async () => {
    const { create } = fakeCreate({ cpu: 'Load model failed: bad protobuf' });
    await expect(resolveProvider('cpu', create)).rejects.toThrow(/Load model failed: bad protobuf/);
    const both = fakeCreate({ cuda: 'no cuda', cpu: 'Load model failed: bad protobuf' });
    await expect(resolveProvider('cuda', both.create)).rejects.toThrow(/Load model failed/);
  });

  it('refuses an unknown provider name', async () => {
    await expect(resolveProvider('tpu' as never, fakeCreate({}).create)).rejects.toThrow(/unknown execution provider "tpu"/);
  });
});
