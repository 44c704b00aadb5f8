import { parentPort } from 'node:worker_threads';
import { StudioError } from '../../../src-shared/api/errors.js';
import type { FromWorker, SerializedTaskError, ToWorker } from './worker-protocol.js';

/**
 * The code a pool worker runs: load task modules on demand, run one task at a time as the pool asks, forward
 * progress, and answer with a result or a serialised error. Touches nothing else (no DB, no files of its own).
 */
if (!parentPort) throw new Error('worker-entry.ts must run in a worker thread');
const port = parentPort;
const running = new Map<number, AbortController>();
const modules = new Map<string, Promise<Record<string, unknown>>>();

function post(message: FromWorker): void {
  port.postMessage(message);
}

function loadModule(url: string): Promise<Record<string, unknown>> {
  let loaded = modules.get(url);
  if (!loaded) {
    loaded = import(url) as Promise<Record<string, unknown>>;
    modules.set(url, loaded);
  }
  return loaded;
}

function serialize(error: unknown): SerializedTaskError {
  if (error instanceof StudioError || (error instanceof Error && error.name === 'StudioError' && 'code' in error)) {
    const studio = error as StudioError;
    return { studio: { code: studio.code, message: studio.message, ...(studio.details ? { details: studio.details } : {}) } };
  }
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  return { name: 'Error', message: String(error) };
}

async function runTask(message: Extract<ToWorker, { kind: 'run' }>): Promise<void> {
  const controller = new AbortController();
  running.set(message.taskId, controller);
  try {
    const module = await loadModule(message.module);
    const fn = module[message.exportName];
    if (typeof fn !== 'function') throw new Error(`Task module ${message.module} has no function export "${message.exportName}"`);
    const value = await fn(message.input, {
      signal: controller.signal,
      progress: (report: unknown) => post({ kind: 'progress', taskId: message.taskId, report: report as never }),
    });
    try {
      post({ kind: 'result', taskId: message.taskId, value });
    } catch (error) {
      // A result that cannot be cloned (functions, class handles) is the task's bug; say so instead of hanging.
      throw new Error(`Task "${message.task}" returned a value that cannot cross threads: ${(error as Error).message}`);
    }
  } catch (error) {
    post({ kind: 'error', taskId: message.taskId, error: serialize(error) });
  } finally {
    running.delete(message.taskId);
  }
}

port.on('message', (message: ToWorker) => {
  if (message.kind === 'run') void runTask(message);
  else if (message.kind === 'cancel') running.get(message.taskId)?.abort(new StudioError('cancelled', 'Cancelled.'));
});
