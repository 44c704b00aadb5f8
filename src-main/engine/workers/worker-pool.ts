import { availableParallelism } from 'node:os';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import { StudioError } from '../../../src-shared/api/errors.js';
import { silentLog, type HostLog } from '../host/host-log.js';
import type { ProgressReport, TaskRunner } from '../jobs/job-context.js';
import type { TaskRegistry } from './task-registry.js';
import type { FromWorker, SerializedTaskError, ToWorker, WorkerBootData } from './worker-protocol.js';

export interface WorkerPoolOptions {
  registry: TaskRegistry;
  /** Most workers alive at once. Default: cores − 1, between 1 and 4. */
  size?: number;
  /** How long a cancelled task may keep running before its worker is terminated. */
  cancelGraceMs?: number;
  /** An idle worker is ended after this long (workers hold memory: ORT sessions, decoders). */
  idleTimeoutMs?: number;
  resourceLimits?: ResourceLimits;
  log?: HostLog;
}

interface PendingTask {
  id: number;
  task: string;
  module: string;
  exportName: string;
  terminable: boolean;
  input: unknown;
  signal: AbortSignal;
  onProgress?: (report: ProgressReport) => void;
  resolve(value: unknown): void;
  reject(error: Error): void;
  onAbort?: () => void;
  graceTimer?: NodeJS.Timeout;
  settled: boolean;
}

interface PoolWorker {
  worker: Worker;
  current: PendingTask | null;
  /** Set when the pool itself ends the worker, so its exit is not taken for a crash. */
  endedOnPurpose: 'idle' | 'cancel' | 'close' | null;
  lastError: Error | null;
  idleTimer: NodeJS.Timeout | null;
}

const bootstrapUrl = new URL('./ts-worker-bootstrap.js', import.meta.url);
const entryUrl = new URL('./worker-entry.ts', import.meta.url).href;

/**
 * Runs registered task modules in worker_threads, one task per worker at a time. A worker that dies for any
 * reason (exit, uncaught error, OOM, terminate) fails only the task it was running, with
 * StudioError('worker_crashed'); the next task gets a fresh worker. Cancellation asks the task to stop and,
 * past a grace period, terminates its worker.
 */
export class WorkerPool implements TaskRunner {
  private readonly registry: TaskRegistry;
  private readonly size: number;
  private readonly cancelGraceMs: number;
  private readonly idleTimeoutMs: number;
  private readonly resourceLimits?: ResourceLimits;
  private readonly log: HostLog;
  private readonly workers = new Set<PoolWorker>();
  private readonly queue: PendingTask[] = [];
  private nextTaskId = 1;
  private closed = false;

  constructor(options: WorkerPoolOptions) {
    this.registry = options.registry;
    this.size = Math.max(1, Math.floor(options.size ?? Math.min(4, Math.max(1, availableParallelism() - 1))));
    this.cancelGraceMs = options.cancelGraceMs ?? 5_000;
    this.idleTimeoutMs = options.idleTimeoutMs ?? 30_000;
    this.resourceLimits = options.resourceLimits;
    this.log = options.log ?? silentLog;
  }

  run<I, O>(task: string, input: I, options: { signal: AbortSignal; onProgress?: (report: ProgressReport) => void }): Promise<O> {
    const entry = this.registry.get(task);
    if (!entry) return Promise.reject(new Error(`No worker task is registered as "${task}"`));
    if (this.closed) return Promise.reject(new StudioError('engine_unavailable', 'The studio engine is shutting down.'));
    if (options.signal.aborted) return Promise.reject(new StudioError('cancelled', 'Cancelled.'));
    return new Promise<O>((resolve, reject) => {
      const pending: PendingTask = {
        id: this.nextTaskId++,
        task,
        module: entry.module,
        exportName: entry.exportName,
        terminable: entry.terminable,
        input,
        signal: options.signal,
        onProgress: options.onProgress,
        resolve: resolve as (value: unknown) => void,
        reject,
        settled: false,
      };
      pending.onAbort = () => this.cancel(pending);
      options.signal.addEventListener('abort', pending.onAbort, { once: true });
      this.queue.push(pending);
      this.dispatch();
    });
  }

  /** Workers running a task right now. For diagnostics, and for tests that kill one mid-task. */
  busyWorkers(): Worker[] {
    return [...this.workers].filter((w) => w.current !== null).map((w) => w.worker);
  }

  /** Ends every worker; pending and running tasks are rejected with engine_unavailable. */
  async close(): Promise<void> {
    this.closed = true;
    for (const pending of this.queue.splice(0)) this.settle(pending, new StudioError('engine_unavailable', 'The studio engine is shutting down.'));
    await Promise.all(
      [...this.workers].map((w) => {
        w.endedOnPurpose = 'close';
        if (w.current) this.settle(w.current, new StudioError('engine_unavailable', 'The studio engine is shutting down.'));
        return w.worker.terminate();
      }),
    );
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let worker = [...this.workers].find((w) => w.current === null && w.endedOnPurpose === null);
      if (!worker) {
        if (this.workers.size >= this.size) return;
        worker = this.spawn();
      }
      this.assign(worker, this.queue.shift()!);
    }
  }

  private spawn(): PoolWorker {
    const bootData: WorkerBootData = { entry: entryUrl };
    // stdout/stderr are captured: a task that prints must not mix into the CLI's stdout (`--json` output).
    const worker = new Worker(bootstrapUrl, { workerData: bootData, resourceLimits: this.resourceLimits, stdout: true, stderr: true });
    const poolWorker: PoolWorker = { worker, current: null, endedOnPurpose: null, lastError: null, idleTimer: null };
    this.workers.add(poolWorker);
    forwardLines(worker.stdout, (line) => this.log.info(`[worker ${worker.threadId}] ${line}`));
    forwardLines(worker.stderr, (line) => this.log.warn(`[worker ${worker.threadId}] ${line}`));
    worker.on('message', (message: FromWorker) => this.onMessage(poolWorker, message));
    worker.on('error', (error) => {
      poolWorker.lastError = error;
    });
    worker.on('messageerror', (error) => {
      poolWorker.lastError = error;
    });
    worker.on('exit', (code) => this.onExit(poolWorker, code));
    return poolWorker;
  }

  private assign(poolWorker: PoolWorker, pending: PendingTask): void {
    if (poolWorker.idleTimer) clearTimeout(poolWorker.idleTimer);
    poolWorker.idleTimer = null;
    poolWorker.current = pending;
    poolWorker.worker.ref();
    const message: ToWorker = { kind: 'run', taskId: pending.id, task: pending.task, module: pending.module, exportName: pending.exportName, input: pending.input };
    try {
      poolWorker.worker.postMessage(message);
    } catch (error) {
      poolWorker.current = null;
      this.settle(pending, new Error(`The input of task "${pending.task}" cannot be sent to a worker: ${(error as Error).message}`));
      this.becomeIdle(poolWorker);
    }
  }

  private onMessage(poolWorker: PoolWorker, message: FromWorker): void {
    const pending = poolWorker.current;
    if (!pending || message.taskId !== pending.id) return;
    if (message.kind === 'progress') {
      if (pending.settled) return;
      try {
        pending.onProgress?.(message.report);
      } catch (error) {
        this.log.error(`a progress listener of task ${pending.task} threw`, error);
      }
      return;
    }
    poolWorker.current = null;
    if (message.kind === 'result') this.settle(pending, null, message.value);
    else this.settle(pending, deserialize(pending.task, message.error));
    this.becomeIdle(poolWorker);
    this.dispatch();
  }

  private onExit(poolWorker: PoolWorker, exitCode: number): void {
    this.workers.delete(poolWorker);
    if (poolWorker.idleTimer) clearTimeout(poolWorker.idleTimer);
    const pending = poolWorker.current;
    poolWorker.current = null;
    if (pending && !pending.settled) {
      if (poolWorker.endedOnPurpose === 'cancel') {
        this.settle(pending, new StudioError('cancelled', 'Cancelled.'));
      } else {
        const reason = describeExit(poolWorker.lastError, exitCode);
        this.log.error(`worker running task ${pending.task} stopped unexpectedly: ${reason}`, poolWorker.lastError ?? '');
        this.settle(
          pending,
          new StudioError('worker_crashed', `The worker running "${pending.task}" stopped unexpectedly (${reason}).`, { task: pending.task, exitCode, reason }),
        );
      }
    } else if (poolWorker.endedOnPurpose === null && !this.closed) {
      this.log.warn(`an idle worker exited with code ${exitCode}`);
    }
    // A replacement is spawned on demand: if tasks are waiting, now.
    if (!this.closed) this.dispatch();
  }

  private cancel(pending: PendingTask): void {
    if (pending.settled) return;
    const queued = this.queue.indexOf(pending);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      this.settle(pending, new StudioError('cancelled', 'Cancelled.'));
      return;
    }
    const poolWorker = [...this.workers].find((w) => w.current === pending);
    if (!poolWorker) return;
    poolWorker.worker.postMessage({ kind: 'cancel', taskId: pending.id } satisfies ToWorker);
    // [Note: cancel grace] A task stuck in a synchronous native call never sees its signal; end the thread.
    pending.graceTimer = setTimeout(() => {
      if (poolWorker.current !== pending) return;
      if (!pending.terminable) {
        // The caller is released now; the worker stays busy until its native call returns, then idles.
        this.log.warn(`task ${pending.task} is still inside a native call ${this.cancelGraceMs} ms after cancel; releasing its caller`);
        this.settle(pending, new StudioError('cancelled', 'Cancelled.'));
        return;
      }
      this.log.warn(`task ${pending.task} ignored cancellation for ${this.cancelGraceMs} ms; terminating its worker`);
      poolWorker.endedOnPurpose = 'cancel';
      void poolWorker.worker.terminate();
    }, this.cancelGraceMs);
  }

  private becomeIdle(poolWorker: PoolWorker): void {
    if (poolWorker.endedOnPurpose !== null) return;
    // An idle worker must not keep a CLI process alive.
    poolWorker.worker.unref();
    poolWorker.idleTimer = setTimeout(() => {
      if (poolWorker.current !== null) return;
      poolWorker.endedOnPurpose = 'idle';
      void poolWorker.worker.terminate();
    }, this.idleTimeoutMs);
    poolWorker.idleTimer.unref();
  }

  private settle(pending: PendingTask, error: Error | null, value?: unknown): void {
    if (pending.settled) return;
    pending.settled = true;
    if (pending.graceTimer) clearTimeout(pending.graceTimer);
    if (pending.onAbort) pending.signal.removeEventListener('abort', pending.onAbort);
    if (error) pending.reject(error);
    else pending.resolve(value);
  }
}

/** Hands each complete line of a worker's output stream to the host log. */
function forwardLines(stream: NodeJS.ReadableStream, write: (line: string) => void): void {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) if (line.trim() !== '') write(line);
  });
  stream.on('end', () => {
    if (pending.trim() !== '') write(pending);
  });
}

function deserialize(task: string, error: SerializedTaskError): Error {
  if (error.studio) return new StudioError(error.studio.code, error.studio.message, error.studio.details);
  // Not a StudioError: keep the worker's stack for the host log; the boundary will show a generic message.
  const result = new Error(`Task "${task}" failed: ${error.name}: ${error.message}`);
  if (error.stack) result.stack = `${result.message}\n[worker stack]\n${error.stack}`;
  return result;
}

function describeExit(error: Error | null, exitCode: number): string {
  const code = (error as { code?: string } | null)?.code;
  if (code === 'ERR_WORKER_OUT_OF_MEMORY') return 'it ran out of memory';
  if (error) return `uncaught error: ${error.message}`;
  return `it exited with code ${exitCode}`;
}
