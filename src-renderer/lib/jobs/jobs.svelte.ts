import { InjectionToken } from '$lib/context.js';
import type { ToastService } from '$lib/notifications/toasts.svelte.js';
import type { JobRecord } from '$shared/api/jobs.js';
import type { StudioClient } from '$shared/client.js';

const keepFinished = 20;

export function isActive(job: JobRecord): boolean {
  return job.state === 'queued' || job.state === 'running';
}

/**
 * The jobs the tray shows: everything running or queued in the engine, plus what finished while this
 * window was open. Kept current by `job.updated`, reloaded after a reconnect.
 */
export class JobsService {
  jobs = $state.raw<JobRecord[]>([]);
  active = $derived(this.jobs.filter(isActive));
  finished = $derived(this.jobs.filter((job) => !isActive(job)));
  /** Whether the tray panel is open. */
  trayOpen = $state(false);
  /** Ids whose cancel request is in flight. */
  cancelling = $state.raw<ReadonlySet<string>>(new Set());
  #client: StudioClient;
  #toasts: ToastService;
  #off: () => void;

  constructor(client: StudioClient, toasts: ToastService) {
    this.#client = client;
    this.#toasts = toasts;
    this.#off = client.on('job.updated', (job) => this.#upsert(job));
    void this.reload();
  }

  /** Fetch what is running now (after start-up or a reconnect, when events may have been missed). */
  async reload(): Promise<void> {
    try {
      const running = await this.#client.call('jobs.list', { activeOnly: true, limit: 100 });
      const known = new Map(this.jobs.map((job) => [job.id, job]));
      for (const job of running) known.set(job.id, job);
      // A job we showed as active that is no longer listed has finished meanwhile: ask for its final state.
      const stale = [...known.values()].filter((job) => isActive(job) && !running.some((r) => r.id === job.id));
      for (const job of stale) {
        try {
          known.set(job.id, await this.#client.call('jobs.get', { jobId: job.id }));
        } catch {
          known.delete(job.id);
        }
      }
      this.jobs = sortAndTrim([...known.values()]);
    } catch (error) {
      this.#toasts.error(error, 'Loading jobs');
    }
  }

  async cancel(jobId: string): Promise<void> {
    if (this.cancelling.has(jobId)) return;
    this.cancelling = new Set([...this.cancelling, jobId]);
    try {
      this.#upsert(await this.#client.call('jobs.cancel', { jobId }));
    } catch (error) {
      this.#toasts.error(error, 'Cancel job');
    } finally {
      const next = new Set(this.cancelling);
      next.delete(jobId);
      this.cancelling = next;
    }
  }

  clearFinished(): void {
    this.jobs = this.jobs.filter(isActive);
  }

  #upsert(job: JobRecord): void {
    const others = this.jobs.filter((existing) => existing.id !== job.id);
    this.jobs = sortAndTrim([job, ...others]);
  }

  dispose(): void {
    this.#off();
  }
}

function sortAndTrim(jobs: JobRecord[]): JobRecord[] {
  const sorted = [...jobs].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
  let finishedKept = 0;
  return sorted.filter((job) => isActive(job) || finishedKept++ < keepFinished);
}

export const JOBS = new InjectionToken<JobsService>('JobsService');
