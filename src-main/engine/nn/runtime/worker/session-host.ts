/**
 * SessionHost: one worker thread holding ORT sessions, driven from the main thread.
 *
 * - `load(key, model, options)` is memoised per key: concurrent first calls share one load.
 * - `run(key, feeds, { signal })` sends feeds to the worker, moving (transferring) their buffers when a tensor owns
 *   its whole ArrayBuffer — such an array is detached (length 0) afterwards; pass `transfer: false` to copy.
 *   Outputs come back the same way. Aborting rejects the call at once with StudioError('cancelled'); a run the
 *   worker has not started is skipped, one already running finishes in the worker and its result is dropped
 *   (onnxruntime-node cannot interrupt a run).
 * - If the worker dies (crash, out of memory), every pending call rejects with StudioError('worker_crashed')
 *   and its sessions are gone; `kill()` does the same on purpose. The next `load` starts a fresh worker.
 * - `dispose()` fails pending calls, frees the sessions and resolves once the thread has exited.
 *
 * The host never calls `worker.terminate()` on a worker that may be inside ORT: terminating a thread during a
 * native onnxruntime-node call aborts the whole process. Workers are asked to stop and end themselves between
 * requests instead.
 */
import { Worker, type ResourceLimits } from 'node:worker_threads';
import { StudioError } from '../../../../../src-shared/api/errors.js';
import type { HostTensor } from '../../io/host-tensor.js';
import type { SessionOptions } from '../session.js';
import type { FromWorker, LoadedInfo, SessionWorkerInit, ToWorker } from './protocol.js';
import { transferablesOf } from './transfer.js';

export type { LoadedInfo } from './protocol.js';

export type ModelSource = Uint8Array | { path: string };

export interface SessionHostOptions {
  /** Used in error messages and as the thread's name. */
  name?: string;
  /** V8 heap limits for the worker (ORT's own memory is native and not covered). */
  resourceLimits?: ResourceLimits;
}

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
  cleanup?: () => void;
}

/** One worker thread and what is known about it. */
interface WorkerSlot {
  worker: Worker;
  exited: Promise<void>;
  /** Request ids posted and not yet answered (cancelled ones included): non-empty means it may be inside ORT. */
  outstanding: Set<number>;
  lastError: Error | null;
  /** Set when the host asked it to stop, so its exit is not reported as a crash. */
  stopping: boolean;
}

const workerUrl = new URL(import.meta.url.endsWith('.ts') ? './session-worker.ts' : './session-worker.js', import.meta.url);
const bootstrapUrl = new URL('../../../workers/ts-worker-bootstrap.js', import.meta.url);

export class SessionHost {
  readonly name: string;
  private readonly resourceLimits?: ResourceLimits;
  private slot: WorkerSlot | null = null;
  /** Workers asked to stop that have not exited yet (e.g. still finishing a run after kill()). */
  private readonly stopping = new Set<WorkerSlot>();
  private readonly pending = new Map<number, Pending>();
  private readonly loads = new Map<string, Promise<LoadedInfo>>();
  private nextId = 1;
  private disposed = false;

  constructor(options: SessionHostOptions = {}) {
    this.name = options.name ?? 'session-host';
    this.resourceLimits = options.resourceLimits;
  }

  /** Keys with a load started or finished in the current worker. */
  get loadedKeys(): string[] {
    return [...this.loads.keys()];
  }

  /** Thread id of the current worker, null when none is running. */
  get threadId(): number | null {
    return this.slot?.worker.threadId ?? null;
  }

  private ensureWorker(): WorkerSlot {
    if (this.disposed) throw new StudioError('engine_unavailable', `${this.name} was disposed`);
    if (this.slot) return this.slot;
    const init: SessionWorkerInit = { name: this.name };
    // A .ts worker needs the TypeScript bootstrap (tests, tsx); a built .js worker starts directly.
    const worker = workerUrl.pathname.endsWith('.ts')
      ? new Worker(bootstrapUrl, { workerData: { ...init, entry: workerUrl.href }, name: this.name, resourceLimits: this.resourceLimits })
      : new Worker(workerUrl, { workerData: init, name: this.name, resourceLimits: this.resourceLimits });
    let markExited!: () => void;
    const slot: WorkerSlot = {
      worker,
      exited: new Promise<void>((resolve) => (markExited = resolve)),
      outstanding: new Set(),
      lastError: null,
      stopping: false,
    };
    worker.on('message', (msg: FromWorker) => this.onMessage(slot, msg));
    worker.on('error', (err) => {
      slot.lastError = err;
    });
    worker.once('exit', (code) => {
      this.onExit(slot, code);
      markExited();
    });
    worker.unref();
    this.slot = slot;
    return slot;
  }

  private onMessage(slot: WorkerSlot, msg: FromWorker): void {
    if (msg.type === 'ready') return;
    slot.outstanding.delete(msg.id);
    if (slot.outstanding.size === 0) slot.worker.unref();
    if (slot !== this.slot) return; // a stopped worker's late answer
    const p = this.pending.get(msg.id);
    if (!p) return; // cancelled: result dropped
    this.settle(msg.id);
    if (msg.type === 'error') {
      const err = new Error(msg.error.message);
      err.name = msg.error.name;
      p.reject(err);
    } else if (msg.type === 'loaded') p.resolve(msg.info);
    else if (msg.type === 'result') p.resolve(msg.outputs);
    else p.resolve(undefined);
  }

  private onExit(slot: WorkerSlot, code: number): void {
    this.stopping.delete(slot);
    if (slot !== this.slot) return;
    this.slot = null;
    const err = slot.stopping
      ? new StudioError('cancelled', `${this.name} was shut down`)
      : new StudioError('worker_crashed', `${this.name} worker stopped unexpectedly (exit code ${code}${slot.lastError ? `: ${slot.lastError.message}` : ''})`);
    this.failAll(err);
  }

  /** Forget the current worker's sessions and fail every pending call with `err`. */
  private failAll(err: StudioError): void {
    this.loads.clear();
    for (const id of [...this.pending.keys()]) {
      const p = this.pending.get(id)!;
      this.settle(id);
      p.reject(err);
    }
  }

  private settle(id: number): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    p.cleanup?.();
  }

  /** Ask the current worker to end itself between requests; it becomes a `stopping` worker. */
  private stopWorker(): WorkerSlot | null {
    const slot = this.slot;
    if (!slot) return null;
    this.slot = null;
    slot.stopping = true;
    this.stopping.add(slot);
    slot.worker.ref(); // the process waits for it to finish and exit
    slot.worker.postMessage({ type: 'shutdown' } satisfies ToWorker);
    return slot;
  }

  private call<T>(msg: Exclude<ToWorker, { type: 'shutdown' | 'cancel' }>, transfer: ArrayBuffer[], signal?: AbortSignal): Promise<T> {
    const slot = this.ensureWorker();
    return new Promise<T>((resolve, reject) => {
      const pending: Pending = { resolve: resolve as (v: unknown) => void, reject };
      if (signal) {
        const onAbort = () => {
          if (!this.pending.has(msg.id)) return;
          this.settle(msg.id);
          slot.worker.postMessage({ type: 'cancel', id: msg.id } satisfies ToWorker);
          reject(new StudioError('cancelled', `${msg.type} was cancelled`));
        };
        signal.addEventListener('abort', onAbort, { once: true });
        pending.cleanup = () => signal.removeEventListener('abort', onAbort);
      }
      try {
        slot.worker.postMessage(msg, transfer);
      } catch (err) {
        pending.cleanup?.();
        reject(err as Error);
        return;
      }
      this.pending.set(msg.id, pending);
      slot.outstanding.add(msg.id);
      slot.worker.ref(); // keep the process alive while the worker owes us an answer
    });
  }

  /**
   * Create the session for `key` in the worker (once: later and concurrent calls for the same key share the
   * first call's promise, whatever model they pass). A failed load is forgotten so it can be retried.
   * Model bytes are transferred unless `transfer: false`.
   */
  load(key: string, model: ModelSource, options: SessionOptions & { transfer?: boolean } = {}): Promise<LoadedInfo> {
    const existing = this.loads.get(key);
    if (existing) return existing;
    const { transfer = true, ...sessionOptions } = options;
    const id = this.nextId++;
    const msg =
      model instanceof Uint8Array
        ? { type: 'load' as const, id, key, model: { bytes: model }, options: sessionOptions }
        : { type: 'load' as const, id, key, model: { path: model.path }, options: sessionOptions };
    let promise: Promise<LoadedInfo>;
    try {
      promise = this.call<LoadedInfo>(msg, transfer && model instanceof Uint8Array ? transferablesOf([model]) : []);
    } catch (err) {
      return Promise.reject(err);
    }
    this.loads.set(key, promise);
    promise.catch(() => {
      if (this.loads.get(key) === promise) this.loads.delete(key);
    });
    return promise;
  }

  /** Run the session loaded under `key`. */
  async run(
    key: string,
    feeds: Record<string, HostTensor>,
    options: { signal?: AbortSignal; outputNames?: string[]; transfer?: boolean } = {},
  ): Promise<Record<string, HostTensor>> {
    if (options.signal?.aborted) throw new StudioError('cancelled', 'run was cancelled');
    const loading = this.loads.get(key);
    if (!loading) throw new Error(`no session is loaded under "${key}" in ${this.name} (load it first; a crashed worker forgets its sessions)`);
    await loading;
    if (options.signal?.aborted) throw new StudioError('cancelled', 'run was cancelled');
    const msg = { type: 'run' as const, id: this.nextId++, key, feeds, ...(options.outputNames ? { outputNames: options.outputNames } : {}) };
    return this.call<Record<string, HostTensor>>(msg, options.transfer === false ? [] : transferablesOf(Object.values(feeds)), options.signal);
  }

  /** Dispose the session under `key` in the worker (waits for a load in flight). */
  async unload(key: string): Promise<void> {
    const loading = this.loads.get(key);
    if (!loading) return;
    this.loads.delete(key);
    await loading.catch(() => undefined);
    if (!this.slot) return;
    await this.call<void>({ type: 'unload', id: this.nextId++, key }, []);
  }

  /**
   * Give up on the current worker now, as if it had crashed: pending calls reject at once with
   * StudioError('worker_crashed') and its sessions are forgotten. The thread frees its sessions and exits as
   * soon as the ORT call it may be in returns. For a run that takes too long; the next load starts a fresh worker.
   */
  kill(): void {
    if (!this.stopWorker()) return;
    this.failAll(new StudioError('worker_crashed', `${this.name} worker was killed while calls were pending`));
  }

  /**
   * Fail pending calls, free every session and end the worker thread. Resolves once every thread this host
   * started has exited — after the ORT call in progress, if any, returns. Idempotent.
   */
  async dispose(): Promise<void> {
    this.disposed = true;
    this.stopWorker();
    this.failAll(new StudioError('cancelled', `${this.name} was disposed`));
    await Promise.all([...this.stopping].map((s) => s.exited));
  }
}
