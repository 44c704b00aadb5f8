import { afterEach, describe, expect, it } from 'vitest';
import { StudioError } from '../../../src-shared/api/errors.js';
import { memoryLog } from '../host/host-log.js';
import type { ProgressReport } from '../jobs/job-context.js';
import { createTaskRegistry } from './task-registry.js';
import { WorkerPool, type WorkerPoolOptions } from './worker-pool.js';

const pools: WorkerPool[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.close()));
});

function makePool(options: Partial<WorkerPoolOptions> = {}) {
  const log = memoryLog();
  const pool = new WorkerPool({ registry: createTaskRegistry({ testTasks: true }), size: 1, log, ...options });
  pools.push(pool);
  return { pool, log };
}

const live = () => new AbortController().signal;

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 5));
}

describe('WorkerPool', () => {
  it('runs a task in another thread and returns its result', async () => {
    const { pool } = makePool();
    const out = await pool.run<unknown, { echoed: unknown; threadId: number }>('test.echo', { a: [1, 2], b: 'x' }, { signal: live() });
    expect(out.echoed).toEqual({ a: [1, 2], b: 'x' });
    expect(out.threadId).toBeGreaterThan(0);
  });

  it('sends what a task prints to the host log, not to stdout', async () => {
    const { pool, log } = makePool();
    const out = await pool.run<unknown, { threadId: number }>('test.echo', { say: 'hello from the worker' }, { signal: live() });
    await until(() => log.lines.some((l) => l.includes('hello from the worker')));
    expect(log.lines).toContain(`info: [worker ${out.threadId}] hello from the worker`);
  });

  it('forwards progress reports', async () => {
    const { pool } = makePool();
    const reports: ProgressReport[] = [];
    await pool.run('test.slow', { steps: 3, stepMs: 1 }, { signal: live(), onProgress: (r) => reports.push(r) });
    expect(reports.map((r) => r.stage)).toEqual(['step 1 of 3', 'step 2 of 3', 'step 3 of 3', 'done']);
    expect(reports.at(-1)?.fraction).toBe(1);
  });

  it('passes StudioErrors through and wraps other errors for the host log', async () => {
    const { pool } = makePool();
    const studio = await pool.run('test.fail', { studio: true }, { signal: live() }).catch((e: unknown) => e);
    expect(studio).toBeInstanceOf(StudioError);
    expect((studio as StudioError).toData()).toEqual({ code: 'corrupt_audio', message: 'The file is damaged.', details: { file: 'x.wav' } });

    const plain = await pool.run('test.fail', { studio: false }, { signal: live() }).catch((e: unknown) => e);
    expect(plain).toBeInstanceOf(Error);
    expect(plain).not.toBeInstanceOf(StudioError);
    expect((plain as Error).message).toContain('TypeError: internal detail that must stay in the log');
    expect((plain as Error).stack).toContain('test-tasks.ts');
  });

  it.each([
    ['exit', /exited with code 3/],
    ['uncaught', /uncaught error: boom from a timer/],
  ] as const)('fails only the running task when its worker crashes (%s), then runs the next on a fresh worker', async (how, reason) => {
    const { pool, log } = makePool();
    const before = await pool.run<unknown, { threadId: number }>('test.echo', 1, { signal: live() });
    const error = await pool.run('test.crash', { how }, { signal: live() }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'worker_crashed', details: { task: 'test.crash' } });
    expect((error as Error).message).toMatch(reason);
    const after = await pool.run<unknown, { threadId: number }>('test.echo', 2, { signal: live() });
    expect(after.threadId).not.toBe(before.threadId);
    expect(log.lines.join('\n')).toMatch(/worker running task test.crash stopped unexpectedly/);
  });

  it('reports a worker terminated from outside mid-task as crashed', async () => {
    const { pool } = makePool();
    let started = false;
    const running = pool.run('test.slow', { steps: 1000, stepMs: 10 }, { signal: live(), onProgress: () => (started = true) });
    await until(() => started);
    const [worker] = pool.busyWorkers();
    await worker.terminate();
    await expect(running).rejects.toMatchObject({ code: 'worker_crashed' });
    await expect(pool.run('test.echo', 'next', { signal: live() })).resolves.toMatchObject({ echoed: 'next' });
  });

  it('reports a worker out of memory as crashed', async () => {
    const { pool } = makePool({ resourceLimits: { maxOldGenerationSizeMb: 48, maxYoungGenerationSizeMb: 8 } });
    const error = await pool.run('test.crash', { how: 'oom' }, { signal: live() }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'worker_crashed' });
    expect((error as Error).message).toMatch(/out of memory/);
  });

  it('cancels a cooperative task through its signal and keeps the worker', async () => {
    const { pool } = makePool();
    const controller = new AbortController();
    let threadBefore = 0;
    const running = pool.run('test.slow', { steps: 1000, stepMs: 10 }, { signal: controller.signal, onProgress: () => {} });
    await until(() => pool.busyWorkers().length === 1);
    threadBefore = pool.busyWorkers()[0].threadId;
    controller.abort();
    await expect(running).rejects.toMatchObject({ code: 'cancelled' });
    const next = await pool.run<unknown, { threadId: number }>('test.echo', 0, { signal: live() });
    expect(next.threadId).toBe(threadBefore);
  });

  it('terminates a worker whose task ignores cancellation after the grace period', async () => {
    const { pool, log } = makePool({ cancelGraceMs: 50 });
    const controller = new AbortController();
    let blocking = false;
    const running = pool.run('test.ignoreCancel', { blockMs: 40_000 }, { signal: controller.signal, onProgress: () => (blocking = true) });
    await until(() => blocking);
    const stuckThread = pool.busyWorkers()[0].threadId;
    controller.abort();
    await expect(running).rejects.toMatchObject({ code: 'cancelled' });
    const next = await pool.run<unknown, { threadId: number }>('test.echo', 0, { signal: live() });
    expect(next.threadId).not.toBe(stuckThread);
    expect(log.lines.join('\n')).toContain('ignored cancellation');
  });

  it('releases the caller of a non-terminable task without ending its thread, which is reused once free', async () => {
    const { pool, log } = makePool({ cancelGraceMs: 50 });
    const controller = new AbortController();
    let blocking = false;
    const running = pool.run('test.ignoreCancelNative', { blockMs: 1500 }, { signal: controller.signal, onProgress: () => (blocking = true) });
    await until(() => blocking);
    const busyThread = pool.busyWorkers()[0].threadId;
    controller.abort();
    await expect(running).rejects.toMatchObject({ code: 'cancelled' });
    expect(pool.busyWorkers().map((w) => w.threadId)).toEqual([busyThread]);
    expect(log.lines.join('\n')).toContain('still inside a native call');
    await until(() => pool.busyWorkers().length === 0);
    const next = await pool.run<unknown, { threadId: number }>('test.echo', 0, { signal: live() });
    expect(next.threadId).toBe(busyThread);
  });

  it('cancels a task still waiting for a worker without running it', async () => {
    const { pool } = makePool({ size: 1 });
    const first = new AbortController();
    const second = new AbortController();
    const progressOfSecond: ProgressReport[] = [];
    const a = pool.run('test.slow', { steps: 1000, stepMs: 10 }, { signal: first.signal });
    const b = pool.run('test.slow', { steps: 2, stepMs: 1 }, { signal: second.signal, onProgress: (r) => progressOfSecond.push(r) });
    second.abort();
    await expect(b).rejects.toMatchObject({ code: 'cancelled' });
    first.abort();
    await expect(a).rejects.toMatchObject({ code: 'cancelled' });
    expect(progressOfSecond).toEqual([]);
    await expect(pool.run('test.slow', { steps: 1, stepMs: 1 }, { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'cancelled' });
  });

  it('refuses unregistered tasks, and test tasks unless asked for', async () => {
    const { pool } = makePool();
    await expect(pool.run('no.such.task', {}, { signal: live() })).rejects.toThrow(/No worker task is registered as "no.such.task"/);
    expect(createTaskRegistry({ testTasks: false }).has('test.crash')).toBe(false);
    expect(createTaskRegistry({ testTasks: false }).has('media.ingest')).toBe(true);
  });

  it('rejects running and waiting tasks when closed', async () => {
    const { pool } = makePool({ size: 1 });
    let started = false;
    const a = pool.run('test.slow', { steps: 1000, stepMs: 10 }, { signal: live(), onProgress: () => (started = true) });
    const b = pool.run('test.echo', 1, { signal: live() });
    await until(() => started);
    const outcomes = Promise.allSettled([a, b]);
    await pool.close();
    const [ra, rb] = await outcomes;
    expect(ra).toMatchObject({ status: 'rejected', reason: { code: 'engine_unavailable' } });
    expect(rb).toMatchObject({ status: 'rejected', reason: { code: 'engine_unavailable' } });
    expect(pool.busyWorkers()).toEqual([]);
  });
});
