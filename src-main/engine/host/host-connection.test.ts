import { afterEach, describe, expect, it } from 'vitest';
import type { HostEnvelope } from '../../../src-shared/api/envelope.js';
import { StudioError } from '../../../src-shared/api/errors.js';
import type { HostWire } from '../../../src-shared/api/wire.js';
import { openDatabase, type StudioDatabase } from '../db/database.js';
import { JobQueue } from '../jobs/job-queue.js';
import { EventBus } from './event-bus.js';
import { createHandlerTable } from './handlers.js';
import { memoryLog } from './host-log.js';
import { serveConnection } from './host-connection.js';
import type { LibraryApi } from './library-api.js';
import { studioHomeLayout } from './studio-home.js';
import { UploadStore } from './upload-store.js';

/** A host wire driven by the test: push raw messages in, read envelopes out. */
function testWire() {
  const listeners = new Set<(message: unknown) => void>();
  const closers = new Set<() => void>();
  const sent: HostEnvelope[] = [];
  const wire: HostWire = {
    send: (message) => void sent.push(structuredClone(message)),
    onMessage: (listener) => (listeners.add(listener), () => void listeners.delete(listener)),
    onClose: (listener) => (closers.add(listener), () => void closers.delete(listener)),
  };
  return {
    wire,
    sent,
    push: (message: unknown) => listeners.forEach((l) => l(message)),
    close: () => closers.forEach((l) => l()),
    listenerCount: () => listeners.size,
  };
}

/** A library whose every method fails unless the test gives it one. */
function fakeLibrary(methods: Partial<LibraryApi>): LibraryApi {
  return new Proxy(methods, {
    get: (target, key) => (target as Record<string | symbol, unknown>)[key] ?? (() => Promise.reject(new Error(`library.${String(key)} not in this test`))),
  }) as LibraryApi;
}

/** A service these tests never call: any method use fails loudly. */
function unavailable<T extends object>(name: string): T {
  return new Proxy({} as T, { get: (_target, key) => () => Promise.reject(new Error(`${name}.${String(key)} not in this test`)) });
}

const dbs: StudioDatabase[] = [];
afterEach(() => dbs.splice(0).forEach((db) => db.close()));

function setup(library: Partial<LibraryApi> = {}) {
  const db = openDatabase(':memory:');
  dbs.push(db);
  const log = memoryLog();
  const bus = new EventBus();
  const jobs = new JobQueue({ repository: db.jobs, tasks: { run: () => Promise.reject(new Error('no tasks')) }, onUpdate: (job) => bus.emit('job.updated', job), log });
  const handlers = createHandlerTable({
    hostKind: 'in-process',
    home: studioHomeLayout('/tmp/valle-test-home-unused'),
    jobs,
    library: fakeLibrary(library),
    uploads: new UploadStore('/tmp/valle-test-home-unused/uploads'),
    models: unavailable('models'),
    settings: unavailable('settings'),
    generate: unavailable('generate'),
    log,
  });
  const conn = testWire();
  serveConnection(conn.wire, { id: 1, handlers, bus, log });
  return { conn, log, bus, jobs };
}

async function resultOf(conn: ReturnType<typeof testWire>, id: number): Promise<Extract<HostEnvelope, { kind: 'result' }>> {
  for (;;) {
    const hit = conn.sent.find((m) => m.kind === 'result' && m.id === id);
    if (hit) return hit as Extract<HostEnvelope, { kind: 'result' }>;
    await new Promise((r) => setTimeout(r, 1));
  }
}

describe('serveConnection', () => {
  it('says ready, then answers calls with their handler’s value', async () => {
    const { conn } = setup();
    expect(conn.sent[0]).toEqual({ kind: 'ready' });
    conn.push({ kind: 'call', id: 1, procedure: 'system.ping', input: {} });
    const result = await resultOf(conn, 1);
    expect(result.ok).toBe(true);
    expect(result.ok && result.value).toMatchObject({ pong: true });
  });

  it('reports system info of this engine', async () => {
    const { conn } = setup();
    conn.push({ kind: 'call', id: 2, procedure: 'system.info', input: {} });
    const result = await resultOf(conn, 2);
    if (!result.ok) throw new Error(result.error.message);
    const info = result.value as { version: string; host: string; versions: Record<string, string>; platform: string };
    const pkg = (await import('../../../package.json', { with: { type: 'json' } })).default as { version: string; dependencies: Record<string, string> };
    expect(info.version).toBe(pkg.version);
    expect(info.host).toBe('in-process');
    expect(info.platform).toBe(`${process.platform}-${process.arch}`);
    expect(info.versions.node).toBe(process.versions.node);
    expect(info.versions['onnxruntime-node']).toBe(pkg.dependencies['onnxruntime-node']);
    expect(info.versions['better-sqlite3']).toBe(pkg.dependencies['better-sqlite3']);
  });

  it('answers an unknown procedure with unknown_procedure', async () => {
    const { conn } = setup();
    conn.push({ kind: 'call', id: 3, procedure: 'system.selfDestruct', input: {} });
    const result = await resultOf(conn, 3);
    expect(result).toMatchObject({ ok: false, error: { code: 'unknown_procedure', details: { procedure: 'system.selfDestruct' } } });
  });

  it('answers input that fails the schema with invalid_input naming the fields', async () => {
    const { conn } = setup();
    conn.push({ kind: 'call', id: 4, procedure: 'jobs.list', input: { limit: 0, extra: true } });
    const result = await resultOf(conn, 4);
    if (result.ok) throw new Error('expected an error');
    expect(result.error.code).toBe('invalid_input');
    expect(result.error.message).toMatch(/^Invalid input for jobs\.list: /);
    expect(result.error.message).toContain('limit');
    const issues = result.error.details?.issues as Array<{ path: string; message: string }>;
    expect(issues.map((i) => i.path)).toContain('limit');
    expect(issues.some((i) => i.message.includes('extra'))).toBe(true);
  });

  it('answers malformed envelopes with malformed_message when an id is there, and drops the rest', async () => {
    const { conn, log } = setup();
    conn.push({ kind: 'call', id: 5, procedure: 42 });
    conn.push({ kind: 'teleport', id: 6 });
    expect(await resultOf(conn, 5)).toMatchObject({ ok: false, error: { code: 'malformed_message' } });
    expect(await resultOf(conn, 6)).toMatchObject({ ok: false, error: { code: 'malformed_message' } });
    const before = conn.sent.length;
    conn.push('not even an object');
    conn.push({ kind: 'call', id: -1, procedure: 'system.ping', input: {} });
    conn.push(null);
    expect(conn.sent.length).toBe(before);
    expect(log.lines.filter((l) => l.includes('dropped a malformed message'))).toHaveLength(3);
    // The connection still works.
    conn.push({ kind: 'call', id: 7, procedure: 'system.ping', input: {} });
    expect((await resultOf(conn, 7)).ok).toBe(true);
  });

  it('passes a StudioError through and replaces any other error by a generic internal one', async () => {
    const { conn, log } = setup({
      createGroup: async () => {
        throw new StudioError('conflict', 'A group named Voices already exists.', { name: 'Voices' });
      },
      listGroups: async () => {
        throw new Error('ENOENT /home/someone/secret/path');
      },
    });
    conn.push({ kind: 'call', id: 8, procedure: 'library.createGroup', input: { name: 'Voices' } });
    conn.push({ kind: 'call', id: 9, procedure: 'library.listGroups', input: {} });
    expect(await resultOf(conn, 8)).toEqual({
      kind: 'result',
      id: 8,
      ok: false,
      error: { code: 'conflict', message: 'A group named Voices already exists.', details: { name: 'Voices' } },
    });
    const internal = await resultOf(conn, 9);
    expect(internal).toMatchObject({ ok: false, error: { code: 'internal' } });
    expect(JSON.stringify(internal)).not.toMatch(/secret|ENOENT|at .*\.ts/);
    expect(log.lines.join('\n')).toContain('ENOENT /home/someone/secret/path');
  });

  it('gives handlers the parsed input, defaults filled in', async () => {
    let seen: unknown;
    const { conn } = setup({
      listSpeakers: async (input) => {
        seen = input;
        return [];
      },
    });
    conn.push({ kind: 'call', id: 10, procedure: 'library.listSpeakers', input: {} });
    await resultOf(conn, 10);
    expect(seen).toEqual({ includeTrashed: false });
  });

  it('forwards only subscribed events, until unsubscribed or closed', async () => {
    const { conn, bus } = setup();
    const events = () => conn.sent.filter((m) => m.kind === 'event');
    bus.emit('library.changed', { entity: 'group', id: 'a' });
    expect(events()).toEqual([]);
    conn.push({ kind: 'subscribe', event: 'library.changed' });
    conn.push({ kind: 'subscribe', event: 'no.such.event' });
    bus.emit('library.changed', { entity: 'group', id: 'b' });
    bus.emit('job.updated', { id: 'x' } as never);
    expect(events()).toEqual([{ kind: 'event', event: 'library.changed', payload: { entity: 'group', id: 'b' } }]);
    conn.push({ kind: 'unsubscribe', event: 'library.changed' });
    bus.emit('library.changed', { entity: 'group', id: 'c' });
    expect(events()).toHaveLength(1);
    conn.push({ kind: 'subscribe', event: 'library.changed' });
    conn.close();
    bus.emit('library.changed', { entity: 'group', id: 'd' });
    expect(events()).toHaveLength(1);
    expect(conn.listenerCount()).toBe(0);
  });

  it('starts jobs through the queue and reports them through job procedures and events', async () => {
    const { conn, jobs } = setup();
    conn.push({ kind: 'subscribe', event: 'job.updated' });
    const { jobId } = jobs.start({ kind: 'test', title: 'A test job', input: {}, run: async () => ({ answer: 42 }) });
    for (;;) {
      const done = conn.sent.find((m) => m.kind === 'event' && (m.payload as { id: string; state: string }).state === 'succeeded');
      if (done) break;
      await new Promise((r) => setTimeout(r, 1));
    }
    conn.push({ kind: 'call', id: 11, procedure: 'jobs.get', input: { jobId } });
    conn.push({ kind: 'call', id: 12, procedure: 'jobs.list', input: {} });
    conn.push({ kind: 'call', id: 13, procedure: 'jobs.get', input: { jobId: 'missing' } });
    expect(await resultOf(conn, 11)).toMatchObject({ ok: true, value: { id: jobId, state: 'succeeded', result: { answer: 42 } } });
    expect(await resultOf(conn, 12)).toMatchObject({ ok: true, value: [{ id: jobId }] });
    expect(await resultOf(conn, 13)).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });
});
