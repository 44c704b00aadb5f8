import { describe, expect, it, vi } from 'vitest';
import { StudioError } from '../../../src-shared/api/errors.js';
import type { JobRecord } from '../../../src-shared/api/jobs.js';
import { memoryLog, silentLog } from '../host/host-log.js';
import type { JobContext, TaskRunner } from './job-context.js';
import { JobQueue, type JobsRepository } from './job-queue.js';

/** An in-memory stand-in for the database's jobs repository that records every write. */
function memoryRepository(initial: JobRecord[] = []) {
  const rows = new Map<string, JobRecord & { input?: unknown }>(initial.map((job) => [job.id, structuredClone(job)]));
  const writes: Array<{ id: string; patch: Record<string, unknown> }> = [];
  let interruptedCalls = 0;
  const repository: JobsRepository = {
    insert(job) {
      rows.set(job.id, structuredClone(job));
    },
    update(id, patch) {
      writes.push({ id, patch: structuredClone(patch) as Record<string, unknown> });
      const row = rows.get(id);
      if (row) Object.assign(row, structuredClone(patch));
    },
    get: (id) => (rows.has(id) ? structuredClone(rows.get(id)!) : null),
    list: ({ limit, activeOnly }) =>
      [...rows.values()]
        .filter((job) => !activeOnly || job.state === 'queued' || job.state === 'running')
        .reverse()
        .slice(0, limit),
    failInterrupted() {
      interruptedCalls++;
      let n = 0;
      for (const row of rows.values()) {
        if (row.state === 'queued' || row.state === 'running') {
          row.state = 'failed';
          n++;
        }
      }
      return n;
    },
  };
  return { repository, rows, writes, interruptedCalls: () => interruptedCalls };
}

const noTasks: TaskRunner = {
  run: () => Promise.reject(new Error('no tasks in this test')),
};

function makeQueue(options: Partial<ConstructorParameters<typeof JobQueue>[0]> = {}) {
  const repo = memoryRepository();
  const updates: JobRecord[] = [];
  const queue = new JobQueue({ repository: repo.repository, tasks: noTasks, onUpdate: (job) => updates.push(job), log: silentLog, ...options });
  return { queue, repo, updates };
}

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

describe('JobQueue', () => {
  it('returns an id at once, runs the body later, and persists each state', async () => {
    const { queue, repo, updates } = makeQueue();
    let ran = false;
    const { jobId } = queue.start({
      kind: 'test.echo',
      title: 'Echo',
      input: { word: 'hi' },
      run: async () => {
        ran = true;
        return { echoed: 'hi' };
      },
    });
    expect(ran).toBe(false);
    expect(queue.get(jobId).state).toBe('queued');
    expect(repo.rows.get(jobId)?.input).toEqual({ word: 'hi' });

    const done = await waitFor(updates, jobId, 'succeeded');
    expect(ran).toBe(true);
    expect(done.result).toEqual({ echoed: 'hi' });
    expect(done.progress).toEqual({ fraction: 1, stage: 'done', etaSeconds: 0 });
    expect(done.startedAt).not.toBeNull();
    expect(done.finishedAt).not.toBeNull();
    const states = updates.filter((u) => u.id === jobId).map((u) => u.state);
    expect(states).toEqual(['queued', 'running', 'succeeded']);
    expect(repo.rows.get(jobId)).toMatchObject({ state: 'succeeded', result: { echoed: 'hi' } });
  });

  it('fails jobs left active by a previous run when it starts', () => {
    const stale: JobRecord = {
      id: 'old',
      kind: 'x',
      title: 'x',
      state: 'running',
      progress: { fraction: 0.5, stage: 'x', etaSeconds: 3 },
      error: null,
      result: null,
      createdAt: new Date().toISOString(),
      startedAt: new Date().toISOString(),
      finishedAt: null,
    };
    const repo = memoryRepository([stale]);
    const log = memoryLog();
    const queue = new JobQueue({ repository: repo.repository, tasks: noTasks, onUpdate: () => {}, log });
    expect(repo.interruptedCalls()).toBe(1);
    expect(queue.get('old').state).toBe('failed');
    expect(log.lines.some((l) => l.includes('1 job(s) were interrupted'))).toBe(true);
  });

  it('throttles progress to one event per interval, keeping the latest report', async () => {
    let clock = 1_000_000;
    const { queue, updates } = makeQueue({ now: () => clock, progressIntervalMs: 50 });
    const release = deferred();
    const reported = deferred();
    const { jobId } = queue.start({
      kind: 'k',
      title: 't',
      input: null,
      run: async (ctx) => {
        // The clock stands still, so everything after the first report falls into one interval.
        for (let i = 1; i <= 200; i++) ctx.progress({ fraction: i / 400, stage: `step ${i}` });
        reported.resolve();
        await release.promise;
      },
    });
    await reported.promise;
    await new Promise((r) => setTimeout(r, 120));
    const progressEvents = updates.filter((u) => u.id === jobId && u.state === 'running' && u.progress.stage.startsWith('step'));
    expect(progressEvents.map((u) => u.progress.stage)).toEqual(['step 1', 'step 200']);
    expect(progressEvents[1].progress.fraction).toBe(0.5);
    clock += 1;
    release.resolve();
    await waitFor(updates, jobId, 'succeeded');
  });

  it('computes the ETA from the fraction done over the time elapsed', async () => {
    let clock = 5_000;
    const { queue, updates } = makeQueue({ now: () => clock });
    const { jobId } = queue.start({
      kind: 'k',
      title: 't',
      input: null,
      run: async (ctx) => {
        clock += 10_000; // 10 s in, a quarter done
        ctx.progress({ fraction: 0.25, stage: 'working' });
        clock += 1;
      },
    });
    await waitFor(updates, jobId, 'succeeded');
    const working = updates.find((u) => u.id === jobId && u.progress.stage === 'working');
    expect(working?.progress.etaSeconds).toBe(30);
    expect(working?.progress.fraction).toBe(0.25);
  });

  it('cancels a queued job without running it, and a running one through its signal', async () => {
    const { queue, updates } = makeQueue({ concurrency: 1 });
    const started = deferred();
    let secondRan = false;
    const first = queue.start({
      kind: 'k',
      title: 'first',
      input: null,
      run: async (ctx) => {
        started.resolve();
        await untilAborted(ctx.signal);
        throw new StudioError('cancelled', 'stopped');
      },
    });
    const second = queue.start({
      kind: 'k',
      title: 'second',
      input: null,
      run: async () => {
        secondRan = true;
      },
    });
    await started.promise;
    expect(queue.get(second.jobId).state).toBe('queued');
    const secondFinal = await queue.cancel(second.jobId);
    expect(secondFinal.state).toBe('cancelled');
    expect(secondFinal.error?.code).toBe('cancelled');
    const firstFinal = await queue.cancel(first.jobId);
    expect(firstFinal.state).toBe('cancelled');
    expect(firstFinal.finishedAt).not.toBeNull();
    await new Promise((r) => setTimeout(r, 20));
    expect(secondRan).toBe(false);
    // Cancelling a finished job is a no-op that returns the final record.
    expect((await queue.cancel(first.jobId)).state).toBe('cancelled');
    expect(updates.filter((u) => u.id === second.jobId).map((u) => u.state)).toEqual(['queued', 'cancelled']);
  });

  it('counts a body that returns or fails after the abort as cancelled', async () => {
    const { queue } = makeQueue({ concurrency: 2 });
    const bodies = [
      async (ctx: JobContext) => {
        await untilAborted(ctx.signal);
        return 'finished anyway';
      },
      async (ctx: JobContext) => {
        await untilAborted(ctx.signal);
        throw new Error('some unrelated failure while stopping');
      },
    ];
    for (const run of bodies) {
      const started = deferred();
      const { jobId } = queue.start({ kind: 'k', title: 't', input: null, run: (ctx) => (started.resolve(), run(ctx)) });
      await started.promise;
      const final = await queue.cancel(jobId);
      expect(final.state).toBe('cancelled');
      expect(final.result).toBeNull();
    }
  });

  it('passes StudioErrors through and hides everything else behind a generic internal error', async () => {
    const log = memoryLog();
    const { queue, updates } = makeQueue({ log, concurrency: 2 });
    const a = queue.start({
      kind: 'k',
      title: 't',
      input: null,
      run: async () => {
        throw new StudioError('not_audio', 'notes.wav is a text file', { file: 'notes.wav' });
      },
    });
    const b = queue.start({
      kind: 'k',
      title: 't',
      input: null,
      run: async () => {
        throw new Error('secret /home/me/path at line 42');
      },
    });
    const failedA = await waitFor(updates, a.jobId, 'failed');
    const failedB = await waitFor(updates, b.jobId, 'failed');
    expect(failedA.error).toEqual({ code: 'not_audio', message: 'notes.wav is a text file', details: { file: 'notes.wav' } });
    expect(failedB.error?.code).toBe('internal');
    expect(JSON.stringify(failedB.error)).not.toContain('secret');
    expect(log.lines.join('\n')).toContain('secret /home/me/path at line 42');
  });

  it('runs up to `concurrency` jobs at once and the rest in order', async () => {
    const { queue, updates } = makeQueue({ concurrency: 2 });
    const gates = [deferred(), deferred(), deferred()];
    const running: number[] = [];
    const ids = gates.map((gate, i) =>
      queue.start({
        kind: 'k',
        title: `job ${i}`,
        input: null,
        run: async () => {
          running.push(i);
          await gate.promise;
        },
      }).jobId,
    );
    await waitFor(updates, ids[1], 'running');
    expect(running).toEqual([0, 1]);
    expect(queue.get(ids[2]).state).toBe('queued');
    gates[1].resolve();
    await waitFor(updates, ids[2], 'running');
    expect(running).toEqual([0, 1, 2]);
    gates[0].resolve();
    gates[2].resolve();
    await waitFor(updates, ids[2], 'succeeded');
  });

  it('runs a lane’s jobs beside the default slots, each lane in order and within its own limit', async () => {
    const { queue, updates } = makeQueue({ concurrency: 1, lanes: { network: 1 } });
    const compute = [deferred(), deferred()];
    const network = [deferred(), deferred()];
    const started: string[] = [];
    const start = (name: string, gate: { promise: Promise<void> }, lane?: string) =>
      queue.start({
        kind: 'k',
        title: name,
        input: null,
        lane,
        run: async () => {
          started.push(name);
          await gate.promise;
        },
      }).jobId;
    const c0 = start('c0', compute[0]);
    const c1 = start('c1', compute[1]);
    const n0 = start('n0', network[0], 'network');
    const n1 = start('n1', network[1], 'network');
    const unknownLane = start('u', compute[1], 'nowhere');
    // One compute job and one network job run together; the second of each waits for its own lane.
    await waitFor(updates, n0, 'running');
    expect(started).toEqual(['c0', 'n0']);
    expect(queue.get(c1).state).toBe('queued');
    expect(queue.get(n1).state).toBe('queued');
    network[0].resolve();
    await waitFor(updates, n1, 'running');
    expect(queue.get(c1).state).toBe('queued');
    compute[0].resolve();
    await waitFor(updates, c1, 'running');
    // A lane that was not configured shares the default slots.
    expect(queue.get(unknownLane).state).toBe('queued');
    compute[1].resolve();
    network[1].resolve();
    await waitFor(updates, unknownLane, 'succeeded');
  });

  it('takes a body’s own ETA over the queue’s estimate when it gives one', async () => {
    const { queue, updates } = makeQueue({ progressIntervalMs: 0 });
    const gate = deferred();
    const { jobId } = queue.start({
      kind: 'k',
      title: 'resumed download',
      input: null,
      run: async (ctx) => {
        ctx.progress({ fraction: 0.5, stage: 'half of it was already there', etaSeconds: 42 });
        ctx.progress({ fraction: 0.6, stage: 'speed unknown', etaSeconds: null });
        await gate.promise;
      },
    });
    await vi.waitFor(() => expect(updates.some((u) => u.id === jobId && u.progress.stage === 'speed unknown')).toBe(true));
    expect(updates.find((u) => u.progress.stage === 'half of it was already there')?.progress.etaSeconds).toBe(42);
    expect(updates.find((u) => u.progress.stage === 'speed unknown')?.progress.etaSeconds).toBeNull();
    gate.resolve();
    await waitFor(updates, jobId, 'succeeded');
  });

  it('reports unknown ids as not_found and refuses new jobs once closed', async () => {
    const { queue } = makeQueue();
    expect(() => queue.get('nope')).toThrowError(expect.objectContaining({ code: 'not_found' }));
    await expect(queue.cancel('nope')).rejects.toMatchObject({ code: 'not_found' });
    await queue.close();
    expect(() => queue.start({ kind: 'k', title: 't', input: null, run: async () => {} })).toThrowError(
      expect.objectContaining({ code: 'engine_unavailable' }),
    );
  });
});

/** Resolves with the first update of `jobId` in `state`, polling the collected events. */
async function waitFor(updates: JobRecord[], jobId: string, state: JobRecord['state']): Promise<JobRecord> {
  for (;;) {
    const hit = updates.find((u) => u.id === jobId && u.state === state);
    if (hit) return hit;
    await new Promise((r) => setTimeout(r, 2));
  }
}
