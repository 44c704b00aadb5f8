/**
 * Worker-thread side of SessionHost: owns the ORT sessions (one per key), runs them one request at a time, and
 * answers with transferred buffers. `Session.create` and `run` block this thread, never the host's.
 *
 * The thread ends itself on 'shutdown', between requests: `worker.terminate()` while onnxruntime-node is inside
 * a native call aborts the whole process (SIGABRT, "terminate called after throwing an instance of
 * 'Napi::Error'"), so the host never terminates a busy session worker.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { HostTensor } from '../../io/host-tensor.js';
import { Session } from '../session.js';
import { sessionWorkerInitSchema, toWorkerSchema, type FromWorker, type ToWorker } from './protocol.js';
import { transferablesOf } from './transfer.js';

const port = parentPort;
if (!port) throw new Error('session-worker must run in a worker thread');
const init = sessionWorkerInitSchema.safeParse(workerData);
if (!init.success) throw new Error(`session worker started with invalid workerData: ${init.error.message}`);

const sessions = new Map<string, Promise<Session>>();
const queue: ToWorker[] = [];
const cancelled = new Set<number>();
let draining = false;

function send(msg: FromWorker, transfer: ArrayBuffer[] = []): void {
  try {
    port!.postMessage(msg, transfer);
  } catch {
    // A buffer ORT owns may refuse to be detached: send a copy instead.
    port!.postMessage(msg);
  }
}

function wireError(err: unknown): { name: string; message: string } {
  return err instanceof Error ? { name: err.name, message: err.message } : { name: 'Error', message: String(err) };
}

async function handle(msg: ToWorker): Promise<void> {
  switch (msg.type) {
    case 'load': {
      if (sessions.has(msg.key)) throw new Error(`a session is already loaded under "${msg.key}"`);
      const creating = Session.create('bytes' in msg.model ? msg.model.bytes : msg.model.path, msg.options);
      sessions.set(msg.key, creating);
      let session: Session;
      try {
        session = await creating;
      } catch (err) {
        sessions.delete(msg.key);
        throw err;
      }
      send({
        type: 'loaded',
        id: msg.id,
        info: {
          inputNames: [...session.inputNames],
          outputNames: [...session.outputNames],
          provider: session.providerInUse,
          ...(session.providerReason === undefined ? {} : { providerReason: session.providerReason }),
        },
      });
      return;
    }
    case 'run': {
      const session = await sessions.get(msg.key);
      if (!session) throw new Error(`no session is loaded under "${msg.key}"`);
      const outputs: Record<string, HostTensor> = await session.run(msg.feeds, msg.outputNames ? { outputNames: msg.outputNames } : {});
      send({ type: 'result', id: msg.id, outputs }, transferablesOf(Object.values(outputs)));
      return;
    }
    case 'unload': {
      const session = sessions.get(msg.key);
      sessions.delete(msg.key);
      if (session) await (await session.catch(() => undefined))?.dispose();
      send({ type: 'done', id: msg.id });
      return;
    }
    case 'cancel':
    case 'shutdown':
      return; // handled on arrival
  }
}

let shuttingDown = false;

/** Free the native sessions, then end this thread. Only ever called between requests, never inside ORT. */
async function shutdown(): Promise<void> {
  const all = [...sessions.values()];
  sessions.clear();
  for (const s of all) await (await s.catch(() => undefined))?.dispose();
  process.exit(0);
}

/** One request at a time, so a cancel that arrives while another run blocks the thread can still skip its target. */
async function drain(): Promise<void> {
  if (draining) return;
  draining = true;
  try {
    while (queue.length > 0 && !shuttingDown) {
      // Let already-delivered messages (cancels, shutdown) land before starting the next blocking call.
      await new Promise((resolve) => setImmediate(resolve));
      if (shuttingDown) break;
      const msg = queue.shift()! as Exclude<ToWorker, { type: 'shutdown' }>;
      // Ids only grow, so a cancel for an id below this one came too late: forget it.
      for (const c of cancelled) if (c < msg.id) cancelled.delete(c);
      if (cancelled.delete(msg.id)) {
        send({ type: 'done', id: msg.id });
        continue;
      }
      try {
        await handle(msg);
      } catch (err) {
        send({ type: 'error', id: msg.id, error: wireError(err) });
      }
    }
  } finally {
    draining = false;
  }
  if (shuttingDown) await shutdown();
}

port.on('message', (raw: unknown) => {
  const parsed = toWorkerSchema.safeParse(raw);
  if (!parsed.success) {
    const id = typeof raw === 'object' && raw !== null && typeof (raw as { id?: unknown }).id === 'number' ? (raw as { id: number }).id : -1;
    send({ type: 'error', id, error: { name: 'TypeError', message: `invalid request to session worker: ${parsed.error.message}` } });
    return;
  }
  const msg = parsed.data;
  if (msg.type === 'cancel') {
    cancelled.add(msg.id);
    return;
  }
  if (msg.type === 'shutdown') {
    // The host has already failed whatever is queued; drop it and stop after the current call.
    shuttingDown = true;
    queue.length = 0;
    if (!draining) void shutdown();
    return;
  }
  queue.push(msg);
  void drain();
});

send({ type: 'ready' });
