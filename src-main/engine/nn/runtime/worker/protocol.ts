/**
 * Messages between a SessionHost (main thread) and its session worker. Both ends are ours, but the worker
 * validates its init data and every request with these schemas, so a malformed call fails loudly instead of
 * half-working.
 */
import { z } from 'zod';
import type { HostTensor } from '../../io/host-tensor.js';

export const sessionOptionsSchema = z
  .object({
    provider: z.enum(['auto', 'cuda', 'dml', 'coreml', 'webgpu', 'cpu']).optional(),
    intraOpThreads: z.number().int().min(0).max(1024).optional(),
    interOpThreads: z.number().int().min(0).max(1024).optional(),
    externalDataDir: z.string().min(1).optional(),
    graphOptimizationLevel: z.enum(['disabled', 'basic', 'extended', 'all']).optional(),
    logSeverityLevel: z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3), z.literal(4)]).optional(),
  })
  .strict();

/** `workerData` of a session worker (`entry` belongs to the TypeScript bootstrap). */
export const sessionWorkerInitSchema = z.object({
  entry: z.string().optional(),
  /** Shown in error messages and thread names. */
  name: z.string().min(1).max(100),
});
export type SessionWorkerInit = z.infer<typeof sessionWorkerInitSchema>;

const key = z.string().min(1).max(500);
const id = z.number().int().nonnegative();

export const toWorkerSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('load'),
    id,
    key,
    model: z.union([z.object({ bytes: z.custom<Uint8Array>((v) => v instanceof Uint8Array, 'model bytes must be a Uint8Array') }), z.object({ path: z.string().min(1) })]),
    options: sessionOptionsSchema,
  }),
  z.object({
    type: z.literal('run'),
    id,
    key,
    // Tensors are checked by Session.run, which names the offending input.
    feeds: z.record(z.string(), z.custom<HostTensor>((v) => typeof v === 'object' && v !== null)),
    outputNames: z.array(z.string()).optional(),
  }),
  z.object({ type: z.literal('cancel'), id }),
  z.object({ type: z.literal('unload'), id, key }),
  // Free every session and end the thread once the call in progress (if any) returns.
  z.object({ type: z.literal('shutdown') }),
]);
export type ToWorker = z.infer<typeof toWorkerSchema>;

export interface LoadedInfo {
  inputNames: string[];
  outputNames: string[];
  provider: string;
  providerReason?: string;
}

export interface WireError {
  name: string;
  message: string;
}

export type FromWorker =
  | { type: 'ready' }
  | { type: 'loaded'; id: number; info: LoadedInfo }
  | { type: 'result'; id: number; outputs: Record<string, HostTensor> }
  /** Answer to unload, and to a request skipped because it was cancelled before it started. */
  | { type: 'done'; id: number }
  | { type: 'error'; id: number; error: WireError };
