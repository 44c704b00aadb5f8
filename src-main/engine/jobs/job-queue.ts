import { randomUUID } from 'node:crypto';
import { StudioError, type StudioErrorData } from '../../../src-shared/api/errors.js';
import type { JobProgress, JobRecord, JobState } from '../../../src-shared/api/jobs.js';
import { isCancellation, toPublicError } from '../host/public-error.js';
import { silentLog, type HostLog } from '../host/host-log.js';
import { estimateEtaSeconds, normaliseFraction } from './eta.js';
import type { JobContext, ProgressReport, TaskRunner } from './job-context.js';

/** What the queue needs of the store: the `jobs` repository of the studio database has this shape. */
export interface JobsRepository {
  insert(job: JobRecord & { input: unknown }): unknown;
  update(id: string, patch: Partial<Omit<JobRecord, 'id' | 'kind' | 'createdAt'>>): unknown;
  get(id: string): JobRecord | null | undefined;
  list(options: { limit: number; activeOnly: boolean }): JobRecord[];
  /** Marks jobs left queued/running by a previous engine run as failed; returns how many. */
  failInterrupted(): unknown;
}

export interface StartJob {
  kind: string;
  title: string;
  /** Persisted with the job for the record; the body gets its input through its own closure. */
  input: unknown;
  run: (ctx: JobContext) => Promise<unknown>;
  /**
   * The slots it waits for: jobs share `concurrency` slots by default; a lane named in `lanes` has its own
   * (downloads wait on the network, not the CPU, so they should neither block nor be blocked by compute jobs).
   */
  lane?: string;
}

export interface JobQueueOptions {
  repository: JobsRepository;
  tasks: TaskRunner;
  /** Called with a fresh copy of the record on every state or (throttled) progress change. */
  onUpdate: (job: JobRecord) => void;
  /** How many jobs run at once; the rest wait in order. Heavy jobs share the machine, so 1 by default. */
  concurrency?: number;
  /** Extra lanes and how many of their jobs run at once, e.g. `{ network: 2 }`. */
  lanes?: Readonly<Record<string, number>>;
  /** Minimum spacing of progress events per job (100 ms: at most ~10 per second). */
  progressIntervalMs?: number;
  log?: HostLog;
  now?: () => number;
}

const DEFAULT_LANE = 'default';
const finalStates: ReadonlySet<JobState> = new Set(['succeeded', 'failed', 'cancelled']);

interface LiveJob {
  record: JobRecord;
  run: StartJob['run'];
  lane: string;
  controller: AbortController;
  startedAtMs: number;
  lastProgressEmitMs: number;
  progressTimer: NodeJS.Timeout | null;
  pendingProgress: ProgressReport | null;
  finished: Promise<JobRecord>;
  resolveFinished: (job: JobRecord) => void;
}

/**
 * Long work as jobs: `start` returns an id at once, the body runs when a slot is free, every state change is
 * persisted and announced, and every job can be cancelled. Only the host's thread runs this; heavy compute
 * inside a body goes to workers through `ctx.tasks`.
 */
export class JobQueue {
  private readonly repository: JobsRepository;
  private readonly tasks: TaskRunner;
  private readonly onUpdate: (job: JobRecord) => void;
  private readonly limits: ReadonlyMap<string, number>;
  private readonly progressIntervalMs: number;
  private readonly log: HostLog;
  private readonly now: () => number;
  private readonly live = new Map<string, LiveJob>();
  private readonly waiting: LiveJob[] = [];
  /** Running jobs per lane. */
  private readonly running = new Map<string, number>();
  private closed = false;

  constructor(options: JobQueueOptions) {
    this.repository = options.repository;
    this.tasks = options.tasks;
    this.onUpdate = options.onUpdate;
    const limits = new Map<string, number>([[DEFAULT_LANE, Math.max(1, Math.floor(options.concurrency ?? 1))]]);
    for (const [lane, n] of Object.entries(options.lanes ?? {})) if (lane !== DEFAULT_LANE) limits.set(lane, Math.max(1, Math.floor(n)));
    this.limits = limits;
    this.progressIntervalMs = options.progressIntervalMs ?? 100;
    this.log = options.log ?? silentLog;
    this.now = options.now ?? Date.now;
    // A job cannot survive the engine that ran it: whatever a previous run left active has failed.
    const interrupted = this.repository.failInterrupted();
    if (typeof interrupted === 'number' && interrupted > 0) this.log.warn(`${interrupted} job(s) were interrupted by the last shutdown`);
  }

  start(job: StartJob): { jobId: string } {
    if (this.closed) throw new StudioError('engine_unavailable', 'The studio engine is shutting down.');
    const record: JobRecord = {
      id: randomUUID(),
      kind: job.kind,
      title: job.title,
      state: 'queued',
      progress: { fraction: null, stage: 'queued', etaSeconds: null },
      error: null,
      result: null,
      createdAt: new Date(this.now()).toISOString(),
      startedAt: null,
      finishedAt: null,
    };
    let resolveFinished!: (job: JobRecord) => void;
    const finished = new Promise<JobRecord>((resolve) => (resolveFinished = resolve));
    const live: LiveJob = {
      record,
      run: job.run,
      lane: job.lane !== undefined && this.limits.has(job.lane) ? job.lane : DEFAULT_LANE,
      controller: new AbortController(),
      startedAtMs: 0,
      lastProgressEmitMs: Number.NEGATIVE_INFINITY,
      progressTimer: null,
      pendingProgress: null,
      finished,
      resolveFinished,
    };
    this.repository.insert({ ...record, input: job.input });
    this.live.set(record.id, live);
    this.waiting.push(live);
    this.announce(live);
    // Start on a later tick so the caller always gets its id before the first 'running' event.
    setImmediate(() => this.pump());
    return { jobId: record.id };
  }

  get(jobId: string): JobRecord {
    const live = this.live.get(jobId);
    if (live) return copy(live.record);
    const stored = this.repository.get(jobId);
    if (!stored) throw new StudioError('not_found', `There is no job with id ${jobId}.`, { jobId });
    return stored;
  }

  list(options: { limit: number; activeOnly: boolean }): JobRecord[] {
    // The store holds every change except the progress in flight; overlay what is live.
    return this.repository.list(options).map((job) => {
      const live = this.live.get(job.id);
      return live ? copy(live.record) : job;
    });
  }

  /** Stops a job. A queued job never runs; a running one is aborted. Resolves with the job's final record. */
  async cancel(jobId: string): Promise<JobRecord> {
    const live = this.live.get(jobId);
    if (!live) return this.get(jobId);
    const index = this.waiting.indexOf(live);
    if (index >= 0) {
      this.waiting.splice(index, 1);
      this.finish(live, 'cancelled', { error: cancelledError(), result: null });
      return live.finished;
    }
    live.controller.abort(new StudioError('cancelled', 'Cancelled.'));
    return live.finished;
  }

  /** Cancels everything and waits for the running bodies to stop. New jobs are refused from now on. */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.live.keys()];
    await Promise.all(all.map((id) => this.cancel(id)));
  }

  private pump(): void {
    // In order within each lane; a full lane does not hold up the jobs of another.
    for (let i = 0; i < this.waiting.length; ) {
      const live = this.waiting[i];
      const running = this.running.get(live.lane) ?? 0;
      if (running >= (this.limits.get(live.lane) ?? 1)) {
        i++;
        continue;
      }
      this.waiting.splice(i, 1);
      this.running.set(live.lane, running + 1);
      void this.execute(live).finally(() => {
        this.running.set(live.lane, (this.running.get(live.lane) ?? 1) - 1);
        this.pump();
      });
    }
  }

  private async execute(live: LiveJob): Promise<void> {
    live.startedAtMs = this.now();
    live.record.state = 'running';
    live.record.startedAt = new Date(live.startedAtMs).toISOString();
    live.record.progress = { fraction: null, stage: 'starting', etaSeconds: null };
    this.persist(live, { state: 'running', startedAt: live.record.startedAt, progress: live.record.progress });
    this.announce(live);

    const signal = live.controller.signal;
    const ctx: JobContext = {
      signal,
      tasks: this.tasks,
      progress: (report) => this.reportProgress(live, report),
    };
    try {
      const result = await live.run(ctx);
      if (signal.aborted) this.finish(live, 'cancelled', { error: cancelledError(), result: null });
      else this.finish(live, 'succeeded', { error: null, result: result ?? null });
    } catch (error) {
      if (signal.aborted || isCancellation(error)) this.finish(live, 'cancelled', { error: cancelledError(), result: null });
      else this.finish(live, 'failed', { error: toPublicError(error, this.log, `Job ${live.record.kind} (${live.record.id})`), result: null });
    }
  }

  private reportProgress(live: LiveJob, report: ProgressReport): void {
    if (live.record.state !== 'running') return;
    live.pendingProgress = report;
    const wait = live.lastProgressEmitMs + this.progressIntervalMs - this.now();
    if (wait <= 0) {
      this.flushProgress(live);
    } else if (live.progressTimer === null) {
      // Trailing edge: the latest report goes out once the interval has passed.
      live.progressTimer = setTimeout(() => {
        live.progressTimer = null;
        this.flushProgress(live);
      }, wait);
    }
  }

  private flushProgress(live: LiveJob): void {
    const report = live.pendingProgress;
    live.pendingProgress = null;
    if (report === null || live.record.state !== 'running') return;
    const now = this.now();
    const fraction = normaliseFraction(report.fraction);
    const progress: JobProgress = {
      fraction,
      stage: typeof report.stage === 'string' ? report.stage.slice(0, 200) : '',
      etaSeconds:
        report.etaSeconds !== undefined
          ? report.etaSeconds === null || !Number.isFinite(report.etaSeconds)
            ? null
            : Math.max(0, report.etaSeconds)
          : estimateEtaSeconds(fraction, (now - live.startedAtMs) / 1000),
    };
    live.lastProgressEmitMs = now;
    live.record.progress = progress;
    this.persist(live, { progress });
    this.announce(live);
  }

  private finish(live: LiveJob, state: JobState, outcome: { error: StudioErrorData | null; result: unknown }): void {
    if (finalStates.has(live.record.state)) return;
    if (live.progressTimer !== null) clearTimeout(live.progressTimer);
    live.progressTimer = null;
    live.pendingProgress = null;
    const finishedAt = new Date(this.now()).toISOString();
    const progress: JobProgress =
      state === 'succeeded' ? { fraction: 1, stage: 'done', etaSeconds: 0 } : { ...live.record.progress, etaSeconds: null };
    Object.assign(live.record, { state, error: outcome.error, result: outcome.result, finishedAt, progress });
    this.persist(live, { state, error: outcome.error, result: outcome.result, finishedAt, progress });
    this.live.delete(live.record.id);
    this.announce(live);
    live.resolveFinished(copy(live.record));
  }

  private persist(live: LiveJob, patch: Parameters<JobsRepository['update']>[1]): void {
    try {
      this.repository.update(live.record.id, patch);
    } catch (error) {
      // The job's outcome still reaches the client through the event; losing the row is logged, not fatal.
      this.log.error(`could not persist job ${live.record.id}`, error);
    }
  }

  private announce(live: LiveJob): void {
    try {
      this.onUpdate(copy(live.record));
    } catch (error) {
      this.log.error('a job.updated listener threw', error);
    }
  }
}

function cancelledError(): StudioErrorData {
  return { code: 'cancelled', message: 'Cancelled.' };
}

function copy(job: JobRecord): JobRecord {
  return { ...job, progress: { ...job.progress }, error: job.error ? { ...job.error } : null };
}
