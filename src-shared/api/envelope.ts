import { z } from 'zod';
import { errorCodes } from './errors.js';

/**
 * [Note: envelopes] Transports move these and nothing else; they never look at procedure names.
 * Calls are answered by exactly one `result`. Events flow only for names the client subscribed to.
 * Jobs are cancelled through the `jobs.cancel` procedure, so cancellation needs no envelope of its own.
 */
export const clientEnvelopeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('call'), id: z.number().int().nonnegative(), procedure: z.string().max(200), input: z.unknown() }).strict(),
  z.object({ kind: z.literal('subscribe'), event: z.string().max(200) }).strict(),
  z.object({ kind: z.literal('unsubscribe'), event: z.string().max(200) }).strict(),
]);
export type ClientEnvelope = z.infer<typeof clientEnvelopeSchema>;

const errorDataSchema = z.object({
  code: z.enum(errorCodes),
  message: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});

export const hostEnvelopeSchema = z.discriminatedUnion('kind', [
  // Two result shapes share kind 'result': zod refuses duplicate discriminator values, so they nest on 'ok'.
  z.discriminatedUnion('ok', [
    z.object({ kind: z.literal('result'), id: z.number().int(), ok: z.literal(true), value: z.unknown() }),
    z.object({ kind: z.literal('result'), id: z.number().int(), ok: z.literal(false), error: errorDataSchema }),
  ]),
  z.object({ kind: z.literal('event'), event: z.string(), payload: z.unknown() }),
  /** Sent once when a connection is usable (Electron engine start-up, WebSocket open). */
  z.object({ kind: z.literal('ready') }),

]);
export type HostEnvelope =
  | { kind: 'result'; id: number; ok: true; value: unknown }
  | { kind: 'result'; id: number; ok: false; error: z.infer<typeof errorDataSchema> }
  | { kind: 'event'; event: string; payload: unknown }
  | { kind: 'ready' };
