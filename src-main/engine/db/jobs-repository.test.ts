import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobRecord } from '../../../src-shared/api/jobs.js';
import { openDatabase, type StudioDatabase } from './database.js';

let db: StudioDatabase;
beforeEach(() => {
  db = openDatabase(':memory:');
});
afterEach(() => db.close());

function job(id: string, createdAt: string, state: JobRecord['state'] = 'queued'): JobRecord & { input: unknown } {
  return {
    id,
    kind: 'library.importClips',
    title: `job ${id}`,
    state,
    progress: { fraction: null, stage: 'queued', etaSeconds: null },
    error: null,
    result: null,
    createdAt,
    startedAt: null,
    finishedAt: null,
    input: { speakerId: 's', sources: [{ kind: 'path', path: '/x.wav' }] },
  };
}

describe('JobsRepository', () => {
  it('round-trips a job, its input and JSON fields', () => {
    const { input, ...record } = job('a', '2026-01-01T00:00:00.000Z');
    db.jobs.insert({ ...record, input });
    expect(db.jobs.get('a')).toEqual(record);
    expect(db.jobs.getInput('a')).toEqual({ speakerId: 's', sources: [{ kind: 'path', path: '/x.wav' }] });
    expect(db.jobs.get('missing')).toBeNull();
    expect(db.jobs.getInput('missing')).toBeUndefined();
  });

  it('updates only the fields in the patch', () => {
    db.jobs.insert(job('a', '2026-01-01T00:00:00.000Z'));
    const running = db.jobs.update('a', { state: 'running', startedAt: '2026-01-01T00:00:01.000Z', progress: { fraction: 0.5, stage: 'decoding', etaSeconds: 3 } });
    expect(running).toMatchObject({ state: 'running', startedAt: '2026-01-01T00:00:01.000Z', progress: { fraction: 0.5, stage: 'decoding', etaSeconds: 3 }, title: 'job a' });
    const done = db.jobs.update('a', { state: 'succeeded', result: { files: [] }, finishedAt: '2026-01-01T00:00:02.000Z' });
    expect(done).toMatchObject({ state: 'succeeded', result: { files: [] }, startedAt: '2026-01-01T00:00:01.000Z', error: null });
    expect(db.jobs.update('missing', { state: 'failed' })).toBeNull();
  });

  it('lists newest first, with a limit and an active-only filter', () => {
    db.jobs.insert(job('old', '2026-01-01T00:00:00.000Z', 'succeeded'));
    db.jobs.insert(job('mid', '2026-01-02T00:00:00.000Z', 'running'));
    db.jobs.insert(job('new', '2026-01-03T00:00:00.000Z', 'queued'));
    expect(db.jobs.list({ limit: 10, activeOnly: false }).map((j) => j.id)).toEqual(['new', 'mid', 'old']);
    expect(db.jobs.list({ limit: 2, activeOnly: false }).map((j) => j.id)).toEqual(['new', 'mid']);
    expect(db.jobs.list({ limit: 10, activeOnly: true }).map((j) => j.id)).toEqual(['new', 'mid']);
  });

  it('fails jobs interrupted by a restart and leaves finished ones alone', () => {
    db.jobs.insert(job('done', '2026-01-01T00:00:00.000Z', 'succeeded'));
    db.jobs.insert(job('cancelled', '2026-01-01T00:00:01.000Z', 'cancelled'));
    db.jobs.insert(job('running', '2026-01-01T00:00:02.000Z', 'running'));
    db.jobs.update('running', { progress: { fraction: 0.3, stage: 'decoding', etaSeconds: 12 } });
    db.jobs.insert(job('queued', '2026-01-01T00:00:03.000Z', 'queued'));

    expect(db.jobs.failInterrupted('2026-01-05T00:00:00.000Z')).toBe(2);
    for (const id of ['running', 'queued']) {
      const j = db.jobs.get(id)!;
      expect(j.state).toBe('failed');
      expect(j.finishedAt).toBe('2026-01-05T00:00:00.000Z');
      expect(j.error?.code).toBe('engine_unavailable');
      expect(j.error?.message).toMatch(/interrupted by restart/i);
      expect(j.progress.etaSeconds).toBeNull();
    }
    expect(db.jobs.get('running')!.progress.fraction).toBe(0.3);
    expect(db.jobs.get('done')!.state).toBe('succeeded');
    expect(db.jobs.get('cancelled')!.state).toBe('cancelled');
    expect(db.jobs.failInterrupted()).toBe(0);
  });
});
