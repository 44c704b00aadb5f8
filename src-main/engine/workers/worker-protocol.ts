import type { StudioErrorData } from '../../../src-shared/api/errors.js';
import type { ProgressReport } from '../jobs/job-context.js';

/** Messages between the pool (host thread) and a worker thread. Both sides are ours; both are structured-cloned. */
export type ToWorker =
  | { kind: 'run'; taskId: number; task: string; module: string; exportName: string; input: unknown }
  | { kind: 'cancel'; taskId: number };

export type FromWorker =
  | { kind: 'progress'; taskId: number; report: ProgressReport }
  | { kind: 'result'; taskId: number; value: unknown }
  | { kind: 'error'; taskId: number; error: SerializedTaskError };

/** A task's failure: a StudioError keeps its data; anything else keeps its message and stack for the host's log. */
export type SerializedTaskError = { studio: StudioErrorData } | { studio?: undefined; name: string; message: string; stack?: string };

/** What the bootstrap receives as `workerData`. */
export interface WorkerBootData {
  /** URL of the module to run once TypeScript loading is registered (the worker entry). */
  entry: string;
}
