import {
  StudioError,
  type EventName,
  type InputOf,
  type JobRecord,
  type OutputOf,
  type PayloadOf,
  type ProcedureName,
} from './api/index.js';
import type { HostEnvelope } from './api/envelope.js';
import type { ClientWire, HostServices } from './api/wire.js';

/** The typed Studio client: the only thing the renderer (and the CLI) talks to. */
export interface StudioClient {
  call<P extends ProcedureName>(procedure: P, input: InputOf<P>): Promise<OutputOf<P>>;
  on<E extends EventName>(event: E, listener: (payload: PayloadOf<E>) => void): () => void;
  /** Resolves with the job's final record (whatever its state); rejects only if the connection is lost. */
  waitForJob(jobId: string, onUpdate?: (job: JobRecord) => void): Promise<JobRecord>;
  upload(name: string, data: ArrayBuffer): Promise<{ uploadId: string }>;
  mediaUrl(mediaId: string): string;
  close(): void;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: StudioError): void;
}

const finalStates = new Set(['succeeded', 'failed', 'cancelled']);

export function createStudioClient(wire: ClientWire, services: HostServices, options: { debug?: boolean } = {}): StudioClient {
  let nextId = 1;
  const pending = new Map<number, Pending>();
  const listeners = new Map<string, Set<(payload: unknown) => void>>();

  wire.onMessage((message: HostEnvelope) => {
    if (options.debug) console.debug('[studio] <-', message);
    if (message.kind === 'result') {
      const entry = pending.get(message.id);
      if (!entry) return;
      pending.delete(message.id);
      if (message.ok) entry.resolve(message.value);
      else entry.reject(StudioError.fromData(message.error));
    } else if (message.kind === 'event') {
      for (const listener of listeners.get(message.event) ?? []) listener(message.payload);
    }
  });

  wire.onClose((reason) => {
    for (const entry of pending.values()) entry.reject(new StudioError('engine_unavailable', `The studio engine is not reachable (${reason}).`));
    pending.clear();
  });

  function send(message: Parameters<ClientWire['send']>[0]): void {
    if (options.debug) console.debug('[studio] ->', message);
    wire.send(message);
  }

  const client: StudioClient = {
    call(procedure, input) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        send({ kind: 'call', id, procedure, input });
      });
    },
    on(event, listener) {
      let set = listeners.get(event);
      if (!set) {
        set = new Set();
        listeners.set(event, set);
        send({ kind: 'subscribe', event });
      }
      const untyped = listener as (payload: unknown) => void;
      set.add(untyped);
      return () => {
        const current = listeners.get(event);
        if (!current || !current.delete(untyped)) return;
        if (current.size === 0) {
          listeners.delete(event);
          send({ kind: 'unsubscribe', event });
        }
      };
    },
    async waitForJob(jobId, onUpdate) {
      // Subscribe before reading the current state so no transition can slip between the two.
      return new Promise<JobRecord>((resolve, reject) => {
        let done = false;
        const finish = (job: JobRecord) => {
          if (done) return;
          done = true;
          off();
          resolve(job);
        };
        const off = client.on('job.updated', (job) => {
          if (job.id !== jobId) return;
          onUpdate?.(job);
          if (finalStates.has(job.state)) finish(job);
        });
        client.call('jobs.get', { jobId }).then(
          (job) => {
            if (finalStates.has(job.state)) finish(job);
          },
          (error: unknown) => {
            done = true;
            off();
            reject(error);
          },
        );
      });
    },
    upload: (name, data) => services.upload(name, data),
    mediaUrl: (mediaId) => services.mediaUrl(mediaId),
    close() {
      wire.close();
    },
  };
  return client;
}
