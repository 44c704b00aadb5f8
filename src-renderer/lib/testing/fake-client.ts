import { StudioError, type EventName, type InputOf, type JobRecord, type OutputOf, type PayloadOf, type ProcedureName } from '$shared/api/index.js';
import type { StudioClient } from '$shared/client.js';

type Handler<P extends ProcedureName> = (input: InputOf<P>) => OutputOf<P> | Promise<OutputOf<P>>;

/**
 * A StudioClient for unit tests of services: procedures answer from handlers the test installs
 * (an unhandled call fails like an unknown procedure), events are emitted by the test, and every
 * call is recorded.
 */
export class FakeClient implements StudioClient {
  calls: { procedure: ProcedureName; input: unknown }[] = [];
  uploads: { name: string; bytes: number }[] = [];
  uploadError: ((name: string) => StudioError | null) | null = null;
  jobs = new Map<string, JobRecord>();
  #handlers = new Map<string, (input: unknown) => unknown>();
  #listeners = new Map<string, Set<(payload: unknown) => void>>();

  handle<P extends ProcedureName>(procedure: P, handler: Handler<P>): this {
    this.#handlers.set(procedure, handler as (input: unknown) => unknown);
    return this;
  }

  async call<P extends ProcedureName>(procedure: P, input: InputOf<P>): Promise<OutputOf<P>> {
    this.calls.push({ procedure, input });
    const handler = this.#handlers.get(procedure);
    if (!handler) throw new StudioError('unknown_procedure', `No fake handler for ${procedure}`);
    return (await handler(input)) as OutputOf<P>;
  }

  callsOf(procedure: ProcedureName): unknown[] {
    return this.calls.filter((c) => c.procedure === procedure).map((c) => c.input);
  }

  on<E extends EventName>(event: E, listener: (payload: PayloadOf<E>) => void): () => void {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    const untyped = listener as (payload: unknown) => void;
    set.add(untyped);
    return () => set.delete(untyped);
  }

  emit<E extends EventName>(event: E, payload: PayloadOf<E>): void {
    for (const listener of this.#listeners.get(event) ?? []) listener(payload);
  }

  listenerCount(event: EventName): number {
    return this.#listeners.get(event)?.size ?? 0;
  }

  /** Resolves with the job record the test put in `jobs` (the fake's jobs finish at once). */
  async waitForJob(jobId: string, onUpdate?: (job: JobRecord) => void): Promise<JobRecord> {
    const job = this.jobs.get(jobId);
    if (!job) throw new StudioError('not_found', `No job ${jobId}`);
    onUpdate?.(job);
    return job;
  }

  async upload(name: string, data: ArrayBuffer): Promise<{ uploadId: string }> {
    const error = this.uploadError?.(name);
    if (error) throw error;
    this.uploads.push({ name, bytes: data.byteLength });
    return { uploadId: `upload-${this.uploads.length}` };
  }

  mediaUrl(mediaId: string): string {
    return `http://host/media/${mediaId}`;
  }

  close(): void {}
}

export function jobRecord(patch: Partial<JobRecord> & { id: string }): JobRecord {
  return {
    kind: 'library.import',
    title: 'Import',
    state: 'succeeded',
    progress: { fraction: 1, stage: 'done', etaSeconds: null },
    error: null,
    result: null,
    createdAt: '2026-11-25T10:00:00.000Z',
    startedAt: '2026-11-25T10:00:00.000Z',
    finishedAt: '2026-11-25T10:00:01.000Z',
    ...patch,
  };
}
