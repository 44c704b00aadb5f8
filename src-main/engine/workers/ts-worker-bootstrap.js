// Plain JS on purpose: a worker thread starts without any TypeScript loader, even when its parent runs under
// tsx or vitest. This registers tsx in the worker, then loads the (TypeScript) module named in workerData.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
