/**
 * The active model and the generation lock: a switch loads the new model while the old one serves, then waits for
 * generations in flight (finish) or stops them (cancel); new generations wait for the switch and run on the new
 * model; a failed load keeps the old one. Loads are fakes here, controlled by the test.
 */
import { describe, expect, it } from 'vitest';
import type { ActiveModelState, InstalledModel } from '../../../src-shared/api/models.js';
import { ModelManager, type LoadedModel } from './model-manager.js';

function installed(id: string, kind: InstalledModel['kind'] = 'valle'): InstalledModel {
  return {
    id,
    name: `Model ${id}`,
    kind,
    architecture: 'llama',
    fullName: null,
    sizePreset: null,
    dimensions: null,
    parameterCount: 1,
    codec: null,
    origin: { kind: 'demo' },
    files: [],
    totalBytes: 0,
    lora: null,
    warnings: [],
    createdAt: '2026-01-01T00:00:00.000Z',
  };
}

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

function setup() {
  const models = new Map(['a', 'b', 'c', 'lora'].map((id) => [id, installed(id, id === 'lora' ? 'lora' : 'valle')]));
  const disposed: string[] = [];
  const gates = new Map<string, ReturnType<typeof deferred<void>>>();
  const states: ActiveModelState[] = [];
  const manager = new ModelManager<LoadedModel>({
    find: (id) => {
      const m = models.get(id);
      if (!m) throw Object.assign(new Error(`no ${id}`), { code: 'not_found' });
      return m;
    },
    load: async (model) => {
      await gates.get(model.id)?.promise;
      return { model, dispose: () => void disposed.push(model.id) };
    },
    onChange: (state) => states.push(state),
  });
  return { manager, disposed, gates, states };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('ModelManager', () => {
  it('loads, reports the active model and unloads', async () => {
    const { manager, disposed } = setup();
    expect(manager.state()).toMatchObject({ model: null, phase: 'idle', generationsInFlight: 0 });
    const state = await manager.load('a');
    expect(state).toMatchObject({ model: { id: 'a' }, phase: 'idle', pendingId: null });
    expect(state.loadedAt).not.toBeNull();
    expect(await manager.load('a')).toMatchObject({ model: { id: 'a' } });
    expect(disposed).toEqual([]);
    expect((await manager.unload()).model).toBeNull();
    expect(disposed).toEqual(['a']);
  });

  it('refuses LoRAs and codecs as the active model, and generations when nothing is loaded', async () => {
    const { manager } = setup();
    expect(() => manager.load('lora')).toThrowError(expect.objectContaining({ code: 'invalid_input' }));
    await expect(manager.acquire()).rejects.toMatchObject({ code: 'not_found', message: expect.stringMatching(/No model is loaded/) });
  });

  it('finish: the generation in flight ends on the old model, new ones wait and run on the new model', async () => {
    const { manager, disposed, gates, states } = setup();
    await manager.load('a');
    const running = await manager.acquire();
    expect(running.loaded.model.id).toBe('a');
    gates.set('b', deferred());
    const switching = manager.load('b');
    await flush();
    // While b loads, a still serves new generations.
    expect(manager.state()).toMatchObject({ phase: 'loading', pendingId: 'b', model: { id: 'a' }, generationsInFlight: 1 });
    const duringLoad = await manager.acquire();
    expect(duringLoad.loaded.model.id).toBe('a');
    duringLoad.release();
    gates.get('b')!.resolve();
    await flush();
    expect(manager.state()).toMatchObject({ phase: 'waiting', pendingId: 'b', model: { id: 'a' } });
    const waiting = manager.acquire();
    await flush();
    expect(running.signal.aborted).toBe(false);
    expect(disposed).toEqual([]);
    running.release();
    const after = await switching;
    expect(after).toMatchObject({ model: { id: 'b' }, phase: 'idle' });
    expect((await waiting).loaded.model.id).toBe('b');
    expect(disposed).toEqual(['a']);
    expect(states.map((s) => s.phase)).toEqual(expect.arrayContaining(['loading', 'waiting', 'idle']));
  });

  it('cancel: generations on the old model are aborted and the switch completes once they release', async () => {
    const { manager } = setup();
    await manager.load('a');
    const lease = await manager.acquire();
    const switching = manager.load('b', 'cancel');
    await new Promise<void>((resolve) => lease.signal.addEventListener('abort', () => resolve(), { once: true }));
    expect(lease.signal.reason).toMatchObject({ code: 'cancelled' });
    expect(manager.state().model?.id).toBe('a');
    lease.release();
    expect((await switching).model?.id).toBe('b');
  });

  it('a cancel request hurries a switch that waits for generations', async () => {
    const { manager } = setup();
    await manager.load('a');
    const lease = await manager.acquire();
    const toB = manager.load('b');
    await flush();
    expect(manager.state().phase).toBe('waiting');
    const toC = manager.load('c', 'cancel');
    expect(lease.signal.aborted).toBe(true);
    lease.release();
    expect((await toB).model?.id).toBe('b');
    expect((await toC).model?.id).toBe('c');
  });

  it('keeps the old model when the new one fails to load', async () => {
    const { manager, gates } = setup();
    await manager.load('a');
    const failing = deferred();
    gates.set('b', failing);
    const switching = manager.load('b');
    failing.reject(new Error('broken checkpoint'));
    await expect(switching).rejects.toThrow('broken checkpoint');
    expect(manager.state()).toMatchObject({ model: { id: 'a' }, phase: 'idle', pendingId: null });
    expect((await manager.acquire()).loaded.model.id).toBe('a');
  });

  it('a generation waiting for a switch can give up', async () => {
    const { manager } = setup();
    await manager.load('a');
    const lease = await manager.acquire();
    const switching = manager.load('b');
    await flush();
    const controller = new AbortController();
    const waiting = manager.acquire(controller.signal);
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'cancelled' });
    lease.release();
    await switching;
    expect(manager.state().generationsInFlight).toBe(0);
  });

  it('counts generations in flight and treats the active and pending models as in use', async () => {
    const { manager, gates } = setup();
    await manager.load('a');
    const one = await manager.acquire();
    const two = await manager.acquire();
    expect(manager.state().generationsInFlight).toBe(2);
    one.release();
    one.release();
    expect(manager.state().generationsInFlight).toBe(1);
    two.release();
    gates.set('b', deferred());
    const switching = manager.load('b');
    await flush();
    expect(manager.isInUse('a')).toBe(true);
    expect(manager.isInUse('b')).toBe(true);
    expect(manager.isInUse('c')).toBe(false);
    gates.get('b')!.resolve();
    await switching;
    expect(manager.isInUse('a')).toBe(false);
  });
});
