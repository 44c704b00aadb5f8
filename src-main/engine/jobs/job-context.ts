/**
 * What a running job (on the host) or a worker task (in a worker thread) can see of its surroundings.
 * Declared here, before the queue and the pool, so domain services can be written against it.
 */
export interface ProgressReport {
  /** 0..1, or null while unknown. */
  fraction: number | null;
  stage: string;
  /** Seconds left, when the body knows better than the queue's estimate (a resumed download); omit otherwise. */
  etaSeconds?: number | null;
}

export interface JobContext {
  /** Aborted when the user cancels; work must stop promptly and throw `StudioError('cancelled')`. */
  readonly signal: AbortSignal;
  /** Report progress; the queue adds the ETA and throttles events. */
  progress(report: ProgressReport): void;
  /** Run a CPU-heavy task in a worker thread (ORT, decoding); see `TaskRunner`. */
  readonly tasks: TaskRunner;
}

/** Runs named task modules in worker threads. A crashed worker rejects with StudioError('worker_crashed'). */
export interface TaskRunner {
  run<I, O>(task: string, input: I, options: { signal: AbortSignal; onProgress?: (report: ProgressReport) => void }): Promise<O>;
}

/** The signature every worker task module exports as `run`. */
export type TaskFunction<I, O> = (input: I, context: { signal: AbortSignal; progress(report: ProgressReport): void }) => Promise<O> | O;
