import { describe, expect, it } from 'vitest';
import { FakeClient, jobRecord } from '$lib/testing/fake-client.js';
import { ToastService } from '$lib/notifications/toasts.svelte.js';
import { StudioError } from '$shared/api/errors.js';
import type { JobRecord } from '$shared/api/jobs.js';
import { JobsService } from './jobs.svelte.js';

const at = (second: number) => `2026-11-25T10:00:${String(second).padStart(2, '0')}.000Z`;
const running = (id: string, second: number): JobRecord => jobRecord({ id, state: 'running', createdAt: at(second), finishedAt: null });

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

describe('JobsService', () => {
  it('starts from the engine’s active jobs and follows job.updated, newest first', async () => {
    const client = new FakeClient().handle('jobs.list', () => [running('a', 1)]);
    const jobs = new JobsService(client, new ToastService());
    await settle();
    expect(jobs.jobs.map((j) => j.id)).toEqual(['a']);
    client.emit('job.updated', running('b', 2));
    client.emit('job.updated', { ...running('a', 1), progress: { fraction: 0.5, stage: 'decoding', etaSeconds: 3 } });
    expect(jobs.jobs.map((j) => j.id)).toEqual(['b', 'a']);
    expect(jobs.jobs[1]?.progress.stage).toBe('decoding');
    client.emit('job.updated', jobRecord({ id: 'b', state: 'succeeded', createdAt: at(2) }));
    expect(jobs.active.map((j) => j.id)).toEqual(['a']);
    expect(jobs.finished.map((j) => j.id)).toEqual(['b']);
    jobs.clearFinished();
    expect(jobs.jobs.map((j) => j.id)).toEqual(['a']);
  });

  it('keeps at most 20 finished jobs but every active one', async () => {
    const client = new FakeClient().handle('jobs.list', () => []);
    const jobs = new JobsService(client, new ToastService());
    await settle();
    client.emit('job.updated', running('live', 0));
    for (let i = 1; i <= 25; i++) client.emit('job.updated', jobRecord({ id: `done-${i}`, createdAt: at(i) }));
    expect(jobs.finished).toHaveLength(20);
    expect(jobs.finished[0]?.id).toBe('done-25');
    expect(jobs.active.map((j) => j.id)).toEqual(['live']);
  });

  it('after a reconnect, asks for the final state of jobs that stopped being active meanwhile', async () => {
    let active = [running('a', 1)];
    const client = new FakeClient()
      .handle('jobs.list', () => active)
      .handle('jobs.get', ({ jobId }) => jobRecord({ id: jobId, state: 'failed', createdAt: at(1), error: { code: 'worker_crashed', message: 'The worker stopped.' } }));
    const jobs = new JobsService(client, new ToastService());
    await settle();
    active = [];
    await jobs.reload();
    expect(jobs.jobs).toHaveLength(1);
    expect(jobs.jobs[0]).toMatchObject({ id: 'a', state: 'failed' });
  });

  it('cancels through the engine and reports a refusal as a toast', async () => {
    const client = new FakeClient()
      .handle('jobs.list', () => [running('a', 1), running('b', 2)])
      .handle('jobs.cancel', ({ jobId }) => {
        if (jobId === 'b') throw new StudioError('not_found', 'That job has already finished.');
        return jobRecord({ id: jobId, state: 'cancelled', createdAt: at(1) });
      });
    const toasts = new ToastService();
    const jobs = new JobsService(client, toasts);
    await settle();
    await jobs.cancel('a');
    expect(jobs.jobs.find((j) => j.id === 'a')?.state).toBe('cancelled');
    await jobs.cancel('b');
    expect(toasts.toasts[0]).toMatchObject({ context: 'Cancel job', message: 'That job has already finished.' });
    expect(jobs.cancelling.size).toBe(0);
  });
});
